"""Verhuisstromen at national scale: the whole protected table set vs a bare DuckDB GROUP BY and a pandas version.

A synthetic table in the shape of ``flows_moves`` is made in DuckDB: 20 million moves over 2015–2024, 342
municipalities with 38 buurten in 10 wijken each (≈ 13 000 buurten); destinations decay with distance (45 % within the
municipality, 40 % to one of the ten nearest codes, 10 % anywhere, 5 % abroad), attributes drawn per move.
Residents on 1 January of the span's years (17 million per year) are the rates' denominators.

Each part runs in its own process (time and peak memory of that process):
  bare    — the bare DuckDB GROUP BY producing the raw municipality OD counts (the baseline);
  udc     — ``flows.study``: every municipality × 5 target groups × balance, destinations, origins, od (gemeente),
            triggers, trend, all protected (margins, cell key); then od at wijk level and the rates (residents)
            reported separately;
  pandas  — a straightforward pandas implementation of the same six views' raw counts for all municipalities and
            groups (no margins, no protection), from the same table.

    python benchmarks/bench_flows.py [moves]
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
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
    from udc.analysis import flows
    from udc.store import Dataset, Store, catalogue

    with Store(path) as store:
        store.con.execute(f"""
            CREATE TABLE bench_moves AS
            WITH m AS (
              SELECT i, abs(hash(i * 7)) % 342 + 1 AS f, abs(hash(i * 11)) % 100 AS r
              FROM range({moves}) t(i)),
            d AS (
              SELECT i, f, CASE WHEN r < 45 THEN f
                                WHEN r < 85 THEN (f - 1 + (abs(hash(i * 13)) % 10) + 1) % 342 + 1
                                WHEN r < 95 THEN abs(hash(i * 17)) % 342 + 1 ELSE 0 END AS t
              FROM m)
            SELECT 'BU' || lpad(f::VARCHAR, 4, '0') || lpad((abs(hash(i + 5)) % 10)::VARCHAR, 2, '0')
                        || lpad((abs(hash(i + 6)) % 4)::VARCHAR, 2, '0') AS from_area,
                   CASE WHEN t = 0 THEN 'ZZ_BUITENLAND' ELSE 'BU' || lpad(t::VARCHAR, 4, '0')
                        || lpad((abs(hash(i + 8)) % 10)::VARCHAR, 2, '0')
                        || lpad((abs(hash(i + 9)) % 4)::VARCHAR, 2, '0') END AS to_area,
                   'GM' || lpad(f::VARCHAR, 4, '0') AS from_gm,
                   CASE WHEN t = 0 THEN 'ZZ_BUITENLAND' ELSE 'GM' || lpad(t::VARCHAR, 4, '0') END AS to_gm,
                   (2015 + i % 10)::SMALLINT AS year,
                   {ATTRIBUTES},
                   ['none', 'none', 'left_parental_home', 'moved_in_together', 'separated', 'child_born',
                    'widowed'][(hash(i + 12) % 7)::BIGINT + 1] AS trigger,
                   (hash(i + 1) % 4294967296)::BIGINT AS record_key
            FROM d""")
        store.con.execute(
            "CREATE TABLE bench_moves2 AS SELECT *, 'WK' || substr(from_area, 3, 6) AS from_wk, "
            "CASE WHEN to_area LIKE 'BU%' THEN 'WK' || substr(to_area, 3, 6) ELSE to_area END AS to_wk "
            "FROM bench_moves; DROP TABLE bench_moves"
        )
        catalogue.save_query(
            store,
            Dataset(name=flows.MOVES, title="synthetic moves", source="bench", sensitivity="microdata"),
            "SELECT * FROM bench_moves2",
        )
        store.con.execute("DROP TABLE bench_moves2")
        residents = max(100_000, round(17_000_000 * moves / 20_000_000))  # the national ratio of moves to residents
        store.con.execute(f"""
            CREATE TABLE bench_residents AS
            SELECT y::SMALLINT AS year, 'GM' || lpad((abs(hash(i * 7)) % 342 + 1)::VARCHAR, 4, '0') AS gm,
                   {ATTRIBUTES},
                   (hash(i + 1) % 4294967296)::BIGINT AS record_key
            FROM range({residents}) t(i), range({SPAN[0]}, {SPAN[1] + 1}) s(y)""")
        catalogue.save_query(
            store,
            Dataset(name=flows.RESIDENTS, title="synthetic residents", source="bench", sensitivity="microdata"),
            "SELECT * FROM bench_residents",
        )
        store.con.execute("DROP TABLE bench_residents; CHECKPOINT")


def bare(path: Path) -> dict:
    from udc.analysis import flows
    from udc.store import Store, catalogue

    with Store(path) as store:
        table = catalogue.get(store, flows.MOVES).table_name
        t0 = time.perf_counter()
        n = len(store.query(f'SELECT from_gm, to_gm, count(*) AS n FROM "{table}" GROUP BY ALL'))
        return {"seconds": time.perf_counter() - t0, "cells": n}


def ours(path: Path) -> dict:
    from udc.analysis import flows
    from udc.privacy.access import User
    from udc.privacy.audit import AuditLog, engine_for
    from udc.store import Store

    with Store(path) as store:
        audit = AuditLog(engine_for(f"sqlite:///{path.parent / 'op.sqlite'}"), b"k" * 32)
        user = User("bench", "researcher")
        t0 = time.perf_counter()
        areas = flows.all_areas(store)
        tables = flows.study(store, areas, years=SPAN, groups=GROUPS, user=user, audit=audit)
        main = time.perf_counter() - t0
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
    result = {"build": lambda: build(path, moves) or {}, "bare": lambda: bare(path), "udc": lambda: ours(path)}.get(
        part, lambda: with_pandas(path)
    )()
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def main(moves: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s"
        out = {}
        for part in ("build", "bare", "udc", "pandas"):
            t0 = time.perf_counter()
            done = subprocess.run(
                [sys.executable, __file__, "--child", part, str(path), str(moves)],
                capture_output=True,
                text=True,
                check=True,
            )
            out[part] = json.loads(done.stdout.strip().splitlines()[-1]) | {"wall": time.perf_counter() - t0}
    b, u, p = out["bare"], out["udc"], out["pandas"]
    print(f"moves {moves:,} (built in {out['build']['wall']:.0f} s); {u['areas']} areas (municipalities + regions)")
    print(f"bare DuckDB OD GROUP BY: {b['seconds']:.2f} s ({b['cells']:,} OD pairs), peak {b['peak_mb']:,.0f} MB")
    print(
        f"udc whole protected set (5 groups × balance, destinations, origins, od, triggers, trend): "
        f"{u['seconds']:.2f} s = {u['seconds'] / b['seconds']:.1f}x the bare GROUP BY (target ≤ 1.5x); "
        f"{u['cells']:,} cells, {u['suppressed']:,} suppressed; peak {u['peak_mb']:,.0f} MB (target ≤ 2 048)"
    )
    print(
        f"  + od at wijk level {u['wijk_seconds']:.2f} s ({u['wijk_cells']:,} cells); "
        f"+ rates per 1 000 residents {u['rates_seconds']:.2f} s ({u['rates_cells']:,} cells)"
    )
    print(
        f"pandas, same six views' raw counts (no margins, no protection): {p['seconds']:.2f} s "
        f"= {p['seconds'] / u['seconds']:.1f}x udc (target ≥ 4x); peak {p['peak_mb']:,.0f} MB"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child(sys.argv[2], Path(sys.argv[3]), int(sys.argv[4]))
    elif sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size
        main(20_000)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000)
