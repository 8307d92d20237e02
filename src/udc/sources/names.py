"""Match area *names* to codes through the registry: exact, then normalised, then only suggestions.

Municipal spreadsheets (and StatLine exports like Heerlen's key figures) name wijken and buurten instead of
coding them. A name is matched to the areas valid in the right year; an ambiguous or unknown name is reported
with suggestions and never guessed.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field

from udc.areas import registry
from udc.areas.registry import descendants, jan1, list_areas
from udc.store.db import Store


def normalise_name(name: str) -> str:
    """Lower case, accents off, punctuation and 'wijk NN' prefixes and extra spaces gone."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[\s\-_/.,'()]+", " ", text).strip()
    return re.sub(r"^(wijk|buurt)\s+\d+\s+", "", text)


@dataclass
class NameMatch:
    name: str
    code: str | None
    how: str  # exact, normalised, ambiguous, unmatched
    suggestions: list[str] = field(default_factory=list)


@dataclass
class NameReport:
    year: int
    candidates_year: int
    matches: list[NameMatch]

    @property
    def unmatched(self) -> list[NameMatch]:
        return [m for m in self.matches if m.code is None]

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for m in self.matches:
            counts[m.how] = counts.get(m.how, 0) + 1
        parts = ", ".join(f"{n} {how}" for how, n in sorted(counts.items()))
        note = f" (names of {self.candidates_year})" if self.candidates_year != self.year else ""
        return f"{len(self.matches)} names matched against {self.year}{note}: {parts}"


def _candidates(versions: list[dict], year: int, kinds: list[str] | set[str] | None) -> list[dict]:
    """The area versions valid on 1 January of ``year`` (of ``kinds``), from all versions read once."""
    on = jan1(year)
    return [
        {"code": r["code"], "kind": r["kind"], "name": r["name"]}
        for r in versions
        if r["valid_from"] <= on and (r["valid_to"] is None or r["valid_to"] > on) and (not kinds or r["kind"] in kinds)
    ]


def match_names(
    store: Store, names: list[str], year: int, *, kinds: list[str] | None = None, within: str | None = None
) -> NameReport:
    """Codes for ``names``. Kinds the registry lacks in ``year`` (buurten drawn for 2022 only, say) are taken
    from the nearest year that has them, and the report says which year's names were used."""
    used = year
    versions = list_areas(store)
    if within:
        allowed = descendants(store, within) | {within}
        versions = [r for r in versions if r["code"] in allowed]
    rows = _candidates(versions, year, kinds)
    present = {r["kind"] for r in rows}
    wanted = set(kinds) if kinds else registry.kinds(store)
    years = registry.version_years(store)
    for kind in sorted(wanted - present):
        for y in sorted(years, key=lambda y: (abs(y - year), -y)):
            extra = _candidates(versions, y, [kind])
            if extra:
                rows += extra
                used = y
                break
    exact: dict[str, list[str]] = {}
    loose: dict[str, list[str]] = {}
    for r in rows:
        exact.setdefault(r["name"], []).append(r["code"])
        loose.setdefault(normalise_name(r["name"]), []).append(r["code"])
    matches = []
    for name in names:
        key = name.strip()
        if len(exact.get(key, [])) == 1:
            matches.append(NameMatch(name, exact[key][0], "exact"))
            continue
        codes = exact.get(key) or loose.get(normalise_name(key), [])
        if len(codes) == 1:
            matches.append(NameMatch(name, codes[0], "normalised"))
        elif len(codes) > 1:
            matches.append(NameMatch(name, None, "ambiguous", sorted(codes)))
        else:
            close = difflib.get_close_matches(normalise_name(key), list(loose), n=3, cutoff=0.75)
            matches.append(NameMatch(name, None, "unmatched", [f"{c} ({', '.join(loose[c])})" for c in close]))
    return NameReport(year, used, matches)
