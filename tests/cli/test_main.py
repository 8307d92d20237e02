"""The CLI end to end, as a user runs it: in-process through Typer's runner, and as a real subprocess where the
entry point itself matters (exit codes, one-line errors, a whole demo)."""

from __future__ import annotations

import http.server
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

import pandas as pd
import pytest

from cli_runner import Ran
from cli_runner import udc as run


def udc(store: Path, *args: str, check: bool = True, subprocess_: bool = False) -> Ran:
    return run("--store", str(store), *args, check=check, subprocess_=subprocess_)


def test_help_lists_the_public_commands(tmp_path: Path) -> None:
    top = udc(tmp_path, "--help").stdout
    for command in ("info", "areas", "regions", "demo"):
        assert command in top
    areas = udc(tmp_path, "areas", "--help").stdout
    for command in ("import", "list", "changes", "harmonise", "fetch", "crosswalk", "neighbours"):
        assert command in areas
    assert "define" in udc(tmp_path, "regions", "--help").stdout


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from shared_data import DATA as data

    store = tmp_path_factory.mktemp("cli") / "store"
    udc(
        store,
        "areas",
        "import",
        str(data / "nlextract" / "gemeentelijke-indeling.csv"),
        str(data / "algorithm_geovis" / "RegioVanVestigingCodes.csv"),
    )
    return store


def test_changes_json_shows_beekdaelen(real_store: Path) -> None:
    out = udc(real_store, "areas", "changes", "--from-year", "2018", "--to-year", "2019", "--format", "json").stdout
    rows = [r for r in json.loads(out) if r["to_code"] == "GM1954"]
    assert {r["from_code"]: r["inwoners"] for r in rows} == {"GM0951": 15187, "GM0881": 7782, "GM0962": 12758}
    assert all(set(r) >= {"change_date", "from_name", "to_name", "share_of_to", "share_of_from"} for r in rows)


def test_harmonise_file_round_trip(real_store: Path, tmp_path: Path) -> None:
    src = tmp_path / "nuth.csv"
    src.write_text(
        "area_code;year;inwoners;pct_65plus\nGM0951;2018;15187;25,5\nGM0881;2018;7782;24,0\n"
        "GM0962;2018;12758;23,0\nGM0917;2018;86762;22,1\n"
    )
    out = tmp_path / "out.parquet"
    result = udc(
        real_store,
        "areas",
        "harmonise",
        str(src),
        "--to-year",
        "2019",
        "--rates",
        "pct_65plus:inwoners",
        "--out",
        str(out),
    )
    table = pd.read_parquet(out).set_index("area_code")
    assert table.loc["GM1954", "inwoners"] == 35727
    assert table.loc["GM1954", "pct_65plus"] == pytest.approx((25.5 * 15187 + 24 * 7782 + 23 * 12758) / 35727)
    assert "GM1954: merged" in result.stderr


def test_errors_are_one_line_without_traceback(real_store: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("area_code,year,n\nGM1954,2018,1\n")
    result = udc(real_store, "areas", "harmonise", str(bad), "--to-year", "2019", check=False, subprocess_=True)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "Traceback" not in result.stderr
    assert "bad.csv, row 2, field 'area_code': GM1954 did not exist" in result.stderr
    missing = udc(real_store, "areas", "import", str(tmp_path / "nope.geojson"), check=False)
    assert missing.returncode == 1 and "nope.geojson: file not found" in missing.stderr


def test_regions_and_list(real_store: Path) -> None:
    udc(
        real_store,
        "regions",
        "define",
        "parkstad",
        "--members",
        "GM0917,GM0899,GM1954,GM0882,GM0928,GM0986,GM0965",
    )
    [region] = json.loads(udc(real_store, "regions", "list", "--format", "json").stdout)
    assert region["name"] == "parkstad" and len(region["members"]) == 7
    listed = json.loads(udc(real_store, "areas", "list", "--kind", "gemeente", "--year", "2023", "-f", "json").stdout)
    assert len(listed) == 342
    info = json.loads(udc(real_store, "info", "--format", "json").stdout)[0]
    assert {a["kind"] for a in info["areas"]} >= {"GM", "PV", "NL"}


class _Recorded(http.server.SimpleHTTPRequestHandler):
    """Replays a recorded PDOK response for the first page, an empty page after it."""

    recorded: bytes = b""
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.seen.append(self.path)
        body = self.recorded if "startIndex=0" in self.path else b'{"type":"FeatureCollection","features":[]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_fetch_from_a_replay_server_then_from_cache(tmp_path: Path, data: Path) -> None:
    _Recorded.recorded = (data / "algorithm_geovis" / "municipalities.geojson").read_bytes()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        store = tmp_path / "s"
        out = udc(store, "areas", "fetch", "--kind", "gemeente", "--year", "2024", "--base-url", base).stdout
        assert "342 geometries" in out
        assert _Recorded.seen[0].startswith("/cbs/gebiedsindelingen/2024/wfs/v1_0?")
        assert "typeNames=gebiedsindelingen%3Agemeente_gegeneraliseerd" in _Recorded.seen[0]
    finally:
        server.shutdown()
        server.server_close()
    again = udc(store, "areas", "fetch", "--kind", "gemeente", "--year", "2024", "--base-url", base).stdout
    assert "342 geometries" in again  # served from the cache: the server is gone
    offline = udc(tmp_path / "t", "areas", "fetch", "--kind", "wijk", "--year", "2024", "--base-url", base, check=False)
    assert offline.returncode == 1 and "cannot download" in offline.stderr


@pytest.mark.slow
def test_demo_builds_a_store(tmp_path: Path) -> None:
    store = str(tmp_path / "demo")
    run = [sys.executable, "-m", "udc"]
    out = subprocess.run(
        [*run, "demo", "--persons", "10000", "--seed", "1", "--years", "2015-2017", "--quiet", "--store", store],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "10,000 persons, seed 1" in out and "areas: 196 BU" in out
    info_out = subprocess.run(
        [*run, "info", "--store", store, "--format", "json"], capture_output=True, text=True, check=True
    ).stdout
    sensitivity = {d["name"]: d["sensitivity"] for d in json.loads(info_out)[0]["datasets"]}
    assert sensitivity["synth_events"] == "microdata" and sensitivity["synth_dwellings"] == "internal"
    assert sensitivity["synth_areas"] == "open"
    bad = udc(tmp_path / "demo", "demo", "--years", "2020-2015", check=False)
    assert bad.returncode == 1 and "--years '2020-2015'" in bad.stderr
