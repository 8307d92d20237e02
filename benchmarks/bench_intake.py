"""Report intake under load: concurrent loopback clients post Open311 service requests to a real ``udc serve``
process whose operational database is PostgreSQL, for a bounded time. Prints the sustained rate, p50/p95 latency,
the errors (target 0) and whether the database holds exactly the accepted reports (target: 0 lost, 0 extra).
Baseline measured in the same run: the same filing done in-process without HTTP (one thread) — the intake path's
own ceiling — so the ratio says what the server adds.

    python benchmarks/bench_intake.py [seconds] [clients]        # default 60 s, 8 clients
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))  # the PostgreSQL starter of the tests

GRID = 10  # 10 × 10 synthetic buurten of one municipality


def build(path: Path) -> list[tuple[float, float]]:
    """A store with GRID² square buurten (WGS84) of municipality GM9901; returns a point inside each."""
    import shapely

    from udc.store import Store

    rows, points = [], []
    for i in range(GRID * GRID):
        x0, y0 = 5.9 + 0.005 * (i % GRID), 50.85 + 0.005 * (i // GRID)
        geom = shapely.box(x0, y0, x0 + 0.005, y0 + 0.005)
        code = f"BU9901{i // 10:02d}{i % 10:02d}"
        rows.append((code, 2026, "BU", shapely.to_wkb(geom), shapely.to_wkb(geom), None, "bench"))
        points.append((y0 + 0.0025, x0 + 0.0025))
    with Store(path) as store:
        store.con.executemany("INSERT OR REPLACE INTO geometries VALUES (?,?,?,?,?,?,?)", rows)
        names = [(r[0], f"Buurt {r[0]}") for r in rows]
        store.con.executemany(
            "INSERT OR REPLACE INTO areas (code, kind, name, valid_from, source) VALUES "
            "(?, 'BU', ?, DATE '2020-01-01', 'bench')",
            names,
        )
    return points


def client(base: str, key: str, points: list, deadline: float, out: dict, lock: threading.Lock) -> None:
    import httpx

    rng = random.Random(key)
    latencies, accepted, errors = [], [], []
    with httpx.Client(base_url=base, timeout=30) as http:
        while time.monotonic() < deadline:
            lat, lon = rng.choice(points)
            data = {
                "api_key": key,
                "service_code": "zwerfvuil",
                "lat": lat + rng.uniform(-0.002, 0.002),
                "long": lon + rng.uniform(-0.002, 0.002),
                "description": "Zwerfvuil bij het bankje",
            }
            t0 = time.perf_counter()
            try:
                response = http.post("/open311/v2/requests.json", data=data)
            except httpx.HTTPError as exc:
                errors.append(type(exc).__name__)
                continue
            latencies.append(time.perf_counter() - t0)
            if response.status_code == 200:
                accepted.append(int(response.json()[0]["service_request_id"]))
            else:
                errors.append(f"{response.status_code} {response.text[:80]}")
    with lock:
        out["latencies"] += latencies
        out["accepted"] += accepted
        out["errors"] += errors


def in_process(store: Path, url: str, seconds: float, points: list) -> float:
    """Baseline: intake.file called directly (no HTTP, one thread) for ``seconds``; filings per second."""
    from udc.participation import db, intake
    from udc.store import Store

    engine = db.engine(url)
    done, rng = 0, random.Random(1)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        lat, lon = rng.choice(points)
        with Store(store, read_only=True) as s:
            intake.file(
                engine,
                s,
                intake.parse({"service_code": "zwerfvuil", "lat": lat, "long": lon, "description": "baseline"}),
                source="baseline",
            )
        done += 1
    engine.dispose()
    return done / seconds


def main(seconds: float, clients: int) -> None:
    import sqlalchemy as sa

    from pgserver import postgres

    with tempfile.TemporaryDirectory() as tmp, postgres("-c max_connections=200") as url:
        store = Path(tmp) / "store"
        points = build(store)
        env = {**os.environ, "UDC_DATABASE_URL": url, "UDC_OPEN311_KEY_RATE": "100000000", "UDC_STORE": str(store)}
        os.environ.update({"UDC_DATABASE_URL": url})
        import udc
        from udc import settings

        settings.reset()  # build() resolved this process's settings before the variable was set

        keys = [udc.open(store).participation.issue_key(f"bench{i}") for i in range(clients)]
        baseline = in_process(store, url, min(5.0, seconds), points)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = subprocess.Popen(
            [sys.executable, "-m", "udc", "serve", "--store", str(store), "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            import httpx

            for _ in range(300):
                try:
                    httpx.get(f"{base}/open311/v2/services.json", timeout=2)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            out: dict = {"latencies": [], "accepted": [], "errors": []}
            lock = threading.Lock()
            deadline = time.monotonic() + seconds
            started = time.monotonic()
            threads = [threading.Thread(target=client, args=(base, k, points, deadline, out, lock)) for k in keys]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            elapsed = time.monotonic() - started
        finally:
            server.terminate()
            server.wait(20)
        engine = sa.create_engine(url)
        with engine.connect() as con:
            stored = {
                r[0]
                for r in con.execute(sa.text("SELECT id FROM participation_reports WHERE source LIKE 'open311:bench%'"))
            }
        engine.dispose()
    accepted = set(out["accepted"])
    lat = sorted(out["latencies"])
    p50 = statistics.median(lat) * 1000 if lat else float("nan")
    p95 = lat[int(0.95 * (len(lat) - 1))] * 1000 if lat else float("nan")
    rate = len(accepted) / elapsed
    print(
        f"{clients} clients × {seconds:.0f} s against udc serve + PostgreSQL: {len(accepted):,} reports accepted, "
        f"{rate:.1f}/s sustained; latency p50 {p50:.1f} ms, p95 {p95:.1f} ms"
    )
    print(f"errors: {len(out['errors'])}" + (f" (first: {out['errors'][0]})" if out["errors"] else ""))
    print(
        f"database: {len(stored):,} reports stored; lost {len(accepted - stored)}, extra {len(stored - accepted)}, "
        f"duplicate ids {len(out['accepted']) - len(accepted)}"
    )
    print(
        f"baseline in-process (no HTTP, one thread): {baseline:.1f}/s; ratio server / in-process: {rate / baseline:.2f}"
    )
    if out["errors"] or accepted != stored:
        sys.exit(1)


if __name__ == "__main__":
    if sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size
        main(3, 2)
    else:
        main(float(sys.argv[1]) if len(sys.argv) > 1 else 60.0, int(sys.argv[2]) if len(sys.argv) > 2 else 8)
