"""Page speed on the demo: p50/p95 of the area profile and the comparison page against the home page, same run.

A demo store — built here with the real CLI (``udc demo``; 250 000 persons over 2015-2024 as ``make demo`` builds it),
or an existing one with ``--store`` — is served by a real ``udc serve`` in its own process on loopback. Every page
is fetched once cold (the server's first request builds what it caches), then ``requests`` times in turn over one
keep-alive connection. The home page is the baseline: it reads the catalogue only, so a ratio near 1 means a page
costs no more than serving a page at all. Target (issue 28): profile and comparison p95 ≤ 1 s.

    python benchmarks/bench_pages.py [--store DIR] [--persons N] [--requests N]
    python benchmarks/bench_pages.py --smoke      # CI: 10 000 persons over three years, 3 requests per page
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

UDC = [sys.executable, "-m", "udc"]
TARGET = 1.0  # seconds, p95 of the profile and comparison pages


def build(store: Path, persons: int, years: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [*UDC, "--store", str(store), "demo", "--persons", str(persons), "--years", years, "--quiet"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def pages(store: Path) -> dict[str, str]:
    """The pages measured: the home page, the core city's and one of its wijken's profiles, the comparison page."""
    from udc.store import Store

    with Store(store, read_only=True) as s:
        row = s.con.execute(
            "SELECT min(code) FROM areas WHERE kind = 'WK' AND code LIKE 'WK9901%' AND valid_to IS NULL"
        ).fetchone()
    wijk = row[0] if row and row[0] else None
    found = {"home": "/", "profile (gemeente)": "/gebied/GM9901", "compare": "/vergelijken"}
    if wijk:
        found["profile (wijk)"] = f"/gebied/{wijk}"
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def timings(client: object, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        started = time.perf_counter()
        response = client.get(url)  # type: ignore[attr-defined]
        response.raise_for_status()
        out.append(time.perf_counter() - started)
    return out


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method: defined for as few as two values)."""
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def measure(store: Path, requests: int) -> dict[str, tuple[float, list[float]]]:
    import httpx

    port = free_port()
    server = subprocess.Popen(
        [*UDC, "--store", str(store), "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120) as client:
            for _ in range(300):
                try:
                    client.get("/favicon.ico")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            else:
                raise SystemExit("udc serve did not answer within 30 s")
            results = {}
            for name, url in pages(store).items():
                cold = timings(client, url, 1)[0]
                results[name] = (cold, timings(client, url, requests))
            return results
    finally:
        server.terminate()
        server.wait(30)


def report(results: dict[str, tuple[float, list[float]]], requests: int) -> bool:
    home = pct(results["home"][1], 95)
    print(f"{'page':<20} {'cold':>8} {'p50':>8} {'p95':>8} {'p95 / home':>11}   ({requests} requests each, ms)")
    met = True
    for name, (cold, warm) in results.items():
        p95 = pct(warm, 95)
        print(f"{name:<20} {cold * 1000:8.0f} {pct(warm, 50) * 1000:8.0f} {p95 * 1000:8.0f} {p95 / home:11.1f}")
        if name != "home":
            met &= p95 <= TARGET
    print(f"target: profile and comparison p95 ≤ {TARGET * 1000:.0f} ms: {'met' if met else 'NOT met'}")
    return met


def main(smoke: bool = False) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, help="an existing demo store (default: build one in a temporary folder)")
    parser.add_argument("--persons", type=int, default=250_000)
    parser.add_argument("--years", default="2015-2024")
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args([] if smoke else None)
    if smoke:  # CI: every code path at a tiny size
        args.persons, args.years, args.requests = 10_000, "2020-2022", 3
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store
        if store is None:
            store = Path(tmp) / "store"
            seconds = build(store, args.persons, args.years)
            print(f"demo store: {args.persons:,} persons, {args.years}, built in {seconds:.0f} s")
        else:
            print(f"demo store: {store}")
        report(measure(store, args.requests), args.requests)


if __name__ == "__main__":
    main(smoke=sys.argv[1:] == ["--smoke"])
