// The S3 client: anonymous (no-op signer + dummy credentials) unless the endpoint carried credentials, path style,
// keep-alive agents, no SDK retries.
import { Agent as HttpAgent } from "node:http";
import { Agent as HttpsAgent } from "node:https";
import type { Readable } from "node:stream";
import type { S3Client, S3ClientConfig } from "@aws-sdk/client-s3";
import type { UrlCredentials } from "@crypto-lakehouse/core";
import { clientS3, httpHandler } from "./libraries.js";
import type { ResolvedSettings } from "./options.js";
import { type ObjectGetter, unquoteEtag } from "./transport.js";

export interface AnonymousS3 {
  client: S3Client;
  close(): void;
}

export function createAnonymousS3(settings: ResolvedSettings, credentials?: UrlCredentials): AnonymousS3 {
  const timeoutMs = Math.round(settings.timeoutSeconds * 1000);
  // One socket per transfer, plus one for a listing running beside them.
  const agentOptions = { keepAlive: true, maxSockets: settings.concurrency + 1 };
  const httpAgent = new HttpAgent(agentOptions);
  const httpsAgent = new HttpsAgent(agentOptions);
  const auth: Pick<S3ClientConfig, "credentials" | "signer"> = credentials
    ? { credentials: { accessKeyId: credentials.username, secretAccessKey: credentials.password } }
    : {
        // Anonymous access: the SDK insists on credentials even when the signer ignores them.
        credentials: { accessKeyId: "anonymous", secretAccessKey: "anonymous" },
        signer: { sign: async (request) => request },
      };
  const client = new clientS3.S3Client({
    region: settings.region,
    endpoint: settings.endpoint,
    forcePathStyle: true,
    ...auth,
    // We retry ourselves (backoff with jitter, truncation detection); SDK retries would multiply attempts.
    maxAttempts: 1,
    // We hash every body ourselves; do not make the SDK compute or validate extra checksums.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    requestHandler: new httpHandler.NodeHttpHandler({
      httpAgent,
      httpsAgent,
      connectionTimeout: timeoutMs,
      // Without throwOnRequestTimeout this SDK only logs a warning when the timeout passes.
      requestTimeout: timeoutMs,
      throwOnRequestTimeout: true,
      // Idle socket (e.g. a body that stops flowing).
      socketTimeout: timeoutMs,
    }),
  });
  return {
    client,
    close() {
      client.destroy();
      httpAgent.destroy();
      httpsAgent.destroy();
    },
  };
}

/** GETs objects with the SDK's GetObject (the `transport: "sdk"` option). */
export function createSdkGetter(s3: AnonymousS3, bucket: string): ObjectGetter {
  return {
    async get(key, signal) {
      const out = await s3.client.send(new clientS3.GetObjectCommand({ Bucket: bucket, Key: key }), {
        abortSignal: signal,
      });
      return {
        body: out.Body as Readable,
        ...(out.ContentLength !== undefined ? { contentLength: out.ContentLength } : {}),
        etag: unquoteEtag(out.ETag),
        lastModified: out.LastModified,
      };
    },
    async close() {
      // The client is shared with listing and closed by the downloader.
    },
  };
}
