"""Following a site the way a visitor does: the links of a page and the options of its filters (bounded), shared by
the HTTP crawler and the browser crawl."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlparse

import lxml.html

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
SKIP = ("/api", "/static", "/taal", "/uitloggen", "/inloggen")


def links(tree: lxml.html.HtmlElement, here: str) -> list[str]:
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


def shape(path: str) -> str:
    """A page's kind: its route with codes and numbers blanked and its query's keys (one visit per kind)."""
    url = urlparse(path)
    route = re.sub(r"(GM|WK|BU)[0-9]+|[0-9]+", "#", url.path)
    return route + "?" + ",".join(sorted(k for k, _ in parse_qsl(url.query) if k != "lang"))
