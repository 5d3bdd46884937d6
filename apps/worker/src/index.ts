// Public surface of @crypto-lakehouse/worker (the binary is `lakehouse-worker`): the program, for embedding and tests.
export { buildProgram, main, VERSION, type WorkerFlags } from "./main.js";
export { serveMetrics, WorkerMetrics } from "./metrics.js";
