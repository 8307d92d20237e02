"""Review of the table builder's filters, labelled downloads and error pages (issue 28): attacks that must fail.

Each test passes when the system is safe; a failing one is a finding."""

from __future__ import annotations

import csv
import html
import io
import re

import pytest
from fastapi.testclient import TestClient

from conftest import Site
from conftest import csrf_of as _token

YEARLY = "synth_persons_yearly"


def _build(client: TestClient, lang: str = "nl", **form: object) -> object:
    token = _token(client, f"/tabelbouwer?tabel={YEARLY}&lang={lang}")
    return client.post(f"/tabelbouwer?lang={lang}", data={"csrf": token, "tabel": YEARLY, **form})


XSS = '<script>alert("x")</script>'


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+", text))


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_too_few_refusal_names_only_the_policys_minimum(researcher: TestClient, lang: str) -> None:
    """The refusal's words carry no number but the policy's minimum (not the selection's true size)."""
    pages = [
        _build(researcher, lang, dim=["education"], jaar=["2022"], gebied=area, leeftijd_van=age)
        for area, age in (("BU99010100", "95"), ("BU99010100", "90"), ("WK990101", "95"))
    ]
    said = []
    for page in pages:
        assert page.status_code == 403
        said.append(html.unescape(re.search(r'id="builder-refused"[^>]*>([^<]*)', page.text).group(1)))
        assert _numbers(said[-1]) <= {"100"}
    assert len(set(said)) == 1  # the same words whatever the selection's size


def test_a_too_few_refusal_in_the_api_names_only_the_minimum(client: TestClient, site: Site) -> None:
    body = {
        "dataset": YEARLY,
        "dimensions": ["education"],
        "filters": [
            {"column": "year", "values": [2022]},
            {"column": "buurt_code", "values": ["BU99010100"]},
            {"column": "age", "between": [95, 120]},
        ],
    }
    response = client.post("/api/v1/tables", json=body, headers={"Authorization": f"Bearer {site.token}"})
    assert response.status_code == 403
    text = response.text.replace("BU99010100", "").replace("2022", "")
    assert _numbers(text) <= {"100", "120", "95"}


def test_the_forced_year_note_says_only_the_year(researcher: TestClient, client: TestClient, site: Site) -> None:
    page = _build(researcher, dim=["education"])
    note = html.unescape(re.search(r'id="builder-forced">([^<]*)', page.text).group(1))
    assert _numbers(note) == {"2022"}
    api = client.post(
        "/api/v1/tables",
        json={"dataset": YEARLY, "dimensions": ["education"]},
        headers={"Authorization": f"Bearer {site.token}"},
    ).json()
    assert api["forced"] and all(_numbers(str(n)) <= {"2022"} for n in api["notes"])
    assert _numbers(str(api["forced"])) <= {"2022"}


@pytest.mark.parametrize(("low", "high"), [("20", "20"), ("21", "22"), ("97", ""), ("0", "1")])
def test_the_age_filter_selects_no_single_age_off_the_cut_points(researcher: TestClient, low: str, high: str) -> None:
    page = _build(researcher, dim=["education"], jaar=["2022"], leeftijd_van=low, leeftijd_tot=high)
    assert page.status_code in (403, 422)


def test_labels_do_not_change_the_numbers_of_a_download(researcher: TestClient) -> None:
    def read(**extra: str) -> list[dict[str, str]]:
        text = _build(
            researcher, dim=["education", "role"], jaar=["2022"], gebied="WK990101", formaat="csv", **extra
        ).text
        return list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))

    plain, labelled = read(), read(koppen="labels")
    assert len(plain) == len(labelled)
    counts = lambda rows: [[v for v in r.values() if re.fullmatch(r"\d+", v or "")] for r in rows]  # noqa: E731
    assert counts(plain) == counts(labelled)


@pytest.mark.parametrize("path", [f"/catalogus/{XSS}", f"/tabelbouwer?tabel={XSS}", f"/gebied/{XSS}"])
def test_error_pages_escape_what_the_request_said(client: TestClient, path: str) -> None:
    page = client.get(path)
    assert "<script>alert" not in page.text
    assert "Traceback" not in page.text and "/tmp/" not in page.text and ".py" not in page.text


def test_the_builders_not_found_escapes_the_table_name(researcher: TestClient) -> None:
    token = _token(researcher, f"/tabelbouwer?tabel={YEARLY}")
    page = researcher.post("/tabelbouwer", data={"csrf": token, "tabel": XSS, "dim": ["education"]})
    assert page.status_code in (403, 404)
    assert "<script>alert" not in page.text
    page = researcher.post("/tabelbouwer", data={"csrf": token, "tabel": YEARLY, "dim": [XSS]})
    assert page.status_code in (403, 404, 422) and "<script>alert" not in page.text
    assert "Traceback" not in page.text and "/tmp/" not in page.text


def test_a_year_refused_for_too_few_people_is_not_answered_beside_another_year(researcher: TestClient) -> None:
    """The minimum population counts rows, and a snapshot table has one row per person per year: buurt BU99010002
    (64 residents in 2022) is refused for 2022 alone, but asked for 2021 and 2022 with the year as a dimension it
    holds 125 person-years and is answered — with the very 2022 cells the refusal withheld (65 distinct people).
    Safe: the two-year request is refused as well (the minimum counts people per snapshot, not person-years)."""
    alone = _build(researcher, dim=["education"], jaar=["2022"], gebied="BU99010002")
    assert alone.status_code == 403
    beside = _build(researcher, dim=["education", "year"], jaar=["2021", "2022"], gebied="BU99010002")
    assert beside.status_code == 403, "a buurt refused for one year is answered per year when two years are asked"


def test_a_refused_dimension_does_not_say_the_datasets_exact_size(client: TestClient, site: Site) -> None:
    """The ethics guard's refusal (gate.TooDetailed) said 'a different value for almost every record (297 of 319)':
    the exact number of newborns in the microdata and of distinct birth weights, unperturbed, in the error text of
    every door (API JSON, error page, CLI). Safe: the refusal carries no number counted in the microdata."""
    body = {"dataset": "synth_newborns", "dimensions": ["birth_weight"]}
    response = client.post("/api/v1/tables", json=body, headers={"Authorization": f"Bearer {site.token}"})
    assert response.status_code in (403, 422)
    assert not _numbers(response.text) - {"20", "50"}, response.text


def test_the_builder_form_escapes_what_it_gives_back(researcher: TestClient) -> None:
    """The form's picks (area, ages, years) come back in the re-rendered form: as text, never as markup."""
    bad = '"><script>alert(1)</script>'
    page = _build(researcher, dim=["education"], gebied=bad, leeftijd_van=bad, leeftijd_tot=bad, jaar=[bad, "2022"])
    assert "<script>alert(1)" not in page.text
