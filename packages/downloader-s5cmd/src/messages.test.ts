// s5cmd v2.3.0 `--json` lines as the real binary printed them (captured against versitygw and toxiproxy).
import { describe, expect, it } from "vitest";
import { classifyError, parseLine, tidyError, toRemoteEntry } from "./messages.js";

const KEY = "data/spot/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-07-02.zip";
const URL = `s3://data.binance.vision/${KEY}`;

describe("parseLine", () => {
  it("reads a cp success (stdout)", () => {
    const line = {
      operation: "cp",
      success: true,
      source: URL,
      destination: "/s/z1-x.zip",
      object: { type: "file", size: 10 },
    };
    expect(parseLine(line)).toEqual({ kind: "done", source: URL, destination: "/s/z1-x.zip", size: 10 });
  });

  it("reads a cp failure (stderr) and finds the source in `command`", () => {
    const line = {
      operation: "cp",
      command: `cp --raw --part-size 50 ${URL}.CHECKSUM /s/c1-x.zip.CHECKSUM`,
      error:
        "NoSuchKey: The specified key does not exist. status code: 404, request id: 9TCW6IQASXC5MPRA, host id: IN3h=",
    };
    expect(parseLine(line)).toMatchObject({ kind: "failed", sources: [`${URL}.CHECKSUM`] });
  });

  it("reads an error tied to no command, and ignores the --stat summary", () => {
    expect(
      parseLine({ error: "session: fetching region failed: RequestError: send request failed" }),
    ).toMatchObject({
      kind: "general",
    });
    expect(parseLine({ operation: "cp", success: 1, error: 0 })).toEqual({ kind: "other" });
  });
});

describe("classifyError", () => {
  const cases: [string, Partial<ReturnType<typeof classifyError>>][] = [
    [
      "NoSuchKey: The specified key does not exist. status code: 404, request id: X, host id: Y",
      { notFound: true, retryable: false },
    ],
    [
      "NoSuchBucket: The specified bucket does not exist. status code: 404, request id: X",
      { notFound: false, noSuchBucket: true, retryable: false },
    ],
    ["AccessDenied: Access Denied status code: 403, request id: X", { forbidden: true, retryable: false }],
    ["SlowDown: Please reduce your request rate. status code: 503, request id: X", { retryable: true }],
    ["InternalError: We encountered an internal error. status code: 500", { retryable: true }],
    ["unexpected EOF", { retryable: true }],
    [`RequestError: send request failed caused by: Get "http://127.0.0.1:38851/x": EOF`, { retryable: true }],
    [
      `RequestError: send request failed caused by: Get "http://127.0.0.1:9/x": dial tcp 127.0.0.1:9: connect: connection refused`,
      { retryable: true },
    ],
    ["read tcp 127.0.0.1:39084->127.0.0.1:38851: read: connection reset by peer", { retryable: true }],
    [
      "InvalidRange: The requested range is not satisfiable status code: 416",
      { retryable: false, notFound: false },
    ],
    ["open /s/z1-x.zip: permission denied", { retryable: false }],
  ];
  it.each(cases)("%s", (error, expected) => {
    expect(classifyError(error)).toMatchObject(expected);
  });
});

describe("toRemoteEntry", () => {
  const bucket = "s3://data.binance.vision/";
  it("reads objects (unquoted etag, time) and directories", () => {
    expect(
      toRemoteEntry(
        {
          key: URL,
          etag: "94bf9d25c66a618fcd1463a2921aec16",
          last_modified: "2025-11-25T20:36:35Z",
          type: "file",
          size: 9,
          storage_class: "STANDARD",
        },
        bucket,
      ),
    ).toEqual({
      kind: "object",
      key: KEY,
      size: 9,
      etag: "94bf9d25c66a618fcd1463a2921aec16",
      lastModified: new Date("2025-11-25T20:36:35Z"),
    });
    expect(toRemoteEntry({ key: `${bucket}data/spot/`, type: "directory" }, bucket)).toEqual({
      kind: "prefix",
      prefix: "data/spot/",
    });
    expect(toRemoteEntry({ key: "s3://other-bucket/x", type: "file", size: 1 }, bucket)).toBeUndefined();
  });
});

it("tidyError drops request and host ids", () => {
  expect(
    tidyError(
      "NoSuchKey: The specified key does not exist. status code: 404, request id: 9TCW, host id: IN3h=",
    ),
  ).toBe("NoSuchKey: The specified key does not exist. status code: 404");
});
