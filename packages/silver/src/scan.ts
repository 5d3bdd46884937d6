// A byte scan of the CSV while it is extracted: which decimal columns hold only plain numbers with at most 10
// integer and 8 fraction digits. Those DuckDB can read as DECIMAL(18,8) in its CSV reader, exactly and ~5× faster
// than through text; any other column (more digits, exponents like `0E-8`, stray text) takes the exact text path.
// It runs on every inflated byte, so it is one table-driven automaton: a state per (column, digits so far).

/** Most integer / fraction digits a DECIMAL(18,8) holds. */
const MAX_INT = 10;
const MAX_FRAC = 8;

// Byte classes.
const DIGIT = 0;
const DOT = 1;
const SIGN = 2;
const COMMA = 3;
const NL = 4;
const CR = 5;
const QUOTE = 6;
const OTHER = 7;
const CLASSES = 8;
const SHIFT = 3;

const CLASS = new Uint8Array(256).fill(OTHER);
for (let b = 48; b <= 57; b++) CLASS[b] = DIGIT;
CLASS[46] = DOT;
CLASS[43] = SIGN;
CLASS[45] = SIGN;
CLASS[44] = COMMA;
CLASS[10] = NL;
CLASS[13] = CR;
CLASS[34] = QUOTE;

/** Set on a transition that leaves a field holding a value that does not fit (the source state's column is bad). */
const FLAG = 0x8000;

export interface ScanResult {
  /** Per CSV column: true when every value (header excluded) fits DECIMAL(18,8) as plain text. */
  fast: boolean[];
  /** A quote character was seen: fields may hold commas, so nothing is trusted. */
  quoted: boolean;
}

interface Automaton {
  /** next state = next[(state << SHIFT) | class], FLAG-ed when the field just ended badly. */
  next: Uint16Array;
  /** The same for two bytes at once (half the dependent table loads per byte): index (state << 2·SHIFT) | pair. */
  next2: Uint16Array;
  /** For a FLAG-ed entry of next2: the column whose field ended badly. */
  badColumn2: Uint16Array;
  /** Column of each state (for recording a bad field). */
  column: Uint16Array;
  /** Whether a state is inside a field that already does not fit (checked when the stream ends mid-field). */
  bad: Uint8Array;
  quoted: number;
}

/**
 * States: per decimal column `start`, `sign`, `int1…int10`, `frac0…frac8` (a dot seen) and `bad`; per other column
 * one state; `extra` for fields beyond the known columns; `quoted`, which never leaves (nothing is trusted then).
 */
function build(decimalColumns: readonly boolean[]): Automaton {
  const width = decimalColumns.length;
  const first: number[] = [];
  let n = 0;
  for (const d of decimalColumns) {
    first.push(n);
    n += d ? 3 + MAX_INT + MAX_FRAC + 1 : 1;
  }
  const extra = n++;
  const quoted = n++;
  if (n >= FLAG) throw new Error(`too many CSV columns to scan (${width})`);
  const next = new Uint16Array(n << SHIFT);
  const column = new Uint16Array(n);
  const bad = new Uint8Array(n);
  const set = (s: number, cls: number, to: number) => {
    next[(s << SHIFT) | cls] = to;
  };
  const startOf = (c: number) => (c < width ? first[c]! : extra);
  for (let c = 0; c < width; c++) {
    const s0 = first[c]!;
    const states = decimalColumns[c] ? 3 + MAX_INT + MAX_FRAC + 1 : 1;
    for (let s = s0; s < s0 + states; s++) {
      column[s] = c;
      for (let cls = 0; cls < CLASSES; cls++) set(s, cls, s);
      set(s, COMMA, startOf(c + 1));
      set(s, NL, first[0] ?? extra);
      set(s, QUOTE, quoted);
    }
    if (!decimalColumns[c]) continue;
    // Layout: s0 start, s0+1 sign, s0+1+k k integer digits (k = 1…10), frac0 … frac8, bad.
    const sign = s0 + 1;
    const int = (k: number) => s0 + 1 + k;
    const frac = (k: number) => s0 + 2 + MAX_INT + k;
    const badS = frac(MAX_FRAC) + 1;
    bad[badS] = 1;
    for (let s = s0; s <= badS; s++) {
      for (const cls of [DIGIT, DOT, SIGN, OTHER]) set(s, cls, badS);
      // A carriage return (CRLF line ends) changes nothing.
      set(s, CR, s);
    }
    set(s0, SIGN, sign);
    set(s0, DIGIT, int(1));
    set(sign, DIGIT, int(1));
    set(s0, DOT, frac(0));
    set(sign, DOT, frac(0));
    for (let k = 1; k < MAX_INT; k++) set(int(k), DIGIT, int(k + 1));
    for (let k = 1; k <= MAX_INT; k++) set(int(k), DOT, frac(0));
    for (let k = 0; k < MAX_FRAC; k++) set(frac(k), DIGIT, frac(k + 1));
    set(badS, COMMA, startOf(c + 1) | FLAG);
    set(badS, NL, (first[0] ?? extra) | FLAG);
  }
  for (let cls = 0; cls < CLASSES; cls++) {
    set(extra, cls, extra);
    set(quoted, cls, quoted);
  }
  set(extra, NL, first[0] ?? extra);
  set(extra, QUOTE, quoted);
  column[extra] = width;
  column[quoted] = width;
  const next2 = new Uint16Array(n << (2 * SHIFT));
  const badColumn2 = new Uint16Array(n << (2 * SHIFT));
  for (let s = 0; s < n; s++) {
    for (let c0 = 0; c0 < CLASSES; c0++) {
      const t0 = next[(s << SHIFT) | c0]!;
      const m = t0 & ~FLAG;
      for (let c1 = 0; c1 < CLASSES; c1++) {
        const t1 = next[(m << SHIFT) | c1]!;
        const k = (s << (2 * SHIFT)) | (c0 << SHIFT) | c1;
        // A field that ended badly on the first byte cannot end badly on the second too: a new field is not bad yet.
        next2[k] = (t1 & ~FLAG) | ((t0 | t1) & FLAG);
        badColumn2[k] = t0 & FLAG ? column[s]! : column[m]!;
      }
    }
  }
  return { next, next2, badColumn2, column, bad, quoted };
}

/** The hot loop, over plain arguments (V8 keeps it tighter than over fields). Returns the state after `to`. */
function runAutomaton(
  next: Uint16Array,
  next2: Uint16Array,
  badColumn2: Uint16Array,
  column: Uint16Array,
  bad: Uint8Array,
  state: number,
  chunk: Uint8Array,
  from: number,
  to: number,
  bit: number,
): number {
  let s = state;
  let i = from;
  for (; i + 1 < to; i += 2) {
    const k = (s << (2 * SHIFT)) | (CLASS[chunk[i]!]! << SHIFT) | CLASS[chunk[i + 1]!]!;
    const t = next2[k]!;
    if (t >= FLAG) {
      bad[badColumn2[k]!]! |= bit;
      s = t ^ FLAG;
    } else s = t;
  }
  if (i < to) {
    const t = next[(s << SHIFT) | CLASS[chunk[i]!]!]!;
    if (t >= FLAG) {
      bad[column[s]!]! |= bit;
      s = t ^ FLAG;
    } else s = t;
  }
  return s;
}

/** Built once per column layout (every file of a table shares one). */
const automata = new Map<string, Automaton>();

export class DecimalScanner {
  private readonly isDecimal: boolean[];
  private readonly a: Automaton;
  /** Column has a value that does not fit (bit 1: in the first line, bit 2: after it). */
  private readonly badBits: Uint8Array;
  private state = 0;
  private firstLine = true;

  constructor(decimalColumns: readonly boolean[]) {
    this.isDecimal = [...decimalColumns];
    const key = decimalColumns.map((d) => (d ? 1 : 0)).join("");
    const a = automata.get(key) ?? build(decimalColumns);
    automata.set(key, a);
    this.a = a;
    this.badBits = new Uint8Array(decimalColumns.length + 1);
  }

  push(chunk: Uint8Array): void {
    let from = 0;
    if (this.firstLine) {
      const nl = chunk.indexOf(10);
      const end = nl < 0 ? chunk.length : nl + 1;
      this.run(chunk, 0, end, 1);
      if (nl < 0) return;
      this.firstLine = false;
      from = end;
    }
    this.run(chunk, from, chunk.length, 2);
  }

  private run(chunk: Uint8Array, from: number, to: number, bit: number): void {
    const a = this.a;
    if (this.state === a.quoted) return;
    this.state = runAutomaton(
      a.next,
      a.next2,
      a.badColumn2,
      a.column,
      this.badBits,
      this.state,
      chunk,
      from,
      to,
      bit,
    );
  }

  private fast(header: boolean, bits: Uint8Array): boolean[] {
    const mask = header ? 2 : 3;
    const quoted = this.state === this.a.quoted;
    return this.isDecimal.map((d, c) => d && !quoted && (bits[c]! & mask) === 0);
  }

  /** Call when the stream ended; `header` says whether the first line was a header (its cells are not data). */
  result(header: boolean): ScanResult {
    const bits = Uint8Array.from(this.badBits);
    // A last line without a newline: its last field ends here.
    if (this.a.bad[this.state]) bits[this.a.column[this.state]!]! |= this.firstLine ? 1 : 2;
    return { fast: this.fast(header, bits), quoted: this.state === this.a.quoted };
  }
}
