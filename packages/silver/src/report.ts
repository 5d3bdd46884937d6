// Table quality reports: rows, time range, duplicates dropped and kline gaps per series, from the symbol states.
import { type MarketPlugin, META, type StorageBackend } from "@crypto-lakehouse/core";
import { mergeGaps, seriesGaps } from "./gaps.js";
import { silverStatePrefix, TABLE_REPORTS_PREFIX, tableReportKey, viewName } from "./layout.js";
import type { SilverTableSchema } from "./schema.js";
import { compileSelection } from "./selection.js";
import { readState, type SymbolState } from "./state.js";
import type { BronzeSource, FileReport, SeriesReport, SilverSelection, TableReport } from "./types.js";

const min = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined || a < b ? a : b;
const max = (a: string | undefined, b: string | undefined) =>
  a === undefined ? b : b === undefined || a > b ? a : b;

export function buildTableReport(
  market: string,
  dataType: string,
  schema: SilverTableSchema,
  states: readonly SymbolState[],
): TableReport {
  const report: TableReport = {
    market,
    dataType,
    view: viewName(market, dataType),
    files: 0,
    superseded: 0,
    rows: 0,
    duplicatesDropped: 0,
    duplicatePolicy: `${schema.policy.mode}: ${schema.policy.why}`,
    series: [],
    updatedAt: new Date().toISOString(),
  };
  const series = new Map<string, { s: SeriesReport; files: FileReport[] }>();
  for (const state of states) {
    for (const f of Object.values(state.files)) {
      if (f.status === "superseded") {
        report.superseded++;
        continue;
      }
      const r = f.report;
      if (!r) continue;
      report.files++;
      report.rows += r.rows;
      report.duplicatesDropped += r.duplicatesDropped;
      report.timeMin = min(report.timeMin, r.timeMin);
      report.timeMax = max(report.timeMax, r.timeMax);
      const id = `${state.symbol}|${f.interval ?? ""}`;
      let entry = series.get(id);
      if (!entry) {
        entry = {
          s: {
            symbol: state.symbol,
            ...(f.interval ? { interval: f.interval } : {}),
            files: 0,
            rows: 0,
            duplicatesDropped: 0,
          },
          files: [],
        };
        series.set(id, entry);
      }
      const s = entry.s;
      s.files++;
      s.rows += r.rows;
      s.duplicatesDropped += r.duplicatesDropped;
      const lo = min(s.timeMin, r.timeMin);
      const hi = max(s.timeMax, r.timeMax);
      if (lo) s.timeMin = lo;
      if (hi) s.timeMax = hi;
      entry.files.push(r);
    }
  }
  for (const { s, files } of [...series.values()].sort((a, b) =>
    `${a.s.symbol}|${a.s.interval}` < `${b.s.symbol}|${b.s.interval}` ? -1 : 1,
  )) {
    if (schema.kline && s.interval) s.gaps = seriesGaps(s.interval, files);
    report.series.push(s);
  }
  if (schema.kline) {
    const all = mergeGaps(report.series.flatMap((s) => (s.gaps ? [s.gaps] : [])));
    report.gaps = { count: all.count, missingBars: all.missingBars };
  }
  return report;
}

/** Recomputes and stores a table's report from every symbol state of the table. */
export async function writeTableReport(
  storage: StorageBackend,
  market: string,
  dataType: string,
  schema: SilverTableSchema,
): Promise<TableReport> {
  const states: SymbolState[] = [];
  const prefix = silverStatePrefix(market, dataType);
  for await (const o of storage.list(prefix)) {
    if (!o.key.endsWith(".json")) continue;
    const symbol = o.key.slice(prefix.length, -".json".length);
    if (symbol.includes("/")) continue;
    states.push(await readState(storage, market, dataType, symbol));
  }
  const report = buildTableReport(market, dataType, schema, states);
  await storage.put(
    tableReportKey(market, dataType),
    { data: JSON.stringify(report, null, 2) },
    { contentType: "application/json" },
  );
  return report;
}

/** Every stored table report (what `lakehouse silver --report` shows). */
export async function readTableReports(storage: StorageBackend): Promise<TableReport[]> {
  const out: TableReport[] = [];
  for await (const o of storage.list(TABLE_REPORTS_PREFIX)) {
    if (!o.key.endsWith(".json")) continue;
    const buf = await storage.read(o.key);
    if (buf) out.push(JSON.parse(buf.toString("utf8")) as TableReport);
  }
  return out;
}

/**
 * The stored report of every converted file the selection covers (what `lakehouse silver --report --files` shows),
 * ordered by bronze key; superseded files have none (their monthly file's report stands for them).
 */
export async function readFileReports(
  storage: StorageBackend,
  selection: SilverSelection = {},
  markets: readonly MarketPlugin[] = [],
): Promise<FileReport[]> {
  const filter = compileSelection(selection, markets);
  const prefix = `${META}/silver/state/`;
  const out: FileReport[] = [];
  for await (const o of storage.list(prefix)) {
    const parts = o.key.slice(prefix.length).split("/");
    if (parts.length !== 3 || !o.key.endsWith(".json")) continue;
    const [market, dataType, file] = parts as [string, string, string];
    if (!filter.market(market) || !filter.dataType(dataType)) continue;
    const state = await readState(storage, market, dataType, file.slice(0, -".json".length));
    for (const f of Object.values(state.files)) {
      if (f.status !== "converted" || !f.report) continue;
      const src = { market, dataType, symbol: state.symbol, ...f, bronzeKey: f.report.bronzeKey };
      if (filter.file(src as unknown as BronzeSource)) out.push(f.report);
    }
  }
  return out.sort((a, b) => (a.bronzeKey < b.bronzeKey ? -1 : a.bronzeKey > b.bronzeKey ? 1 : 0));
}
