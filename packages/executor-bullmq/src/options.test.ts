// Options on the Redis URL, and secrets kept out of jobs.
import { describe, expect, it } from "vitest";
import { redactUrl, resolveOptions } from "./options.js";
import { stripSecrets } from "./secrets.js";

describe("resolveOptions", () => {
  it("reads queue options from the URL and leaves ioredis a clean URL", () => {
    const o = resolveOptions("redis://:pw@127.0.0.1:6380/2?queue=nightly&attempts=5&backoffMs=100");
    expect(o).toMatchObject({
      url: "redis://:pw@127.0.0.1:6380/2",
      queue: "nightly",
      attempts: 5,
      backoffMs: 100,
      prefix: "lakehouse",
    });
  });

  it("explicit options win over the URL; defaults fill the rest", () => {
    expect(resolveOptions({ url: "redis://h:1?attempts=5", attempts: 2 })).toMatchObject({
      attempts: 2,
      queue: "collect",
      maxQueuedBatches: 256,
    });
  });

  it("rejects what is not a Redis URL or a bad option, saying where", () => {
    expect(() => resolveOptions("http://h:1")).toThrow(/not a Redis URL/);
    expect(() => resolveOptions("redis://h:1?queue=a:b")).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
    expect(() => resolveOptions("redis://h:1?attempts=0")).toThrow(/Invalid options for the bullmq executor/);
  });

  it("masks passwords when printing", () => {
    expect(redactUrl("redis://user:secret@h:1/0")).toBe("redis://user:***@h:1/0");
    expect(redactUrl("redis://h:1?password=secret&queue=q")).toBe("redis://h:1?password=***&queue=q");
  });

  it("never quotes a password in its errors", () => {
    for (const bad of ["http://:s3cret@h:1", "redis://:s3cret@h:notaport"]) {
      expect(() => resolveOptions(bad)).toThrow(/queue: '\w+:\/\/:\*\*\*@h:/);
      expect(() => resolveOptions(bad)).not.toThrow(/s3cret/);
    }
  });
});

describe("stripSecrets", () => {
  it("drops credential-like fields of storage and downloader options, keeps the rest", () => {
    const { job, dropped } = stripSecrets({
      runId: "r",
      downloader: { id: "sdk", settings: { endpoint: "http://x", bucket: "b" }, options: { apiKey: "k" } },
      storage: {
        id: "s3",
        options: {
          bucket: "lake",
          prefix: "p",
          accessKeyId: "AKIA",
          secretAccessKey: "s",
          sessionToken: "t",
          nested: { password: "p", region: "r" },
        },
      },
      verify: true,
    });
    expect(job.storage.options).toEqual({ bucket: "lake", prefix: "p", nested: { region: "r" } });
    expect(job.downloader).toEqual({
      id: "sdk",
      settings: { endpoint: "http://x", bucket: "b" },
      options: {},
    });
    expect(dropped.sort()).toEqual(
      [
        "job.downloader.options.apiKey",
        "job.storage.options.accessKeyId",
        "job.storage.options.nested.password",
        "job.storage.options.secretAccessKey",
        "job.storage.options.sessionToken",
      ].sort(),
    );
  });

  it("masks credentials inside URL values, and reports them", () => {
    const { job, dropped } = stripSecrets({
      runId: "r",
      downloader: {
        id: "sdk",
        settings: { endpoint: "https://u:s3cret@mirror.local", args: ["http://h/?token=t0k"] },
      },
      storage: { id: "local", options: { root: "/lake" } },
      verify: true,
    });
    expect(job.downloader.settings).toEqual({
      endpoint: "https://u:***@mirror.local",
      args: ["http://h/?token=***"],
    });
    expect(job.storage.options).toEqual({ root: "/lake" });
    expect(dropped).toEqual(["job.downloader.settings.endpoint", "job.downloader.settings.args[0]"]);
  });
});
