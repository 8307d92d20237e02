"""The crawl's reader (tests/web/speech.py) sees what it should: a check that finds nothing must be able to find."""

from __future__ import annotations

import json

import speech

NAMES = {"GM9901": "Kernstad", "ZZ_BUITENLAND": "Overig buitenland"}


def _page(body: str, lang: str = "en") -> str:
    return f'<html lang="{lang}"><body><main>{body}</main></body></html>'


def test_a_dutch_line_on_an_english_page_is_found_unless_marked_dutch() -> None:
    body = "<p>Er zijn nog geen indicatoren vrijgegeven voor deze gemeente.</p><p>All figures are protected.</p>"
    found = speech.other_language(speech.said(_page(body), "en"), "en")
    assert [s.text for s in found] == ["Er zijn nog geen indicatoren vrijgegeven voor deze gemeente."]
    marked = '<p lang="nl">Er zijn nog geen indicatoren vrijgegeven voor deze gemeente.</p>'
    assert speech.other_language(speech.said(_page(marked), "en"), "en") == []


def test_an_english_phrase_of_the_interface_on_a_dutch_page_is_found() -> None:
    english = "No data: for this choice the counts are too small to publish."  # i18n no_flow_data, en
    found = speech.other_language(speech.said(_page(f"<p>{english}</p>", "nl"), "nl"), "nl")
    assert [s.text for s in found] == [english]


def test_bare_codes_are_found_and_name_plus_code_is_not() -> None:
    body = (
        "<table><tr><td>perturbed</td><td>GM9901</td></tr>"
        "<tr><td>GM9901</td><td>Kernstad</td></tr>"
        "<tr><td>Kernstad (GM9901)</td><td>ZZ_BUITENLAND</td></tr></table>"
        "<p>child_born</p><code>flows_moves</code>"
    )
    found = [s.text for s in speech.bare_codes(speech.said(_page(body), "en"), "en", NAMES)]
    assert found == ["perturbed", "GM9901", "ZZ_BUITENLAND", "child_born"]


def test_a_chart_speaks_too() -> None:
    figure = {"data": [{"name": "suppressed", "x": ["2019"], "y": [1]}], "layout": {"title": {"text": "Jaar"}}}
    body = f'<script type="application/json" id="f">{json.dumps(figure)}</script>'
    texts = speech.said(_page(body), "en")
    assert {"suppressed", "Jaar"} <= {s.text for s in texts}
    assert [s.text for s in speech.bare_codes(texts, "en", NAMES)] == ["suppressed"]
    assert [s.text for s in speech.other_language(texts, "en")] == ["Jaar"]  # a Dutch axis title


def test_error_pages_speak_the_page_language(client: object, site: object) -> None:
    """An error without a key: a sentence for its status in the page's language, udc's own reason marked as English
    (lang="en"); no line the crawl would count as the other language, in either language."""
    import udc

    names = udc.open(site.store).areas.names()  # type: ignore[attr-defined]
    for lang, sentence in (
        ("nl", "Deze pagina of dit gegeven bestaat niet."),
        ("en", "This page or item does not exist."),
    ):
        page = client.get(f"/gebied/GM0000?lang={lang}")  # type: ignore[attr-defined]
        assert page.status_code == 404 and sentence in page.text
        texts = speech.said(page.text, lang)
        assert speech.other_language(texts, lang) == [] and speech.bare_codes(texts, lang, names) == []
    dutch = client.get("/gebied/GM0000?lang=nl").text  # type: ignore[attr-defined]
    assert '<span lang="en">' in dutch and "Toelichting (Engels)" in dutch
