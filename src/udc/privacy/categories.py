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

from udc.areas import registry
from udc.errors import Forbidden
from udc.privacy import engine
from udc.privacy.dimensions import DERIVED
from udc.privacy.policy import Policy
from udc.privacy.request import Compiled, Filter, _literal
from udc.sources.contract import CONTRACT
from udc.store.db import Store

# Contract field → its declared values (fields of the same name mean the same thing in every contract table).
DECLARED: dict[str, tuple[str, ...]] = {f.name: f.domain for t in CONTRACT.values() for f in t.fields if f.domain}
_AREA = re.compile(r"^(BU\d{8}|WK\d{6}|GM\d{4})$")
_KINDS = {"BU": 10, "WK": 8, "GM": 6}
OTHER = "overig"  # rare text values of an undeclared dimension, counted together


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
    if dimension in DECLARED:
        return sorted(DECLARED[dimension])
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
        kept_rare = any(_keeps(compiled, f, r) for r in rare)
        found = [c for c in found if _keeps(compiled, f, c) or (c == OTHER and kept_rare)]
    return sorted(found)


def _from_data(
    store: Store, compiled: Compiled, table: str, dimension: str, policy: Policy
) -> tuple[list[str], list[str]]:
    """Categories of the whole dataset (no filter applied) and its rare text values: area codes as the registry knows
    them, other values when each is held by at least ``min_count`` units (rare text values → ``overig``)."""
    t = compiled.base
    counted = t.group_by(v=t[dimension].cast("string")).aggregate(n=t.count())
    counted = counted.filter(counted.v.notnull())
    frame = engine.run(store, counted, table, policy.query_seconds)
    values = dict(zip(frame["v"].astype(str), frame["n"].astype(int), strict=True))
    areas = [v for v in values if _AREA.match(v)]
    if areas:
        listed = _registry(store, areas)
        others = {v: n for v, n in values.items() if not _AREA.match(v)}
    else:
        listed, others = [], values
    rare = sorted(v for v, n in others.items() if n < policy.min_count)
    if rare and not compiled.base[dimension].type().is_string():
        raise RareCategory(
            f"dimension '{dimension}' has {len(rare)} value(s) held by fewer than {policy.min_count} units in the "
            f"whole dataset: listing them would describe people; ask for a declared band instead "
            f"({', '.join(_bands(compiled)) or 'a coarser column'})"
        )
    common = {v for v in others if v not in rare}
    return sorted({*listed, *common, *([OTHER] if rare else [])}), rare


def _registry(store: Store, observed: list[str]) -> list[str]:
    """The registry's codes of the observed kinds within the municipalities the observed codes lie in (every version),
    plus observed codes the registry does not know (a store without a registry lists what the dataset holds)."""
    kinds = sorted({v[:2] for v in observed})
    municipalities = sorted({v[2:6] for v in observed})
    found = registry.codes_in_municipalities(store, kinds, municipalities)
    known = {c for c in found if len(c) == _KINDS.get(c[:2], 0)}
    return sorted(known | set(observed))


def _bands(compiled: Compiled) -> list[str]:
    """The declared bands this dataset offers (named in a refusal, so the caller knows what to ask instead)."""
    return [d.name for d in DERIVED.values() if d.categories and all(n in compiled.columns for n in d.needs)]


def _keeps(compiled: Compiled, f: Filter, category: str) -> bool:
    """Whether a category passes a filter on its own dimension (the filter's values typed like the column)."""
    if f.prefix is not None:
        return category.startswith(f.prefix)
    if f.between is not None:
        try:
            return f.between[0] <= float(category) <= f.between[1]
        except ValueError:
            return False
    dtype = compiled.base[f.column].type()
    wanted = {_text(_literal(f.column, v, dtype)) for v in f.values or []}
    return category in wanted


def _text(value: object) -> str:
    """A typed filter value as the gate's category text (booleans as SQL casts them)."""
    return str(value).lower() if isinstance(value, bool) else str(value)

