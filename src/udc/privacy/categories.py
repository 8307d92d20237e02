"""The categories of a gate table's dimension: its declared domain, never the values a selection happens to hold.

A category list is an output too. Listing the ages observed among "everyone aged 99 or more" named the region's one
106-year-old; with a per-cell status it named her buurt and year. So the categories of a dimension come, in order:

1. from a **declared** domain: a derived dimension's bands (``leeftijd``: 0-14 … 65+; ``leeftijd5``: 0-4 … 95+,
   open at the top), yes/no columns, the microdata contract's value domains (``role``, ``student``,
   ``household_type`` …);
2. for **area codes** (buurt, wijk, gemeente): the area registry's codes of that kind within the municipalities the
   dataset covers (every buurt is listed, inhabited or not in the selection); without a registry, the codes the
   whole dataset holds — an area where somebody lives says nothing about a person;
3. otherwise from the **whole** dataset, where every category must be held by at least ``min_count`` units (the
   threshold): a rare value would be a fact about one person. Rare text values (a trigger "widowed" of one mover,
   a foreign municipality two people moved to) are counted together as ``overig``; a number with rare values (an
   age of 106, a household of 12) is refused with the advice to ask for a declared band (``leeftijd5``: 95+).

Filters never narrow a list to what the selection holds: a filter on the dimension itself keeps the domain's
categories it names (``values``), starts with (``prefix``) or lies between (``between``) — a function of the request
and the domain only. Every listed category is a row of the full cross-product, however empty.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from udc.areas import registry
from udc.errors import Forbidden
from udc.privacy import engine
from udc.privacy.dimensions import DERIVED, DOMAINS
from udc.privacy.policy import Policy
from udc.privacy.request import Compiled, Filter, _literal
from udc.store.db import Store

_AREA = re.compile(r"^(BU\d{8}|WK\d{6}|GM\d{4})$")
_KINDS = {"BU": 10, "WK": 8, "GM": 6}
OTHER = "overig"  # rare text values of an undeclared dimension, counted together
# Declared cut points of numbers with rare values (ad-hoc filters only there): the five-year bands and the ages policy
# uses — school (4, 12), adulthood (18), youth care up to 23, student finance to 27, the state pension (67).
CUTS: dict[str, frozenset[int]] = {"age": frozenset({*range(0, 100, 5), 4, 12, 18, 23, 27, 67})}
OPEN_TOP = 120  # a range up to here or beyond takes everyone above its start


class RareCategory(Forbidden):
    """A dimension without a declared domain has a category too rare to list (it would describe a person)."""


def declared(compiled: Compiled, dimension: str) -> list[str] | None:
    """The declared categories of a dimension, or None when it has none (then the data must vouch for them)."""
    derived = DERIVED.get(dimension)
    if derived is not None and dimension not in compiled.columns:
        return list(derived.categories) if derived.categories else None
    dtype = compiled.base[dimension].type()
    if dtype.is_boolean():
        return ["false", "true"]
    if dimension in DOMAINS:
        return sorted(DOMAINS[dimension])
    return None


def domain(store: Store, compiled: Compiled, table: str, dimension: str, policy: Policy) -> list[str]:
    """The categories of ``dimension`` for a request: its domain (above), narrowed only by the request's own filters
    on that dimension. Rare text values are recoded to ``overig`` in ``compiled`` (:attr:`Compiled.lumped`); a
    number with rare values raises :class:`RareCategory`."""
    found = declared(compiled, dimension)
    rare: list[str] = []
    if found is None:
        found, rare = _from_data(store, compiled, table, dimension, policy)
    if rare:
        compiled.lumped[dimension] = rare
    for f in [f for f in compiled.request.filters if f.column == dimension]:
        keeps = _keeper(compiled, f)
        kept_rare = any(keeps(r) for r in rare)
        found = [c for c in found if keeps(c) or (c == OTHER and kept_rare)]
    return sorted(found)


def _from_data(
    store: Store, compiled: Compiled, table: str, dimension: str, policy: Policy
) -> tuple[list[str], list[str]]:
    """Categories of the whole dataset (no filter applied) and its rare text values: area codes as the registry knows
    them, other values when each is held by at least ``min_count`` units (rare text values → ``overig``)."""
    values = _counts(store, compiled, table, dimension, policy)
    areas = [v for v in values if _AREA.match(v)]
    listed = _registry(store, areas) if areas else []
    known = set(listed)
    others = {v: n for v, n in values.items() if v not in known}  # codes the registry does not know: as text
    rare = sorted(v for v, n in others.items() if n < policy.min_count)
    if rare and not compiled.base[dimension].type().is_string():
        raise RareCategory(
            f"dimension '{dimension}' has {len(rare)} value(s) held by fewer than {policy.min_count} units in the "
            f"whole dataset: listing them would describe people; ask for a declared band instead "
            f"({', '.join(_bands(compiled)) or 'a coarser column'})"
        )
    common = {v for v in others if v not in rare}
    return sorted({*listed, *common, *([OTHER] if rare else [])}), rare


def _counts(store: Store, compiled: Compiled, table: str, dimension: str, policy: Policy) -> dict[str, int]:
    """Units per value of a column over the whole dataset, counted once per request (a filter column that is also a
    dimension is checked and listed from the same count)."""
    if dimension not in compiled.whole:
        t = compiled.base

        def count() -> dict[str, int]:
            counted = t.group_by(v=t[dimension].cast("string")).aggregate(n=t.count())
            frame = engine.run(store, counted.filter(counted.v.notnull()), table, policy.query_seconds)
            return dict(zip(frame["v"].astype(str), frame["n"].astype(int), strict=True))

        compiled.whole[dimension] = engine.whole(store, table, f"counts:{dimension}", count)
    return compiled.whole[dimension]


def _registry(store: Store, observed: list[str]) -> list[str]:
    """The registry's codes of the observed kinds within the municipalities the observed codes lie in (every
    version). A code the registry does not know is not listed on its own: it is a value like any other (listed when
    common, else counted as ``overig``) — one mover to an unregistered municipality is not a category."""
    kinds = sorted({v[:2] for v in observed})
    municipalities = sorted({v[2:6] for v in observed})
    found = registry.codes_in_municipalities(store, kinds, municipalities)
    return sorted(c for c in found if len(c) == _KINDS.get(c[:2], 0))


def check_filter(store: Store, compiled: Compiled, table: str, f: Filter, policy: Policy) -> None:
    """An ad-hoc filter may narrow only along categories the gate could list: a column with a declared domain or no
    rare value, or a number with rare values (an age, a birth weight) cut at its declared cut points. A filter that
    slides over a number's rare values (``birth_weight`` between 0 and W, W searched) would select one person by
    value, and two such tables one buurt apart tell whether that person is in it."""
    if declared(compiled, f.column) is not None:
        return
    try:
        _from_data(store, compiled, table, f.column, policy)
    except RareCategory:
        cuts = CUTS.get(f.column)
        if f.between is not None and cuts is not None and _on_cuts(f.between, cuts):
            return
        where = f"at its cut points ({', '.join(map(str, sorted(cuts)))}; open: ≥ {OPEN_TOP})" if cuts else "at all"
        raise RareCategory(
            f"filter on '{f.column}': a number with rare values is filtered only by a declared band "
            f"({', '.join(_bands(compiled)) or 'none for this dataset'}) or {where}"
        ) from None


def _on_cuts(between: tuple[float, float], cuts: frozenset[int]) -> bool:
    """Both ends of a range on declared cut points: from a cut (or from below zero), up to just before one (or to
    the open top, everyone above)."""
    low, high = between
    return (low <= 0 or low in cuts) and (high >= OPEN_TOP or high + 1 in cuts)


def _bands(compiled: Compiled) -> list[str]:
    """The declared bands this dataset offers (named in a refusal, so the caller knows what to ask instead)."""
    return [d.name for d in DERIVED.values() if d.categories and all(n in compiled.columns for n in d.needs)]


def _keeper(compiled: Compiled, f: Filter) -> Callable[[str], bool]:
    """Whether a category passes a filter on its own dimension (the filter's values typed like the column). Built
    once per filter: a filter listing every buurt, checked against every category, was quadratic."""
    if f.prefix is not None:
        prefix = f.prefix
        return lambda category: category.startswith(prefix)
    if f.between is not None:
        low, high = f.between

        def within(category: str) -> bool:
            try:
                return low <= float(category) <= high
            except ValueError:
                return False

        return within
    dtype = compiled.base[f.column].type()
    wanted = {_text(_literal(f.column, v, dtype)) for v in f.values or []}
    return wanted.__contains__


def _text(value: object) -> str:
    """A typed filter value as the gate's category text (booleans as SQL casts them)."""
    return str(value).lower() if isinstance(value, bool) else str(value)
