"""Parse the boundary changes CBS spells out in its region-code descriptions.

CBS writes every merger into the description of the codes involved, for example::

    Ontstaan per 01-01-2019, ontvangen van:
    - Nuth (GM0951),
    ... 3310 hectare met 7018 woningen en 15187 inwoners

Both sides describe the same transfer (the new area says "ontvangen van", the old one "overgegaan naar"),
so :func:`deduplicate` keeps one record per (date, from, to). A "Naamswijziging" with a new code is a
full transfer without figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from udc.errors import InputError

_HEADER = re.compile(
    r"^(?P<what>Ontstaan|Gemeentelijke herindeling|Grenswijziging|Opgeheven)\s+per\s+"
    r"(?P<date>\d{2}-\d{2}-\d{4}),?\s*(?P<dir>ontvangen van|uit|overgegaan naar)\s*:?\s*$",
    re.IGNORECASE,
)
_RENAME = re.compile(r"^Naamswijziging per (?P<date>\d{2}-\d{2}-\d{4})", re.IGNORECASE)
_OLD_NAME = re.compile(r"^oude naam:\s*(?P<name>.+?)\s*\((?P<code>[A-Z]{2}\d{2,8})\)", re.IGNORECASE)
_ITEM = re.compile(r"^-\s*(?P<name>.+?)\s*\((?P<code>[A-Z]{2}\d{2,8})\)\s*,?\s*$")
_FIGURES = re.compile(
    r"^\.\.\.\s*(?P<ha>\d+)\s+hectare met\s+(?P<won>\d+)\s+woning(?:en)?\s+en\s+(?P<inw>\d+)\s+inwoners?",
    re.IGNORECASE,
)
_BEGIN = re.compile(r"^Begindatum\s+(?P<date>\d{2}-\d{2}-\d{4}|voor \d{4})", re.IGNORECASE)

KIND_BY_HEADER = {
    "ontstaan": "merge",
    "gemeentelijke herindeling": "merge",
    "grenswijziging": "boundary",
    "opgeheven": "dissolve",
}


@dataclass(frozen=True)
class Change:
    """A part of ``from_code`` that became part of ``to_code`` on ``date`` (from == to: the part that stayed)."""

    date: date
    from_code: str
    to_code: str
    kind: str
    hectare: float | None = None
    woningen: float | None = None
    inwoners: float | None = None

    def weight(self, by: str) -> float | None:
        return {"inwoners": self.inwoners, "woningen": self.woningen, "hectare": self.hectare}[by]


def _date(text: str) -> date:
    day, month, year = (int(p) for p in text.split("-"))
    return date(year, month, day)


def parse_description(code: str, text: str | None, *, file: str | None = None) -> list[Change]:
    """All changes described for one area code. Unrecognised prose (CBS explanations) is ignored."""
    changes: list[Change] = []
    if not text:
        return changes
    lines = [line.strip() for line in text.splitlines()]
    i = 0
    while i < len(lines):
        line = lines[i]
        header = _HEADER.match(line)
        rename = _RENAME.match(line)
        if header:
            kind = KIND_BY_HEADER[header["what"].lower()]
            when = _date(header["date"])
            outgoing = header["dir"].lower() == "overgegaan naar"
            i += 1
            while i < len(lines) and (item := _ITEM.match(lines[i])):
                figures = _FIGURES.match(lines[i + 1]) if i + 1 < len(lines) else None
                if figures is None:
                    raise InputError(
                        f"change of {item['code']} on {when:%d-%m-%Y} has no '... N hectare met N woningen "
                        f"en N inwoners' line",
                        file=file,
                        row=code,
                        field="Description",
                    )
                other = item["code"]
                changes.append(
                    Change(
                        date=when,
                        from_code=code if outgoing else other,
                        to_code=other if outgoing else code,
                        kind=kind,
                        hectare=float(figures["ha"]),
                        woningen=float(figures["won"]),
                        inwoners=float(figures["inw"]),
                    )
                )
                i += 2
            continue
        if rename:
            when = _date(rename["date"])
            for follow in lines[i + 1 : i + 3]:
                old = _OLD_NAME.match(follow)
                if old and old["code"] != code:
                    changes.append(Change(date=when, from_code=old["code"], to_code=code, kind="rename"))
        i += 1
    return changes


def begin_date(text: str | None) -> date | None:
    """The 'Begindatum' CBS gives; None for 'voor 1830' or when absent."""
    for line in (text or "").splitlines():
        found = _BEGIN.match(line.strip())
        if found and not found["date"].startswith("voor"):
            return _date(found["date"])
    return None


def deduplicate(changes: list[Change]) -> list[Change]:
    """One record per (date, from, to). Both sides carry the same figures in CBS data; the label of the
    stronger event wins (a dissolution seen from the receiver reads as a boundary change)."""
    rank = {"dissolve": 3, "merge": 2, "rename": 1, "boundary": 0}
    merged: dict[tuple[date, str, str], Change] = {}
    for change in changes:
        key = (change.date, change.from_code, change.to_code)
        known = merged.get(key)
        if known is None:
            merged[key] = change
            continue
        best = change if change.inwoners is not None and known.inwoners is None else known
        kind = max(known.kind, change.kind, key=rank.__getitem__)
        merged[key] = Change(**{**best.__dict__, "kind": kind})
    return sorted(merged.values(), key=lambda c: (c.date, c.to_code, c.from_code))
