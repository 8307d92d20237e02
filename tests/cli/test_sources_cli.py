"""``udc statline``, ``udc import``, ``udc link`` and ``udc catalog`` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from cbs_fixtures import table_83625ned
from cli_runner import udc
from udc.sources.replay import Replay


def test_statline_fetch_info_and_catalog(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    with Replay({"83625NED": table_83625ned()}, page_size=2000) as replay:
        out = udc("statline", "fetch", "83625NED", "--base-url", replay.url, "--store", store).stdout
        assert "cbs_83625ned: 5000 rows" in out
        info = json.loads(udc("statline", "info", "83625NED", "--base-url", replay.url, "--format", "json").stdout)[0]
        assert info["dimensions"] == ["RegioS", "Perioden"] and info["topics"][0]["unit"] == "euro"
        filtered = udc(
            "statline",
            "fetch",
            "83625NED",
            "--filter",
            "RegioS eq 'GM0899'",
            "--dataset",
            "brunssum",
            "--base-url",
            replay.url,
            "--store",
            store,
        ).stdout
        assert "brunssum: 31 rows" in filtered
        bad = udc(
            "statline",
            "fetch",
            "83625NED",
            "--select",
            "Nope_1",
            "--base-url",
            replay.url,
            "--store",
            store,
            check=False,
        )
        assert bad.returncode == 1 and "Could not find a property named 'Nope_1'" in bad.stderr
        assert "Traceback" not in bad.stderr
    listed = json.loads(udc("catalog", "--store", store, "--format", "json").stdout)
    entry = next(d for d in listed if d["name"] == "cbs_83625ned")
    assert entry["sensitivity"] == "open" and entry["source"] == "CBS StatLine 83625NED"
    assert entry["provenance"]["modified"] == "2025-06-23T02:00:00"
    shown = json.loads(udc("catalog", "show", "cbs_83625ned", "--store", store, "--format", "json").stdout)[0]
    roles = {c["name"]: (c["role"], c["unit"]) for c in shown["columns"]}
    assert roles["RegioS"] == ("area", None) and roles["GemiddeldeVerkoopprijs_1"] == ("value", "euro")


def test_import_and_link_by_pseudonym_from_the_cli(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    key = tmp_path / "pseudonym.key"
    key.write_text("a-secret-key-kept-outside-the-store\n")
    (tmp_path / "a.csv").write_text("bsn;zorg\n111222333;1\n123456782;2\n")
    (tmp_path / "b.csv").write_text("BSN,schuld\n111222333,ja\n")
    for name, column in (("a", "bsn"), ("b", "BSN")):
        out = udc(
            "import",
            str(tmp_path / f"{name}.csv"),
            "--dataset",
            name,
            "--pseudonymise",
            column,
            "--key-file",
            str(key),
            "--store",
            store,
        ).stdout
        assert "sensitivity microdata" in out
    report = json.loads(udc("link", "persons", "a", "b", "--out", "ab", "--store", store, "-f", "json").stdout)
    counts = {r["measure"]: r["count"] for r in report}
    assert counts["matched"] == 1 and counts["unmatched_a"] == 1 and counts["unmatched_b"] == 0
    inside = udc(
        "import",
        str(tmp_path / "a.csv"),
        "--dataset",
        "c",
        "--pseudonymise",
        "bsn",
        "--key-file",
        str(Path(store) / "k.key"),
        "--store",
        store,
        check=False,
    )
    assert inside.returncode == 1 and "udc: error:" in inside.stderr


def test_statline_import_offline(tmp_path: Path, data: Path) -> None:
    out = udc(
        "statline",
        "import",
        str(data / "p2000_woonplaatsen"),
        "--dataset",
        "woonplaatsen",
        "--store",
        str(tmp_path / "s"),
    ).stdout
    assert "woonplaatsen: 17507 rows" in out
