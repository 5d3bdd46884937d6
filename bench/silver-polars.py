# The naive conversion a user would write with Polars, the reference of `pnpm bench silver`'s small-files set: every
# 1m kline zip under bronze/ → one Parquet file, prices as float64, times from epoch ms or µs (checked per file).
# Usage: python silver-polars.py LAKE OUT   (the Polars that scripts/setup-python.sh pins)
import io
import pathlib
import sys
import zipfile

import polars as pl

COLUMNS = ["open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "count",
           "taker_buy_volume", "taker_buy_quote_volume", "ignore"]
src, out = pathlib.Path(sys.argv[1]) / "bronze", pathlib.Path(sys.argv[2])
files = rows = 0
for z in sorted(src.rglob("*.zip")):
    with zipfile.ZipFile(z) as f:
        data = f.read(f.namelist()[0])
    df = pl.read_csv(io.BytesIO(data), has_header=not data[:1].isdigit(), new_columns=COLUMNS)
    unit = "us" if df["open_time"][0] >= 10**14 else "ms"
    df = df.drop("ignore").with_columns(pl.from_epoch("open_time", time_unit=unit),
                                        pl.from_epoch("close_time", time_unit=unit))
    target = out / z.relative_to(src).with_suffix(".parquet")
    target.parent.mkdir(parents=True, exist_ok=True)
    df.write_parquet(target)
    files += 1
    rows += df.height
print(f'{{"files": {files}, "rows": {rows}}}')
