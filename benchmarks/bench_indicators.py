"""Every built-in indicator for every buurt, wijk and gemeente and every year of a demo population, protected (the
gate's tables defined in advance, intervals, funnel flags), against the same numerators and denominators computed
by bare DuckDB GROUP BYs in the same run (the baseline: what a careful analyst would write, unprotected).

    python benchmarks/bench_indicators.py [persons]        # default 1 000 000, 2015-2024
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _where(count: object) -> str:
    """The baseline's own SQL for a definition's filters (benchmark only: udc itself never writes SQL from them)."""
    parts = []
    year = _year(count)
    for f in count.filters:  # type: ignore[attr-defined]
        if f.column == count.year:  # type: ignore[attr-defined]
            parts.append(f"{year} IN ({', '.join(str(v) for v in f.values or [])})")
            continue
        if f.values is not None:
            parts.append(f"{f.column}::VARCHAR IN ({', '.join(repr(str(v)) for v in f.values)})")
        elif f.between is not None:
            parts.append(f"{f.column} BETWEEN {f.between[0]} AND {f.between[1]}")
        else:
            parts.append(f"{f.column} LIKE '{f.prefix}%'")
    return " AND ".join([f"{count.area} LIKE 'BU%'", *parts])  # type: ignore[attr-defined]


def _year(count: object) -> str:
    """The year column, or the year of the event date for the derived 'jaar'."""
    return "year(date)" if count.year == "jaar" else count.year  # type: ignore[attr-defined]


def child(path: Path, persons: int, years: tuple[int, int]) -> None:
    from udc import demo
    from udc.indicators.compute import Counts, compute
    from udc.indicators.model import library
    from udc.participation import db
    from udc.privacy.access import User
    from udc.privacy.audit import AuditLog, engine_for
    from udc.store import Store, catalogue
    from udc.synth.generate import generate

    with Store(path) as store:
        generate(store, persons=persons, seed=1, years=years)
        reports = db.engine(f"sqlite:///{path.parent / 'op.sqlite'}")  # synthetic reports: the participation ones
        demo.reports(store, years, reports, b"k" * 32, seed=1)
    span = list(range(years[0], years[1] + 1))
    counted = [i for i in library().values() if i.weighted is None]  # rolled-up published rates need a KWB series
    audit = AuditLog(engine_for(f"sqlite:///{path.parent / 'op.sqlite'}"), b"k" * 32)
    with Store(path, read_only=True) as store:
        t0 = time.perf_counter()
        values = 0
        shared = Counts()  # as udc's own runs do: a count several indicators share is protected once
        for indicator in counted:
            values += len(compute(store, indicator, years=span, user=User("bench", "admin"), audit=audit, cache=shared))
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        for indicator in counted:
            for count in indicator.counts:
                table = catalogue.get(store, count.dataset).table_name
                measure = f"sum({count.measure})" if count.measure else "count(*)"
                area, year = count.area, _year(count)
                store.con.execute(
                    f"SELECT {area}, {year}, {measure} FROM {table} WHERE {_where(count)} AND {year} BETWEEN "
                    f"{span[0]} AND {span[-1]} GROUP BY ROLLUP (substr({area}, 3, 4), substr({area}, 3, 6), {area}), "
                    f"{year}"
                ).fetchall()
        bare = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "ours": ours,
                "bare": bare,
                "values": values,
                "indicators": len(counted),
                "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )
    )


def main(persons: int, years: tuple[int, int], smoke: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, __file__, "--child", tmp, str(persons), str(years[0]), str(years[1])],
            capture_output=True,
            text=True,
            check=True,
        )
    r = json.loads(done.stdout.strip().splitlines()[-1])
    print(
        f"{r['indicators']} indicators × every buurt, wijk, gemeente, region and the total × {years[0]}-{years[1]} "
        f"on {persons:,} persons: {r['values']:,} values"
    )
    print(f"udc (gate-protected counts, intervals, funnel flags) {r['ours']:7.2f} s")
    print(f"bare DuckDB GROUP BY ROLLUP of the same counts      {r['bare']:7.2f} s")
    ratio = r["ours"] / r["bare"]
    verdict = "not judged (smoke)" if smoke else ("met" if ratio <= 2 else "missed")
    print(f"ratio udc/bare {ratio:.2f} (target ≤ 2: {verdict}); peak {r['peak_mb']:,.0f} MB (generation included)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(Path(sys.argv[2]) / "s", int(sys.argv[3]), (int(sys.argv[4]), int(sys.argv[5])))
    elif sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size
        main(5_000, (2020, 2021), smoke=True)
    elif len(sys.argv) > 2 or (len(sys.argv) == 2 and not sys.argv[1].isdigit()):
        sys.exit("usage: python benchmarks/bench_indicators.py [persons] | --smoke   (persons: a whole number)")
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, (2015, 2024))
