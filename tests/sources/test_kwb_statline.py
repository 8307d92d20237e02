"""Issue 29 item 4: the police's registered crime per wijk and buurt (47018NED on CBS's dataderden catalogue),
fetched from a loopback replay in the table's documented shape (tests/cbs_fixtures.py says what is verified and what
assumed), becomes counts per area and year in the one KWB series beside the Kerncijfers variables."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cbs_fixtures import AREAS_47018, crimes_47018, table_47018ned
from cli_runner import udc
from udc.sources import kwb
from udc.sources.http import Http
from udc.sources.replay import Replay
from udc.sources.statline import HOSTS, StatLine
from udc.store import Store, catalogue
from udc.store.catalogue import Dataset

GEWELD = ["1.4.1", "1.4.2", "1.4.3", "1.4.4", "1.4.5", "1.4.6", "1.4.7"]


@pytest.fixture
def heerlen(heerlen_kwb_template: Path, tmp_path: Path) -> Path:
    """The Parkstad areas with the five real Heerlen KWB files already imported as the series (2016-2020)."""
    path = tmp_path / "store"
    shutil.copytree(heerlen_kwb_template, path)
    return path


def series(store: Path) -> pd.DataFrame:
    with Store(store, read_only=True) as s:
        return catalogue.read(s, "kwb")


def test_statline_fetch_reads_the_dataderden_table_with_its_geodetail_areas(tmp_path: Path) -> None:
    assert StatLine(catalog="dataderden").v3 == HOSTS["dataderden"] == "https://dataderden.cbs.nl"
    store = str(tmp_path / "s")
    with Replay({"47018NED": table_47018ned()}) as replay:
        out = udc(
            "statline", "fetch", "47018NED", "--catalog", "dataderden", "--base-url", replay.url, "--store", store
        )
        info = udc(
            "statline", "info", "47018NED", "--catalog", "dataderden", "--base-url", replay.url, "--format", "json"
        )
    assert "cbs_47018ned: 234 rows" in out.stdout  # 9 areas x 13 codes x 2 years
    assert json.loads(info.stdout)[0]["dimensions"] == ["SoortMisdrijf", "WijkenEnBuurten", "Perioden"]
    with Store(Path(store), read_only=True) as s:
        data = catalogue.read(s, "cbs_47018ned")
        roles = catalogue.roles(s, "cbs_47018ned")
    # GeoDetail is the area dimension: codes unpadded, named from the code list
    assert set(data.WijkenEnBuurten) == set(AREAS_47018) and roles.get("WijkenEnBuurten") == "area"
    heerlen = data[(data.WijkenEnBuurten == "GM0917") & (data.SoortMisdrijf == "1.1.1") & (data.year == 2019)]
    assert heerlen.WijkenEnBuurten_label.tolist() == ["Heerlen"]
    assert heerlen.SoortMisdrijf_label.tolist() == ["1.1.1 Diefstal/inbraak woning"]
    assert heerlen.GeregistreerdeMisdrijven_1.tolist() == [crimes_47018("GM0917", "1.1.1", 2019)]


def test_police_counts_join_the_kwb_series_beside_the_kerncijfers(heerlen: Path) -> None:
    before = series(heerlen)
    with Replay({"47018NED": table_47018ned()}) as replay:
        out = udc(
            "--store", str(heerlen), "kwb", "import-statline", "47018NED", "--catalog", "dataderden",
            "--within", "GM0917", "--base-url", replay.url, "--quiet", "--format", "json",
        )  # fmt: skip
    report = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))[0]
    assert all(isinstance(report[k], int) for k in ("rows", "areas", "skipped_periods"))
    assert report["years"] == [2019, 2020] and report["areas"] == 4  # GM0917, WK091710 and its two buurten
    # only the registry's codes and Heerlen's rows were asked of CBS (padded codes, startswith on the area)
    asked = next(p for p in replay.log if "TypedDataSet" in p)
    assert "0.0.0+" in asked or "0.0.0%20" in asked
    assert "startswith" in asked and "BU0917" in asked
    assert "2.2.1" in asked and "1.2.1" not in asked  # a code no variable reads is not fetched
    assert "BU03630000" not in json.dumps(report)
    after = series(heerlen)
    police = after[after.variable.str.startswith("misdrijven_")]
    assert set(police.variable) == {
        "misdrijven_totaal",
        "misdrijven_diefstal_uit_woning",
        "misdrijven_diefstal_schuur",
        "misdrijven_fietsendiefstal",
        "misdrijven_vernieling",
        "misdrijven_geweld",
    }
    assert set(police.area_code) == {"GM0917", "WK091710", "BU09171000", "BU09171001"}  # Kerkrade is not within

    def value(area: str, variable: str, year: int) -> pd.Series:
        return police[(police.area_code == area) & (police.variable == variable) & (police.year == year)]

    assert value("GM0917", "misdrijven_totaal", 2019).value.tolist() == [crimes_47018("GM0917", "0.0.0", 2019)]
    assert value("BU09171000", "misdrijven_vernieling", 2020).value.tolist() == [
        crimes_47018("BU09171000", "2.2.1", 2020)
    ]
    geweld = value("WK091710", "misdrijven_geweld", 2020)
    assert geweld.value.tolist() == [sum(crimes_47018("WK091710", c, 2020) for c in GEWELD)]
    # a part CBS leaves empty makes the sum "no figure" (never a part-sum, never zero); its own code is missing too
    hole = value("BU09171001", "misdrijven_geweld", 2020)
    assert hole.status.tolist() == ["no figure"] and hole.value.isna().all()
    assert value("BU09171001", "misdrijven_geweld", 2019).status.tolist() == ["published"]
    # the Kerncijfers variables of the same years are kept, so an indicator can divide by inwoners
    assert len(after) == len(before) + len(police)
    inwoners = after[(after.variable == "inwoners") & (after.area_code == "GM0917")].set_index("year").value
    assert inwoners[2019] == 86832 and inwoners[2020] == 87086
    with Store(heerlen, read_only=True) as s:
        entry = catalogue.get(s, "kwb")
    assert "47018NED" in entry.source and "Kerncijfers" in entry.source
    assert entry.provenance["statline"]["47018NED"]["catalog"] == "dataderden"
    assert "kwb" in entry.provenance  # the files' report is kept
    # the library's police indicator divides the police count by the Kerncijfers inhabitants of the same year
    rows = json.loads(
        udc(
            "--store", str(heerlen), "indicators", "compute", "--ids", "veiligheid_misdrijven", "--years", "2019-2020",
            "--level", "gemeente", "--format", "json",
        ).stdout
    )  # fmt: skip
    rate = {r["period"]: r for r in rows if r["area_code"] == "GM0917"}
    assert rate["2019"]["value"] == pytest.approx(crimes_47018("GM0917", "0.0.0", 2019) / 86832 * 1000, abs=0.05)
    assert rate["2019"]["numerator"] == crimes_47018("GM0917", "0.0.0", 2019) and rate["2019"]["denominator"] == 86832


def test_a_second_import_replaces_its_years_in_its_areas_only(heerlen: Path) -> None:
    table = table_47018ned()
    with Replay({"47018NED": table}) as replay:
        args = ["--store", str(heerlen), "kwb", "import-statline", "47018NED", "--base-url", replay.url, "--quiet"]
        udc(*args, "--within", "GM0917")
        first = series(heerlen)
        udc(*args, "--within", "GM0917", "--refresh")
        assert len(series(heerlen)) == len(first)  # replaced, not doubled
        udc(*args, "--within", "GM0928")  # Kerkrade next: Heerlen's police rows stay
    both = series(heerlen)
    police = both[both.variable == "misdrijven_totaal"]
    assert {"GM0917", "BU09171001", "GM0928", "BU09280000"} <= set(police.area_code)
    assert len(police) == 2 * 7  # 7 areas (4 Heerlen, 3 Kerkrade) x 2 years


def test_without_within_the_store_s_areas_are_kept_and_the_rest_counted(heerlen: Path) -> None:
    with Replay({"47018NED": table_47018ned()}) as replay:
        result = udc(
            "--store", str(heerlen), "kwb", "import-statline", "47018NED", "--base-url", replay.url, "--quiet",
        )  # fmt: skip
    assert "7 areas" in result.stdout
    assert "1 not a gemeente, wijk or buurt" in result.stdout  # NL00
    assert "1 not in the store's areas" in result.stdout  # Amsterdam's buurt: this store holds Parkstad


def test_within_a_region_keeps_its_members_and_their_buurten(heerlen: Path) -> None:
    udc("--store", str(heerlen), "regions", "define", "maria_gewanden", "--members", "WK091710")
    with Replay({"47018NED": table_47018ned()}) as replay:
        args = ["kwb", "import-statline", "47018NED", "--within", "maria_gewanden", "--base-url", replay.url]
        udc("--store", str(heerlen), *args, "--quiet")
    police = series(heerlen).query("variable == 'misdrijven_totaal'")
    assert set(police.area_code) == {"WK091710", "BU09171000", "BU09171001"}


def test_only_an_open_series_is_added_to(heerlen: Path) -> None:
    rows = pd.DataFrame({"area_code": ["GM0917"], "year": [2019], "variable": ["x"], "value": [1.0], "status": ["p"]})
    with Store(heerlen) as s:
        catalogue.save(s, Dataset(name="internal_series", title="i", source="x", sensitivity="internal"), rows)
    with Replay({"47018NED": table_47018ned()}) as replay:
        base = ["--store", str(heerlen), "kwb", "import-statline", "47018NED", "--base-url", replay.url, "--quiet"]
        udc("--store", str(heerlen), "statline", "fetch", "47018NED", "--base-url", replay.url, "--quiet")
        other = udc(*base, "--dataset", "cbs_47018ned", check=False)
        internal = udc(*base, "--dataset", "internal_series", check=False)
    assert other.returncode == 1 and "is not a KWB series" in other.stderr
    assert internal.returncode == 1 and "is internal, not the open KWB series" in internal.stderr
    with Store(heerlen, read_only=True) as s:
        assert catalogue.get(s, "internal_series").sensitivity == "internal"
        assert len(catalogue.read(s, "internal_series")) == 1
        assert "SoortMisdrijf" in catalogue.read(s, "cbs_47018ned").columns


def test_a_table_the_registry_does_not_read_is_one_line(heerlen: Path) -> None:
    result = udc("--store", str(heerlen), "kwb", "import-statline", "83625NED", check=False)
    assert result.returncode == 1
    assert "no variable of the KWB registry comes from StatLine table '83625NED'" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_registry_lists_the_police_variables_with_labels() -> None:
    frame = kwb.variables_frame("en").set_index("id")
    assert frame.loc["misdrijven_diefstal_uit_woning", "title"] == "Registered burglary of dwellings"
    assert frame.loc["misdrijven_totaal", "kind"] == "count" and frame.loc["misdrijven_totaal", "theme"] == "veiligheid"
    sources = {s.variable: s for s in kwb.statline_sources()["47018NED"]}
    assert sources["misdrijven_geweld"].codes == tuple(GEWELD)
    assert kwb.statline_filter("47018NED", "GM0917").count("startswith") == 3


def test_the_client_pages_a_filtered_dataderden_fetch(tmp_path: Path) -> None:
    with Replay({"47018NED": table_47018ned()}, page_size=20) as replay:
        client = StatLine(tmp_path, base_url=replay.url, catalog="dataderden", http=Http(retries=1, backoff=0.01))
        result = client.fetch("47018NED", filters=kwb.statline_filter("47018NED", "GM0917"))
    # 12 codes read x 4 Heerlen areas x 2 years (GM, WK, BU prefixes; Kerkrade, NL00, Amsterdam not sent)
    assert len(result.data) == 12 * 4 * 2
    assert sum("TypedDataSet" in p for p in replay.log) == 5  # ceil(96 / 20) pages
