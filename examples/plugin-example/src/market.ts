// A market plugin: pure data. This one is a curated view of USD-M futures (funding rates and mark-price
// klines only), stored in bronze under its own market id.
import { type CsvColumn, defineMarket } from "@crypto-lakehouse/core";

const INTERVALS = ["1h", "4h", "1d"];

/** `name:type,…` → CSV columns. */
const cols = (spec: string): CsvColumn[] =>
  spec.split(",").map((c) => {
    const [name, type] = c.split(":") as [string, CsvColumn["type"]];
    return { name, type };
  });

export const umFundingMarket = defineMarket({
  id: "um_funding",
  label: "USD-M funding view",
  matrix: {
    archivePath: "futures/um",
    symbolPattern: "^[A-Z0-9]{2,30}$",
    description: "USD-M perpetual funding rates with their mark-price klines",
    dataTypes: {
      fundingRate: {
        partitions: ["monthly"],
        keyShape: "plain",
        description: "funding rate per settlement",
        csv: {
          columns: cols("calc_time:time,funding_interval_hours:int,last_funding_rate:decimal"),
          header: "always",
          timeUnit: "ms",
        },
      },
      markPriceKlines: {
        partitions: ["daily", "monthly"],
        keyShape: "interval",
        intervals: { daily: INTERVALS, monthly: INTERVALS },
        description: "mark-price klines",
        csv: {
          columns: cols(
            "open_time:time,open:decimal,high:decimal,low:decimal,close:decimal,volume:decimal,close_time:time," +
              "quote_volume:decimal,count:int,taker_buy_volume:decimal,taker_buy_quote_volume:decimal,ignore:string",
          ),
          header: "sometimes",
          timeUnit: "ms",
        },
      },
    },
  },
  // How its files look, so `lakehouse replica` (and the market contract suite) can generate them.
  replica: { dialect: "usd-m", checksumNewline: true, sampleSymbols: ["BTCUSDT"] },
  // Funding-rate files are small: `lakehouse silver` drops exact repeats, as it does for the built-in futures.
  silver: { distinctRows: { fundingRate: {} } },
});
