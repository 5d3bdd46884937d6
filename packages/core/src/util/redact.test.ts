// Credentials in URLs are masked wherever a URL may be printed or recorded; everything else is left as written.
import { describe, expect, it } from "vitest";
import { REDACTED, redactSecrets, redactUrl, redactUrlsIn } from "./redact.js";

describe("redactUrl", () => {
  it("masks the password of user:password@ and keeps the user", () => {
    expect(redactUrl("redis://:s3cr3tPW@127.0.0.1:6379")).toBe("redis://:***@127.0.0.1:6379");
    expect(redactUrl("redis://user:secret@h:1/0")).toBe("redis://user:***@h:1/0");
    expect(redactUrl("https://u:p%40ss@host/path?x=1")).toBe("https://u:***@host/path?x=1");
  });

  it("masks a lone userinfo (some schemes put the token there) and one whose password holds a raw '@'", () => {
    expect(redactUrl("https://ghp_TOKEN@github.com/o/r")).toBe("https://***@github.com/o/r");
    expect(redactUrl("redis://:p@ss@h:1")).toBe("redis://:***@h:1");
  });

  it("masks a password whose raw '/' or '#' makes the URL unparseable, instead of leaking part of it", () => {
    expect(redactUrl("redis://:pa/ss@h:1")).toBe("redis://:***@h:1");
    expect(redactUrl("redis://:pa#ss@h:1?queue=q")).toBe("redis://:***@h:1?queue=q");
  });

  it("masks credential-like query parameters and keeps the others", () => {
    expect(redactUrl("redis://h:1?password=pw&queue=nightly&attempts=5")).toBe(
      "redis://h:1?password=***&queue=nightly&attempts=5",
    );
    expect(
      redactUrl(
        "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=AKIA%2F2025&X-Amz-Security-Token=tok&X-Amz-Signature=abc123#frag",
      ),
    ).toBe(
      "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4&X-Amz-Credential=***&X-Amz-Security-Token=***&X-Amz-Signature=***#frag",
    );
    expect(redactUrl("https://h/?sig=s&sv=2024&api_key=k&token=t&keepSeconds=60")).toBe(
      "https://h/?sig=***&sv=2024&api_key=***&token=***&keepSeconds=60",
    );
  });

  it("returns a URL without secrets, and anything that is not a URL, unchanged", () => {
    for (const s of [
      "redis://127.0.0.1:6379?queue=e2e&pollMs=200",
      "https://data.binance.vision",
      "http://h/@scope/pkg",
      "s3://bucket/prefix",
      "/var/lib/lakehouse",
      "",
      "not a url",
    ]) {
      expect(redactUrl(s)).toBe(s);
    }
  });
});

describe("redactUrlsIn", () => {
  it("masks every URL inside a message and leaves the words around them", () => {
    expect(
      redactUrlsIn("queue: 'redis://:pw@h:1' is not a URL; also GET https://u:p@x/y?token=t failed (503)."),
    ).toBe("queue: 'redis://:***@h:1' is not a URL; also GET https://u:***@x/y?token=*** failed (503).");
    expect(redactUrlsIn("Cannot reach Redis at redis://h:1 (ECONNREFUSED)")).toBe(
      "Cannot reach Redis at redis://h:1 (ECONNREFUSED)",
    );
  });
});

describe("redactSecrets", () => {
  it("masks URL credentials in every string of a plain object, deeply, without touching the input", () => {
    const input = {
      queue: "redis://:s3cr3tPW@127.0.0.1:1234?queue=q",
      endpoint: "https://user:pw@replica.local",
      extraArgs: ["--endpoint-url", "https://k:pw@s3.local"],
      nested: { notes: ["see redis://:pw2@h:1"], n: 3, ok: true, none: null },
      output: "/tmp/out",
    };
    const out = redactSecrets(input);
    expect(out).toEqual({
      queue: `redis://:${REDACTED}@127.0.0.1:1234?queue=q`,
      endpoint: `https://user:${REDACTED}@replica.local`,
      extraArgs: ["--endpoint-url", `https://k:${REDACTED}@s3.local`],
      nested: { notes: [`see redis://:${REDACTED}@h:1`], n: 3, ok: true, none: null },
      output: "/tmp/out",
    });
    expect(JSON.stringify(out)).not.toMatch(/s3cr3tPW|pw2|:pw@/);
    expect(input.queue).toBe("redis://:s3cr3tPW@127.0.0.1:1234?queue=q");
  });
});

describe("passwords with quotes", () => {
  it("are masked whole, in a setting and inside a message", () => {
    expect(redactSecrets({ queue: "redis://:pa'ss@h:1" })).toEqual({ queue: "redis://:***@h:1" });
    expect(redactUrlsIn("queue: redis://:pa'ss@h:1 failed")).toBe("queue: redis://:***@h:1 failed");
    expect(redactUrlsIn(`at "redis://u:p"w@h:1/0"`)).not.toContain('p"w');
  });
});
