"""The table builder (/tabelbouwer): filters through the gate's typed request, yearly snapshots never summed (page and
API), withheld cells and labels in the page's language (issue 28 item 6)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from conftest import Site
from conftest import csrf_of as _token

YEARLY = "synth_persons_yearly"
INTERNAL = ("perturbed", "suppressed", "threshold")


def _build(client: TestClient, lang: str = "nl", **form: object) -> object:
    token = _token(client, f"/tabelbouwer?tabel={YEARLY}&lang={lang}")
    return client.post(f"/tabelbouwer?lang={lang}", data={"csrf": token, "tabel": YEARLY, **form})


def _rows(page: str) -> list[list[str]]:
    body = page[page.index('id="builder-result"') :]
    body = body[body.index("<tbody>") : body.index("</tbody>")]
    return [re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in body.split("<tr>")[1:]]


def test_the_form_offers_years_areas_by_name_and_age_cut_points(researcher: TestClient) -> None:
    page = researcher.get(f"/tabelbouwer?tabel={YEARLY}").text
    assert 'name="jaar" value="2020"' in page
    assert re.search(r'<option value="GM9901"[^>]*>[^<(]+ \(GM9901\)</option>', page)  # name (code)
    assert re.search(r'<option value="BU\d{8}"[^>]*>[^<(]+ \(BU\d{8}\)</option>', page)
    assert 'name="leeftijd_van"' in page and '<option value="18">18</option>' in page


def test_a_filtered_table_is_smaller_and_consistent(researcher: TestClient) -> None:
    whole = _rows(_build(researcher, dim=["buurt_code"], jaar=["2020"]).text)
    page = _build(researcher, dim=["buurt_code"], jaar=["2020"], gebied="WK990101", leeftijd_van="18")
    assert page.status_code == 200
    part = _rows(page.text)
    assert 2 < len(part) < len(whole)
    buurten = [r for r in part if "(BU" in r[0]]
    assert buurten and all("(BU990101" in r[0] for r in buurten)  # only the chosen wijk's buurten, by name
    total = {r[0]: r[1] for r in part}["Totaal"]
    before = {r[0]: r[1] for r in whole}["Totaal"]
    assert int(total.replace(".", "")) < int(before.replace(".", ""))


def test_filters_that_isolate_few_people_are_refused_in_words(researcher: TestClient) -> None:
    page = _build(researcher, dim=["education"], jaar=["2020"], gebied="BU99010100", leeftijd_van="95")
    assert page.status_code == 403
    assert "minder dan" in re.search(r'id="builder-refused"[^>]*>([^<]*)', page.text).group(1)


def test_without_a_year_the_page_counts_one_year_and_says_so(researcher: TestClient) -> None:
    page = _build(researcher, dim=["education"])
    assert page.status_code == 200
    note = re.search(r'id="builder-forced">([^<]*)', page.text).group(1)
    assert "Geteld voor het jaar 2022" in note
    one = _rows(_build(researcher, dim=["education"], jaar=["2022"]).text)
    assert _rows(page.text) == one  # the same cells as asking for the latest year


def test_several_years_without_the_year_dimension_are_refused_in_the_pages_language(researcher: TestClient) -> None:
    nl = _build(researcher, dim=["education"], jaar=["2020", "2021"])
    en = _build(researcher, "en", dim=["education"], jaar=["2020", "2021"])
    assert nl.status_code == en.status_code == 422
    assert "kies één jaar" in nl.text and "choose one year" in en.text
    assert "choose one year" not in nl.text and "kies één jaar" not in en.text


def test_the_api_counts_one_year_or_refuses(researcher: TestClient, site: Site) -> None:
    bearer = {"Authorization": f"Bearer {site.token}"}
    body = {"dataset": YEARLY, "dimensions": ["education"]}
    forced = researcher.post("/api/v1/tables", json=body, headers=bearer)
    assert forced.status_code == 200 and forced.json()["forced"] == {"column": "year", "value": 2022}
    several = researcher.post(
        "/api/v1/tables", json={**body, "filters": [{"column": "year", "values": [2020, 2021]}]}, headers=bearer
    )
    assert several.status_code == 422 and "once per 'year'" in several.json()["error"]


@pytest.mark.parametrize(
    ("lang", "words", "other"),
    [
        ("nl", ("afgeschermd", "met ruis", "Opleidingsniveau"), "withheld"),
        ("en", ("withheld", "with noise", "Education", "Total"), "afgesch"),
    ],
)
def test_withheld_cells_and_labels_in_one_language(
    researcher: TestClient, lang: str, words: tuple[str, ...], other: str
) -> None:
    page = _build(researcher, lang, dim=["buurt_code", "education"], jaar=["2020"]).text
    table = re.sub(r"<[^>]+>", " ", page[page.index('id="builder-legend"') : page.index("</table>")])  # text only
    for word in words:
        assert word in table
    assert other not in table
    cells = [c for row in _rows(page) for c in row]
    assert not set(INTERNAL) & set(cells)  # no internal codes where people read
    assert not any(word in table for word in INTERNAL)
    assert ("Totaal" in cells) == (lang == "nl")


def test_a_labelled_download_has_no_internal_codes(researcher: TestClient) -> None:
    csv = _build(researcher, dim=["education"], jaar=["2020"], formaat="csv-nl", koppen="labels").text
    assert "Opleidingsniveau" in csv.splitlines()[0] and "met ruis" in csv and "middelbaar" in csv
    assert not any(word in csv for word in INTERNAL)
