"""Points to buurten: udc's STRtree assignment against DuckDB's spatial extension, same polygons, same points.

13 000 synthetic buurten (a jittered grid over the Netherlands' extent, in WGS84) and 1 000 000 random points;
both engines must give every point the same buurt. Prints seconds, points/s and the ratio. DuckDB spatial comes
from the ``duckdb-extension-spatial`` wheel (pinned to DuckDB's version; no download at run time).

    python benchmarks/bench_points.py [points] [buurten]      # default 1 000 000 and 13 000
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import shapely


def grid(n: int, rng: np.random.Generator) -> tuple[list[str], list]:
    """About ``n`` quadrilaterals tiling 3.3–7.2 °E × 50.75–53.55 °N with jittered shared corners (no gaps)."""
    cols = int(np.sqrt(n * 1.4))
    rows = max(1, n // cols)
    xs = np.linspace(3.3, 7.2, cols + 1)
    ys = np.linspace(50.75, 53.55, rows + 1)
    jx = rng.uniform(-0.2, 0.2, (rows + 1, cols + 1)) * (xs[1] - xs[0])
    jy = rng.uniform(-0.2, 0.2, (rows + 1, cols + 1)) * (ys[1] - ys[0])
    jx[:, [0, -1]] = 0
    jy[[0, -1], :] = 0
    X, Y = xs[None, :] + jx, ys[:, None] + jy
    codes, polygons = [], []
    for r in range(rows):
        for c in range(cols):
            ring = [
                (X[r, c], Y[r, c]),
                (X[r, c + 1], Y[r, c + 1]),
                (X[r + 1, c + 1], Y[r + 1, c + 1]),
                (X[r + 1, c], Y[r + 1, c]),
            ]
            polygons.append(shapely.Polygon(ring))
            codes.append(f"BU{len(codes) // 100:04d}{(len(codes) // 10) % 10:02d}{len(codes) % 10:02d}")
    return codes, polygons


def with_duckdb(codes: list[str], polygons: list, points: np.ndarray, folder: Path) -> tuple[float, pd.Series]:
    import duckdb
    import duckdb_extension_spatial

    extension = next(Path(duckdb_extension_spatial.__file__).parent.glob(f"extensions/v{duckdb.__version__}/*"))
    con = duckdb.connect(str(folder / "spatial.duckdb"), config={"allow_unsigned_extensions": "true"})
    con.execute(f"LOAD '{extension}'")
    con.register("b", pd.DataFrame({"code": codes, "wkb": shapely.to_wkb(polygons)}))
    con.register("p", pd.DataFrame({"i": np.arange(len(points)), "x": points[:, 0], "y": points[:, 1]}))
    t0 = time.perf_counter()
    con.execute("CREATE TABLE buurten AS SELECT code, ST_GeomFromWKB(wkb) AS g FROM b")
    found = con.execute(
        "SELECT p.i, min(b.code) AS code FROM p JOIN buurten b ON ST_Contains(b.g, ST_Point(p.x, p.y)) GROUP BY p.i"
    ).df()
    seconds = time.perf_counter() - t0
    return seconds, found.set_index("i")["code"].reindex(range(len(points)))


def main(n_points: int, n_buurten: int) -> None:
    from udc.areas.points import locate

    rng = np.random.default_rng(3)
    codes, polygons = grid(n_buurten, rng)
    points = np.column_stack([rng.uniform(3.2, 7.3, n_points), rng.uniform(50.7, 53.6, n_points)])
    t0 = time.perf_counter()
    ours = locate(codes, polygons, shapely.points(points))
    strtree = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        spatial, theirs = with_duckdb(codes, polygons, points, Path(tmp))
    same = pd.Series(ours).fillna("").to_numpy() == theirs.fillna("").to_numpy()
    inside = int(pd.notna(pd.Series(ours)).sum())
    print(f"{n_points:,} points, {len(codes):,} buurten; {inside:,} inside a buurt")
    print(f"udc (Shapely STRtree)  {strtree:6.2f} s  ({n_points / strtree:,.0f} points/s; target ≤ 10 s for 1 M)")
    print(f"DuckDB spatial         {spatial:6.2f} s  ({n_points / spatial:,.0f} points/s)")
    print(f"ratio udc/DuckDB       {strtree / spatial:6.2f}; same buurt for {same.mean():.4%} of the points")
    if not same.all():  # on shared borders the two engines may pick different neighbours; nothing else may differ
        border = [i for i in np.flatnonzero(~same)[:50] if ours[i] is not None and theirs.iloc[i] is not None]
        assert len(border) == min(50, int((~same).sum())), "points found by one engine only"


if __name__ == "__main__":
    if sys.argv[1:] == ["--smoke"]:  # CI: every code path at a tiny size
        main(20_000, 500)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000, int(sys.argv[2]) if len(sys.argv) > 2 else 13_000)
