// Secrets never travel in a job: each worker reads credentials from its own environment.
import { type QueueJob, redactUrlsIn } from "@crypto-lakehouse/core";

const SECRET =
  /secret|password|passwd|token|credential|private.?key|access.?key|session.?key|api.?key|^auth/i;

function strip(value: unknown, path: string, dropped: string[]): unknown {
  if (typeof value === "string") {
    // A URL's `user:password@` or `?token=` would sit in Redis for days: masked, and reported like a dropped field.
    const masked = redactUrlsIn(value);
    if (masked !== value) dropped.push(path);
    return masked;
  }
  if (Array.isArray(value)) return value.map((v, i) => strip(v, `${path}[${i}]`, dropped));
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET.test(k)) {
      dropped.push(`${path}.${k}`);
      continue;
    }
    out[k] = strip(v, `${path}.${k}`, dropped);
  }
  return out;
}

/** The job without credential-like fields or URL credentials, and the paths of what was dropped (to warn about). */
export function stripSecrets<J extends QueueJob>(job: J): { job: J; dropped: string[] } {
  const dropped: string[] = [];
  return { job: strip(job, "job", dropped) as J, dropped };
}
