"""Every page a visitor can reach — by following links and by choosing each option of each filter (bounded) — in
both languages: no response of 500 or more, and no internal name (snake_case identifiers such as `flows_moves`,
`per_1000`, `ci_low`) in the visible text. Technical names shown on purpose (a dataset's name in the data, an API
column) are marked as code and are allowed there."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse

import lxml.html
import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.slow
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
LIMIT = 160  # pages per language
SKIP = ("/api", "/static", "/taal", "/uitloggen", "/inloggen")


def _links(tree: lxml.html.HtmlElement, here: str) -> list[str]:
    found = []
    for href in tree.xpath("//a/@href"):
        url = urlparse(urljoin("http://127.0.0.1" + here, href))
        if url.netloc == "127.0.0.1" and not url.path.startswith(SKIP) and not url.path.endswith((".html", ".pdf")):
            found.append(url.path + (f"?{url.query}" if url.query else ""))
    for form in tree.xpath("//form[not(@method) or translate(@method, 'GET', 'get')='get']"):
        action = form.get("action") or urlparse(here).path
        if action.startswith(SKIP):
            continue
        base = dict(parse_qsl(urlparse(here).query))
        for select in form.xpath(".//select[@name]"):
            for option in select.xpath("./option")[:12]:
                value = option.get("value", option.text_content())
                found.append(f"{action}?{urlencode({**base, select.get('name'): value})}")
    return found


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_every_reachable_page_answers_and_speaks_labels(client: TestClient, lang: str) -> None:
    seen: set[str] = set()
    queue = deque(["/", "/indicatoren", "/monitor", "/verhuisstromen", "/catalogus", "/tabelbouwer"])
    errors, leaks = [], {}
    while queue and len(seen) < LIMIT:
        path = queue.popleft()
        key = path
        if key in seen:
            continue
        seen.add(key)
        joiner = "&" if "?" in path else "?"
        response = client.get(f"{path}{joiner}lang={lang}")
        if response.status_code >= 500:
            errors.append((path, response.status_code))
        if "text/html" not in response.headers.get("content-type", ""):
            continue
        tree = lxml.html.fromstring(response.text)
        links = _links(tree, path)
        for node in tree.xpath("//script|//style|//code"):
            node.drop_tree()
        main = tree.xpath("//main")
        for name in set(SNAKE.findall(main[0].text_content() if main else "")):
            leaks.setdefault(name, path)
        queue.extend(link for link in links if link not in seen)
    assert len(seen) >= 60, f"the crawl reached only {len(seen)} pages"
    assert not errors, errors[:5]
    assert not leaks, dict(list(leaks.items())[:10])
