"""Harmonise throughput: the Ibis/DuckDB expression against a plain pandas merge/groupby baseline, same run.

Prints rows/s for both and the ratio. Uses a synthetic table over the real crosswalk when ../shared/data
exists, otherwise over the demo region.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from udc.areas import registry
from udc.areas.crosswalk import crosswalk
from udc.areas.harmonise import harmonise
from udc.store import Store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def main(rows_per_year: int = 200_000) -> None:
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s") as store:
        if DATA.is_dir():
            registry.import_file(store, DATA / "nlextract" / "gemeentelijke-indeling.csv")
            registry.import_file(store, DATA / "algorithm_geovis" / "RegioVanVestigingCodes.csv")
            from_year, to_year = 2018, 2019
        else:
            from udc.synth.generate import generate

            generate(store, persons=10_000, seed=1, years=(2018, 2019))
            from_year, to_year = 2018, 2019
        codes = sorted(registry.valid_codes(store, registry.jan1(from_year), "GM"))
        rng = np.random.default_rng(1)
        table = pd.DataFrame(
            {
                "area_code": rng.choice(codes, rows_per_year),
                "year": from_year,
                "n": rng.integers(0, 1000, rows_per_year),
            }
        )
        # The realistic shape is one row per area; duplicates stand in for many value columns/rows.
        t0 = time.perf_counter()
        result = harmonise(store, table, to_year)
        ours = time.perf_counter() - t0

        t0 = time.perf_counter()
        links = pd.DataFrame(
            [(x.from_code, x.to_code, x.share) for x in crosswalk(store, from_year, to_year)],
            columns=["area_code", "to", "share"],
        )
        merged = table.merge(links, on="area_code")
        merged["n"] = merged["n"] * merged["share"]
        baseline = merged.groupby(["year", "to"], as_index=False)["n"].sum()
        base = time.perf_counter() - t0
        assert np.isclose(result.table["n"].astype(float).sum(), baseline["n"].sum())
        print(f"rows            {rows_per_year}")
        print(f"udc harmonise   {ours:.3f} s  ({rows_per_year / ours:,.0f} rows/s, incl. crosswalk + report)")
        print(f"pandas baseline {base:.3f} s  ({rows_per_year / base:,.0f} rows/s, crosswalk + merge/groupby)")
        print(f"ratio udc/base  {ours / base:.2f}")


if __name__ == "__main__":
    if sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size
        main(2_000)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
