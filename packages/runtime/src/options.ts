// The one way plugin options are checked, for every kind of plugin and every entry point: the plugin's own zod
// schema, and a CONFIG_INVALID error (exit 2) naming each bad value and what is allowed.
import { formatZodIssues, LakehouseError } from "@crypto-lakehouse/core";
import type { z } from "zod";

interface SafeParser<O> {
  safeParse(
    v: unknown,
    params?: { reportInput?: boolean },
  ): { success: boolean; data?: O; error?: { issues: z.core.$ZodIssue[] } };
}

/** `where` names the plugin (`storage s3`, `executor journal`); it prefixes every detail line. */
export function parseOptions<O>(schema: SafeParser<O> | undefined, value: unknown, where: string): O {
  if (!schema) return value as O;
  const r = schema.safeParse(value, { reportInput: true });
  if (!r.success) {
    // A zod 4 schema can say what is allowed; a plugin built on another zod keeps its own messages.
    const described = "_zod" in schema ? (schema as unknown as z.core.$ZodType) : undefined;
    throw new LakehouseError("CONFIG_INVALID", `Invalid options for ${where}`, {
      details: formatZodIssues(r.error!.issues, where, described),
    });
  }
  return r.data as O;
}
