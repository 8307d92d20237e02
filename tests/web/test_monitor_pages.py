"""The monitor pages without a released monitor (the small shared demo does not reach back to the nulmeting): they
name every programme and say how a monitor is released, in both languages, with no empty charts; an unknown
programme is a 404. (The pages with a released monitor and its PDF: tests/monitoring/test_kansrijk_demo.py.)"""

from __future__ import annotations

import lxml.html
import pytest
from fastapi.testclient import TestClient


def text(html: str) -> str:
    tree = lxml.html.fromstring(html)
    for node in tree.xpath("//script|//style"):
        node.drop_tree()
    return " ".join(tree.xpath("//main")[0].text_content().split())


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("nl", ("Kansrijk van Start", "nog geen monitor vrijgegeven")),
        ("en", ("Kansrijk van Start (a good start)", "No monitor")),
    ],
)
def test_the_overview_names_every_programme_and_says_why_nothing_shows(
    client: TestClient, lang: str, words: tuple[str, str]
) -> None:
    shown = text(client.get(f"/monitor?lang={lang}").text)
    assert all(w in shown for w in words) and ("Placebo" in shown)
    page = client.get(f"/monitor/kansrijk-van-start?lang={lang}")
    assert page.status_code == 200 and words[1] in text(page.text) and "data-figure" not in page.text
    assert "jeugd_vroeggeboorte" not in text(page.text)  # labels, not internal names


def test_unknown_programmes_and_missing_reports_are_404(client: TestClient) -> None:
    assert client.get("/monitor/bestaat-niet").status_code == 404
    missing = client.get("/monitor/kansrijk-van-start/rapport.pdf")
    assert missing.status_code == 404 and "--release" in missing.text
