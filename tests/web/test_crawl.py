"""Every page a visitor can reach — by following links and by choosing each option of each filter (bounded) — in
both languages, signed out, signed in as a researcher (the table builder, and one table per dimension it offers)
and as staff (handling reports, posting news): no response of 500 or more, no internal name (snake_case
identifiers such as `flows_moves`, `per_1000`, `ci_low`) in the visible text, no bare internal code where a label
exists (`perturbed`, `child_born`, `ZZ_BUITENLAND`, an area code without its name in its row) and no line in the
other language (tests/web/speech.py) — in the page text, the texts its charts draw and the alternative texts.
Technical names shown on purpose (a dataset's name in the data, an API column) are marked as code and are allowed
there. Console errors are the browser crawl's part (test_browser)."""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import lxml.html
import pytest
import speech
from crawling import SNAKE, links
from fastapi.testclient import TestClient

from conftest import PASSWORD, Site

pytestmark = pytest.mark.slow
LIMIT = 160  # pages per language
START = ["/", "/indicatoren", "/monitor", "/verhuisstromen", "/catalogus", "/tabelbouwer"]
INDEPENDENT_TESTS = True  # each crawl on whichever worker is free (tests/conftest.py, ModuleGroups)
NAMES: dict[str, str] = {}  # area code → name, from the site's store


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


def _speech(html: str, lang: str, path: str, names: dict[str, str], found: dict[str, str]) -> None:
    """Bare codes and other-language lines of one page into ``found`` (text → where it was first seen)."""
    texts = speech.said(html, lang)
    for s in speech.bare_codes(texts, lang, names):
        found.setdefault(f"code {s.text!r}", f"{path} {s.where}")
    for s in speech.other_language(texts, lang):
        found.setdefault(f"{s.lang}≠ {s.text[:80]!r}", f"{path} {s.where}")


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
            _speech(response.text, lang, f"/tabelbouwer {table} × {dim}", NAMES, leaks)
    return made


@pytest.mark.parametrize("who", [None, "onderzoeker", "beheerder"], ids=["visitor", "researcher", "staff"])
@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_reachable_page_answers_and_speaks_labels(site: Site, lang: str, who: str | None) -> None:
    import udc
    from udc.web.app import create_app

    NAMES.update(udc.open(site.store).areas.names())
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
            _speech(response.text, lang, path, NAMES, leaks)
    assert len(seen) >= (40 if staff else 60), f"the crawl reached only {len(seen)} pages"
    assert not errors, errors[:5]
    assert not leaks, "\n".join(f"{k} at {v}" for k, v in leaks.items())


def _rows_said(frame: Any, lang: str, where: str) -> list[speech.Said]:
    """A download's headers and cells as visible texts, each cell with its row as context (name + code)."""
    texts = [speech.Said(str(c), lang, f"{where} header") for c in frame.columns]
    for row in frame.astype(str).itertuples(index=False):
        context = " ".join(row)
        texts += [speech.Said(v, lang, where, context) for v in row if v and v != "nan"]
    return texts


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_download_with_labels_speaks_the_page_language(site: Site, lang: str) -> None:
    """Every dataset a visitor may download, as CSV (;) and Excel with labels asked for, the way the dataset page
    links them: no bare internal code, no area code without its name, no header or cell in the other language; the
    JSON rows parse strictly."""
    import io
    import json

    import pandas as pd

    import udc
    from udc.web.app import create_app

    names = udc.open(site.store).areas.names()
    found: dict[str, str] = {}
    checked = 0
    with TestClient(create_app(site.store), base_url="http://127.0.0.1") as client:
        for entry in client.get("/api/v1/datasets").json():
            base = f"/api/v1/datasets/{entry['name']}/download?koppen=labels&lang={lang}"
            csv = client.get(f"{base}&format=csv-nl")
            assert csv.status_code == 200, (entry["name"], csv.text[:200])
            frame = pd.read_csv(io.StringIO(csv.content.decode("utf-8-sig")), sep=";", dtype=str)
            tables = [("csv", frame.head(500))]
            if len(frame) <= 5_000:  # the same labelled rows as the CSV; a 30 000-row workbook takes seconds to write
                book = client.get(f"{base}&format=xlsx").content
                tables.append(("xlsx", pd.read_excel(io.BytesIO(book), dtype=str, nrows=500)))
            for kind, table in tables:
                texts = _rows_said(table, lang, f"{entry['name']}.{kind}")
                for s in speech.bare_codes(texts, lang, names):
                    found.setdefault(f"code {s.text!r}", s.where)
                for s in speech.other_language(texts, lang):
                    found.setdefault(f"{lang}≠ {s.text[:80]!r}", s.where)
            rows = client.get(f"/api/v1/datasets/{entry['name']}/rows?limit=200")
            json.loads(rows.text, parse_constant=_refuse_constant)
            checked += 1
    assert checked >= 10, checked
    assert not found, "\n".join(f"{k} in {v}" for k, v in found.items())


def _refuse_constant(constant: str) -> None:
    raise AssertionError(f"{constant} in a JSON download")
