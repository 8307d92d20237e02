"""Verhuisstromen at national scale: the protected balance of every municipality vs a bare DuckDB GROUP BY.

A synthetic moves table in the shape of ``flows_moves`` (20 million moves, 13 000 buurten, 342 municipalities) is
made in DuckDB. Measured in the same run: (a) the bare GROUP BY of raw municipality OD counts; (b) udc's protected
balance (adults, one span) for every municipality through the gate; (c) a plain pandas groupby of the same balance
counts. The issue's target covers *all* groups and views; this measures one view and one group and says so.

    python benchmarks/bench_flows.py [moves]
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path


def main(moves: int) -> None:
    from udc.analysis import flows
    from udc.privacy.access import User
    from udc.privacy.audit import AuditLog, engine_for
    from udc.privacy.gate import crosstab
    from udc.store import Dataset, Store, catalogue

    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s") as store:
        t0 = time.perf_counter()
        store.con.execute(f"""
            CREATE TABLE ds_flows_moves AS
            SELECT 'BU' || lpad(f::VARCHAR, 4, '0') || lpad((abs(hash(i)) % 38)::VARCHAR, 4, '0') AS from_area,
                   'BU' || lpad(t::VARCHAR, 4, '0') || lpad((abs(hash(i + 1)) % 38)::VARCHAR, 4, '0') AS to_area,
                   'GM' || lpad(f::VARCHAR, 4, '0') AS from_gm, 'GM' || lpad(t::VARCHAR, 4, '0') AS to_gm,
                   (2015 + i % 10)::SMALLINT AS year, (abs(hash(i + 2)) % 90)::SMALLINT AS age,
                   (hash(i + 3) % 4294967296)::BIGINT AS record_key
            FROM (SELECT i, abs(hash(i * 7)) % 342 + 1 AS f,
                         CASE WHEN hash(i * 11) % 3 = 0 THEN abs(hash(i * 7)) % 342 + 1
                              ELSE abs(hash(i * 13)) % 342 + 1 END AS t
                  FROM range({moves}) r(i))""")
        catalogue.save_query(
            store,
            Dataset(name="flows_moves", title="synthetic moves", source="bench", sensitivity="microdata"),
            "SELECT * FROM ds_flows_moves",
        )
        build = time.perf_counter() - t0
        t0 = time.perf_counter()
        raw = store.query("SELECT from_gm, to_gm, count(*) AS n FROM ds_flows_moves GROUP BY ALL")
        bare = time.perf_counter() - t0
        audit = AuditLog(engine_for(f"sqlite:///{Path(tmp) / 'op.sqlite'}"))
        user = User("bench", "researcher")
        codes = sorted({*raw.from_gm})
        t0 = time.perf_counter()
        for code in codes:
            m = f"('{code}')"
            derived = {
                "direction": f"CASE WHEN from_gm IN {m} AND to_gm IN {m} THEN 'within' "
                f"WHEN to_gm IN {m} THEN 'in' WHEN from_gm IN {m} THEN 'out' END"
            }
            crosstab(
                store,
                flows.MOVES,
                ["direction"],
                derived=derived,
                method="cellkey",
                user=user,
                audit=audit,
                where=f"year BETWEEN 2019 AND 2020 AND age >= 18 AND (from_gm IN {m} OR to_gm IN {m})",
            )
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        frame = store.query("SELECT from_gm, to_gm, year, age FROM ds_flows_moves")
        sel = frame[(frame.year.between(2019, 2020)) & (frame.age >= 18)]
        inflow = sel[sel.from_gm != sel.to_gm].groupby("to_gm").size()
        outflow = sel[sel.from_gm != sel.to_gm].groupby("from_gm").size()
        within = sel[sel.from_gm == sel.to_gm].groupby("from_gm").size()
        assert len(inflow) and len(outflow) and len(within)
        pandas_s = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"moves {moves:,} (built in {build:.1f} s); bare DuckDB OD GROUP BY {bare:.2f} s; "
        f"udc protected balance for {len(codes)} municipalities (adults, 2019-2020) {ours:.1f} s "
        f"({ours / bare:.0f}x the bare GROUP BY); pandas balance counts (unprotected) {pandas_s:.1f} s; "
        f"peak {peak:,.0f} MB"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000_000)
