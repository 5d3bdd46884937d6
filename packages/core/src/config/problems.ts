// Config problems: each with its path from the config's root, reported together, in config-path order, with
// keys given as CLI flags named as those flags.
import { LakehouseError } from "../errors.js";
import { explainZodIssue, formatIssuePath } from "./issues.js";
import { type RawConfig, RawConfigSchema } from "./schema.js";

export type Path = readonly PropertyKey[];

/** One problem with the config: its path (from the config's root) and what is wrong there. */
export interface Problem {
  path: Path;
  message: string;
}

export type Sources = Partial<Record<keyof RawConfig, string>>;

/**
 * Shape-checks the config. Where that fails, every top-level key whose own value passes is kept, so the
 * archive checks still run on it and all problems are reported together; `bad` holds the keys that failed.
 * `raw` is undefined when the config is not an object at all.
 */
export function parseParts(input: unknown, problems: Problem[]): { raw?: RawConfig; bad: Set<string> } {
  const parsed = RawConfigSchema.safeParse(input, { reportInput: true });
  if (parsed.success) return { raw: parsed.data, bad: new Set() };
  for (const issue of parsed.error.issues) problems.push(...explainZodIssue(issue, RawConfigSchema));
  if (!input || typeof input !== "object" || Array.isArray(input)) return { bad: new Set() };
  const raw: Record<string, unknown> = {};
  const bad = new Set<string>();
  for (const [key, schema] of Object.entries(RawConfigSchema.shape)) {
    if (!Object.hasOwn(input, key)) continue;
    const one = schema.safeParse((input as Record<string, unknown>)[key]);
    if (one.success) raw[key] = one.data;
    else bad.add(key);
  }
  return { raw: raw as RawConfig, bad };
}

const KEY_ORDER = Object.keys(RawConfigSchema.shape);

/** Sort key of a path: top-level keys in the schema's order (unknown ones after), list items by index, other keys as written. */
function sortKey(path: Path, input: unknown): [number, string][] {
  let node: unknown = input;
  return path.map((seg, level) => {
    const here = node;
    node = here && typeof here === "object" ? (here as Record<PropertyKey, unknown>)[seg] : undefined;
    if (typeof seg === "number") return [seg, ""];
    const name = String(seg);
    const known = level === 0 ? KEY_ORDER.indexOf(name) : -1;
    if (known >= 0) return [known, name];
    const written =
      here && typeof here === "object" && !Array.isArray(here) ? Object.keys(here).indexOf(name) : -1;
    return [(level === 0 ? KEY_ORDER.length : 0) + (written >= 0 ? written : Number.MAX_SAFE_INTEGER), name];
  });
}

function compareKeys(a: [number, string][], b: [number, string][]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x[0] !== y[0]) return x[0] - y[0];
    if (x[1] !== y[1]) return x[1] < y[1] ? -1 : 1;
  }
  return a.length - b.length;
}

/** A path as the user wrote it: keys given as flags are named as flags (`--market[0]`, `--start`). */
export function pathNamer(sources: Sources | undefined): (path: Path) => string {
  return (path) => {
    const [head, ...rest] = path;
    const flag = head === undefined ? undefined : sources?.[String(head) as keyof RawConfig];
    if (!flag) return formatIssuePath(path);
    if (head === "date_range" && (rest[0] === "start" || rest[0] === "end"))
      return formatIssuePath(rest.slice(1), `--${rest[0]}`);
    return formatIssuePath(rest, flag);
  };
}

/** Every problem once, as "path: message", in config-path order (a stable order, whatever found it). */
function report(problems: readonly Problem[], input: unknown, where: (path: Path) => string): string[] {
  const keyed = problems.map((p) => ({
    key: sortKey(p.path, input),
    line: `${where(p.path)}: ${p.message}`,
  }));
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return [...new Set(keyed.map((k) => k.line))];
}

/** The CONFIG_INVALID error for `problems` (all of them, at once). */
export function invalidConfig(
  problems: readonly Problem[],
  input: unknown,
  where: (path: Path) => string,
): LakehouseError {
  const lines = report(problems, input, where);
  const head =
    lines.length === 1
      ? `Invalid configuration: ${lines[0]}`
      : `Invalid configuration (${lines.length} problems):`;
  return new LakehouseError("CONFIG_INVALID", head, { details: lines.length === 1 ? [] : lines });
}
