// The job kinds this worker runs, each a factory of the batch pipeline for a job of its kind: `collect` downloads
// into bronze (the default), `silver` converts bronze files into silver Parquet. The queue consumer only asks for
// a processor; a new kind is one more entry here, not a branch in the consumer.
import { type CollectJob, jobKind, LakehouseError, type QueueJob } from "@crypto-lakehouse/core";
import type { JobRuntime, JobRuntimeOptions } from "@crypto-lakehouse/runtime";

export type RuntimeFactory = (job: QueueJob, opts: JobRuntimeOptions) => Promise<JobRuntime>;

export const JOB_KINDS: Readonly<Record<string, RuntimeFactory>> = {
  async collect(job, opts) {
    const { createJobRuntime } = await import("@crypto-lakehouse/runtime");
    return createJobRuntime(job as CollectJob, opts);
  },
  async silver(job, opts) {
    const { createJobStorage } = await import("@crypto-lakehouse/runtime");
    const { checkSilverSpec, createSilverProcessor } = await import("@crypto-lakehouse/silver");
    const spec = checkSilverSpec("spec" in job ? job.spec : undefined, job.runId);
    const storage = await createJobStorage(job, opts);
    return {
      processor: createSilverProcessor(storage, spec, {
        runId: job.runId,
        ...(opts.logger ? { logger: opts.logger } : {}),
      }),
      dispose: async () => storage.close?.(),
    };
  },
};

/** The pipeline for a job, by its kind. */
export function runtimeFor(job: QueueJob, opts: JobRuntimeOptions): Promise<JobRuntime> {
  const kind = jobKind(job);
  const create = Object.hasOwn(JOB_KINDS, kind) ? JOB_KINDS[kind] : undefined;
  if (!create) {
    throw new LakehouseError(
      "UNSUPPORTED",
      `Job ${job.runId}: this worker does not run jobs of kind '${kind}' (known: ${Object.keys(JOB_KINDS).join(", ")}); upgrade it`,
    );
  }
  return create(job, opts);
}
