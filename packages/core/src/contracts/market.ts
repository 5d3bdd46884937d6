// A market plugin is pure data plus key and symbol rules: no I/O. It contributes its matrix fragment.
import { createKeyRules, type KeyRules } from "../matrix/keys.js";
import type { MarketMatrix } from "../matrix/schema.js";
import type { MarketId } from "../model/types.js";

export interface SymbolResolution {
  symbol: string;
  /** Set when the symbol was rewritten (e.g. the specification's options `BTC` → `BTCBVOLUSDT`). */
  note?: string;
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
  /** The same market with another matrix (a user's matrix file overriding or extending this fragment). */
  withMatrix(matrix: MarketMatrix): MarketPlugin;
}

export interface MarketDefinition {
  id: MarketId;
  label: string;
  matrix: MarketMatrix;
  /** Aliases per data type: user spelling → archive spelling. */
  symbolAliases?: Record<string, Record<string, string>>;
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
    ...rules,
    resolveSymbol(dataType, symbol) {
      const alias = def.symbolAliases?.[dataType]?.[symbol];
      const resolved = alias ?? symbol;
      const spec = def.matrix.dataTypes[dataType];
      const pattern = spec?.symbolPattern ? new RegExp(spec.symbolPattern) : marketPattern;
      if (!pattern.test(resolved)) return undefined;
      return alias
        ? { symbol: alias, note: `${def.id}/${dataType}: symbol ${symbol} is ${alias} in the archive` }
        : { symbol };
    },
    withMatrix(matrix) {
      return defineMarket({ ...def, matrix });
    },
  };
}
