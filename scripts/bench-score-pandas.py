"""The same RFM computation as scripts/bench-score.ts, in pandas, for comparison.

Usage: /usr/bin/python3 scripts/bench-score-pandas.py ORDERS.csv AS_OF(YYYY-MM-DD) PERSONA_CELLS.json [RUNS]

ORDERS.csv: customer_id,order_date,amount (one row per counted order).
PERSONA_CELLS.json: {"personas": [slug, ...], "cells": [125 persona indexes, cell = (r-1)*25 + (f-1)*5 + (m-1)]}.

Only the computation is timed (group by customer, recency, rank-based quintiles with
ties kept together, persona lookup); reading and parsing the CSV is timed separately
and left out of the comparison. Prints one JSON line.
"""
import json
import sys
import time

import numpy as np
import pandas as pd


def quintile(values: pd.Series, n: int) -> np.ndarray:
    # rank(method="min") − 1 = number of customers with a strictly smaller value,
    # so equal values always share a score: floor(5 · less / n) + 1.
    less = values.rank(method="min").to_numpy() - 1
    return (np.floor(5 * less / n) + 1).astype(np.int16)


def compute(df: pd.DataFrame, as_of_day: int, cells: np.ndarray):
    g = df.groupby("customer_id", sort=False).agg(
        first=("day", "min"), last=("day", "max"), frequency=("day", "size"), monetary=("amount", "sum")
    )
    n = len(g)
    recency = as_of_day - g["last"]
    r = quintile(-recency, n)  # fewer days → higher score
    f = quintile(g["frequency"], n)
    m = quintile(g["monetary"], n)
    persona = cells[(r - 1) * 25 + (f - 1) * 5 + (m - 1)]
    return g, r, f, m, persona


def main() -> None:
    path, as_of, cells_path = sys.argv[1], sys.argv[2], sys.argv[3]
    runs = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    spec = json.load(open(cells_path))
    cells = np.array(spec["cells"], dtype=np.int16)

    t0 = time.perf_counter()
    df = pd.read_csv(path, dtype={"customer_id": np.int64, "order_date": str, "amount": np.float64})
    df["day"] = pd.to_datetime(df["order_date"], format="%Y-%m-%d").to_numpy().astype("datetime64[D]").astype(np.int64)
    df["amount"] = np.round(df["amount"].to_numpy() * 100).astype(np.int64)  # exact cents, like ours
    df = df[["customer_id", "day", "amount"]]
    load_ms = (time.perf_counter() - t0) * 1000
    as_of_day = int(np.datetime64(as_of, "D").astype(np.int64))

    times = []
    result = None
    for _ in range(runs):
        t = time.perf_counter()
        result = compute(df, as_of_day, cells)
        times.append((time.perf_counter() - t) * 1000)
    g, r, f, m, persona = result
    counts = np.bincount(persona, minlength=len(spec["personas"]))
    print(json.dumps({
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "orders": int(len(df)),
        "customers": int(len(g)),
        "load_ms": round(load_ms, 1),
        "compute_ms": [round(t, 1) for t in times],
        "persona_counts": {slug: int(c) for slug, c in zip(spec["personas"], counts)},
        "bins": {dim: np.bincount(s, minlength=6)[1:].tolist() for dim, s in (("r", r), ("f", f), ("m", m))},
    }))


if __name__ == "__main__":
    main()
