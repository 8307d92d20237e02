"""What a page says, read the way a person reads it: every visible text (element text, the texts of a chart, the
alternative texts of controls) with the language it is marked in, and two checks on it — a bare internal code where
a label exists (``perturbed``, ``child_born``, ``ZZ_BUITENLAND``, ``WK990100`` without its name) and a line in the
other language (a Dutch caption on an English page). Text in another language on purpose (a source's Dutch title
on an English page) carries its own ``lang`` attribute, as WCAG 3.1.2 asks, and is read in that language."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass

import lxml.html

from udc.web import i18n, labels, wording

LANGS = ("nl", "en")
SILENT = {"script", "style", "code", "pre", "kbd", "samp", "template", "noscript"}
AREA = re.compile(r"^((GM|WK|BU)\d{4,8}|(DE|BE)_\d{6,})$")  # a foreign municipality (DE_99001001) is one too
SPECIAL = re.compile(r"^(ZZ_[A-Z_]+|[A-Z]{2}_\d{3,5})$")  # ZZ_BUITENLAND, a Kreis DE_99001: never bare
# Words only one of the two languages writes (articles, pronouns, auxiliaries): three of them in one line and none
# of the page's own mark a line in the other language.
OWN_WORDS = {
    "nl": {
        "de",
        "het",
        "een",
        "van",
        "niet",
        "voor",
        "zijn",
        "wordt",
        "worden",
        "naar",
        "bij",
        "ook",
        "geen",
        "deze",
        "dit",
        "hier",
        "nog",
        "uit",
        "wat",
        "wie",
        "hoe",
        "waar",
        "kies",
        "alle",
        "maar",
        "tot",
        "over",
        "heeft",
    },
    "en": {
        "the",
        "of",
        "and",
        "not",
        "for",
        "with",
        "this",
        "these",
        "here",
        "yet",
        "which",
        "what",
        "who",
        "how",
        "where",
        "choose",
        "all",
        "but",
        "has",
        "have",
        "been",
        "is",
        "are",
        "from",
        "into",
        "no",
        "only",
    },
}
WORD = re.compile(r"[A-Za-zÀ-ÿ]+")


@dataclass(frozen=True)
class Said:
    """One visible text and the language it is marked in."""

    text: str
    lang: str
    where: str  # the element (tag#id.class) or the chart part it came from
    row: str = ""  # the text of its table row or list item: a code next to its name is name + code


def _pairs() -> Iterator[tuple[str, str, str]]:
    """(internal name, Dutch, English) of every word table the interface has."""
    for key, pair in i18n.TEXT.items():
        yield key, pair.get("nl", ""), pair.get("en", "")
    tables = [getattr(labels, n) for n in dir(labels) if n.isupper() and isinstance(getattr(labels, n), dict)]
    tables += [getattr(wording, n) for n in dir(wording) if n.isupper() and isinstance(getattr(wording, n), dict)]
    for table in tables:
        for key, value in table.items():
            if isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, str) for v in value):
                yield str(key), value[0], value[1]
            elif isinstance(value, dict):  # nested: values per dimension
                for inner, pair in value.items():
                    if isinstance(pair, tuple) and len(pair) == 2:
                        yield str(inner), pair[0], pair[1]


@functools.cache
def codes(lang: str) -> frozenset[str]:
    """Internal names whose label in ``lang`` is another text: seen bare on a page in ``lang``, they are a leak."""
    index = LANGS.index(lang)
    labelled, itself = set(), set()
    for key, *pair in _pairs():
        if key and re.fullmatch(r"[a-z][a-z0-9_-]*", key) and pair[index]:
            (itself if pair[index].strip().lower() == key else labelled).add(key)
    words = {pair[index].strip().lower() for _, *pair in _pairs()}  # "kind" is a Dutch label (child) too
    return frozenset(labelled - itself - words)  # "within" is the English label of a direction: no leak in English


@functools.cache
def phrases(lang: str) -> frozenset[str]:
    """The other language's sentences and labels of four or more words that ``lang`` never writes itself."""
    index = LANGS.index(lang)
    own = {pair[index] for _, *pair in _pairs()}
    other = {pair[1 - index] for _, *pair in _pairs()}
    return frozenset(p for p in other - own if len(WORD.findall(p)) >= 4)


@functools.cache
def words_of_the_other(lang: str) -> frozenset[str]:
    """Whole labels of the other language (``Jaar``, ``Aantal`` on an English page) that ``lang`` never uses."""
    index = LANGS.index(lang)
    own = {pair[index].strip() for _, *pair in _pairs()}
    return frozenset(p[1 - index].strip() for _, *p in _pairs() if p[1 - index].strip() not in own and p[1 - index])


def _where(element: lxml.html.HtmlElement) -> str:
    name = element.tag if isinstance(element.tag, str) else "?"
    if element.get("id"):
        name += f"#{element.get('id')}"
    if element.get("class"):
        name += "." + ".".join(element.get("class").split())
    return name


def _lang_of(element: lxml.html.HtmlElement, page: str) -> str:
    for node in [element, *element.iterancestors()]:
        if node.get("lang"):
            return node.get("lang").split("-")[0]
    return page


def _row(element: lxml.html.HtmlElement) -> str:
    for node in [element, *element.iterancestors()]:
        if node.tag in ("tr", "li", "option", "p", "dd", "figcaption", "caption", "label"):
            return " ".join(node.text_content().split())
    return ""


def _silent(element: lxml.html.HtmlElement) -> bool:
    return any(isinstance(n.tag, str) and n.tag in SILENT for n in [element, *element.iterancestors()])


def said(html: str, page: str) -> list[Said]:
    """Every visible text of a page (in ``<body>``), the texts its charts draw, and the alternative texts."""
    tree = lxml.html.fromstring(html)
    out: list[Said] = []
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        if element.tag == "script" and element.get("type") == "application/json":
            out += [Said(t, _lang_of(element, page), f"chart {element.get('id')}") for t in chart_texts(element.text)]
            continue
        if _silent(element):
            continue
        lang = _lang_of(element, page)
        for attribute in ("alt", "title", "placeholder", "aria-label"):
            if element.get(attribute):
                out.append(Said(element.get(attribute).strip(), lang, f"{_where(element)}@{attribute}"))
        if element.text and element.text.strip():
            out.append(Said(" ".join(element.text.split()), lang, _where(element), _row(element)))
        parent = element.getparent()
        if element.tail and element.tail.strip() and parent is not None and not _silent(parent):
            out.append(Said(" ".join(element.tail.split()), _lang_of(parent, page), _where(parent), _row(parent)))
    return out


def chart_texts(document: str | None) -> list[str]:
    """What a plotly figure writes on the screen: titles, axis titles, legend names, tick labels, category values,
    annotations and the literal parts of hover templates."""
    if not document:
        return []
    try:
        figure = json.loads(document)
    except json.JSONDecodeError:
        return []
    found: list[str] = []

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict | list) or key in {"x", "y", "ticktext", "labels", "text", "locations"}:
                    walk(item, key)
        elif isinstance(value, str) and key in {"text", "name", "x", "y", "ticktext", "labels", "hovertemplate"}:
            text = re.sub(r"%\{[^}]*\}|<[^>]+>", " ", value) if key == "hovertemplate" else value
            if text.strip():
                found.append(" ".join(text.split()))

    walk(figure)
    return found


def bare_codes(texts: list[Said], lang: str, names: dict[str, str]) -> list[Said]:
    """Texts that are nothing but an internal name with a label in ``lang``, an area code whose name (``names``) is
    not in the same row or item, or a special area code (``ZZ_BUITENLAND``)."""
    internal = codes(lang)

    def bare(s: Said) -> bool:
        if s.text in internal or SPECIAL.match(s.text):
            return True
        return bool(AREA.match(s.text)) and names.get(s.text, "\0") not in s.row

    return [s for s in texts if bare(s)]


def other_language(texts: list[Said], lang: str) -> list[Said]:
    """Texts in the other language where the page (or the element's own ``lang``) says ``lang``: one of the other
    language's phrases, or a line of its function words without any of ``lang``'s."""
    found = []
    known = {lang_: phrases(lang_) for lang_ in LANGS}
    for s in texts:
        marked = s.lang if s.lang in LANGS else lang
        other = LANGS[1 - LANGS.index(marked)]
        words = [w.lower() for w in WORD.findall(s.text)]
        foreign = sum(w in OWN_WORDS[other] and w not in OWN_WORDS[marked] for w in words)
        own = sum(w in OWN_WORDS[marked] and w not in OWN_WORDS[other] for w in words)
        long_enough = len(words) >= 4
        label = s.text in words_of_the_other(marked)
        if label or (foreign >= 3 and own == 0) or (long_enough and any(p in s.text for p in known[marked])):
            found.append(s)
    return found
