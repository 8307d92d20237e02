"""Map data for a national-scale store: p50/p95 latency of ``/api/v1/map/BU`` vs the same bytes as a static file.

A store with 13 000 synthetic buurt polygons (33-vertex rings on a grid over the Netherlands' extent, WGS84) is
served by the real app (uvicorn, loopback, in its own process); the same GeoJSON bytes are also written to a file
served by the same server (StaticFiles). Each URL is fetched sequentially over one keep-alive connection, after a
warm-up request (the API builds and caches the document on first use; that cold time is reported too).

    python benchmarks/bench_map.py [buurten] [requests]
"""

from __future__ import annotations

import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def build(path: Path, n: int) -> None:
    import numpy as np
    import shapely

    from udc.store import Store

    side = int(np.ceil(np.sqrt(n)))
    xs = np.linspace(3.4, 7.2, side)
    ys = np.linspace(50.8, 53.5, side)
    radius = 0.4 * min(xs[1] - xs[0], ys[1] - ys[0])
    rows = []
    for i in range(n):
        x, y = xs[i % side], ys[i // side]
        geom = shapely.Point(x, y).buffer(radius, quad_segs=8)
        code = f"BU{i // 40 + 1:04d}{(i // 4) % 10:02d}{i % 4:02d}"
        rows.append((code, 2024, "BU", shapely.to_wkb(geom), shapely.to_wkb(geom), None, "bench"))
    with Store(path) as store:
        store.con.executemany("INSERT OR REPLACE INTO geometries VALUES (?,?,?,?,?,?,?)", rows)
        store.con.executemany(
            "INSERT OR REPLACE INTO areas (code, kind, name, valid_from, source) "
            "VALUES (?, 'BU', ?, DATE '2024-01-01', 'bench')",
            [(r[0], f"Buurt {r[0]}") for r in rows],
        )


def serve(path: Path, port: int, static: Path) -> None:
    import uvicorn
    from fastapi.staticfiles import StaticFiles

    from udc.web.app import create_app

    app = create_app(path)
    app.mount("/bench-static", StaticFiles(directory=str(static)), name="bench")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def timings(client: object, url: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        r = client.get(url)
        r.raise_for_status()
        _ = r.content
        out.append(time.perf_counter() - t0)
    return out


def main(n: int, requests: int) -> None:
    import httpx

    with tempfile.TemporaryDirectory() as tmp:
        store, static = Path(tmp) / "s", Path(tmp) / "static"
        static.mkdir()
        build(store, n)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.Popen([sys.executable, __file__, "--serve", str(store), str(port), str(static)])
        try:
            base = f"http://127.0.0.1:{port}"
            with httpx.Client(base_url=base, timeout=60) as client:
                for _ in range(200):
                    try:
                        client.get("/favicon.ico")
                        break
                    except httpx.TransportError:
                        time.sleep(0.1)
                t0 = time.perf_counter()
                body = client.get("/api/v1/map/BU").content
                cold = time.perf_counter() - t0
                (static / "buurten.geojson").write_bytes(body)
                client.get("/bench-static/buurten.geojson")
                api = timings(client, "/api/v1/map/BU", requests)
                files = timings(client, "/bench-static/buurten.geojson", requests)
        finally:
            proc.terminate()
            proc.wait(10)

    def pct(values: list[float], q: float) -> float:
        return statistics.quantiles(values, n=100)[int(q) - 1] * 1000

    print(f"{n:,} buurten, GeoJSON {len(body) / 1e6:.1f} MB; first (cold) API request {cold * 1000:.0f} ms")
    print(f"API /api/v1/map/BU:   p50 {pct(api, 50):.1f} ms, p95 {pct(api, 95):.1f} ms ({requests} requests)")
    print(f"static file, same bytes: p50 {pct(files, 50):.1f} ms, p95 {pct(files, 95):.1f} ms")
    print(f"ratio p95 API / static: {pct(api, 95) / pct(files, 95):.2f} (target ≤ 2)")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4]))
    elif sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size
        main(200, 3)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 13_000, int(sys.argv[2]) if len(sys.argv) > 2 else 100)
