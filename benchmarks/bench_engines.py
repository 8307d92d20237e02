"""The gate on two engines: the same typed requests and indicators on DuckDB (embedded) and on Spark (local mode,
2 cores), over a demo population. Prints Spark's start-up time, each engine's time per workload and the ratio, and
checks the published tables are identical (a difference exits non-zero).

    python benchmarks/bench_engines.py [persons]        # default 200 000, 2019-2021
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path


def workloads() -> dict:
    from udc.privacy.request import Filter, TableRequest

    return {
        "buurt × year (cell key, rolled up)": TableRequest(
            dataset="synth_persons_yearly",
            dimensions=["buurt_code", "year"],
            filters=[Filter(column="buurt_code", prefix="BU")],
            area="buurt_code",
        ),
        "age band × education × role": TableRequest(
            dataset="synth_persons_yearly", dimensions=["leeftijd", "education", "role"]
        ),
    }


def main(persons: int) -> None:
    import pandas as pd

    from udc.indicators.compute import compute
    from udc.indicators.model import library
    from udc.privacy import engine
    from udc.privacy.access import User
    from udc.privacy.audit import store_log
    from udc.privacy.gate import crosstab
    from udc.store import Store, spark
    from udc.synth.generate import generate

    admin = User("bench", "admin")
    indicators = [library()[i] for i in ("bevolking_65plus", "jeugd_jeugdzorg", "onderwijs_hoog_opgeleid")]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "store"
        with Store(path) as store:
            generate(store, persons=persons, seed=1, years=(2019, 2021))
        audit = store_log(path)
        t0 = time.perf_counter()
        spark.backend()
        started = time.perf_counter() - t0
        with Store(path) as store:
            rows = []
            jobs = {
                name: (lambda r=r: crosstab(store, r, user=admin, audit=audit).cells) for name, r in workloads().items()
            }
            jobs[f"{len(indicators)} indicators, 2019-2021"] = lambda: pd.concat(
                [compute(store, i, years=[2019, 2020, 2021], user=admin, audit=audit) for i in indicators]
            )
            for name, job in jobs.items():
                results, times = {}, {}
                for name_ in ("duckdb", "spark"):
                    with engine.using(store, name_):
                        job()  # warm (Spark: the Parquet hand-over and the first plan)
                        t = time.perf_counter()
                        results[name_] = job()
                        times[name_] = time.perf_counter() - t
                key = [c for c in results["duckdb"].columns if results["duckdb"][c].dtype == object][:3]
                same = (
                    results["duckdb"]
                    .sort_values(key)
                    .reset_index(drop=True)
                    .equals(results["spark"][results["duckdb"].columns].sort_values(key).reset_index(drop=True))
                )
                rows.append((name, times["duckdb"], times["spark"], same, len(results["duckdb"])))
    print(f"{persons:,} persons; Spark local[2] start-up {started:.1f} s (JVM, session)")
    for name, duck, spk, same, n in rows:
        print(
            f"{name}: {n:,} rows; duckdb {duck:.2f} s, spark {spk:.2f} s, ratio spark/duckdb {spk / duck:.1f}; "
            f"identical: {'yes' if same else 'NO'}"
        )
    if not all(r[3] for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:] == ["--smoke"]:
        main(10_000)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 200_000)
