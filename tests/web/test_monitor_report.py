"""The monitor page with a released monitor, as a policy maker reads it (issue 28 item 8): areas by name and code,
the chart's axes titled with year and unit and the target drawn inside the plotted range, the target stated as met
or not in words — one language per page, no software names in front of a wethouder."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest
import yaml
from fastapi.testclient import TestClient

from cli_runner import udc as run_udc
from udc.monitoring.document import target_text
from udc.monitoring.model import library
from udc.web.app import create_app

PROGRAMME = "doelen"
AREAS = [f"WK9901{i:02d}" for i in range(6)]  # pooled wide enough that the small demo's baseline is published
COMPARISON = [f"WK9901{i:02d}" for i in range(6, 16)]
GOAL = (1.0, 2022)  # jeugdzorg down to 1 % in 2022: far below the demo's share, so not met


@pytest.fixture(scope="module")
def store(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the small demo with a programme of its own (start 2021, a target) and its monitor released."""
    path = tmp_path_factory.mktemp("monitor-report") / "store"
    shutil.copytree(demo_template, path)
    programme = {
        **library()["kansrijk-van-start"].model_dump(mode="json", exclude_none=True),
        "id": PROGRAMME,
        "start": 2021,
        "baseline": [2019, 2020],
        "areas": AREAS,
        "indicators": [
            {"indicator": "jeugd_jeugdzorg", "direction": "down", "target": {"value": GOAL[0], "year": GOAL[1]}}
        ],
        "comparison": {"areas": COMPARISON},
    }
    (path.parent / "p.yaml").write_text(yaml.safe_dump(programme))
    run_udc("--store", str(path), "monitor", "add", str(path.parent / "p.yaml"))
    run_udc("--store", str(path), "monitor", "report", PROGRAMME, "--release")
    return path


@pytest.fixture(scope="module")
def client(store: Path) -> Iterator[TestClient]:
    with TestClient(create_app(store), base_url="http://127.0.0.1") as c:
        yield c


def _main(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for node in tree.xpath("//script|//style"):
        node.drop_tree()
    return " ".join(tree.xpath("//main")[0].text_content().split())


def _figure(html: str, name: str) -> dict[str, Any]:
    return json.loads(lxml.html.fromstring(html).xpath(f"//script[@id='{name}']")[0].text)


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_areas_are_named_with_their_code_never_bare(client: TestClient, store: Path, lang: str) -> None:
    from udc.areas import registry
    from udc.store.db import Store

    text = _main(client.get(f"/monitor/{PROGRAMME}?lang={lang}").text)
    with Store(store) as s:
        names = registry.names(s)
    for code in AREAS + COMPARISON:
        assert f"{names[code]} ({code})" in text, code
    bare = [c for c in re.findall(r"\b(?:WK|BU)\d{6,8}\b", text) if f"{names.get(c, c)} ({c})" not in text]
    assert bare == []
    assert "jeugd_jeugdzorg" not in text and "statsmodels" not in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_method_is_said_in_plain_words_and_its_technical_name_only_in_a_note(client: TestClient, lang: str) -> None:
    tree = lxml.html.fromstring(client.get(f"/monitor/{PROGRAMME}?lang={lang}").text)
    note = tree.get_element_by_id("methods-jeugd_jeugdzorg")
    assert "WLS" in note.text_content() and "statsmodels" not in note.text_content()
    note.drop_tree()
    text = _main(lxml.html.tostring(tree, encoding="unicode"))
    assert "WLS" not in text and "statsmodels" not in text
    assert ("ten opzichte van de nulmeting" if lang == "nl" else "against the baseline") in text


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_chart_titles_its_axes_with_the_unit_and_draws_the_target_inside_its_range(
    client: TestClient, lang: str
) -> None:
    figure = _figure(client.get(f"/monitor/{PROGRAMME}?lang={lang}").text, "fig-jeugd_jeugdzorg")
    layout = figure["layout"]
    assert layout["xaxis"]["title"]["text"] == {"nl": "Jaar", "en": "Year"}[lang]
    assert layout["yaxis"]["title"]["text"] == {"nl": "procent (%)", "en": "percent (%)"}[lang]
    low, high = layout["xaxis"]["range"]
    years = [x for trace in figure["data"] for x in trace["x"]]
    assert all(low < x < high for x in years), (years, layout["xaxis"]["range"])
    goal = next(t for t in figure["data"] if t["name"] == f"{'Doel' if lang == 'nl' else 'Target'} {GOAL[1]}")
    assert goal["x"] == [GOAL[1]] and goal["y"] == [GOAL[0]] and low < GOAL[1] < high
    lines = [s for s in layout["shapes"] if s.get("yref") == "y"]
    assert [(s["y0"], s["y1"]) for s in lines] == [(GOAL[0], GOAL[0])]  # the target level across the plot
    start = [s for s in layout["shapes"] if s.get("xref") == "x"]
    assert start and all(low < s["x0"] < high for s in start)


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", {"met": "Doel gehaald", "not_yet": "Doel nog niet gehaald", "not_met": "Doel niet gehaald"}),
        ("en", {"met": "Target met", "not_yet": "Target not met yet", "not_met": "Target not met:"}),
    ],
)
def test_the_target_is_stated_as_met_or_not_in_words(client: TestClient, lang: str, words: dict[str, str]) -> None:
    page = client.get(f"/monitor/{PROGRAMME}?lang={lang}").text
    said = " ".join(lxml.html.fromstring(page).get_element_by_id("target-jeugd_jeugdzorg").text_content().split())
    shown = lxml.html.fromstring(page).xpath("//table[@id='table-jeugd_jeugdzorg']//tbody/tr[1]/td")[1].text_content()
    now = float(shown.split()[0].replace(",", "."))
    year = int(re.search(r"\((\d{4})\)", said).group(1))
    expected = "met" if now <= GOAL[0] else ("not_yet" if year < GOAL[1] else "not_met")
    assert said.startswith(words[expected]), said
    assert f"{GOAL[1]}" in said and ("of lager" if lang == "nl" else "or lower") in said and "%" in said
    printed = client.get(f"/monitor/{PROGRAMME}/rapport.html?lang={lang}").text
    assert words[expected] in printed  # the printed report says it too


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_target_state_has_its_words(lang: str) -> None:
    """The states the demo's data do not reach, each in the page's language, with value, unit and direction."""
    base = {"unit": "percent", "direction": "down", "target": 5.0, "target_year": 2024}
    said = {
        state: target_text({**base, **row}, lang)
        for state, row in {
            "met": {"actual": 4.2, "actual_year": 2022},
            "not_yet": {"actual": 6.1, "actual_year": 2022},
            "not_met": {"actual": 6.1, "actual_year": 2024},
            "unknown": {"actual": None, "actual_year": None},
        }.items()
    }
    nl = lang == "nl"
    assert said["met"] == (
        "Doel gehaald: nu 4,2 % (2022), het doel is 5,0 % of lager in 2024."
        if nl
        else "Target met: now 4.2 % (2022), the target is 5.0 % or lower in 2024."
    )
    assert said["not_yet"].startswith("Doel nog niet gehaald" if nl else "Target not met yet")
    assert said["not_met"].startswith("Doel niet gehaald" if nl else "Target not met:")
    assert ("niet te zeggen" if nl else "cannot be said") in said["unknown"]
    assert target_text({**base, "direction": "up", "actual": 6.1, "actual_year": 2022}, lang).startswith(
        "Doel gehaald" if nl else "Target met"
    )
    assert target_text({"target": None}, lang) == ""
