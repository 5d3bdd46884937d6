# Reads silver tables with pyarrow, pandas, polars and Spark, one call per table and reader, and prints what each saw as JSON.
#
# Usage: python readers.py SPEC.json   (spec: {"readers": [...], "tables": [{"name", "dir", "time", "decimal", "partitions"}]})
# Output (stdout, one JSON document): {"versions": {...}, "tables": {name: {reader: answer}}} where an answer is
#   {"ok": true, "seconds", "rows", "columns": [{"name", "type", "canonical"}], "partitions": {col: [values]},
#    "timeMinUs", "timeMaxUs", "timeSumUs", "decimalMax", "decimalSum", "decimalNulls"}  or  {"ok": false, "error"}.
# Canonical types are reader-neutral names the test compares with DuckDB's: decimal(P,S), timestamp(UNIT,TZ|naive),
# int64, int32, float64, bool, date, string. Times are epoch microseconds (exact integers), decimals plain text.
# The sums touch every row: one file whose times or decimals a reader got wrong changes them.
import datetime
import decimal
import json
import os
import sys
import time
import traceback
import warnings

# pyspark warns about pandas 3 for its pandas interop, which this script does not use.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")

US_PER = {"s": 1_000_000, "ms": 1_000, "us": 1, "ns": None}


def plain(d):
    """A Decimal as plain text (no exponent), keeping its scale; anything else marks a non-exact reader."""
    if d is None:
        return None
    if not isinstance(d, decimal.Decimal):
        return f"not a Decimal: {type(d).__name__} {d!r}"
    return format(d, "f")


def exact_sum(values):
    """Sum of Decimals without rounding (Python's default context keeps only 28 significant digits)."""
    with decimal.localcontext() as ctx:
        ctx.prec = 80
        return sum(values, decimal.Decimal(0))


def strings(values):
    return sorted(str(v) for v in values if v is not None)


# --- pyarrow -----------------------------------------------------------------------------------------------------
def arrow_canonical(t):
    import pyarrow as pa

    if pa.types.is_dictionary(t):
        return arrow_canonical(t.value_type)
    if pa.types.is_decimal(t):
        return f"decimal({t.precision},{t.scale})"
    if pa.types.is_timestamp(t):
        return f"timestamp({t.unit},{t.tz or 'naive'})"
    if pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_string_view(t):
        return "string"
    for name, test in (("int64", pa.types.is_int64), ("int32", pa.types.is_int32), ("float64", pa.types.is_float64),
                       ("bool", pa.types.is_boolean), ("date", pa.types.is_date32)):
        if test(t):
            return name
    return str(t)


def read_pyarrow(spec):
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    table = pq.read_table(spec["dir"], partitioning="hive")
    t = table.column(spec["time"])
    unit = t.type.unit
    scale = US_PER[unit]
    us = pc.divide(t.cast(pa.int64()), 1000) if scale is None else pc.multiply(t.cast(pa.int64()), scale)
    mm = pc.min_max(us)
    dec = table.column(spec["decimal"])
    return {
        "rows": table.num_rows,
        "columns": [{"name": f.name, "type": str(f.type), "canonical": arrow_canonical(f.type)} for f in table.schema],
        "partitions": {p: strings(pc.unique(table.column(p)).to_pylist()) for p in spec["partitions"]},
        "timeMinUs": str(mm["min"].as_py()),
        "timeMaxUs": str(mm["max"].as_py()),
        "timeSumUs": str(pc.sum(us).as_py()),
        "decimalMax": plain(pc.max(dec).as_py()),
        "decimalSum": plain(pc.sum(dec).as_py()),
        "decimalNulls": dec.null_count,
    }


# --- pandas ------------------------------------------------------------------------------------------------------
def pandas_canonical(s):
    import pandas as pd

    dt = s.dtype
    if isinstance(dt, pd.CategoricalDtype):
        return "string" if pd.api.types.is_string_dtype(dt.categories) else f"category[{dt.categories.dtype}]"
    if isinstance(dt, pd.DatetimeTZDtype):
        return f"timestamp({dt.unit},{dt.tz})"
    if pd.api.types.is_datetime64_dtype(dt):
        return f"timestamp({pd.api.types.pandas_dtype(dt).str[-3:-1]},naive)"
    if pd.api.types.is_string_dtype(dt) and not pd.api.types.is_object_dtype(dt):
        return "string"
    if pd.api.types.is_object_dtype(dt):
        kinds = {type(v) for v in s.dropna()}
        if kinds == {decimal.Decimal}:
            # pandas has no decimal dtype: exact Decimal objects; their scale is the Parquet scale.
            scales = {-v.as_tuple().exponent for v in s.dropna()}
            return f"decimal(object,{','.join(map(str, sorted(scales)))})"
        if kinds == {datetime.date}:
            return "date"
        if kinds == {str}:
            return "string"
        return f"object[{','.join(sorted(k.__name__ for k in kinds))}]"
    if pd.api.types.is_bool_dtype(dt):
        return "bool"
    if str(dt) in ("int64", "int32", "float64"):
        return str(dt)
    return str(dt)


def read_pandas(spec):
    import pandas as pd

    df = pd.read_parquet(spec["dir"])
    t = df[spec["time"]]
    dec = df[spec["decimal"]].dropna()
    return {
        "rows": len(df),
        "columns": [{"name": c, "type": str(df[c].dtype), "canonical": pandas_canonical(df[c])} for c in df.columns],
        "partitions": {p: strings(df[p].dropna().unique()) for p in spec["partitions"]},
        # Timestamp.value is nanoseconds since the epoch (of the UTC instant for a tz-aware column).
        "timeMinUs": str(t.min().value // 1000),
        "timeMaxUs": str(t.max().value // 1000),
        "timeSumUs": str(sum(v.value // 1000 for v in t)),
        "decimalMax": plain(max(dec)) if len(dec) else None,
        "decimalSum": plain(exact_sum(dec)),
        "decimalNulls": int(df[spec["decimal"]].isna().sum()),
    }


# --- polars ------------------------------------------------------------------------------------------------------
def polars_canonical(t):
    import polars as pl

    if isinstance(t, pl.Decimal):
        return f"decimal({t.precision},{t.scale})"
    if isinstance(t, pl.Datetime):
        return f"timestamp({t.time_unit},{t.time_zone or 'naive'})"
    if t in (pl.String, pl.Categorical) or isinstance(t, (pl.Categorical, pl.Enum)):
        return "string"
    names = {pl.Int64: "int64", pl.Int32: "int32", pl.Float64: "float64", pl.Boolean: "bool", pl.Date: "date"}
    for k, v in names.items():
        if t == k:
            return v
    return str(t)


def read_polars(spec):
    import polars as pl

    df = pl.read_parquet(os.path.join(spec["dir"], "**", "*.parquet"), hive_partitioning=True)
    t = df[spec["time"]]
    dec = df[spec["decimal"]]
    return {
        "rows": df.height,
        "columns": [{"name": n, "type": str(d), "canonical": polars_canonical(d)} for n, d in df.schema.items()],
        "partitions": {p: strings(df[p].unique().to_list()) for p in spec["partitions"]},
        "timeMinUs": str(t.dt.epoch("us").min()),
        "timeMaxUs": str(t.dt.epoch("us").max()),
        "timeSumUs": str(t.dt.epoch("us").sum()),
        "decimalMax": plain(dec.max()),
        "decimalSum": plain(dec.sum()),
        "decimalNulls": dec.null_count(),
    }


# --- Spark -------------------------------------------------------------------------------------------------------
_spark = None


def spark_session():
    """One local Spark for every table (the JVM takes seconds to start)."""
    global _spark
    if _spark is None:
        from pyspark.sql import SparkSession

        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        _spark = (
            SparkSession.builder.master("local[1]")
            .appName("silver-readers")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.driver.memory", "512m")
            .getOrCreate()
        )
        _spark.sparkContext.setLogLevel("ERROR")
    return _spark


def spark_canonical(t):
    from pyspark.sql import types as T

    if isinstance(t, T.DecimalType):
        return f"decimal({t.precision},{t.scale})"
    if isinstance(t, T.TimestampNTZType):
        return "timestamp(us,naive)"
    if isinstance(t, T.TimestampType):
        # Spark's TIMESTAMP is an instant (microseconds since the epoch, UTC), shown in the session time zone.
        return "timestamp(us,UTC)"
    names = {T.LongType: "int64", T.IntegerType: "int32", T.DoubleType: "float64", T.BooleanType: "bool",
             T.DateType: "date", T.StringType: "string"}
    for k, v in names.items():
        if isinstance(t, k):
            return v
    return t.simpleString()


def read_spark(spec):
    from pyspark.sql import functions as F

    df = spark_session().read.parquet(spec["dir"])
    t, d = F.col(spec["time"]), F.col(spec["decimal"])
    aggs = [
        F.count(F.lit(1)).alias("rows"),
        F.unix_micros(F.min(t)).alias("lo"),
        F.unix_micros(F.max(t)).alias("hi"),
        F.sum(F.unix_micros(t)).alias("tsum"),
        F.max(d).alias("dmax"),
        F.sum(d).alias("dsum"),
        F.count(F.when(d.isNull(), 1)).alias("dnulls"),
    ] + [F.collect_set(F.col(p).cast("string")).alias(f"p_{i}") for i, p in enumerate(spec["partitions"])]
    r = df.agg(*aggs).collect()[0]
    return {
        "rows": r["rows"],
        "columns": [
            {"name": f.name, "type": f.dataType.simpleString(), "canonical": spark_canonical(f.dataType)}
            for f in df.schema.fields
        ],
        "partitions": {p: strings(r[f"p_{i}"]) for i, p in enumerate(spec["partitions"])},
        "timeMinUs": str(r["lo"]),
        "timeMaxUs": str(r["hi"]),
        "timeSumUs": str(r["tsum"]),
        "decimalMax": plain(r["dmax"]),
        "decimalSum": plain(r["dsum"]),
        "decimalNulls": r["dnulls"],
    }


READERS = {"pyarrow": read_pyarrow, "pandas": read_pandas, "polars": read_polars, "spark": read_spark}


def versions(readers):
    import importlib.metadata as m

    pkgs = {"pyarrow": "pyarrow", "pandas": "pandas", "polars": "polars", "spark": "pyspark"}
    return {pkgs[r]: m.version(pkgs[r]) for r in readers} | {"python": sys.version.split()[0]}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    readers = spec.get("readers", list(READERS))
    out = {"versions": versions(readers), "tables": {}}
    for table in spec["tables"]:
        answers = out["tables"].setdefault(table["name"], {})
        for name in readers:
            t0 = time.monotonic()
            try:
                answers[name] = {"ok": True, **READERS[name](table)}
            except Exception as e:  # a reader that cannot read a table is a finding, not a crash of the others
                answers[name] = {"ok": False, "error": f"{type(e).__name__}: {e}"[:2000],
                                 "trace": traceback.format_exc()[-4000:]}
            answers[name]["seconds"] = round(time.monotonic() - t0, 3)
    if _spark is not None:
        _spark.stop()
    json.dump(out, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
