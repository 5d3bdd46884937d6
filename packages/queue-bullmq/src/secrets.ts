// Secrets never travel in a job: each worker reads credentials from its own environment.
import type { CollectJob } from "@crypto-lakehouse/core";

const SECRET =
  /secret|password|passwd|token|credential|private.?key|access.?key|session.?key|api.?key|^auth/i;

function strip(value: unknown, path: string, dropped: string[]): unknown {
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

/** The job without credential-like fields, and the paths of what was dropped (to warn about). */
export function stripSecrets(job: CollectJob): { job: CollectJob; dropped: string[] } {
  const dropped: string[] = [];
  return { job: strip(job, "job", dropped) as CollectJob, dropped };
}
