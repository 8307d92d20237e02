"""Points to areas with the real geometry: the Signalen report lands in Amsterdam (2023 municipalities), generated
points inside Parkstad buurten land in those buurten, points outside every area are reported and kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

import udc as api
from cli_runner import udc
from shared_data import DATA
from udc.areas import registry
from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.areas.points import assign


@pytest.fixture(scope="module")
def geo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("points") / "store"
    udc(
        "--store",
        str(path),
        "areas",
        "import",
        str(DATA / "cartomap_nl" / "wijk_2022_parkstad.geojson"),
        str(DATA / "cartomap_nl" / "buurt_2022_parkstad.geojson"),
        str(DATA / "open_data_maps" / "gemeenten.json"),
    )
    return path


def test_the_signalen_report_is_in_amsterdam(geo: Path) -> None:
    out = udc(
        "--store",
        str(geo),
        "import",
        str(DATA / "amsterdam_signals" / "signal_post.json"),
        "--dataset",
        "melding",
        "--lat",
        "location_geometrie_latitude",
        "--lon",
        "location_geometrie_longitude",
        "--areas-year",
        "2023",
    ).stdout
    assert "1 points: 0 in a buurt, 1 in a gemeente" in out
    frame = api.open(geo).read("melding")
    assert frame.gemeente_code.iloc[0] == "GM0363" and frame.area_code.iloc[0] == "GM0363"


def test_points_inside_parkstad_buurten_land_in_them_in_wgs84_and_rd(geo: Path, tmp_path: Path) -> None:
    from udc.store import Store

    rng = np.random.default_rng(5)
    with Store(geo, read_only=True) as store:
        _, shapes = registry.shapes(store, "BU", 2022)
        chosen = [shapes[i] for i in rng.choice(len(shapes), 40, replace=False)]
        truth, lon, lat = [], [], []
        for code, blob in chosen:
            point = shapely.from_wkb(blob).representative_point()  # strictly inside
            truth.append(code)
            lon.append(point.x)
            lat.append(point.y)
        outside = [(2.0, 51.0), (np.nan, np.nan)]  # the North Sea, and no coordinates
        xs = pd.Series(lon + [p[0] for p in outside])
        ys = pd.Series(lat + [p[1] for p in outside])
        result = assign(store, xs, ys, year=2022, crs=WGS84)
        assert list(result.codes.buurt_code[:40]) == truth
        assert list(result.codes.gemeente_code[:40]) == ["GM" + c[2:6] for c in truth]
        assert result.outside == [40] and result.invalid == [41]
        rd_x, rd_y = _transformer(WGS84, RD_NEW).transform(np.array(lon), np.array(lat))
        again = assign(store, pd.Series(rd_x), pd.Series(rd_y), year=2022, crs=RD_NEW)
        assert list(again.codes.buurt_code) == truth
    table = tmp_path / "laadpalen.csv"
    cells = [("" if np.isnan(x) else x, "" if np.isnan(y) else y) for x, y in zip(xs, ys, strict=True)]
    table.write_text("id;lat;lon\n" + "".join(f"{i};{y};{x}\n" for i, (x, y) in enumerate(cells)))
    args = ["--dataset", "laadpalen", "--lat", "lat", "--lon", "lon"]
    out = udc("--store", str(geo), "import", str(table), *args).stdout
    assert "42 points: 40 in a buurt" in out and "outside every area (kept, without codes): rows 42" in out
    assert "without coordinates (kept, without codes): rows 43" in out
    assert len(api.open(geo).read("laadpalen")) == 42  # no row dropped
