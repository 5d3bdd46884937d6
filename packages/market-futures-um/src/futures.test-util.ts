// Table-driven tests both futures markets run (USD-M here, COIN-M in market-futures-cm): the matrix facts, CSV
// layouts and key shapes they share, written out literally; each market passes its own symbols and examples.
import type { CsvSchema, FileRef, MarketPlugin, Partition } from "@crypto-lakehouse/core";
import { describe, expect, it } from "vitest";

const COMMON = "1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d".split(" ");
const KLINE_CLASS = ["indexPriceKlines", "klines", "markPriceKlines", "premiumIndexKlines"];
const KLINE_COLUMNS =
  "open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,taker_buy_quote_volume,ignore";

export interface FuturesMatrixTables {
  /** "USD-M" or "COIN-M", for test names. */
  label: string;
  market: MarketPlugin;
  /** The one CSV layout the two markets differ on. */
  trades: { columns: string; header: CsvSchema["header"] };
}

/** The data types, partitions, intervals, windows and CSV schemas docs/archive.md §3 and §6 give both markets. */
export function describeFuturesMatrix({ label, market, trades }: FuturesMatrixTables): void {
  const { dataTypes } = market.matrix;
  const typesIn = (p: Partition) =>
    Object.entries(dataTypes)
      .filter(([, s]) => s.partitions.includes(p))
      .map(([n]) => n)
      .sort();

  describe(`${label} futures matrix: the futures data types`, () => {
    it("publishes docs/archive.md's daily list", () => {
      expect(typesIn("daily")).toEqual([
        "aggTrades",
        "bookDepth",
        "bookTicker",
        "indexPriceKlines",
        "klines",
        "liquidationSnapshot",
        "markPriceKlines",
        "metrics",
        "premiumIndexKlines",
        "trades",
      ]);
    });

    it("publishes docs/archive.md's monthly list", () => {
      expect(typesIn("monthly")).toEqual([
        "aggTrades",
        "bookTicker",
        "fundingRate",
        "indexPriceKlines",
        "klines",
        "markPriceKlines",
        "premiumIndexKlines",
        "trades",
      ]);
    });

    it("has fundingRate monthly only; bookDepth, metrics, liquidationSnapshot daily only", () => {
      expect(dataTypes.fundingRate!.partitions).toEqual(["monthly"]);
      for (const dt of ["bookDepth", "metrics", "liquidationSnapshot"])
        expect(dataTypes[dt]!.partitions).toEqual(["daily"]);
    });

    it("gives the four kline-class types interval folders: no 1s, 3d/1w/1mo monthly only", () => {
      for (const dt of KLINE_CLASS) {
        expect(dataTypes[dt]!.keyShape).toBe("interval");
        expect(dataTypes[dt]!.intervals).toEqual({ daily: COMMON, monthly: [...COMMON, "3d", "1w", "1mo"] });
      }
    });

    it("gives every other type a plain key and no intervals", () => {
      for (const [dt, spec] of Object.entries(dataTypes)) {
        if (KLINE_CLASS.includes(dt)) continue;
        expect(spec.keyShape, dt).toBe("plain");
        expect(spec.intervals, dt).toBeUndefined();
      }
    });

    it("knows bookTicker stopped 2024-03-30 / 2024-04", () => {
      expect(dataTypes.bookTicker!.windows?.daily).toMatchObject({ to: "2024-03-30" });
      expect(dataTypes.bookTicker!.windows?.monthly).toMatchObject({ to: "2024-04-01" });
    });

    it("describes every type and gives it a CSV schema", () => {
      for (const [dt, spec] of Object.entries(dataTypes)) {
        expect(spec.description, dt).toMatch(/\w{3}/);
        expect(spec.csv, dt).toBeDefined();
      }
    });
  });

  describe(`${label} CSV schemas (docs/archive.md §6)`, () => {
    const columns = (dt: string) => dataTypes[dt]!.csv!.columns.map((c) => c.name).join(",");

    it.each([
      ...KLINE_CLASS.map((dt) => [dt, KLINE_COLUMNS, "sometimes", "ms"]),
      [
        "aggTrades",
        "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,is_buyer_maker",
        "sometimes",
        "ms",
      ],
      ["trades", trades.columns, trades.header, "ms"],
      ["fundingRate", "calc_time,funding_interval_hours,last_funding_rate", "always", "ms"],
      [
        "metrics",
        "create_time,symbol,sum_open_interest,sum_open_interest_value,count_toptrader_long_short_ratio," +
          "sum_toptrader_long_short_ratio,count_long_short_ratio,sum_taker_long_short_vol_ratio",
        "always",
        "text",
      ],
      ["bookDepth", "timestamp,percentage,depth,notional", "always", "text"],
      [
        "bookTicker",
        "update_id,best_bid_price,best_bid_qty,best_ask_price,best_ask_qty,transaction_time,event_time",
        "always",
        "ms",
      ],
      [
        "liquidationSnapshot",
        "time,side,order_type,time_in_force,original_quantity,price,average_price,order_status," +
          "last_fill_quantity,accumulated_fill_quantity",
        "always",
        "ms",
      ],
    ])("%s: %s (header %s, time %s)", (dt, cols, header, unit) => {
      const csv = dataTypes[dt]!.csv!;
      expect(columns(dt)).toBe(cols);
      expect(csv.header).toBe(header);
      expect(csv.timeUnit).toBe(unit);
      expect(csv.timeUnitSwitch).toBeUndefined();
    });

    it("notes the duplicated metrics rows of 2020-09 … 2021-05 and datetime text columns", () => {
      expect(dataTypes.metrics!.csv!.note).toMatch(/2020-09.*2021-05/);
      expect(dataTypes.metrics!.csv!.columns[0]).toEqual({ name: "create_time", type: "datetime" });
      expect(dataTypes.bookDepth!.csv!.columns[0]).toEqual({ name: "timestamp", type: "datetime" });
    });
  });
}

/** An docs/archive.md example: partition, data type, symbol, period and (kline-class types) interval. */
export type ExampleFile = [
  partition: Partition,
  dataType: string,
  symbol: string,
  period: string,
  interval?: string,
];

export interface FuturesKeyTables {
  /** "USD-M" or "COIN-M", for test names. */
  label: string;
  market: MarketPlugin;
  /** Market id and key root, written out rather than read from the plugin so a wrong fragment fails. */
  id: string;
  root: string;
  /** The period of every allowed file, per partition. */
  period: Record<Partition, string>;
  /** Symbols for which every file the matrix allows must round-trip. */
  symbols: string[];
  /** docs/archive.md examples and their keys. */
  examples: [ExampleFile, string][];
  /** Keys parseKey must reject: why, key. */
  rejects: [string, string][];
}

/**
 * Every data type × partition × interval the matrix allows has docs/archive.md's key shape and round-trips through
 * parseKey; the examples give their keys; keys of any other shape are rejected.
 */
export function describeFuturesKeys(t: FuturesKeyTables): void {
  const { market } = t;
  const ref = (...[partition, dataType, symbol, period, interval]: ExampleFile): FileRef =>
    interval
      ? { market: t.id, partition, dataType, symbol, interval, period }
      : { market: t.id, partition, dataType, symbol, period };

  /** Every file the matrix allows, for one symbol. */
  const allowedFiles = (symbol: string): FileRef[] =>
    Object.entries(market.matrix.dataTypes).flatMap(([dataType, spec]) =>
      spec.partitions.flatMap((partition) =>
        spec.keyShape === "interval"
          ? (spec.intervals?.[partition] ?? []).map((i) =>
              ref(partition, dataType, symbol, t.period[partition], i),
            )
          : [ref(partition, dataType, symbol, t.period[partition])],
      ),
    );

  /** The key docs/archive.md §2 describes, written out independently of core's key rules. */
  const archiveKey = (f: FileRef): string => {
    const dir = `${t.root}/${f.partition}/${f.dataType}/${f.symbol}`;
    return f.interval
      ? `${dir}/${f.interval}/${f.symbol}-${f.interval}-${f.period}.zip`
      : `${dir}/${f.symbol}-${f.dataType}-${f.period}.zip`;
  };

  describe(`${t.label} fileKey/parseKey over the whole matrix`, () => {
    const files = t.symbols.flatMap(allowedFiles);

    it("covers every data type, partition and interval", () => {
      // 4 kline-class types × (12 daily + 15 monthly) + plain: aggTrades 2, bookDepth 1, bookTicker 2,
      // fundingRate 1, liquidationSnapshot 1, metrics 1, trades 2.
      expect(files).toHaveLength(t.symbols.length * (4 * 27 + 10));
    });

    it.each(files.map((f) => [archiveKey(f), f] as const))("%s", (expected, f) => {
      const key = market.fileKey(f);
      expect(key).toBe(expected);
      expect(market.parseKey(key)).toEqual({ ...f, key });
      expect(market.parseKey(`${key}.CHECKSUM`)).toBeUndefined();
    });
  });

  describe(`${t.label} keys: docs/archive.md examples`, () => {
    it.each(t.examples.map(([file, key]) => [ref(...file), key] as const))("%o → %s", (file, key) => {
      expect(market.fileKey(file)).toBe(key);
      expect(market.parseKey(key)).toEqual({ ...file, key });
    });
  });

  describe(`${t.label} parseKey rejects other shapes`, () => {
    it.each(t.rejects)("%s: %s", (_why, key) => {
      expect(market.parseKey(key)).toBeUndefined();
    });
  });
}
