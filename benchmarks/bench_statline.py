"""Fetching a paged StatLine table: udc against cbsodata, and udc's cached re-fetch, in the same run.

The server is the loopback replay server (a separate process, so server and client do not share a CPU); the table
has 60 000 rows in the TypedDataSet shape: the 5 000 recorded 83625NED rows (../shared/data/vjenne) times 12
codes of an added dimension, served in pages of 10 000 like opendata.cbs.nl. Each case runs with no added latency
and with 300 ms per request (a stand-in for the time CBS takes to answer). Each fetch starts from an empty cache
and a new client; the best of ``--repeat`` runs (3) counts for both libraries, so that one slow moment of a shared
machine (or the first run's imports) does not decide the ratio.

Targets (issue 29): udc at least as fast as cbsodata at 0 ms, and at least 3× as fast at 300 ms. One PASS/FAIL line
per target; the exit status is 1 when a target fails. ``--smoke`` runs every code path once at a tiny size, prints
the ratios without judging them (a tiny table says nothing about speed) and takes a few seconds.

    python benchmarks/bench_statline.py
    python benchmarks/bench_statline.py --smoke
"""

from __future__ import annotations

import json
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def build_table(copies: int = 12) -> dict:
    from cbs_fixtures import table_83625ned  # the replay table of the tests

    table = table_83625ned()
    rows = table.v3["TypedDataSet"]
    kinds = [f"T{k:03d}" for k in range(copies)]
    big = [
        {"ID": k * len(rows) + i, "Woningtype": kind, **{c: v for c, v in r.items() if c != "ID"}}
        for k, kind in enumerate(kinds)
        for i, r in enumerate(rows)
    ]
    table.v3["TypedDataSet"] = big
    table.v3["DataProperties"].insert(
        1,
        {"odata.type": "Cbs.OData.Dimension", "ID": 9, "Type": "Dimension", "Key": "Woningtype", "Title": "Woningtype"},
    )
    table.v3["Woningtype"] = [{"Key": k, "Title": f"Type {k}", "Description": ""} for k in kinds]
    return {"83625NED": table}


def serve(queue: multiprocessing.Queue, latency: float, copies: int) -> None:
    from udc.sources.replay import Replay

    with Replay(build_table(copies), page_size=10_000, latency=latency) as replay:
        queue.put(replay.url)
        time.sleep(3600)


TARGETS = {0.0: 1.0, 0.3: 3.0}  # latency (s) → the least cbsodata/udc time ratio asked


def run(latency: float, copies: int = 12, repeat: int = 3) -> dict[str, float]:
    import cbsodata

    from udc.sources.http import Http
    from udc.sources.statline import StatLine

    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue, latency, copies), daemon=True)
    server.start()
    url = queue.get(timeout=60)
    times: dict[str, list[float]] = {"udc": [], "cached": [], "cbsodata": []}
    cbsodata.options.use_https = False
    try:
        for _ in range(repeat):  # alternating, so both see the same moments of a shared machine
            with tempfile.TemporaryDirectory() as cache:
                t0 = time.perf_counter()
                first = StatLine(Path(cache), base_url=url, http=Http()).fetch("83625NED")
                times["udc"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                again = StatLine(Path(cache), base_url=url, http=Http()).fetch("83625NED")
                times["cached"].append(time.perf_counter() - t0)
            expected = len(first.data)
            assert again.from_cache and len(again.data) == expected >= 5_000 * copies
            t0 = time.perf_counter()
            theirs = cbsodata.get_data("83625NED", catalog_url=url.removeprefix("http://"))
            times["cbsodata"].append(time.perf_counter() - t0)
            assert len(theirs) == expected
    finally:
        server.terminate()
    return {name: min(values) for name, values in times.items()}


def main(latencies: tuple[float, ...] = (0.0, 0.3), copies: int = 12, repeat: int = 3, judge: bool = True) -> int:
    print(f"{5_000 * copies} rows in pages of 10 000; best of {repeat} run(s) per library")
    print(
        f"{'latency':>8} {'cbsodata s':>11} {'udc s':>7} {'udc cached s':>13} {'cbsodata/udc':>13} {'first/cached':>13}"
    )
    results = {}
    for latency in latencies:
        r = run(latency, copies, repeat)
        results[latency] = r
        print(
            f"{latency * 1000:>6.0f}ms {r['cbsodata']:>11.2f} {r['udc']:>7.2f} {r['cached']:>13.3f} "
            f"{r['cbsodata'] / r['udc']:>13.2f} {r['udc'] / r['cached']:>13.1f}"
        )
    failed = 0
    for latency, target in TARGETS.items():
        if latency not in results:
            continue
        ratio = results[latency]["cbsodata"] / results[latency]["udc"]
        verdict = ("PASS" if ratio >= target else "FAIL") if judge else "not judged (smoke)"
        failed += judge and ratio < target
        print(f"target: udc >= {target:g}x cbsodata at {latency * 1000:.0f} ms: {ratio:.2f}x  {verdict}")
    print(json.dumps({str(k): v for k, v in results.items()}))
    return 1 if failed else 0


if __name__ == "__main__":
    if sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size, the ratios printed but not judged
        sys.exit(main((0.0,), copies=1, repeat=1, judge=False))
    repeat = int(sys.argv[sys.argv.index("--repeat") + 1]) if "--repeat" in sys.argv else 3
    sys.exit(main(repeat=repeat))
