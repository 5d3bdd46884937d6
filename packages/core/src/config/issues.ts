// Turns zod issues into "path: problem" lines a person can act on: the bad value, what is wrong, what is allowed.
import type { z } from "zod";
import { isSecretName, REDACTED, redactUrlsIn } from "../util/redact.js";

type Schema = z.core.$ZodType;
type Issue = z.core.$ZodIssue;
type Def = { type: string } & Record<string, unknown>;

/** One problem found in a value: where (path from the value's root) and what, without the path. */
export interface IssueLine {
  path: PropertyKey[];
  message: string;
}

/** Longest user value (or path segment) printed; longer ones are cut with "…". */
const MAX_SHOWN = 40;

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function formatIssuePath(path: readonly PropertyKey[], root?: string): string {
  let out = root ?? "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${cut(String(seg), MAX_SHOWN)}` : cut(String(seg), MAX_SHOWN);
  }
  return out || "(config)";
}

/** A short printable form of a user's value: strings in single quotes, control characters escaped, long values cut. */
export function showValue(v: unknown, max = MAX_SHOWN): string {
  if (v === undefined) return "nothing";
  // Never a secret: URL credentials are masked, and so is anything under a credential-like key.
  if (typeof v === "string")
    return `'${cut(JSON.stringify(redactUrlsIn(v)).slice(1, -1).replaceAll('\\"', '"'), max)}'`;
  if (typeof v === "bigint" || typeof v === "symbol" || typeof v === "function") return cut(String(v), max);
  try {
    const masked = (key: string, x: unknown) =>
      key && isSecretName(key) ? REDACTED : typeof x === "string" ? redactUrlsIn(x) : x;
    return cut(JSON.stringify(v, masked) ?? String(v), max);
  } catch {
    return Object.prototype.toString.call(v);
  }
}

function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "an object";
  if (typeof v === "boolean") return "a boolean";
  return `a ${typeof v === "bigint" ? "number" : typeof v}`;
}

const EXPECTED: Record<string, string> = {
  int: "an integer",
  boolean: "true or false",
  array: "a list",
  object: "an object",
  record: "an object",
};

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "nonoptional", "catch"]);

function def(s: Schema): Def {
  return s._zod.def as unknown as Def;
}

function unwrap(s: Schema): Schema {
  while (WRAPPERS.has(def(s).type)) s = def(s).innerType as Schema;
  return s;
}

function orList(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? "") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

function minLength(s: Schema): number {
  const checks =
    (def(s).checks as { _zod: { def: { check: string; minimum?: number } } }[] | undefined) ?? [];
  let min = 0;
  for (const c of checks) if (c._zod.def.check === "min_length") min = Math.max(min, c._zod.def.minimum ?? 0);
  return min;
}

/** What a schema accepts, in a few words ("an integer from 1 to 10000"); `plural` for list elements. */
export function describeSchema(schema: Schema, plural = false): string | undefined {
  const s = unwrap(schema);
  const d = def(s);
  const described = (s as { description?: string }).description;
  if (described) return plural ? undefined : described;
  const n = (one: string, many: string) => (plural ? many : one);
  switch (d.type) {
    case "string": {
      const str = s as unknown as { format?: string | null; minLength?: number | null };
      if (str.format === "url") return n("a URL such as http://host:port", "URLs");
      if (str.format) return n(`a ${str.format}`, `${str.format} values`);
      return (str.minLength ?? 0) >= 1
        ? n("a non-empty string", "non-empty strings")
        : n("a string", "strings");
    }
    case "number": {
      const num = s as unknown as { isInt?: boolean; minValue?: number | null; maxValue?: number | null };
      const bounded = (x: number | null | undefined) =>
        typeof x === "number" && Math.abs(x) < Number.MAX_SAFE_INTEGER ? x : undefined;
      const [lo, hi] = [bounded(num.minValue), bounded(num.maxValue)];
      const base = num.isInt ? n("an integer", "integers") : n("a number", "numbers");
      if (lo !== undefined && hi !== undefined) return `${base} from ${lo} to ${hi}`;
      if (lo !== undefined) return `${base} of at least ${lo}`;
      if (hi !== undefined) return `${base} of at most ${hi}`;
      return base;
    }
    case "boolean":
      return n("true or false", "true/false values");
    case "enum":
      return `one of ${Object.values(d.entries as Record<string, string>).join(", ")}`;
    case "literal": {
      const values = (d.values as unknown[]).map(String);
      return values.length === 1 ? values[0] : `one of ${values.join(", ")}`;
    }
    case "array": {
      const of = describeSchema(d.element as Schema, true) ?? "values";
      return `${minLength(s) >= 1 ? n("a non-empty list", "non-empty lists") : n("a list", "lists")} of ${of}`;
    }
    case "object": {
      const keys = Object.keys(d.shape as object);
      if (keys.length === 0 || keys.length > 6) return n("an object", "objects");
      return `${n("an object", "objects")} with ${keys.length === 1 ? "key" : "keys"} ${keys.join(", ")}`;
    }
    case "record":
      return `${n("an object", "objects")} of ${describeSchema(d.valueType as Schema, true) ?? "values"}`;
    case "union": {
      const parts = (d.options as Schema[]).map((o) => describeSchema(o, plural));
      return parts.every((p) => p !== undefined) ? orList(parts as string[]) : undefined;
    }
    default:
      return undefined;
  }
}

/** The schema found at `path` inside `schema` (undefined inside unions: their issues are explained per option). */
function schemaAt(schema: Schema, path: readonly PropertyKey[]): Schema | undefined {
  let s: Schema | undefined = schema;
  for (const seg of path) {
    if (!s) return undefined;
    const d = def(unwrap(s));
    if (d.type === "object") s = (d.shape as Record<PropertyKey, Schema>)[seg];
    else if (d.type === "array" && typeof seg === "number") s = d.element as Schema;
    else if (d.type === "record") s = d.valueType as Schema;
    else return undefined;
  }
  return s;
}

/** A union option's issues, when they all say "no such type here" (nested unions included). */
function wrongType(errs: readonly Issue[]): boolean {
  return errs.some(
    (e) =>
      e.path.length === 0 &&
      (e.code === "invalid_type" || (e.code === "invalid_union" && e.errors.every(wrongType))),
  );
}

/**
 * The one union option the value was meant to be: the only one whose issues all lie below the value's own
 * level (its type matched). Nested unions are searched through. Undefined when none or several qualify.
 */
function closest(
  errors: readonly (readonly Issue[])[],
  options: readonly Schema[],
): { issues: readonly Issue[]; option: Schema } | undefined {
  const found: { issues: readonly Issue[]; option: Schema }[] = [];
  errors.forEach((errs, i) => {
    const option = options[i];
    if (!option) return;
    if (errs.length > 0 && errs.every((e) => e.path.length > 0)) found.push({ issues: errs, option });
    else if (errs.length === 1 && errs[0]!.code === "invalid_union" && errs[0]!.path.length === 0) {
      const inner = def(unwrap(option));
      const nested = inner.type === "union" ? closest(errs[0]!.errors, inner.options as Schema[]) : undefined;
      if (nested) found.push(nested);
    }
  });
  return found.length === 1 ? found[0] : undefined;
}

/**
 * Explains one zod issue (parsed with `reportInput: true`, so it carries the bad value): where, the value,
 * what is wrong and, given the schema that was parsed, what is allowed. Union failures are explained by the
 * option the value came closest to, when there is exactly one.
 */
export function explainZodIssue(issue: Issue, schema?: Schema): IssueLine[] {
  const at = schema && schemaAt(schema, issue.path);
  const secret = issue.path.some((p) => typeof p === "string" && isSecretName(p));
  const v = secret ? REDACTED : showValue(issue.input);
  const line = (message: string, fallback?: string, said?: string): IssueLine[] => {
    const allowed = (at && describeSchema(at)) ?? fallback;
    const tail = allowed && allowed !== said ? ` (allowed: ${allowed})` : "";
    return [{ path: [...issue.path], message: `${message}${tail}` }];
  };
  const sized = (origin: string) => origin === "number" || origin === "bigint" || origin === "date";
  switch (issue.code) {
    case "invalid_type": {
      const expected = EXPECTED[issue.expected] ?? `a ${issue.expected}`;
      if (issue.input === undefined) return line("missing", expected);
      const got = typeOf(issue.input);
      if (issue.expected === "int" || got === "null" || got === expected)
        return line(`${v} is not ${expected}`);
      return line(`${v} is ${got}, not ${expected}`, undefined, expected);
    }
    case "too_small": {
      const min = String(issue.minimum);
      if (sized(issue.origin)) return line(`${v} is too small`, `at least ${min}`);
      return line(Number(min) === 1 ? `${v} is empty` : `${v} is too short`, `at least ${min} long`);
    }
    case "too_big": {
      const max = String(issue.maximum);
      if (sized(issue.origin)) return line(`${v} is too big`, `at most ${max}`);
      return line(`${v} is too long`, `at most ${max} long`);
    }
    case "invalid_format":
      return line(`${v} is not a valid ${issue.format === "url" ? "URL" : issue.format}`);
    case "not_multiple_of":
      return line(`${v} is not a multiple of ${String(issue.divisor)}`);
    case "invalid_value":
      return line(`${v} is not a valid choice`, `one of ${issue.values.map(String).join(", ")}`);
    case "unrecognized_keys": {
      const d = at && def(unwrap(at));
      const keys = d?.type === "object" ? Object.keys(d.shape as object) : [];
      const tail = keys.length ? ` (allowed keys: ${keys.join(", ")})` : "";
      return issue.keys.map((k) => ({ path: [...issue.path, k], message: `unknown key${tail}` }));
    }
    case "invalid_union": {
      const options = at && def(unwrap(at)).type === "union" ? (def(unwrap(at)).options as Schema[]) : [];
      const near = closest(issue.errors, options);
      if (near) {
        return near.issues.flatMap((e) =>
          explainZodIssue(e, near.option).map((l) => ({
            path: [...issue.path, ...l.path],
            message: l.message,
          })),
        );
      }
      return line(issue.errors.every(wrongType) ? `${v} has the wrong type` : `${v} is not valid`);
    }
    default:
      return line(issue.input === undefined || secret ? issue.message : `${v}: ${issue.message}`);
  }
}

/**
 * "path: problem" lines. Issues parsed with `reportInput: true` name the bad value and, given the parsed
 * `schema`, what is allowed; others keep zod's own message.
 */
export function formatZodIssues(issues: readonly Issue[], root?: string, schema?: Schema): string[] {
  return issues.flatMap((i) =>
    "input" in i
      ? explainZodIssue(i, schema).map((l) => `${formatIssuePath(l.path, root)}: ${l.message}`)
      : [`${formatIssuePath(i.path, root)}: ${i.message}`],
  );
}
