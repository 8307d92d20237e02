"""Match area *names* to codes through the registry: exact, then normalised, then aliases, then CBS's province
suffix left off, then a former municipality's successor — otherwise only suggestions.

Municipal spreadsheets (and StatLine exports like Heerlen's key figures) name wijken and buurten instead of
coding them. A name is matched to the areas valid in the right year; an ambiguous or unknown name is reported
with suggestions and never guessed. Common municipality names that differ from CBS's official ones (Den Haag,
Den Bosch, Friesian and Dutch forms) are in ``data/municipality_aliases.csv``; a user alias file adds more.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from udc.areas import registry
from udc.areas.registry import descendants, jan1, list_areas
from udc.errors import InputError
from udc.store.db import Store

# CBS's province suffixes: "Beek (L.)", "Laren (NH.)", "Middelburg (Z.)", "Rijswijk (ZH.)", "Hengelo (O.)"
_SUFFIX = re.compile(r"\s+(l|nh|zh|z|o|u|gld|gl|fr|nb|dr|gr|lb|ov|ut|zl)$")


def aliases(path: Path | None = None) -> dict[str, str]:
    """Normalised alias → official name: the built-in list, plus (overriding it) a user file ``alias;name``."""
    text = resources.files("udc.sources").joinpath("data/municipality_aliases.csv").read_text(encoding="utf-8")
    pairs = [line.split(";", 1) for line in text.splitlines()[1:] if ";" in line]
    if path is not None:
        if not path.exists():
            raise InputError("alias file not found", file=str(path))
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        for number, line in enumerate(lines[1:], start=2):
            if line.strip() and ";" not in line:
                raise InputError("expected 'alias;name'", file=str(path), row=number)
            if line.strip():
                pairs.append(line.split(";", 1))
    return {normalise_name(a): n.strip() for a, n in pairs}


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
    empty_kinds: list[str] = field(default_factory=list)  # kinds asked for with no area at all (within the scope)

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
    store: Store,
    names: list[str],
    year: int,
    *,
    kinds: list[str] | None = None,
    within: str | None = None,
    alias_file: Path | None = None,
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
    base: dict[str, list[str]] = {}
    for r in rows:
        exact.setdefault(r["name"], []).append(r["code"])
        loose.setdefault(normalise_name(r["name"]), []).append(r["code"])
        if r["kind"] == "GM":
            base.setdefault(_SUFFIX.sub("", normalise_name(r["name"])), []).append(r["code"])
    alias = aliases(alias_file)
    gone = not kinds or "GM" in kinds
    matches = []
    for name in names:
        key = name.strip()
        if len(exact.get(key, [])) == 1:
            matches.append(NameMatch(name, exact[key][0], "exact"))
            continue
        loose_key = normalise_name(key)
        official = alias.get(loose_key)
        tries = [
            ("normalised", exact.get(key) or loose.get(loose_key, [])),
            ("alias", loose.get(normalise_name(official), []) if official else []),
            ("without province suffix", base.get(loose_key, [])),
            ("former municipality", _successors(store, versions, loose_key, year) if gone else []),
        ]
        how, codes = next(((h, c) for h, c in tries if c), ("unmatched", []))
        if len(set(codes)) == 1:
            matches.append(NameMatch(name, codes[0], how))
        elif codes:
            matches.append(NameMatch(name, None, "ambiguous", sorted(set(codes))))
        else:
            close = difflib.get_close_matches(loose_key, list(loose), n=3, cutoff=0.75)
            hints = (_gone(versions, loose_key, year) if gone else []) + [f"{c} ({', '.join(loose[c])})" for c in close]
            matches.append(NameMatch(name, None, "unmatched", hints))
    empty = sorted(set(kinds) - {r["kind"] for r in rows}) if kinds else []  # asked for, and none exists
    return NameReport(year, used, matches, empty)


def _successors(store: Store, versions: list[dict], key: str, year: int) -> list[str]:
    """The municipality (or municipalities) a former municipality called ``key`` went into by ``year``, through
    the registry's boundary changes (Helden → Peel en Maas)."""
    from udc.areas.crosswalk import crosswalk
    from udc.errors import UdcError

    on = jan1(year)
    ended = [
        r
        for r in versions
        if r["kind"] == "GM" and r["valid_to"] is not None and r["valid_to"] <= on and normalise_name(r["name"]) == key
    ]
    found: list[str] = []
    for r in ended:
        try:
            links = crosswalk(store, r["valid_to"].year - 1, year)
        except UdcError:
            continue
        found += [x.to_code for x in links if x.from_code == r["code"] and x.share > 0]
    valid = {
        r["code"]
        for r in versions
        if r["kind"] == "GM" and r["valid_from"] <= on and (r["valid_to"] is None or r["valid_to"] > on)
    }
    return [code for code in found if code in valid]  # a code that simply ends is no successor


def _gone(versions: list[dict], key: str, year: int) -> list[str]:
    """'GM0918 until 2010' for municipalities of this name that ended before ``year`` (a hint, not a match)."""
    on = jan1(year)
    return [
        f"{r['code']} (a municipality until {r['valid_to'].year}; its successor is not in the registry's "
        "changes: --aliases can name it)"
        for r in versions
        if r["kind"] == "GM" and r["valid_to"] is not None and r["valid_to"] <= on and normalise_name(r["name"]) == key
    ]
