"""Every page a visitor can reach — by following links and by choosing each option of each filter (bounded) — in
both languages, signed out, signed in as a researcher (the table builder, and one table per dimension it offers)
and as staff (handling reports, posting news): no response of 500 or more, and no internal name (snake_case
identifiers such as `flows_moves`, `per_1000`, `ci_low`) in the visible text. Technical names shown on purpose (a
dataset's name in the data, an API column) are marked as code and are allowed there. Console errors are the browser
crawl's part (test_browser)."""

from __future__ import annotations

import re
from collections import deque

import lxml.html
import pytest
from crawling import SNAKE, links
from fastapi.testclient import TestClient

from conftest import PASSWORD, Site

pytestmark = pytest.mark.slow
LIMIT = 160  # pages per language
START = ["/", "/indicatoren", "/monitor", "/verhuisstromen", "/catalogus", "/tabelbouwer"]


def _visible(tree: lxml.html.HtmlElement) -> str:
    for node in tree.xpath("//script|//style|//code"):
        node.drop_tree()
    main = tree.xpath("//main")
    return main[0].text_content() if main else ""


def _sign_in(client: TestClient, name: str) -> None:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/inloggen").text).group(1)
    done = client.post(
        "/inloggen", data={"gebruiker": name, "wachtwoord": PASSWORD, "csrf": token}, follow_redirects=False
    )
    assert done.status_code == 303


def _builder_tables(client: TestClient, lang: str, leaks: dict[str, str], errors: list) -> int:
    """Each microdata table the builder offers, one table per dimension (bounded): labels only in the result."""
    made = 0
    page = client.get(f"/tabelbouwer?lang={lang}")
    for table in lxml.html.fromstring(page.text).xpath("//select[@name='tabel']/option/@value"):
        form = lxml.html.fromstring(client.get(f"/tabelbouwer?tabel={table}&lang={lang}").text)
        csrf = form.xpath("//form[@id='builder-form']//input[@name='csrf']/@value")[0]
        for dim in form.xpath("//form[@id='builder-form']//input[@name='dim']/@value")[:6]:
            response = client.post(f"/tabelbouwer?lang={lang}", data={"csrf": csrf, "tabel": table, "dim": [dim]})
            made += 1
            if response.status_code >= 500:
                errors.append((f"POST /tabelbouwer {table} {dim}", response.status_code))
            for name in set(SNAKE.findall(_visible(lxml.html.fromstring(response.text)))):
                leaks.setdefault(name, f"/tabelbouwer {table} × {dim}")
    return made


@pytest.mark.parametrize("who", [None, "onderzoeker", "beheerder"], ids=["visitor", "researcher", "staff"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_reachable_page_answers_and_speaks_labels(site: Site, lang: str, who: str | None) -> None:
    from udc.web.app import create_app

    seen: set[str] = set()
    staff = who == "beheerder"  # the staff pages first; the public ones are the visitor pass's
    queue = deque(["/beheer/meldingen", "/beheer/berichten", "/melden", *START] if staff else START)
    limit = 40 if staff else LIMIT
    errors, leaks = [], {}
    with TestClient(create_app(site.store), base_url="http://127.0.0.1") as client:
        if who:
            _sign_in(client, who)
        if who == "onderzoeker":
            assert _builder_tables(client, lang, leaks, errors) >= 10
        while queue and len(seen) < limit:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
            if response.status_code >= 500:
                errors.append((path, response.status_code))
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            tree = lxml.html.fromstring(response.text)
            queue.extend(link for link in links(tree, path) if link not in seen)
            for name in set(SNAKE.findall(_visible(tree))):
                leaks.setdefault(name, path)
    assert len(seen) >= (40 if staff else 60), f"the crawl reached only {len(seen)} pages"
    assert not errors, errors[:5]
    assert not leaks, "\n".join(f"{k} at {v}" for k, v in leaks.items())
