"""The indicator pages: a theme's ranked table and the comparison agree with the released table and the fictional
Netherlands; every page speaks labels (no internal names) in both languages; a store without released indicators
says so instead of showing empty charts."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import lxml.html
import pandas as pd
import pytest
from fastapi.testclient import TestClient

from conftest import Site
from udc.store import Store, catalogue
from udc.web.app import create_app

INTERNAL = re.compile(
    r"\b(above_95|above_998|below_95|below_998|suppressed|no_population|armoede_schulden|"
    r"wonen_leegstand|werk_onderwijs|jeugd_jeugdzorg|per_1000|ci_low|ci_high|area_code)\b"
)


def released(site: Site, name: str) -> pd.DataFrame:
    with Store(site.store, read_only=True, locked_down=True) as s:  # as the app holds it
        return catalogue.read(s, name).astype({"period": str})


def visible_text(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for node in tree.xpath("//script|//style"):
        node.drop_tree()
    main = tree.xpath("//main")[0]
    return " ".join(main.text_content().split())


def number(text: str) -> float:
    return float(text.strip().replace(".", "").replace(",", "."))


@pytest.mark.parametrize("lang", ["nl", "en"])
@pytest.mark.parametrize(
    "path",
    [
        "/indicatoren",
        "/thema/jeugd",
        "/thema/wonen_leegstand?niveau=wijk",
        "/vergelijken?gebied=GM9901&gebied=GM9902",
        "/gebied/GM9901",
    ],
)
def test_pages_show_labels_not_internal_names(client: TestClient, path: str, lang: str) -> None:
    r = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert r.status_code == 200
    text = visible_text(r.text)
    assert not INTERNAL.search(text), INTERNAL.search(text)
    words = ("Jaar", "Gebied", "Waarde", "Indicatoren") if lang == "nl" else ("Year", "Area", "Value", "Indicators")
    assert any(w in text for w in words)


def test_a_theme_ranks_the_released_values(client: TestClient, site: Site) -> None:
    frame = released(site, "indicatoren")
    part = frame[(frame.indicator == "jeugd_jeugdzorg") & (frame.period == "2021") & (frame.level == "gemeente")]
    tree = lxml.html.fromstring(client.get("/thema/jeugd?jaar=2021").text)
    section = tree.xpath("//section[@aria-labelledby='jeugd_jeugdzorg']")[0]
    rows = section.xpath(".//tbody/tr")
    assert len(rows) == len(part)
    values = [
        number(r.xpath("./td")[2].text_content()) if r.xpath("./td")[0].text_content() != "–" else None for r in rows
    ]
    shown = [v for v in values if v is not None]
    assert shown == sorted(shown, reverse=True)
    best = part.sort_values("value", ascending=False).iloc[0]
    assert shown[0] == pytest.approx(best.value, abs=0.05)
    assert section.xpath(".//*[@data-figure='map-jeugd_jeugdzorg']")  # a map beside the table


def test_comparing_two_municipalities_with_the_netherlands(client: TestClient, site: Site) -> None:
    frame = released(site, "indicatoren")
    reference = released(site, "synth_vergelijking")
    tree = lxml.html.fromstring(client.get("/vergelijken?gebied=GM9901&gebied=GM9903&jaar=2021").text)
    heads = [h.text_content().strip() for h in tree.xpath("//table[@id='compare-table']/thead//th")]
    assert heads[2:] == ["Kernstad", "Westervaart", "Nederland (fictief)"]
    row = next(
        r
        for r in tree.xpath("//table[@id='compare-table']/tbody/tr")
        if r.xpath("./th")[0].text_content().startswith("Huishoudens met een laag inkomen")
    )
    cells = row.xpath("./td")
    own = frame[(frame.indicator == "armoede_laag_inkomen") & (frame.period == "2021")].set_index("area_code")
    value = cells[1].xpath("text()")[0]  # the value; a sign and the interval follow in their own elements
    assert number(value.strip()) == pytest.approx(own.value["GM9901"], abs=0.05)
    nl = reference[
        (reference.indicator == "armoede_laag_inkomen") & (reference.period == "2021") & (reference.area_code == "NL01")
    ].iloc[0]
    assert number(cells[-1].text_content()) == pytest.approx(100 * nl.numerator / nl.denominator, abs=0.05)
    low, high = own.ci_low["GM9901"], own.ci_high["GM9901"]
    nl_value = 100 * nl.numerator / nl.denominator
    expected = "▲" if low > nl_value else "▼" if high < nl_value else ""
    assert (expected in cells[1].text_content()) if expected else not re.search("[▲▼]", cells[1].text_content())


def test_without_released_indicators_the_pages_say_why(registry_template: Path, tmp_path: Path) -> None:
    shutil.copytree(registry_template, tmp_path / "store")
    with TestClient(create_app(tmp_path / "store")) as empty:
        for path in ("/indicatoren", "/thema/jeugd", "/vergelijken"):
            r = empty.get(path)
            assert r.status_code == 200, path
            assert "Er zijn nog geen indicatoren vrijgegeven" in visible_text(r.text)
            assert "data-figure" not in r.text  # no empty charts
        assert empty.get("/thema/onbekend").status_code == 404


def test_the_profile_trend_is_re_based_across_a_merger(registry_template: Path, tmp_path: Path) -> None:
    """Beekdaelen (GM1954, 2019) from Onderbanken, Nuth and Schinnen: its 2018 point on the profile is the ratio of
    the predecessors' summed released counts, with a note; 2020 is its own."""
    import json

    from cli_runner import udc

    store = tmp_path / "store"
    shutil.copytree(registry_template, store)
    rows = [
        ("GM0881", 2018, 3_890, 7_810),
        ("GM0951", 2018, 7_480, 15_120),
        ("GM0962", 2018, 6_370, 12_890),
        ("GM1954", 2020, 17_880, 35_930),
    ]
    (tmp_path / "t.csv").write_text(
        "gemeentecode,jaar,mannen,inwoners\n" + "".join(f"{a},{y},{m},{i}\n" for a, y, m, i in rows)
    )
    udc(
        "--store",
        str(store),
        "import",
        str(tmp_path / "t.csv"),
        "--dataset",
        "limburg",
        "--area-column",
        "gemeentecode",
        "--period-column",
        "jaar",
        "--sensitivity",
        "open",
    )
    count = {"dataset": "limburg", "area": "area_code"}
    (tmp_path / "d.yaml").write_text(
        json.dumps(
            {
                "id": "aandeel_mannen_gm",
                "version": 1,
                "title": {"nl": "Aandeel mannen", "en": "Share of men"},
                "description": {"nl": "Mannen in % van de inwoners.", "en": "Men as % of residents."},
                "theme": "bevolking",
                "unit": "percent",
                "universe": {"nl": "Inwoners", "en": "Residents"},
                "numerator": {**count, "measure": "mannen"},
                "denominator": {**count, "measure": "inwoners"},
                "levels": ["gemeente", "total"],
                "polarity": "neutral",
                "source": "fixture",
            }
        )
    )
    udc("--store", str(store), "indicators", "add", str(tmp_path / "d.yaml"))
    udc("--store", str(store), "indicators", "compute", "--years", "2018-2020", "--release", "indicatoren")
    with TestClient(create_app(store)) as client:
        page = client.get("/gebied/GM1954?indicator=aandeel_mannen_gm").text
    tree = lxml.html.fromstring(page)
    figure = json.loads(tree.xpath("//script[@id='fig-profile-indicator-trend']")[0].text)
    own = figure["data"][0]
    points = dict(zip(own["x"], own["y"], strict=True))
    assert points["2018"] == pytest.approx(100 * (3_890 + 7_480 + 6_370) / (7_810 + 15_120 + 12_890))
    assert points["2020"] == pytest.approx(100 * 17_880 / 35_930)
    note = tree.xpath("//*[@id='indicator-trend-note']")[0].text_content()
    assert "GM0881, GM0951, GM0962" in note and "2020" in note
