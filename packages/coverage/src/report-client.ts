/// <reference lib="dom" />
// The HTML report's script, written as functions so it is type-checked; the report inlines their source
// (`clientScript`). It inflates the packed cells (DecompressionStream, no library), draws one canvas per panel at
// one pixel per cell and scales it up (fast at 1,000 × 2,000), and answers hovers from the same arrays.

export interface ClientPanel {
  id: string;
  title: string;
  partition: "daily" | "monthly";
  /** First column's period index: day number (daily) or year × 12 + month − 1 (monthly). */
  x0: number;
  cols: number;
  rows: { label: string; prefix: string; stem: string }[];
  /** Byte offsets of the panel's states (cols × rows) and sizes (2 × cols × rows) in the inflated blob. */
  statesAt: number;
  sizesAt: number;
}

export interface ClientData {
  states: string[];
  colors: string[];
  /** Words for a state when a cell has no reason of its own. */
  stateText: string[];
  panels: ClientPanel[];
  /** `panel:row:col` → index into `reasonText`. */
  reasons: Record<string, number>;
  reasonText: string[];
}

/** What a hover (and `coverageReport.cellAt`) tells of one cell. */
export interface ClientCell {
  series: string;
  period: string;
  state: string;
  key: string;
  size: string;
  reason: string;
}

interface DrawnPanel {
  canvas: HTMLCanvasElement;
  cellAt(row: number, col: number): ClientCell | undefined;
  cell: number;
  rowH: number;
}

/**
 * The page's code as one script: the functions below, then a call of the entry, inside one closure (no globals
 * but `coverageReport`). Each runs from its source text in the page, so it may use only the others of this list,
 * its parameters and the browser: no import and no constant of this module.
 */
export function clientScript(): string {
  const fns = [coverageClient, pad, periodOf, sizeText, packedColors, inflateCells, drawPanel];
  const more = [paintCanvas, rowLabels, cellReader, followHover];
  return `(() => {\n${[...fns, ...more].map(String).join("\n")}\ncoverageClient();\n})();`;
}

/** The entry: reads the embedded data, draws every panel and publishes `window.coverageReport` for tests. */
function coverageClient(): void {
  const dataEl = document.getElementById("coverage-data");
  const blobEl = document.getElementById("coverage-cells");
  if (!dataEl || !blobEl) return;
  const data = JSON.parse(dataEl.textContent ?? "{}") as ClientData;
  const started = performance.now();
  const tip = document.getElementById("tip") as HTMLDivElement;
  const rgb = packedColors(data.colors);
  const api: Record<string, unknown> = { data };
  (window as unknown as { coverageReport: unknown }).coverageReport = api;
  api.ready = inflateCells(blobEl).then((blob) => {
    const drawn: Record<string, DrawnPanel> = {};
    for (const p of data.panels) {
      const holder = document.querySelector(`[data-holder="${p.id}"]`) as HTMLElement | null;
      if (holder) drawn[p.id] = drawPanel(data, rgb, tip, blob, p, holder);
    }
    api.cellAt = (panel: string, row: number, col: number) => drawn[panel]?.cellAt(row, col);
    api.panels = drawn;
    const ms = Math.round(performance.now() - started);
    document.body.dataset.renderMs = String(ms);
    document.body.dataset.rendered = "true";
    return ms;
  });
}

function pad(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** The column's period as in the archive's file names: YYYY-MM-DD (daily) or YYYY-MM (monthly). */
function periodOf(p: ClientPanel, col: number): string {
  const x = p.x0 + col;
  if (p.partition === "monthly") return `${Math.floor(x / 12)}-${pad((x % 12) + 1)}`;
  const d = new Date(x * 86400000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** A size code (log2 of the bytes in 1/256 steps, plus one; 0 = none) in words. */
function sizeText(code: number): string {
  if (!code) return "";
  const bytes = 2 ** ((code - 1) / 256);
  const units = ["B", "KB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `≈ ${v.toFixed(i ? 1 : 0)} ${units[i]}`;
}

/** The states' `#rrggbb` colours as ImageData pixels. */
function packedColors(colors: string[]): number[] {
  return colors.map((c) => {
    const n = Number.parseInt(c.slice(1), 16);
    // ImageData is RGBA bytes; a little-endian Uint32 view wants ABGR.
    return (0xff << 24) | ((n & 0xff) << 16) | (n & 0xff00) | (n >> 16);
  });
}

/** The embedded base64 deflate blob of every panel's states and sizes, inflated. */
async function inflateCells(blobEl: HTMLElement): Promise<Uint8Array> {
  const bin = atob(blobEl.textContent?.trim() ?? "");
  const raw = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) raw[i] = bin.charCodeAt(i);
  const stream = new Blob([raw]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** One panel: its canvas (and row labels when rows are tall enough) in `holder`, hovers answered from `blob`. */
function drawPanel(
  data: ClientData,
  rgb: number[],
  tip: HTMLDivElement,
  blob: Uint8Array,
  p: ClientPanel,
  holder: HTMLElement,
): DrawnPanel {
  const states = blob.subarray(p.statesAt, p.statesAt + p.cols * p.rows.length);
  const sizes = new DataView(blob.buffer, blob.byteOffset + p.sizesAt, p.cols * p.rows.length * 2);
  const cell = Math.max(1, Math.min(14, Math.floor(1200 / Math.max(1, p.cols))));
  const rowH = Math.max(1, Math.min(14, cell, Math.floor(4000 / Math.max(1, p.rows.length))));
  const canvas = paintCanvas(p, states, rgb, cell, rowH);
  // Row labels beside the canvas when rows are tall enough to read; the hover names the series either way.
  if (rowH >= 10) holder.appendChild(rowLabels(p, rowH));
  holder.appendChild(canvas);
  const cellAt = cellReader(data, p, states, sizes);
  followHover(canvas, tip, cellAt, cell, rowH);
  return { canvas, cellAt, cell, rowH };
}

/** The panel's states at one pixel per cell, scaled up to `cell` × `rowH` without smoothing. */
function paintCanvas(
  p: ClientPanel,
  states: Uint8Array,
  rgb: number[],
  cell: number,
  rowH: number,
): HTMLCanvasElement {
  const img = new ImageData(p.cols, p.rows.length);
  const px = new Uint32Array(img.data.buffer);
  for (let i = 0; i < states.length; i++) px[i] = states[i] ? rgb[states[i]! - 1]! : 0;
  const canvas = document.createElement("canvas");
  canvas.width = p.cols * cell;
  canvas.height = p.rows.length * rowH;
  Object.assign(canvas.dataset, { panel: p.id, cell: String(cell), rowHeight: String(rowH) });
  const ctx = canvas.getContext("2d")!;
  if (cell === 1 && rowH === 1) ctx.putImageData(img, 0, 0);
  else {
    const off = document.createElement("canvas");
    off.width = p.cols;
    off.height = p.rows.length;
    off.getContext("2d")!.putImageData(img, 0, 0);
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  }
  return canvas;
}

function rowLabels(p: ClientPanel, rowH: number): HTMLDivElement {
  const labels = document.createElement("div");
  labels.className = "labels";
  for (const r of p.rows) {
    const d = document.createElement("div");
    d.textContent = r.label;
    d.style.height = `${rowH}px`;
    d.style.lineHeight = `${rowH}px`;
    d.style.fontSize = `${Math.min(12, rowH - 2)}px`;
    labels.appendChild(d);
  }
  return labels;
}

/** What a cell of the panel holds (undefined outside it or where nothing is expected). */
function cellReader(
  data: ClientData,
  p: ClientPanel,
  states: Uint8Array,
  sizes: DataView,
): (row: number, col: number) => ClientCell | undefined {
  // Sizes are delta-coded along each row (they compress far better so).
  const sizeAt = (row: number, col: number) => {
    let v = 0;
    for (let c = 0; c <= col; c++) v = (v + sizes.getUint16((row * p.cols + c) * 2, true)) & 0xffff;
    return v;
  };
  return (row, col) => {
    const r = p.rows[row];
    const s = states[row * p.cols + col] ?? 0;
    if (!r || !s || col < 0 || col >= p.cols) return undefined;
    const period = periodOf(p, col);
    const reason = data.reasons[`${p.id}:${row}:${col}`];
    return {
      series: r.label,
      period,
      state: data.states[s - 1]!,
      key: `${r.prefix}${r.stem}${period}.zip`,
      size: sizeText(sizeAt(row, col)),
      reason: reason !== undefined ? data.reasonText[reason]! : data.stateText[s - 1]!,
    };
  };
}

/** The tooltip follows the mouse over the canvas with the cell under it. */
function followHover(
  canvas: HTMLCanvasElement,
  tip: HTMLDivElement,
  cellAt: (row: number, col: number) => ClientCell | undefined,
  cell: number,
  rowH: number,
): void {
  canvas.addEventListener("mousemove", (e) => {
    const c = cellAt(Math.floor(e.offsetY / rowH), Math.floor(e.offsetX / cell));
    if (!c) {
      tip.style.display = "none";
      return;
    }
    tip.textContent = `${c.series} ${c.period}\n${c.state}${c.size ? ` · ${c.size}` : ""}\n${c.key}${c.reason ? `\n${c.reason}` : ""}`;
    tip.style.left = `${e.pageX + 12}px`;
    tip.style.top = `${e.pageY + 12}px`;
    tip.style.display = "block";
  });
  canvas.addEventListener("mouseleave", () => {
    tip.style.display = "none";
  });
}
