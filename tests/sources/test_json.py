"""JSON in: the raw CBS OData v3 responses in ../shared/data/vjenne (and CBS's own error answer), responses split
into pages, and general JSON/GeoJSON (the Signalen files) through `udc import`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import udc as api
from cli_runner import udc
from shared_data import DATA
from udc.errors import InputError
from udc.sources.statline_files import read_offline

VJENNE = DATA / "vjenne"


@pytest.mark.parametrize("name", sorted(p.name for p in VJENNE.glob("*.json")))
def test_every_raw_cbs_response_is_imported_or_refused_with_cbs_reason(name: str, tmp_path: Path) -> None:
    path = VJENNE / name
    if name == "verhuizingen_twenterand.json":  # CBS's error answer, saved as if it were data
        with pytest.raises(
            InputError,
            match="CBS answered with an error, not data: Error getting TypedDataSet for "
            "'70072ned': Could not find a property named 'VestigingUitAndereGemeente_21'",
        ):
            read_offline(path)
        return
    table = read_offline(path)
    raw = json.loads(path.read_text(encoding="utf-8"))["value"]
    assert len(table.data) == len(raw) and "ID" not in table.data.columns
    roles = {c.name: c.role for c in table.columns}
    if "RegioS" in table.data.columns:
        assert roles["RegioS"] == "area" and not table.data.RegioS.str.endswith(" ").any()  # "NL01  " → "NL01"
    if "Perioden" in table.data.columns:
        assert roles["Perioden"] == "period" and "year" in table.data.columns
    values = [c for c, r in roles.items() if r == "value"]
    for column in values:  # every null is a typed missing value, never a silent zero
        nulls = [r.get(column) is None for r in raw]
        if any(nulls):
            assert list(table.data[f"{column}__symbol"].notna()) == nulls
    if len(raw) == 5000:
        assert any("probably only the first part" in n for n in table.notes)


def test_pages_are_imported_together_and_a_missing_page_is_refused(tmp_path: Path) -> None:
    document = json.loads((VJENNE / "verkoopprijzen_regio.json").read_text(encoding="utf-8"))
    rows = document["value"]
    first = {
        **document,
        "value": rows[:100],
        "odata.nextLink": "https://opendata.cbs.nl/ODataApi/OData/83625NED/TypedDataSet?$skip=100",
    }
    (tmp_path / "p1.json").write_text(json.dumps(first))
    (tmp_path / "p2.json").write_text(json.dumps({**document, "value": rows[100:]}))
    infos = {
        "odata.metadata": "https://opendata.cbs.nl/ODataApi/OData/83625NED/$metadata#Cbs.OData.WebAPI.TableInfos",
        "value": [{"Title": "Bestaande koopwoningen; gemiddelde verkoopprijzen", "Modified": "2025-06-30"}],
    }
    props = {
        "odata.metadata": "https://opendata.cbs.nl/ODataApi/OData/83625NED/$metadata#Cbs.OData.WebAPI.DataProperties",
        "value": [
            {"Key": "GemiddeldeVerkoopprijs_1", "Title": "Gemiddelde verkoopprijs", "Unit": "euro", "Decimals": 0}
        ],
    }
    (tmp_path / "infos.json").write_text(json.dumps(infos))
    (tmp_path / "props.json").write_text(json.dumps(props))
    store = tmp_path / "s"
    alone = udc("--store", str(store), "statline", "import", str(tmp_path / "p1.json"), check=False)
    assert alone.returncode == 1 and "says there is more" in alone.stderr
    out = udc(
        "--store",
        str(store),
        "statline",
        "import",
        *(str(tmp_path / f) for f in ("infos.json", "props.json", "p1.json", "p2.json")),
        "--dataset",
        "prijzen",
    ).stdout
    assert f"prijzen: {len(rows)} rows" in out
    info = api.open(store).describe("prijzen")
    assert info["title"] == "Bestaande koopwoningen; gemiddelde verkoopprijzen"
    column = {c["name"]: c for c in info["columns"]}["GemiddeldeVerkoopprijs_1"]
    assert column["unit"] == "euro" and column["title"] == "Gemiddelde verkoopprijs"


def test_signalen_files_import_through_udc_import(tmp_path: Path) -> None:
    store = tmp_path / "s"
    signals = DATA / "amsterdam_signals"
    one = udc("--store", str(store), "import", str(signals / "signal_post.json"), "--dataset", "melding").stdout
    assert "melding: 1 rows" in one and "json-object" in one
    frame = api.open(store).read("melding")
    assert frame.filter(like="longitude").shape[1] == 1 and frame.filter(like="latitude").shape[1] == 1
    tree = udc("--store", str(store), "import", str(signals / "categories.json"), "--dataset", "categorieen").stdout
    assert f"categorieen: {len(json.loads((signals / 'categories.json').read_text()))} rows" in tree
    assert "fields_slug" in api.open(store).read("categorieen").columns
