"""The ISO 37120 report on the web (issue 28 item 8): per municipality, every catalogue indicator with its released
value, its status in the page's words and, where a value is missing, the source that would complete it — in one
language per page, reachable from the indicators overview and the municipality's area profile."""

from __future__ import annotations

import lxml.html
import pytest
from fastapi.testclient import TestClient

from udc.indicators.iso import catalogue

STATES = {  # what the small demo shows: its registers are imported there, the open KWB series (issue 29) is not
    "nl": {"beschikbaar", "nog niet geïmporteerd", "geen bron gekoppeld", "niet van toepassing"},
    "en": {"available", "not yet imported", "no source linked", "not applicable"},
}


def _rows(html: str) -> list[dict[str, str]]:
    """The report table's rows as header → cell text."""
    tree = lxml.html.fromstring(html)
    table = tree.get_element_by_id("iso-table")
    heads = [" ".join(h.text_content().split()) for h in table.xpath(".//thead//th")]
    return [
        dict(zip(heads, (" ".join(c.text_content().split()) for c in row.xpath("./td|./th")), strict=True))
        for row in table.xpath(".//tbody/tr")
    ]


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_indicator_with_its_status_in_words_and_the_source_that_would_complete_it(
    client: TestClient, lang: str
) -> None:
    page = client.get(f"/iso37120/GM9901?lang={lang}")
    assert page.status_code == 200
    rows = _rows(page.text)
    listed = catalogue()["indicators"]
    assert len(rows) == len(listed)
    status, value, source, title = (
        ("Status", "Waarde", "Bron die hem aanvult, of waarom niet van toepassing", "Indicator")
        if lang == "nl"
        else ("Status", "Value", "Source that would complete it, or why it does not apply", "Indicator")
    )
    assert {r[status] for r in rows} == STATES[lang]
    available = [r for r in rows if r[status] == ("beschikbaar" if lang == "nl" else "available")]
    assert available and all(r[value] != "–" and "%" in r[value] and r[source] == "" for r in available)
    missing = [r for r in rows if r not in available]
    assert all(r[value] == "–" and r[source] for r in missing), [r for r in missing if not r[source]]
    # the library's English detail never reaches a Dutch page; the sources are named in the page's language
    text = " ".join(lxml.html.fromstring(page.text).xpath("//main")[0].text_content().split())
    assert "data not yet imported" not in text and "computable" not in text and "not_applicable" not in text
    woz = next(r for r in rows if r[title].startswith("WOZ" if lang == "nl" else "Assessed value"))
    assert woz[source] == ("gemeentelijke WOZ-administratie" if lang == "nl" else "municipal WOZ register")
    police = next(r for r in rows if r[title].startswith("Politieagenten" if lang == "nl" else "Police"))
    assert ("landelijk" if lang == "nl" else "national") in police[source]
    assert ("Werkloosheid" if lang == "nl" else "Unemployment rate") in {r[title] for r in available}
    not_imported = [r for r in rows if r[status] == ("nog niet geïmporteerd" if lang == "nl" else "not yet imported")]
    assert not_imported and all("Kerncijfers" in r[source] or "CBS" in r[source] for r in not_imported)
    heading = lxml.html.fromstring(page.text).xpath("//h1")[0].text_content()
    assert "(GM9901)" in heading and heading.split(":")[1].strip().split(" (")[0] not in ("", "GM9901")


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_report_is_reached_from_the_indicators_and_the_municipality_profile(client: TestClient, lang: str) -> None:
    suffix = "?lang=en" if lang == "en" else ""
    overview = lxml.html.fromstring(client.get(f"/indicatoren?lang={lang}").text)
    links = overview.xpath('//ul[@id="iso-links"]//a')
    assert f"/iso37120/GM9901{suffix}" in {a.get("href") for a in links}
    assert all(a.text_content().endswith(")") and "(GM" in a.text_content() for a in links)  # name and code
    profile = lxml.html.fromstring(client.get(f"/gebied/GM9901?lang={lang}").text)
    assert profile.get_element_by_id("iso-link").get("href") == f"/iso37120/GM9901{suffix}"
    wijk = lxml.html.fromstring(client.get(f"/gebied/WK990100?lang={lang}").text)
    assert not wijk.xpath('//*[@id="iso-link"]')  # ISO 37120 is a municipality's report


def test_only_municipalities_have_a_report(client: TestClient) -> None:
    assert client.get("/iso37120/WK990100").status_code == 404
    assert client.get("/iso37120/GM0000").status_code == 404


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", ("nog niet geïmporteerd", "geen vrijgegeven waarde voor deze gemeente", "CBS Arbeidsdeelname")),
        ("en", ("not yet imported", "no released value for this municipality", "CBS Arbeidsdeelname")),
    ],
)
def test_a_definition_without_its_data_says_not_yet_imported_and_names_the_source(
    lang: str, words: tuple[str, str, str]
) -> None:
    """The states the small demo does not reach: a definition whose datasets this store lacks (5.1 here), and one
    whose data are there but with no released value for the municipality (5.3)."""
    from udc.indicators import iso
    from udc.indicators.model import library
    from udc.web.routes.indicators import iso_rows

    numbered = [i for i in library().values() if i.iso37120]
    missing = {i.id: (["cbs_arbeid"] if i.iso37120.number == "5.1" else []) for i in numbered}
    rows, _ = iso.report(numbered, None, missing, "GM9901")
    shown = {r["number"]: r for r in iso_rows(rows, {}, lang)}
    assert shown["5.1"]["status"] == words[0] and shown["5.1"]["source"].startswith(words[2])
    assert shown["5.3"]["status"] == words[1] and shown["5.3"]["source"]
    assert "cbs_arbeid" not in str(shown["5.1"])  # a dataset id is not what a person reads
