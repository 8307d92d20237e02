"""Verhuisstromen at national scale: the protected table set vs the same unprotected set in bare DuckDB, and pandas.

A synthetic table in the shape of ``flows_moves`` is made in DuckDB in one statement: 20 million moves over
2015–2024, 342 municipalities with 40 buurten in 10 wijken each (13 680 buurten); destinations decay with distance
(45 % within the municipality, 40 % to one of the ten nearest codes, 10 % anywhere, 5 % abroad), attributes drawn per
move. Residents on 1 January of the span's years (17 million per year) are the rates' denominators.

Each part runs in its own process (time and peak memory of that process):
  bare    — the baseline: the **same table set, unprotected**, in bare DuckDB SQL written here — every municipality ×
            5 target groups × balance, destinations, origins, od (gemeente), triggers, trend, each view one query
            with GROUPING SETS for its margins, fetched as Arrow tables — every flow listed, no protection;
  udc     — ``flows.study`` on the same data: the same views, protected (cell key; withheld one-person tails to or
            from single municipalities not listed, as by default); then od at wijk level and the rates apart;
  pandas  — a straightforward pandas implementation of the same six views' raw counts for all municipalities and
            groups (no margins, no protection), from the same table.
  spark   — the udc study on Spark in local mode (2 cores), and on a standalone cluster started for it (a master and
            two one-core workers, separate processes on loopback): start-up, the Parquet hand-over (first, and when
            the dataset's version is already handed over), the study, and the same study again in that session;
            same cells as on DuckDB.
Beside them a floor: the study's heaviest single step (every move counted by the municipality it leaves, the year and
the group flags) written bare, timed warm in DuckDB and in Spark SQL over the same hand-over — how far apart the two
engines are on this machine before any of udc's work.
At smoke size the udc part also runs with ``tails=True`` and checks that it lists exactly the bare set's cells, and
both Spark runs that they give DuckDB's cells.

    python benchmarks/bench_flows.py [moves]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SPAN = (2019, 2020)
GROUPS = ["adults", "young-families", "middle-income", "students", "seniors"]
# the person attributes the target groups use, drawn per row (moves and residents alike)
ATTRIBUTES = """(abs(hash(i + 2)) % 90)::SMALLINT AS age,
    ['reference', 'partner', 'child', 'other'][(hash(i + 3) % 4)::BIGINT + 1] AS role,
    ['none', 'none', 'none', 'mbo', 'hbo', 'wo'][(hash(i + 4) % 6)::BIGINT + 1] AS student,
    ['single', 'couple', 'couple_with_children', 'single_parent', 'other'][(hash(i + 10) % 5)::BIGINT + 1]
        AS household_type,
    ['low', 'middle', 'high'][(hash(i + 11) % 3)::BIGINT + 1] AS income_class"""


def build(path: Path, moves: int) -> None:
    """One CREATE TABLE per dataset, integer draws first and the codes spelled once."""
    from udc.analysis import flows
    from udc.store import Dataset, Store, catalogue

    with Store(path) as store:
        catalogue.save_query(
            store,
            Dataset(name=flows.MOVES, title="synthetic moves", source="bench", sensitivity="microdata"),
            f"""
            WITH m AS (
              SELECT i, abs(hash(i * 7)) % 342 + 1 AS f, abs(hash(i * 11)) % 100 AS r,
                     abs(hash(i + 5)) % 40 AS fb, abs(hash(i + 8)) % 40 AS tb
              FROM range({moves}) t(i)),
            d AS (
              SELECT *, CASE WHEN r < 45 THEN f
                             WHEN r < 85 THEN (f - 1 + (abs(hash(i * 13)) % 10) + 1) % 342 + 1
                             WHEN r < 95 THEN abs(hash(i * 17)) % 342 + 1 ELSE 0 END AS t
              FROM m),
            c AS (
              SELECT *, lpad(f::VARCHAR, 4, '0') AS fc, lpad(t::VARCHAR, 4, '0') AS tc,
                     lpad((fb // 4)::VARCHAR, 2, '0') AS fw, lpad((tb // 4)::VARCHAR, 2, '0') AS tw
              FROM d)
            SELECT 'BU' || fc || fw || lpad((fb % 4)::VARCHAR, 2, '0') AS from_area,
                   CASE WHEN t = 0 THEN 'ZZ_BUITENLAND' ELSE 'BU' || tc || tw || lpad((tb % 4)::VARCHAR, 2, '0')
                   END AS to_area,
                   'GM' || fc AS from_gm,
                   CASE WHEN t = 0 THEN 'ZZ_BUITENLAND' ELSE 'GM' || tc END AS to_gm,
                   'WK' || fc || fw AS from_wk,
                   CASE WHEN t = 0 THEN 'ZZ_BUITENLAND' ELSE 'WK' || tc || tw END AS to_wk,
                   (2015 + i % 10)::SMALLINT AS year,
                   {ATTRIBUTES},
                   ['none', 'none', 'left_parental_home', 'moved_in_together', 'separated', 'child_born',
                    'widowed'][(hash(i + 12) % 7)::BIGINT + 1] AS trigger,
                   (hash(i + 1) % 4294967296)::BIGINT AS record_key
            FROM c""",
        )
        residents = max(100_000, round(17_000_000 * moves / 20_000_000))  # the national ratio of moves to residents
        catalogue.save_query(
            store,
            Dataset(name=flows.RESIDENTS, title="synthetic residents", source="bench", sensitivity="microdata"),
            f"""
            SELECT y::SMALLINT AS year, 'GM' || lpad((abs(hash(i * 7)) % 342 + 1)::VARCHAR, 4, '0') AS gm,
                   {ATTRIBUTES},
                   (hash(i + 1) % 4294967296)::BIGINT AS record_key
            FROM range({residents}) t(i), range({SPAN[0]}, {SPAN[1] + 1}) s(y)""",
        )
        store.con.execute("CHECKPOINT")


# the target groups' conditions written out in SQL for the baseline (udc holds them as typed filters)
GROUP_SQL = {
    "adults": "age >= 18",
    "young-families": "age BETWEEN 18 AND 45 AND household_type IN ('couple_with_children', 'single_parent') "
    "AND role IN ('reference', 'partner')",
    "middle-income": "age >= 18 AND income_class = 'middle'",
    "students": "age >= 16 AND student IN ('mbo', 'hbo', 'wo')",
    "seniors": "age >= 65",
}

# a row's groups as bits of one integer, as udc's study computes them
FLAGS_SQL = " + ".join(f"CASE WHEN ({GROUP_SQL[g]}) THEN {1 << i} ELSE 0 END" for i, g in enumerate(GROUPS))


def bare_views(source: str, counted: bool) -> dict[str, str]:
    """The study's six views, unprotected, as plain SQL: each move tagged with the municipality it leaves and the
    one it enters (once for a move within one), joined to the target groups it belongs to. ``source`` is the moves
    table, or (``counted``) a table of the moves already counted by from, to, year, trigger and group flags."""
    groups = " UNION ALL ".join(f"SELECT '{g}' AS grp, {i} AS bit" for i, g in enumerate(GROUPS))
    weight = "sum(n)" if counted else "count(*)"

    def tagged(where: str) -> str:
        return f"""(WITH m AS (SELECT * FROM {source} WHERE {where}),
            t AS (SELECT from_gm AS area, *, TRUE AS from_in, from_gm = to_gm AS to_in FROM m
                  UNION ALL SELECT to_gm AS area, *, FALSE AS from_in, TRUE AS to_in FROM m
                  WHERE to_gm <> from_gm AND to_gm LIKE 'GM%')
            SELECT t.*, g.grp FROM t JOIN ({groups}) g ON (t.gmask >> g.bit) & 1 = 1)"""

    span = tagged(f"year BETWEEN {SPAN[0]} AND {SPAN[1]}")
    every = tagged("TRUE")
    direction = "CASE WHEN from_in AND to_in THEN 'within' WHEN to_in THEN 'in' ELSE 'out' END"
    other = "CASE WHEN {o} LIKE 'GM%' THEN 'rest_of_country' ELSE 'abroad' END"

    def sets(by: list[str]) -> str:
        subsets = [[d for j, d in enumerate(by) if mask >> j & 1] for mask in range(2 ** len(by))]
        return ", ".join("(" + ", ".join(["area", "grp", *sub]) + ")" for sub in subsets)

    def view(tags: str, select: str, by: list[str], where: str = "TRUE") -> str:
        return (
            f"SELECT area, grp, {', '.join(by)}, {weight} AS n FROM (SELECT *, {select} FROM {tags}) "
            f"WHERE {where} GROUP BY GROUPING SETS ({sets(by)})"
        )

    return {
        "balance": view(span, f"{direction} AS direction", ["direction"]),
        "destinations": view(
            span,
            f"{other.format(o='to_gm')} AS other_class, to_gm AS other_gm",
            ["other_class", "other_gm"],
            "from_in AND NOT to_in",
        ),
        "origins": view(
            span,
            f"{other.format(o='from_gm')} AS other_class, from_gm AS other_gm",
            ["other_class", "other_gm"],
            "to_in AND NOT from_in",
        ),
        "od": view(span, "1 AS one", ["from_gm", "to_gm"]),
        "triggers": view(span, "1 AS one", ["trigger"], "adult"),
        "trend": view(every, f"{direction} AS direction", ["year", "direction"]),
    }


def floor_sql(table: str) -> str:
    """The study's heaviest single step written bare: every move of every year counted by the municipality it
    leaves, whether it stays within it, the year and the target-group flags (the trend counts this twice, once per
    end). What one engine takes for it against the other bounds how close their whole studies can come."""
    return (
        f"SELECT count(*) FROM (SELECT from_gm, from_gm = to_gm AS same, year, {FLAGS_SQL} AS gmask, count(*) AS n, "
        f"sum(record_key % 4294967296) AS k FROM {table} GROUP BY 1, 2, 3, 4) AS counted"
    )


def best_of(runs: int, job: Callable[[], object]) -> float:
    """The fastest of ``runs`` timings (a warm engine: caches filled, code compiled)."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        job()
        times.append(time.perf_counter() - t0)
    return min(times)


def bare(path: Path) -> dict:
    """Both ways a DuckDB user would write it: every view from the moves, and the moves counted once first."""
    from udc.analysis import flows
    from udc.store import Store, catalogue

    with Store(path) as store:
        table = catalogue.get(store, flows.MOVES).table_name
        moves = f"(SELECT *, {FLAGS_SQL} AS gmask, {GROUP_SQL['adults']} AS adult FROM {table})"

        def run(views: dict[str, str]) -> dict[str, int]:
            return {view: store.con.execute(sql).fetch_arrow_table().num_rows for view, sql in views.items()}

        t0 = time.perf_counter()
        cells = run(bare_views(moves, False))
        each = time.perf_counter() - t0
        t0 = time.perf_counter()
        store.con.execute(
            f"CREATE TEMP TABLE counted AS SELECT from_gm, to_gm, year, trigger, gmask, adult, "
            f"count(*) AS n FROM {moves} GROUP BY ALL"
        )
        once = run(bare_views("counted", True))
        counted = time.perf_counter() - t0
        floor = best_of(3, lambda: store.con.execute(floor_sql(table)).fetchall())
    assert once == cells
    return {
        "seconds": min(each, counted),
        "each": each,
        "counted": counted,
        "cells": sum(cells.values()),
        "views": cells,
        "floor": floor,
    }


def ours(path: Path, tails: bool = False) -> dict:
    from udc.analysis import flows
    from udc.privacy.access import User
    from udc.privacy.audit import AuditLog, engine_for
    from udc.store import Store

    with Store(path) as store:
        audit = AuditLog(engine_for(f"sqlite:///{path.parent / 'op.sqlite'}"), b"k" * 32)
        user = User("bench", "researcher")
        t0 = time.perf_counter()
        areas = flows.all_areas(store)
        tables = flows.study(store, areas, years=SPAN, groups=GROUPS, tails=tails, user=user, audit=audit)
        main = time.perf_counter() - t0
        if tails:
            return {
                "seconds": main,
                "cells": sum(len(t.cells) for t in tables.values()),
                "views": {v: len(t.cells) for v, t in tables.items()},
            }
        t0 = time.perf_counter()
        wijk = flows.study(store, areas, years=SPAN, groups=GROUPS, views=("od",), level="wijk", user=user, audit=audit)
        wijk_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        rates = flows.study(store, areas, years=SPAN, groups=GROUPS, views=("rates",), user=user, audit=audit)
        rates_s = time.perf_counter() - t0
    return {
        "seconds": main,
        "areas": len(areas),
        "cells": sum(len(t.cells) for t in tables.values()),
        "suppressed": sum(t.suppressed for t in tables.values()),
        "wijk_seconds": wijk_s,
        "wijk_cells": len(wijk["od"].cells),
        "rates_seconds": rates_s,
        "rates_cells": len(rates["rates"].cells),
    }


def on_spark(path: Path, cluster: bool = False) -> dict:
    """The same study on Spark: in local mode (2 cores in this process's JVM), or on a standalone cluster started
    here (a master and two one-core workers as separate processes, as the slow tests run it). Start-up (the
    cluster's processes and the session), the Parquet hand-over (kept: ``UDC_SPARK_KEEP=1``, so the cluster run finds
    this version already handed over), the study."""
    import os

    os.environ["UDC_SPARK_KEEP"] = "1"
    if not cluster:
        return _spark_study(path)
    from udc.store.spark_cluster import Cluster

    t0 = time.perf_counter()
    cluster = Cluster(path.parent / "cluster")
    with cluster as url:
        up = time.perf_counter() - t0
        os.environ.update(UDC_SPARK_MASTER=url, SPARK_CONF_DIR=str(cluster.conf))  # the driver needs its secret
        return _spark_study(path) | {"cluster_start": up}


def _spark_study(path: Path) -> dict:
    from udc import settings
    from udc.analysis import flows
    from udc.privacy import engine
    from udc.privacy.access import User
    from udc.privacy.audit import AuditLog, engine_for
    from udc.store import Store, catalogue, spark

    settings.reset()
    with Store(path) as store:
        audit = AuditLog(engine_for(f"sqlite:///{path.parent / 'op.sqlite'}"), b"k" * 32)
        t0 = time.perf_counter()
        spark.backend()
        started = time.perf_counter() - t0
        table = catalogue.get(store, flows.MOVES).table_name
        t0 = time.perf_counter()
        spark.table(store, table)  # the Parquet hand-over: written unless this version is already there
        handed = time.perf_counter() - t0
        t0 = time.perf_counter()
        spark.table(store, table)
        again = time.perf_counter() - t0
        with engine.using(store, "spark"):
            areas = flows.all_areas(store)

            def run() -> dict:
                user = User("bench", "researcher")
                return flows.study(store, areas, years=SPAN, groups=GROUPS, user=user, audit=audit)

            t0 = time.perf_counter()
            tables = run()
            seconds = time.perf_counter() - t0
            warm = best_of(1, run)  # the same study again in this session: what a notebook's next study costs
        from pyspark.sql import SparkSession

        session = SparkSession.getActiveSession()
        session.read.parquet(spark.handover(store, table).as_uri()).createOrReplaceTempView("bench_moves")
        floor = best_of(3, lambda: session.sql(floor_sql("bench_moves")).collect())
        spark.stop()
    cells = sum(len(t.cells) for t in tables.values())
    withheld = sum(t.suppressed for t in tables.values())
    return {
        "start": started,
        "handover": handed,
        "again": again,
        "seconds": seconds,
        "warm": warm,
        "floor": floor,
        "cells": cells,
        "withheld": withheld,
    }


def with_pandas(path: Path) -> dict:
    from udc.analysis import flows
    from udc.store import Store, catalogue

    with Store(path) as store:
        table = catalogue.get(store, flows.MOVES).table_name
        t0 = time.perf_counter()
        frame = store.query(f'SELECT * EXCLUDE (from_area, to_area, from_wk, to_wk, record_key) FROM "{table}"')
    masks = {
        "adults": lambda f: f.age >= 18,
        "young-families": lambda f: f.age.between(18, 45)
        & f.household_type.isin(["couple_with_children", "single_parent"])
        & f.role.isin(["reference", "partner"]),
        "middle-income": lambda f: (f.age >= 18) & (f.income_class == "middle"),
        "students": lambda f: (f.age >= 16) & f.student.isin(["mbo", "hbo", "wo"]),
        "seniors": lambda f: f.age >= 65,
    }
    cells = 0
    span = frame[frame.year.between(*SPAN)]
    for mask in masks.values():
        sel, every = span[mask(span)], frame[mask(frame)]
        moved = sel[sel.from_gm != sel.to_gm]
        parts = [
            moved.groupby("to_gm").size(),  # in
            moved.groupby("from_gm").size(),  # out
            sel[sel.from_gm == sel.to_gm].groupby("from_gm").size(),  # within
            moved.groupby(["from_gm", "to_gm"]).size(),  # destinations = origins = od
            sel[sel.age >= 18].groupby(["from_gm", "trigger"]).size(),
            sel[sel.age >= 18].groupby(["to_gm", "trigger"]).size(),
            every.groupby(["from_gm", "year"]).size(),
            every.groupby(["to_gm", "year"]).size(),
        ]
        cells += sum(len(p) for p in parts)
    return {"seconds": time.perf_counter() - t0, "cells": cells}


def child(part: str, path: Path, moves: int) -> None:
    result = {
        "build": lambda: build(path, moves) or {},
        "bare": lambda: bare(path),
        "udc": lambda: ours(path),
        "tails": lambda: ours(path, tails=True),
        "spark": lambda: on_spark(path),
        "cluster": lambda: on_spark(path, cluster=True),
    }.get(part, lambda: with_pandas(path))()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main(moves: int, check: bool = False) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s"
        out = {}
        for part in ("build", "bare", "udc", "pandas", "spark", "cluster", *(["tails"] if check else [])):
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, __file__, "--child", part, str(path), str(moves)],
                capture_output=True,
                text=True,
                check=True,
            )
            out[part] = json.loads(done.stdout.strip().splitlines()[-1]) | {"wall": time.perf_counter() - t0}
    b, u, p = out["bare"], out["udc"], out["pandas"]
    print(
        f"moves {moves:,} (built in {out['build']['wall']:.1f} s, peak {out['build']['peak_mb']:,.0f} MB); "
        f"{u['areas']} areas"
    )
    print(
        f"bare DuckDB, the same table set unprotected (6 views × 5 groups × every municipality, GROUPING SETS), "
        f"{b['cells']:,} cells: every view from the moves {b['each']:.2f} s; the moves counted once first "
        f"{b['counted']:.2f} s; peak {b['peak_mb']:,.0f} MB"
    )
    print(
        f"udc protected set (cell key; withheld tails not listed): {u['seconds']:.2f} s = "
        f"{u['seconds'] / b['seconds']:.2f}x the faster bare set (target ≤ 1.5x); {u['cells']:,} cells listed, "
        f"{u['suppressed']:,} of them withheld; peak {u['peak_mb']:,.0f} MB (target ≤ 2 048)"
    )
    print(
        f"  + od at wijk level {u['wijk_seconds']:.2f} s ({u['wijk_cells']:,} cells); "
        f"+ rates per 1 000 residents {u['rates_seconds']:.2f} s ({u['rates_cells']:,} cells)"
    )
    print(
        f"pandas, same six views' raw counts (no margins, no protection): {p['seconds']:.2f} s "
        f"= {p['seconds'] / u['seconds']:.1f}x udc (target ≥ 4x); peak {p['peak_mb']:,.0f} MB"
    )
    for part, name in (
        ("spark", "Spark local[2]"),
        ("cluster", "Spark standalone cluster (master + 2 one-core workers)"),
    ):
        k = out[part]
        same = k["cells"] == u["cells"] and k["withheld"] == u["suppressed"]
        started = f"cluster up {k['cluster_start']:.1f} s, " if "cluster_start" in k else ""
        print(
            f"udc on {name}, same cells as DuckDB: {same}: {started}session {k['start']:.1f} s, Parquet hand-over "
            f"{k['handover']:.1f} s (this version already handed over: {k['again']:.2f} s; target ≤ 10 s), "
            f"study {k['seconds']:.2f} s = {k['seconds'] / u['seconds']:.1f}x DuckDB (target ≤ 3x), the same study "
            f"again in this session {k['warm']:.2f} s = {k['warm'] / u['seconds']:.1f}x; "
            f"Python process peak {k['peak_mb']:,.0f} MB (the JVMs apart)"
        )
        print(
            f"  floor: the study's heaviest single step written bare ({moves:,} moves by municipality left, year and "
            f"group flags, warm): DuckDB {b['floor']:.3f} s, Spark SQL on {name} {k['floor']:.3f} s = "
            f"{k['floor'] / b['floor']:.1f}x: the ratio Spark starts from on this machine, before any of udc's work"
        )
        if check:
            assert same, f"{name}: not the cells DuckDB gives"
    if check:  # the baseline must be the same set: with tails, udc lists the bare cells and the empty categories
        t = out["tails"]
        extra = {v: t["views"][v] - b["views"].get(v, 0) for v in t["views"]}
        print(
            f"check: udc with tails {t['cells']:,} cells per view {t['views']}; bare {b['views']}; udc's extra "
            f"cells are declared categories nobody moved in (listed, withheld): {extra}"
        )
        assert set(t["views"]) == set(b["views"]) and min(extra.values()) >= 0, "not the same table set"


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size
        main(20_000, check=True)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000)
