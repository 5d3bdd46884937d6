// Retry counting and error classification, without any network.
import { describe, expect, it } from "vitest";
import { withRetries } from "./retry.js";
import { httpError, TransferError, toTransferError } from "./transfer-error.js";

const policy = { retries: 3, baseMs: 0, maxMs: 0 };

describe("withRetries", () => {
  it("retries retryable failures and reports the attempt count", async () => {
    let n = 0;
    const out = await withRetries(policy, undefined, async () => {
      n++;
      if (n < 3) throw httpError(503, "SlowDown", "Please reduce your request rate.");
      return "ok";
    });
    expect(out).toEqual({ ok: true, value: "ok", attempts: 3 });
  });

  it("gives up after `retries` extra attempts", async () => {
    let n = 0;
    const out = await withRetries(policy, undefined, async () => {
      n++;
      throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    });
    expect(n).toBe(4);
    expect(out.ok).toBe(false);
    if (!out.ok) {
      expect(out.attempts).toBe(4);
      expect(out.error.info.retryable).toBe(true);
      expect(out.error.message).toContain("connection reset");
    }
  });

  it("does not retry a 403 or a 404", async () => {
    for (const [status, code] of [
      [403, "AccessDenied"],
      [404, "NoSuchKey"],
    ] as const) {
      let n = 0;
      const out = await withRetries(policy, undefined, async () => {
        n++;
        throw httpError(status, code, "x");
      });
      expect(n).toBe(1);
      expect(out.ok).toBe(false);
    }
  });

  it("throws (not returns) when aborted during the backoff sleep", async () => {
    const controller = new AbortController();
    const run = withRetries({ retries: 5, baseMs: 60_000, maxMs: 60_000 }, controller.signal, async () => {
      setImmediate(() => controller.abort());
      throw httpError(500, "InternalError", "x");
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
  });
});

describe("classification", () => {
  it("maps statuses", () => {
    expect(httpError(404, "NoSuchKey", undefined).info).toMatchObject({ notFound: true, retryable: false });
    expect(httpError(404, "NoSuchBucket", "gone").info).toMatchObject({ retryable: false });
    expect(httpError(404, "NoSuchBucket", "gone").info.notFound).toBeUndefined();
    expect(httpError(429, undefined, undefined).info.retryable).toBe(true);
    expect(httpError(503, "SlowDown", undefined).info.retryable).toBe(true);
    expect(httpError(500, undefined, undefined).info.retryable).toBe(true);
    expect(httpError(400, "InvalidRequest", undefined).info.retryable).toBe(false);
  });
  it("maps SDK service errors by their HTTP status", () => {
    const sdk = Object.assign(new Error("The specified key does not exist."), {
      name: "NoSuchKey",
      $metadata: { httpStatusCode: 404 },
    });
    expect(toTransferError(sdk).info).toMatchObject({ status: 404, notFound: true });
  });
  it("treats local disk errors as final and network errors as retryable", () => {
    expect(toTransferError(Object.assign(new Error("no space"), { code: "ENOSPC" })).info.retryable).toBe(
      false,
    );
    expect(toTransferError(Object.assign(new Error("x"), { code: "UND_ERR_SOCKET" })).info.retryable).toBe(
      true,
    );
    const agg = Object.assign(
      new AggregateError([Object.assign(new Error("refused"), { code: "ECONNREFUSED" })]),
      {},
    );
    expect(toTransferError(agg).message).toContain("connection refused");
    expect(toTransferError(new TypeError("bad")).info.retryable).toBe(false);
    expect(toTransferError(new TransferError("t", { retryable: true })).info.retryable).toBe(true);
  });
});
