// The worker's counters, served as Prometheus text on --metrics-port (readable by a person with curl too).
import { createServer, type Server } from "node:http";
import { OUTCOMES, type Outcome } from "@crypto-lakehouse/core";
import type { BatchEnd, BatchEvent, QueueStats, StoredResult } from "@crypto-lakehouse/executor-bullmq";

const BATCH_ENDS: BatchEnd[] = ["completed", "retry", "failed", "handed_back", "cancelled"];

export class WorkerMetrics {
  readonly startedAt = Date.now();
  /** Files of completed batches, by final outcome. */
  readonly files = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
  bytes = 0;
  /** File attempts that ended `failed` (a file retried three times counts three times). */
  fileFailures = 0;
  readonly batches = Object.fromEntries(BATCH_ENDS.map((e) => [e, 0])) as Record<BatchEnd, number>;
  running = 0;
  /** How long the last batch this worker took had waited in the queue. */
  lastWaitMs = 0;

  onBatch(e: BatchEvent, results?: readonly StoredResult[]): void {
    this.batches[e.end]++;
    if (e.end === "completed") for (const r of results ?? []) this.files[r.outcome]++;
  }

  onFile(outcome: Outcome): void {
    if (outcome === "failed") this.fileFailures++;
  }

  snapshot() {
    return {
      files: { ...this.files },
      bytes: this.bytes,
      fileFailures: this.fileFailures,
      batches: { ...this.batches },
      running: this.running,
    };
  }

  /** Prometheus text exposition format 0.0.4. */
  render(queue?: QueueStats): string {
    const lines: string[] = [];
    const metric = (name: string, type: "counter" | "gauge", help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${v}`);
    };
    metric(
      "lakehouse_worker_files_total",
      "counter",
      "Files in batches this worker completed, by final outcome.",
      OUTCOMES.map((o) => [`{outcome="${o}"}`, this.files[o]]),
    );
    metric("lakehouse_worker_bytes_total", "counter", "Bytes downloaded from the archive.", [
      ["", this.bytes],
    ]);
    metric(
      "lakehouse_worker_file_failures_total",
      "counter",
      "File attempts that failed (retried ones included).",
      [["", this.fileFailures]],
    );
    metric(
      "lakehouse_worker_batches_total",
      "counter",
      "Batch attempts by how they ended.",
      BATCH_ENDS.map((e) => [`{end="${e}"}`, this.batches[e]]),
    );
    metric("lakehouse_worker_batches_running", "gauge", "Batches this worker runs now.", [
      ["", this.running],
    ]);
    metric(
      "lakehouse_worker_batch_wait_seconds",
      "gauge",
      "Time the last batch this worker took had waited in the queue.",
      [["", this.lastWaitMs / 1000]],
    );
    if (queue) {
      metric("lakehouse_worker_queue_waiting", "gauge", "Batches waiting in the queue (all workers).", [
        ["", queue.waiting],
      ]);
      metric("lakehouse_worker_queue_active", "gauge", "Batches being processed (all workers).", [
        ["", queue.active],
      ]);
      metric("lakehouse_worker_queue_delayed", "gauge", "Batches waiting for a retry (backoff).", [
        ["", queue.delayed],
      ]);
      metric("lakehouse_worker_queue_lag_seconds", "gauge", "Age of the oldest batch waiting in the queue.", [
        ["", queue.oldestWaitingMs / 1000],
      ]);
    }
    metric("lakehouse_worker_start_time_seconds", "gauge", "When this worker started (Unix time).", [
      ["", Math.floor(this.startedAt / 1000)],
    ]);
    return `${lines.join("\n")}\n`;
  }
}

/** GET /metrics (Prometheus text), GET /healthz. Queue gauges are read from Redis on each scrape. */
export function serveMetrics(
  metrics: WorkerMetrics,
  queueStats: () => Promise<QueueStats>,
  port: number,
  host: string,
): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" || (path !== "/metrics" && path !== "/healthz")) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found: try /metrics\n");
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
      return;
    }
    queueStats()
      .then(
        (q) => q,
        () => undefined,
      )
      .then((q) =>
        res
          .writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
          .end(metrics.render(q)),
      );
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}
