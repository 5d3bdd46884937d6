// A market plugin is pure data plus key and symbol rules: no I/O. It contributes its matrix fragment.
import { createKeyRules, type KeyRules } from "../matrix/keys.js";
import type { MarketMatrix } from "../matrix/schema.js";
import type { MarketId } from "../model/types.js";

export interface SymbolResolution {
  symbol: string;
  /** Set when the symbol was rewritten (e.g. the specification's options `BTC` → `BTCBVOLUSDT`). */
  note?: string;
}

/** Value conventions of the archive's market families, for generated CSVs (see ReplicaFormat). */
export const CSV_DIALECTS = ["spot", "usd-m", "coin-m", "options"] as const;
export type CsvDialect = (typeof CSV_DIALECTS)[number];

/**
 * How a market's files look beyond their columns, so a generated replica (`lakehouse replica`) matches the real
 * archive: the replica asks the market instead of knowing markets by name. Optional: a market without it gets no
 * replica files.
 */
export interface ReplicaFormat {
  /**
   * The conventions the market's CSV values follow: `spot` (prices with 8 decimals, `True`/`False`), `usd-m`
   * (prices at the tick, base quantities), `coin-m` (quantities in contracts, amounts in the base asset), `options`.
   */
  dialect: CsvDialect;
  /** Whether a `.CHECKSUM` sidecar ends with a newline (spot's do not). */
  checksumNewline: boolean;
  /** Real symbols, generated when a replica selection names none (each data type takes those that fit it). */
  sampleSymbols: readonly string[];
  /**
   * Per data type, a pattern the archive's symbol must also match for the replica to write that type for it, where
   * a type takes only some of the market's symbols (options: `BVOLIndex` the BVOL indices, `EOHSummary` the rest).
   */
  symbolPatterns?: Readonly<Record<string, string>>;
  /**
   * Per data type, rewrites the replica tries in order when a requested symbol does not resolve for the type, e.g.
   * COIN-M index price klines file any contract (`BTCUSD_230331`) under its pair (`BTCUSD`).
   */
  symbolRewrites?: Readonly<Record<string, readonly SymbolRewrite[]>>;
  /**
   * Files the real archive serves with a stale `.CHECKSUM`, most typical first (spot: `1s` klines, regenerated in
   * 2023 without new sidecars). A replica with quirks makes the sidecar of the first such file it holds stale.
   */
  staleChecksums?: readonly { dataType: string; interval?: string }[];
  /**
   * Data types whose files carry every row twice in the real archive, only between `from` and `to` (days,
   * inclusive) when given. A replica with quirks writes them so.
   */
  duplicatedRows?: Readonly<Record<string, { from?: string; to?: string }>>;
}

/**
 * How silver (`lakehouse silver`) treats the market's data types beyond their CSV schemas, so silver asks the market
 * instead of knowing data types by name. Optional: without it, kline types are checked by open time and every other
 * type is kept as published.
 */
export interface SilverFormat {
  /**
   * Data types whose files are small enough that silver drops rows repeated exactly; `repeats` says when the archive
   * itself repeats them (e.g. "every event appears twice").
   */
  distinctRows?: Readonly<Record<string, { repeats?: string }>>;
  /**
   * Per data type, the silver name of a CSV `symbol` column that is not the file's symbol (options EOHSummary: the
   * option contract, `option_symbol`). Otherwise a `symbol` column equals the file's symbol and is dropped.
   */
  symbolColumns?: Readonly<Record<string, string>>;
}

/** A symbol rewrite: a regular expression and its replacement (`$1`…). */
export interface SymbolRewrite {
  pattern: string;
  replacement: string;
}

export interface MarketPlugin extends KeyRules {
  readonly kind: "market";
  readonly id: MarketId;
  /** Human label, e.g. "USD-M futures". */
  readonly label: string;
  readonly matrix: MarketMatrix;
  /**
   * Maps a user's symbol to the archive's spelling for a data type (upper-casing is not done here: symbols
   * must already be upper case). Returns undefined when the symbol is not valid for the type.
   */
  resolveSymbol(dataType: string, symbol: string): SymbolResolution | undefined;
  /** How its files look, for generated replicas. */
  readonly replica?: ReplicaFormat;
  /** How silver treats its data types. */
  readonly silver?: SilverFormat;
  /** The same market with another matrix (a user's matrix file overriding or extending this fragment). */
  withMatrix(matrix: MarketMatrix): MarketPlugin;
}

export interface MarketDefinition {
  id: MarketId;
  label: string;
  matrix: MarketMatrix;
  /** Aliases per data type: user spelling → archive spelling. */
  symbolAliases?: Record<string, Record<string, string>>;
  /**
   * Rewrites per data type, tried in order when a symbol does not fit the type's pattern: a regular expression and
   * its replacement (`$1`…), e.g. COIN-M index price klines file `BTCUSD_PERP` under the bare pair `BTCUSD`.
   */
  symbolRewrites?: Record<string, readonly SymbolRewrite[]>;
  replica?: ReplicaFormat;
  silver?: SilverFormat;
}

/** Builds a market plugin from its data; key rules come from the matrix fragment. */
export function defineMarket(def: MarketDefinition): MarketPlugin {
  const rules = createKeyRules(def.id, def.matrix);
  const marketPattern = new RegExp(def.matrix.symbolPattern);
  return {
    kind: "market",
    id: def.id,
    label: def.label,
    matrix: def.matrix,
    ...(def.replica ? { replica: def.replica } : {}),
    ...(def.silver ? { silver: def.silver } : {}),
    ...rules,
    resolveSymbol(dataType, symbol) {
      const spec = def.matrix.dataTypes[dataType];
      const pattern = spec?.symbolPattern ? new RegExp(spec.symbolPattern) : marketPattern;
      const renamed = (to: string) => ({
        symbol: to,
        note: `${def.id}/${dataType}: symbol ${symbol} is ${to} in the archive`,
      });
      const alias = def.symbolAliases?.[dataType]?.[symbol];
      if (alias !== undefined) return pattern.test(alias) ? renamed(alias) : undefined;
      if (pattern.test(symbol)) return { symbol };
      for (const r of def.symbolRewrites?.[dataType] ?? []) {
        const re = new RegExp(r.pattern);
        if (!re.test(symbol)) continue;
        const to = symbol.replace(re, r.replacement);
        if (pattern.test(to)) return renamed(to);
      }
      return undefined;
    },
    withMatrix(matrix) {
      return defineMarket({ ...def, matrix });
    },
  };
}
