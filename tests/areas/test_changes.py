from datetime import date
from pathlib import Path

import pytest

from udc.areas import codelists
from udc.areas.changes import Change, deduplicate, parse_description
from udc.errors import InputError


def test_beekdaelen_from_the_real_81734ned_code_list(data: Path) -> None:
    entries = {e.code: e for e in codelists.read_codes_v4(data / "algorithm_geovis" / "RegioVanVestigingCodes.csv")}
    beekdaelen = entries["GM1954"]
    assert beekdaelen.name == "Beekdaelen" and beekdaelen.parent_code == "PV31"
    assert beekdaelen.begin == date(2019, 1, 1)
    received = {(c.from_code, c.inwoners, c.woningen, c.hectare) for c in beekdaelen.changes}
    assert received == {
        ("GM0951", 15187, 7018, 3310),
        ("GM0881", 7782, 3661, 2114),
        ("GM0962", 12758, 5956, 2406),
    }
    assert entries["GM0881"].end == date(2019, 1, 1)  # "Opgeheven per 01-01-2019"


def test_both_sides_of_a_transfer_become_one_record(data: Path) -> None:
    entries = codelists.read_codes_v4(data / "algorithm_geovis" / "RegioVanVestigingCodes.csv")
    changes = deduplicate([c for e in entries for c in e.changes])
    nuth = [c for c in changes if c.from_code == "GM0951"]
    assert nuth == [Change(date(2019, 1, 1), "GM0951", "GM1954", "dissolve", 3310, 7018, 15187)]


def test_boundary_change_and_rename() -> None:
    text = (
        "Grenswijziging per 01-01-2019, ontvangen van:\n- Nijmegen (GM0268),\n"
        "... 5 hectare met 26 woningen en 25 inwoners\n"
        "Grenswijziging per 01-01-2019, overgegaan naar:\n- Nijmegen (GM0268),\n"
        "... 9 hectare met 1 woning en 0 inwoners\n\n"
        "Naamswijziging per 01-01-2016,\noude naam: Groesbeek (GM0241)\nBegindatum 01-01-2016\n"
    )
    got = parse_description("GM1945", text)
    assert Change(date(2019, 1, 1), "GM0268", "GM1945", "boundary", 5, 26, 25) in got
    assert Change(date(2019, 1, 1), "GM1945", "GM0268", "boundary", 9, 1, 0) in got
    assert Change(date(2016, 1, 1), "GM0241", "GM1945", "rename") in got


def test_v3_dimension_json_is_read(data: Path) -> None:
    entries = codelists.read_codes_v3(data / "vjenne" / "regiocodes_omgeving.json")
    assert len(entries) == 58
    assert all(e.code == e.code.strip() for e in entries)


def test_item_without_figures_names_the_code() -> None:
    with pytest.raises(InputError, match=r"codes.csv, GM1954, field 'Description': change of GM0951"):
        parse_description("GM1954", "Ontstaan per 01-01-2019, ontvangen van:\n- Nuth (GM0951),\n", file="codes.csv")


def test_validity_list_counts_342_municipalities_on_2023_01_01(data: Path) -> None:
    entries = codelists.read_validity(data / "nlextract" / "gemeentelijke-indeling.csv")
    on = date(2023, 1, 1)
    assert sum(1 for e in entries if e.begin <= on and (e.end is None or e.end > on)) == 342


def test_detect_by_content(data: Path, tmp_path: Path) -> None:
    assert codelists.detect(data / "algorithm_geovis" / "RegioVanVertrekCodes.csv") == "codes-v4"
    assert codelists.detect(data / "vjenne" / "regiocodes_omgeving.json") == "codes-v3"
    assert codelists.detect(data / "nlextract" / "gemeentelijke-indeling.csv") == "validity"
    assert codelists.detect(data / "cartomap_nl" / "wijk_2022_parkstad.geojson") == "geojson"
    odd = tmp_path / "odd.csv"
    odd.write_text("a;b\n1;2\n")
    with pytest.raises(InputError, match="odd.csv: not a recognised area file"):
        codelists.detect(odd)


def test_validity_row_with_bad_date(tmp_path: Path) -> None:
    f = tmp_path / "v.csv"
    f.write_text(
        "provinciecode;provincienaam;gemeentecode;gemeentenaam;begindatum;einddatum\n"
        "31;Limburg;0917;Heerlen;1970-01-01;\n31;Limburg;0951;Nuth;01-01-1970;\n"
    )
    with pytest.raises(InputError, match=r"v.csv, row 3, field 'begindatum/einddatum'"):
        codelists.read_validity(f)
