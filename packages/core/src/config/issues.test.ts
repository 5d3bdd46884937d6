// Zod issues explained for people: the path, the bad value (cut short), what is wrong and what is allowed.

import { describe, expect, it } from "vitest";
import { z } from "zod";
import { describeSchema, explainZodIssue, formatZodIssues, showValue } from "./issues.js";

const Schema = z
  .object({
    n: z.number().int().min(1).max(10).optional(),
    f: z.number().min(0).optional(),
    s: z.union([
      z.string(),
      z.array(z.string()),
      z.record(z.string(), z.union([z.string(), z.array(z.string())])),
    ]),
    e: z.enum(["a", "b"]).optional(),
    o: z
      .object({ x: z.string().min(1) })
      .strict()
      .optional(),
    l: z.array(z.string().min(1)).min(1).optional(),
  })
  .strict();

const lines = (input: unknown, root?: string) => {
  const r = Schema.safeParse(input, { reportInput: true });
  if (r.success) throw new Error("expected issues");
  return formatZodIssues(r.error.issues, root, Schema);
};

describe("explaining zod issues", () => {
  it("names the value and the allowed range or type", () => {
    expect(lines({ s: "A", n: 0 })).toEqual(["n: 0 is too small (allowed: an integer from 1 to 10)"]);
    expect(lines({ s: "A", n: 11 })).toEqual(["n: 11 is too big (allowed: an integer from 1 to 10)"]);
    expect(lines({ s: "A", n: 2.5 })).toEqual([
      "n: 2.5 is not an integer (allowed: an integer from 1 to 10)",
    ]);
    expect(lines({ s: "A", f: -1 })).toEqual(["f: -1 is too small (allowed: a number of at least 0)"]);
    expect(lines({ s: "A", n: "3" })).toEqual([
      "n: '3' is a string, not a number (allowed: an integer from 1 to 10)",
    ]);
    expect(lines({ s: "A", e: "c" })).toEqual(["e: 'c' is not a valid choice (allowed: one of a, b)"]);
    expect(lines({ s: "A", l: [] })).toEqual([
      "l: [] is empty (allowed: a non-empty list of non-empty strings)",
    ]);
    expect(lines({ s: "A", l: ["x", ""] })).toEqual(["l[1]: '' is empty (allowed: a non-empty string)"]);
    expect(lines({ s: "A", o: {} })).toEqual(["o.x: missing (allowed: a non-empty string)"]);
    expect(lines(null, "cfg")).toEqual([
      "cfg: null is not an object (allowed: an object with keys n, f, s, e, o, l)",
    ]);
  });

  it("names unknown keys with the allowed ones, at any depth", () => {
    expect(lines({ s: "A", o: { x: "1", y: 2 }, z: 1 })).toEqual([
      "o.y: unknown key (allowed keys: x)",
      "z: unknown key (allowed keys: n, f, s, e, o, l)",
    ]);
  });

  it("explains a union failure by the option the value was meant to be, through nested unions", () => {
    expect(lines({ s: 5 })).toEqual([
      "s: 5 has the wrong type (allowed: a string, a list of strings or an object of strings or lists of strings)",
    ]);
    expect(lines({ s: ["A", 5] })).toEqual(["s[1]: 5 is a number, not a string"]);
    expect(lines({ s: { spot: ["A", true] } })).toEqual(["s.spot[1]: true is a boolean, not a string"]);
  });

  it("cuts long values and escapes control characters", () => {
    expect(showValue("a\nb")).toBe("'a\\nb'");
    expect(showValue("x".repeat(100))).toBe(`'${"x".repeat(39)}…'`);
    expect(showValue({ k: "v".repeat(100) })).toHaveLength(40);
    expect(showValue(undefined)).toBe("nothing");
    const [line] = lines({ s: "A", e: "y".repeat(10_000) });
    expect(line!.length).toBeLessThan(100);
  });

  it("keeps zod's own message for issues parsed without reportInput", () => {
    const r = Schema.safeParse({ s: "A", n: 0 });
    expect(formatZodIssues(r.error!.issues, "opts")).toEqual([
      "opts.n: Too small: expected number to be >=1",
    ]);
  });

  it("describes schemas in a few words", () => {
    expect(describeSchema(z.boolean())).toBe("true or false");
    expect(describeSchema(z.url())).toBe("a URL such as http://host:port");
    expect(describeSchema(z.array(z.string()).describe("a list of markets"))).toBe("a list of markets");
    expect(
      explainZodIssue(Schema.safeParse({ s: "A", n: 0 }, { reportInput: true }).error!.issues[0]!),
    ).toEqual([{ path: ["n"], message: "0 is too small (allowed: at least 1)" }]);
  });
});

describe("values shown in messages never carry secrets", () => {
  it("masks URL credentials and anything under a credential-like key", () => {
    const schema = z
      .object({
        queue: z.string().url().max(10),
        options: z.object({ password: z.string().min(20), nested: z.object({ n: z.number() }) }),
      })
      .strict();
    const r = schema.safeParse(
      {
        queue: "redis://:pa55word@host:6379",
        options: { password: "pa55word", nested: { n: "x", api_key: "pa55word" } },
      },
      { reportInput: true },
    );
    expect(r.success).toBe(false);
    const text = formatZodIssues(r.error!.issues, "config", schema).join("\n");
    expect(text).toContain("config.queue: 'redis://:***@host:6379' is too long");
    expect(text).toContain("config.options.password: *** is too short");
    expect(text).not.toContain("pa55word");
    expect(showValue({ token: "pa55word", url: "https://u:pa55word@h/" })).toBe(
      '{"token":"***","url":"https://u:***@h/"}',
    );
  });
});
