"""Issue 30 in Chromium: the jeugd theme page draws the released expected-versus-observed youth-care table per wijk
(a map of the ratio, the wijken by name with observed, expected and the result in words, a sentence per wijk that
differs, what the study does not say) in both languages; the printed study (PDF) says the same in each language."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_browser import DRAWN, _open, serving

from cli_runner import udc
from udc.store import Store, catalogue

pytestmark = pytest.mark.slow  # real Chromium, beside the other browser tests

WORDS = {
    "nl": ("Verwacht en werkelijk", "Wat dit niet zegt", "keer zoveel jeugdhulp als verwacht", "zoals verwacht"),
    "en": ("Expected and observed", "What this does not say", "times as much youth care as expected", "as expected"),
}


@pytest.fixture(scope="module")
def store_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """60 000 synthetic persons (the test demo's 12 000 start too little youth care per wijk and year for the gate
    to publish it) and the demo's release of the study, as ``udc demo`` makes it."""
    import udc as udc_api
    from udc import demo
    from udc.synth.generate import generate

    path = tmp_path_factory.mktemp("background") / "store"
    with Store(path) as store:
        generate(store, persons=60_000, seed=5, years=(2019, 2022))
    s = udc_api.open(path)
    with Store(path) as store:
        assert demo.backgrounds(store, user=s.user, audit=s.audit) == ["verwacht_youth_care"]
    return path


@pytest.fixture(scope="module")
def server(store_path: Path) -> Iterator[str]:
    with serving(store_path) as url:
        yield url


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_jeugd_page_draws_expected_and_observed_per_wijk(
    browser: object, server: str, store_path: Path, lang: str
) -> None:
    with Store(store_path, read_only=True) as store:
        released = catalogue.read(store, "verwacht_youth_care")
    page, watch = _open(browser, server, viewport={"width": 1280, "height": 900})
    page.goto(f"{server}/thema/jeugd?lang={lang}")
    page.wait_for_function(DRAWN, timeout=15_000)
    section = page.locator("section#verwacht-youth_care, section:has(h2#verwacht-youth_care)").first
    heading, caveat, _, as_expected = WORDS[lang]
    assert heading in section.locator("h2").inner_text()
    assert caveat in section.inner_text()
    rows = section.locator("tbody tr")
    assert rows.count() == len(released)
    names = rows.locator("td:first-child a").all_inner_texts()
    assert not any(n.startswith("WK") for n in names)  # wijken by name, never a bare code
    shown = [r for r in released.to_dict("records") if r["observed"] is not None and r["observed"] == r["observed"]]
    top = max(shown, key=lambda r: r["ratio"])
    first = rows.first
    assert first.locator("a").get_attribute("href").endswith(top["area_code"])
    assert float(first.locator("td.num").nth(0).get_attribute("data-value")) == top["observed"]
    assert any(as_expected in t for t in rows.locator("td:last-child").all_inner_texts())
    figure = section.locator("[data-figure]").first
    traces = figure.evaluate("f => f.data.filter(t => t.fill === 'toself').map(t => [t.name, t.x.length])")
    assert len(traces) >= 3 and all(n > 0 for _, n in traces)  # classes of wijk polygons drawn
    flagged = [r for r in shown if r["flag"] in ("above", "below")]
    assert section.locator("ul.sentences li").count() == len(flagged)
    assert watch.errors == [] and watch.foreign == []
    page.context.close()


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_the_printed_study_speaks_one_language_and_names_wijken(store_path: Path, tmp_path: Path, lang: str) -> None:
    import pypdfium2 as pdfium

    out = tmp_path / f"jeugd-{lang}.pdf"
    udc("--store", str(store_path), "study", "report", "--outcome", "youth_care", "--out", str(out), "--lang", lang)
    document = pdfium.PdfDocument(io.BytesIO(out.read_bytes()))
    try:
        text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
        width, height = document[0].get_size()
    finally:
        document.close()
    text = " ".join(text.split())
    heading, caveat, _, as_expected = WORDS[lang]
    assert width < height  # a printed page
    assert "Kernstad wijk" in text and "(WK99" in text  # name and code
    assert caveat in text and as_expected in text
    other = WORDS["en" if lang == "nl" else "nl"]
    assert other[1] not in text  # one language per page
    determinants = ("Relatief risico", "laag inkomen") if lang == "nl" else ("Relative risk", "low income")
    assert all(word in text for word in determinants)
