// `lakehouse coverage --html`: one self-contained HTML file (no network: script and styles inline) with a
// symbol × date heatmap per market / data type / partition, the series' counts, the longest holes and the run
// history. Cells are packed (a state byte and a log-scale size code each, deflated), so 1,000 × 2,000 stays
// a few MB; the inline script draws them on canvases.
import { deflateSync } from "node:zlib";
import type { Partition, RunSummary } from "@crypto-lakehouse/core";
import type { CoverageSummary } from "./coverage.js";
import { type ClientData, type ClientPanel, clientScript } from "./report-client.js";
import { COVERAGE_STATES, type CoverageCell, type CoverageState, seriesLabel } from "./states.js";

export const STATE_COLORS: Record<CoverageState, string> = {
  verified: "#2e7d32",
  unverified: "#9ccc65",
  superseded: "#4fc3f7",
  not_collected: "#b0bec5",
  failed: "#e53935",
  quarantined: "#8e24aa",
  pending: "#ffb300",
  hole: "#212121",
};

const STATE_TEXT: Record<CoverageState, string> = {
  verified: "in bronze, verified against the archive's .CHECKSUM",
  unverified: "in bronze without a verified .CHECKSUM",
  superseded: "covered by the month's monthly file in bronze",
  not_collected: "in the archive, not in bronze",
  failed: "the last attempt failed",
  quarantined: "the last attempt did not match its .CHECKSUM (quarantined)",
  pending: "too recent to be published yet",
  hole: "not in the archive's listing although the series has files around it",
};

interface Row {
  label: string;
  prefix: string;
  stem: string;
  x0: number;
  states: number[];
  sizes: number[];
  reasons: Map<number, string>;
}

interface Panel {
  id: string;
  title: string;
  partition: Partition;
  rows: Row[];
}

const STATE_INDEX = Object.fromEntries(COVERAGE_STATES.map((s, i) => [s, i + 1])) as Record<
  CoverageState,
  number
>;

/** Day number (daily) or year × 12 + month − 1 (monthly). */
function periodIndex(partition: Partition, period: string): number {
  const y = Number(period.slice(0, 4));
  const m = Number(period.slice(5, 7)) - 1;
  if (partition === "monthly") return y * 12 + m;
  return Math.floor(Date.UTC(y, m, Number(period.slice(8, 10))) / 86_400_000);
}

/** Size as a 16-bit log-scale code (0.3 % steps); 0 = unknown. */
export function sizeCode(size: number | undefined): number {
  if (size === undefined) return 0;
  return Math.min(0xffff, 1 + Math.round(Math.log2(Math.max(1, size)) * 256));
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Collects cells (in series order, as coverage streams them) and renders the report. */
export class HtmlReport {
  private readonly panels = new Map<string, Panel>();
  private row?: Row;
  private last?: CoverageCell;

  add(c: CoverageCell): void {
    const last = this.last;
    // Cells come series by series: a new row only when the series or partition changes (no string per cell).
    const same =
      last !== undefined &&
      last.symbol === c.symbol &&
      last.partition === c.partition &&
      last.interval === c.interval &&
      last.dataType === c.dataType &&
      last.market === c.market;
    if (!same) this.startRow(c);
    this.last = c;
    const row = this.row!;
    const at = periodIndex(c.partition, c.period) - row.x0;
    row.states[at] = STATE_INDEX[c.state];
    row.sizes[at] = sizeCode(c.size);
    if (c.reason && (c.state === "failed" || c.state === "quarantined" || c.state === "not_collected")) {
      row.reasons.set(at, c.reason);
    }
  }

  private startRow(c: CoverageCell): void {
    const pid = `${c.market}/${c.dataType}/${c.partition}`;
    let panel = this.panels.get(pid);
    if (!panel) {
      panel = {
        id: pid,
        title: `${c.market} ${c.dataType} — ${c.partition}`,
        partition: c.partition,
        rows: [],
      };
      this.panels.set(pid, panel);
    }
    const dir = c.key.slice(0, c.key.lastIndexOf("/") + 1);
    const name = c.key.slice(dir.length);
    this.row = {
      label: `${c.symbol}${c.interval ? ` ${c.interval}` : ""}`,
      prefix: dir,
      stem: name.slice(0, name.length - c.period.length - 4),
      x0: periodIndex(c.partition, c.period),
      states: [],
      sizes: [],
      reasons: new Map(),
    };
    panel.rows.push(this.row);
  }

  /** Packs the cells: per panel its states (a byte each), then its delta-coded size codes (16 bits each). */
  private pack(): { blob: Buffer; data: ClientData } {
    const chunks: Buffer[] = [];
    let offset = 0;
    const reasons: Record<string, number> = {};
    const reasonText: string[] = [];
    const reasonIndex = new Map<string, number>();
    const panels: ClientPanel[] = [];
    for (const p of [...this.panels.values()].sort((a, b) => (a.id < b.id ? -1 : 1))) {
      p.rows.sort((a, b) => (a.label < b.label ? -1 : a.label > b.label ? 1 : 0));
      const x0 = Math.min(...p.rows.map((r) => r.x0));
      const x1 = Math.max(...p.rows.map((r) => r.x0 + r.states.length - 1));
      const cols = x1 - x0 + 1;
      const states = Buffer.alloc(cols * p.rows.length);
      const sizes = Buffer.alloc(cols * p.rows.length * 2);
      p.rows.forEach((r, ri) => {
        let prev = 0;
        const base = ri * cols + (r.x0 - x0);
        for (let i = 0; i < r.states.length; i++) {
          states[base + i] = r.states[i] ?? 0;
          const code = r.sizes[i] ?? 0;
          sizes.writeUInt16LE((code - prev) & 0xffff, (base + i) * 2);
          prev = code;
        }
        for (const [at, text] of r.reasons) {
          let idx = reasonIndex.get(text);
          if (idx === undefined) {
            idx = reasonText.push(text) - 1;
            reasonIndex.set(text, idx);
          }
          reasons[`${p.id}:${ri}:${r.x0 - x0 + at}`] = idx;
        }
      });
      panels.push({
        id: p.id,
        title: p.title,
        partition: p.partition,
        x0,
        cols,
        rows: p.rows.map((r) => ({ label: r.label, prefix: r.prefix, stem: r.stem })),
        statesAt: offset,
        sizesAt: offset + states.length,
      });
      chunks.push(states, sizes);
      offset += states.length + sizes.length;
    }
    const data: ClientData = {
      states: [...COVERAGE_STATES],
      colors: COVERAGE_STATES.map((s) => STATE_COLORS[s]),
      stateText: COVERAGE_STATES.map((s) => STATE_TEXT[s]),
      panels,
      reasons,
      reasonText,
    };
    return { blob: deflateSync(Buffer.concat(chunks), { level: 9 }), data };
  }

  html(o: { summary: CoverageSummary; runs: readonly RunSummary[]; location: string }): string {
    const { blob, data } = this.pack();
    const json = JSON.stringify(data).replace(/</g, "\\u003c");
    return [
      `<!doctype html><html lang="en"><head><meta charset="utf-8">`,
      `<title>Coverage — ${esc(o.location)}</title><style>${CSS}</style></head><body>`,
      `<h1>Coverage of ${esc(o.location)}</h1>`,
      `<p class="muted">Generated ${esc(o.summary.generatedAt)} · today ${esc(o.summary.today)} (UTC) · `,
      `${o.summary.listing.listed} archive folders listed, ${o.summary.listing.cached} from the cache</p>`,
      legend(o.summary),
      ...data.panels.map(panelHtml),
      seriesTable(o.summary),
      holesTable(o.summary),
      runsTable(o.runs),
      `<div id="tip"></div>`,
      `<script type="application/json" id="coverage-data">${json}</script>`,
      `<script type="application/octet-stream" id="coverage-cells">${blob.toString("base64")}</script>`,
      `<script>${clientScript()}</script>`,
      `</body></html>\n`,
    ].join("");
  }
}

const CSS = `body{font:13px/1.4 system-ui,sans-serif;margin:16px;color:#222}h1{font-size:18px}h2{font-size:15px;margin-top:24px}
.muted{color:#666}.legend span{display:inline-block;margin-right:12px}.sw{display:inline-block;width:10px;height:10px;margin-right:4px;vertical-align:middle}
.panel{margin:16px 0}[data-holder]{display:flex;gap:6px;align-items:flex-start}.labels div{white-space:nowrap;text-align:right;color:#444}.panel canvas{display:block;border:1px solid #ddd;cursor:crosshair;image-rendering:pixelated}
.axis{display:flex;justify-content:space-between;color:#666;max-width:1400px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ddd;padding:2px 6px;text-align:right}td:first-child,th:first-child{text-align:left}
#tip{position:absolute;display:none;background:#fff;border:1px solid #888;padding:4px 6px;white-space:pre;pointer-events:none;font:12px monospace;box-shadow:0 1px 4px #0003}`;

function legend(s: CoverageSummary): string {
  const items = COVERAGE_STATES.map(
    (st) =>
      `<span data-state="${st}" data-color="${STATE_COLORS[st]}"><i class="sw" style="background:${STATE_COLORS[st]}"></i>${st} ${s.totals[st]}</span>`,
  );
  return `<p class="legend">${items.join("")}</p>`;
}

function panelHtml(p: ClientPanel): string {
  const first = p.partition === "daily" ? dayText(p.x0) : monthText(p.x0);
  const last = p.partition === "daily" ? dayText(p.x0 + p.cols - 1) : monthText(p.x0 + p.cols - 1);
  return (
    `<section class="panel"><h2>${esc(p.title)}</h2>` +
    `<p class="muted">${p.rows.length} series × ${p.cols} ${p.partition === "daily" ? "days" : "months"} · ` +
    `rows: ${esc(
      p.rows
        .slice(0, 12)
        .map((r) => r.label)
        .join(", "),
    )}${p.rows.length > 12 ? " …" : ""}</p>` +
    `<div data-holder="${esc(p.id)}"></div><div class="axis"><span>${first}</span><span>${last}</span></div></section>`
  );
}

function dayText(n: number): string {
  return new Date(n * 86400000).toISOString().slice(0, 10);
}

function monthText(x: number): string {
  return `${Math.floor(x / 12)}-${String((x % 12) + 1).padStart(2, "0")}`;
}

function seriesTable(s: CoverageSummary): string {
  const head = `<tr><th>series</th>${COVERAGE_STATES.map((st) => `<th>${st}</th>`).join("")}<th>from</th><th>to</th></tr>`;
  const rows = s.series
    .slice(0, 2000)
    .map(
      (x) =>
        `<tr><td>${esc(seriesLabel(x))}</td>${COVERAGE_STATES.map((st) => `<td>${x.counts[st] || ""}</td>`).join("")}<td>${x.first ?? ""}</td><td>${x.last ?? ""}</td></tr>`,
    );
  const more =
    s.series.length > 2000 ? `<p class="muted">… and ${s.series.length - 2000} more series</p>` : "";
  return `<h2>Series</h2><table>${head}${rows.join("")}</table>${more}`;
}

function holesTable(s: CoverageSummary): string {
  if (s.holes.length === 0) return "<h2>Holes</h2><p>None.</p>";
  const rows = s.holes.map(
    (h) =>
      `<tr data-hole="${esc(`${seriesLabel(h)}/${h.partition}/${h.from}`)}"><td>${esc(seriesLabel(h))}</td><td>${h.partition}</td><td>${h.from}</td><td>${h.to}</td><td>${h.files}</td></tr>`,
  );
  return `<h2>Holes (${s.holeRuns} runs, longest first)</h2><table><tr><th>series</th><th>partition</th><th>from</th><th>to</th><th>files</th></tr>${rows.join("")}</table>`;
}

function runsTable(runs: readonly RunSummary[]): string {
  if (runs.length === 0) return "<h2>Runs</h2><p>None recorded.</p>";
  const cols = ["downloaded", "skipped", "missing", "pending", "checksum_mismatch", "failed"] as const;
  const rows = runs
    .slice(0, 500)
    .map(
      (r) =>
        `<tr><td>${esc(r.runId)}</td><td>${esc(r.status)}</td><td>${esc(r.startedAt)}</td><td>${(r.durationMs / 1000).toFixed(1)} s</td>${cols.map((c) => `<td>${r.counts[c] ?? 0}</td>`).join("")}</tr>`,
    );
  return `<h2>Runs (newest first)</h2><table><tr><th>run</th><th>status</th><th>started</th><th>took</th>${cols.map((c) => `<th>${c}</th>`).join("")}</tr>${rows.join("")}</table>`;
}
