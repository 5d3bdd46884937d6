// Turns zod issues into "path: problem" lines a person can act on.
import type { z } from "zod";

export function formatIssuePath(path: readonly PropertyKey[], root?: string): string {
  let out = root ?? "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || "(config)";
}

export function formatZodIssues(issues: readonly z.core.$ZodIssue[], root?: string): string[] {
  return issues.map((i) => `${formatIssuePath(i.path, root)}: ${i.message}`);
}
