// The one operation fetch needs from a transport: GET an object as a stream with its metadata.
import type { Readable } from "node:stream";

export interface ObjectResponse {
  body: Readable;
  /** From Content-Length; used to detect truncated bodies. */
  contentLength?: number;
  /** Without quotes. */
  etag?: string;
  lastModified?: Date;
}

export interface ObjectGetter {
  /** Resolves with a 2xx body; rejects with whatever the transport threw (classified by the caller). */
  get(key: string, signal: AbortSignal): Promise<ObjectResponse>;
  close(): Promise<void>;
}

export function unquoteEtag(etag: string | undefined): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, "").replace(/^"(.*)"$/, "$1");
}

export function parseDate(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d;
}
