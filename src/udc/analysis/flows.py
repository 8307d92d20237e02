"""Verhuisstromen: where people who come to live in a municipality or region come from, where leavers go.

The engine is Ibis over the store (DuckDB here, Spark later): one enriched *moves* table is built from the register
(events + yearly snapshots + persons) — no Python loop over moves — and catalogued as microdata. Every number
then leaves through the disclosure gate with the cell-key method, so the same flow asked through different views
gets the same protected value.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from udc.areas import registry
from udc.areas.codes import gemeente_expr, wijk_expr
from udc.errors import UdcError
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.cube import Condition, Cube, one
from udc.privacy.dimensions import DOMAINS
from udc.privacy.gate import Protected, release
from udc.privacy.request import Filter, predicate
from udc.sources import contract
from udc.store import catalogue
from udc.store.db import Store

MOVES = "flows_moves"
RESIDENTS = "flows_residents"
VIEWS = ("balance", "destinations", "origins", "od", "triggers", "trend")
# Target groups at the moment of measurement: fixed typed conditions (all must hold) over the moves table, chosen by
# name — callers pick a group, they never write its condition; compiled by Ibis for DuckDB or Spark.
_ADULT = Filter(column="age", between=(18, 150))
GROUPS: Mapping[str, tuple[Filter, ...]] = MappingProxyType(
    {
        "all": (),
        "adults": (_ADULT,),
        "young-families": (
            Filter(column="age", between=(18, 45)),
            Filter(column="household_type", values=["couple_with_children", "single_parent"]),
            Filter(column="role", values=["reference", "partner"]),
        ),
        "middle-income": (_ADULT, Filter(column="income_class", values=["middle"])),
        "students": (Filter(column="age", between=(16, 150)), Filter(column="student", values=["mbo", "hbo", "wo"])),
        "seniors": (Filter(column="age", between=(65, 150)),),
    }
)
_BITS = MappingProxyType({g: 1 << i for i, g in enumerate(GROUPS)})  # a row's groups as bits of one integer


def _mask(groups: list[str]) -> Callable[[ir.Table], ir.Value]:
    """The groups a row belongs to as bits (:data:`_BITS`), an Ibis expression."""

    def mask(t: ir.Table) -> ir.Value:
        total: ir.Value = ibis.literal(0, type="int64")
        for g in groups:
            held = functools.reduce(operator.and_, [predicate(t, f) for f in GROUPS[g]], ibis.literal(True))
            total = total + ibis.ifelse(held, _BITS[g], 0)
        return total

    return mask


# the detail dimensions whose withheld cells a study does not list unless asked (see study's ``tails``)
TAILS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"destinations": ("other_gm",), "origins": ("other_gm",), "od": ("from_gm", "to_gm")}
)
DIRECTIONS = ("in", "out", "within")
CLASSES = (
    "same_municipality",
    "neighbour",
    "rest_of_region",
    "rest_of_province",
    "rest_of_country",
    "germany",
    "belgium",
    "abroad",
)
# Foreign areas by country (German Gemeinden DE_…, Belgian BE_…): over the border, not one "abroad" with Spain.
COUNTRY_CLASSES = {"DE_": "germany", "BE_": "belgium"}


@dataclass
class FlowTable:
    """One flow table: from microdata ``table`` is the gate's protected table; from aggregated open data
    (81734NED-shaped) there is no gate table and ``open_cells`` holds the published figures."""

    view: str
    area: str
    years: tuple[int, int]
    group: str
    table: Protected | None
    notes: list[str] = field(default_factory=list)
    open_cells: pd.DataFrame | None = None

    @property
    def frame(self) -> pd.DataFrame:
        return self.table.cells if self.table is not None else self.open_cells  # type: ignore[return-value]

    @property
    def method(self) -> str:
        return self.table.method if self.table is not None else "open data"


def prepare(
    store: Store,
    *,
    events: str | None = None,
    persons: str | None = None,
    yearly: str | None = None,
    households: str | None = None,
) -> str:
    """Build the enriched moves table (microdata) as one Ibis expression; returns its catalogue name. The inputs
    are the microdata contract's tables (``udc.sources.contract``: events, persons, persons_yearly, households) —
    the demo's, or registers mapped onto the contract — unless named explicitly."""
    events = events or contract.find(store, "events")
    persons = persons or contract.find(store, "persons")
    yearly = yearly or contract.find(store, "persons_yearly")
    households = households or contract.find(store, "households")
    names = {n: catalogue.get(store, n).table_name for n in (events, persons, yearly, households)}
    ev = store.ibis.table(names[events])
    moves = _enriched(store.ibis, ev, names[persons], names[yearly], names[households])
    final = _with_trigger(ev, moves)
    sql = str(ibis.to_sql(final, dialect="duckdb"))
    dataset = catalogue.Dataset(
        name=MOVES,
        title="Verhuizingen met kenmerken op het moment van verhuizen",
        source=f"udc flows: {events}",
        sensitivity="microdata",
        provenance={"events": events, "persons": persons, "yearly": yearly, "households": households, "engine": "ibis"},
    )
    catalogue.save_query(store, dataset, sql, inputs=[events, persons, yearly, households])
    prepare_residents(store, yearly=yearly, households=households)
    return MOVES


_COLUMNS = (
    "person_id",
    "date",
    "year",
    "from_area",
    "to_area",
    "from_gm",
    "to_gm",
    "from_wk",
    "to_wk",
    "age",
    "role",
    "student",
    "household_type",
    "income_class",
    "record_key",
    "household_change",
)


def _enriched(con: Any, ev: ir.Table, persons: str, yearly: str, households: str) -> ir.Table:
    """Each move with the mover's age and group attributes at the moment of measurement: the snapshot of 1 January
    of the move's year, or the next one for people who arrived during the year."""
    person = con.table(persons).select("person_id", "birth_date")
    snap = con.table(yearly).select("year", "person_id", "household_id", "role", "student", "record_key")
    hh = con.table(households).select("year", "household_id", "household_type", "income_class")
    snapshot = snap.join(hh, ["year", "household_id"]).select(
        "year", "person_id", "role", "student", "record_key", "household_type", "income_class"
    )
    moves = ev.filter(ev.event == "move").mutate(year=ev.date.year().cast("int16"))
    at_start = snapshot.rename(lambda c: f"s_{c}")
    after = snapshot.rename(lambda c: f"n_{c}")
    joined = (
        moves.join(person, "person_id")
        .left_join(at_start, (moves.person_id == at_start.s_person_id) & (moves.year == at_start.s_year))
        .left_join(after, (moves.person_id == after.n_person_id) & ((moves.year + 1) == after.n_year))
    )
    return joined.mutate(
        age=((joined.date.epoch_days() - joined.birth_date.epoch_days()) / 365.25).floor().cast("int16"),
        role=joined.s_role.fill_null(joined.n_role).cast("string"),
        student=joined.s_student.fill_null(joined.n_student).cast("string"),
        household_type=joined.s_household_type.fill_null(joined.n_household_type).cast("string"),
        income_class=joined.s_income_class.fill_null(joined.n_income_class).cast("string"),
        record_key=joined.s_record_key.fill_null(joined.n_record_key),
        from_gm=gemeente_expr(joined.from_area.fill_null("ZZ_ONBEKEND")),
        to_gm=gemeente_expr(joined.to_area.fill_null("ZZ_ONBEKEND")),
        from_wk=wijk_expr(joined.from_area),
        to_wk=wijk_expr(joined.to_area),
    ).select(*_COLUMNS)


def _with_trigger(ev: ir.Table, enriched: ir.Table) -> ir.Table:
    """The moves with their trigger: the household change nearest to the move within ±365 days, else ``none``."""
    changes = ev.filter(ev.event == "household_change").select(
        c_person=ev.person_id, c_date=ev.date, c_kind=ev.household_change
    )
    near = enriched.join(changes, enriched.person_id == changes.c_person).filter(
        (enriched.date.epoch_days() - changes.c_date.epoch_days()).abs() <= 365
    )
    trigger = near.group_by(["person_id", "date"]).aggregate(
        trigger=near.c_kind.argmin((near.date.epoch_days() - near.c_date.epoch_days()).abs())
    )
    linked = enriched.left_join(trigger, (enriched.person_id == trigger.person_id) & (enriched.date == trigger.date))
    return linked.select(*[linked[c] for c in enriched.columns], trigger=linked.trigger.fill_null("none"))


def prepare_residents(store: Store, *, yearly: str | None = None, households: str | None = None) -> str:
    """Residents on 1 January per year with the attributes the target groups use — the rates' denominators."""
    yearly = yearly or contract.find(store, "persons_yearly")
    households = households or contract.find(store, "households")
    con = store.ibis
    snap = con.table(catalogue.get(store, yearly).table_name)
    hh = con.table(catalogue.get(store, households).table_name).select(
        "year", "household_id", "household_type", "income_class"
    )
    joined = snap.left_join(hh, ["year", "household_id"])
    final = joined.select(
        year=joined.year.cast("int16"),
        gm=gemeente_expr(joined.buurt_code),
        age=joined.age,
        role=joined.role.cast("string"),
        student=joined.student.cast("string"),
        household_type=joined.household_type.cast("string"),
        income_class=joined.income_class.cast("string"),
        record_key=joined.record_key,
    )
    dataset = catalogue.Dataset(
        name=RESIDENTS,
        title="Inwoners op 1 januari met kenmerken voor de doelgroepen",
        source=f"udc flows: {yearly}",
        sensitivity="microdata",
        provenance={"yearly": yearly, "households": households, "engine": "ibis"},
    )
    snapshot = [catalogue.ColumnInfo("year", "snapshot", "Jaar")]  # one row per resident per year: never summed
    catalogue.save_query(
        store, dataset, str(ibis.to_sql(final, dialect="duckdb")), inputs=[yearly, households], columns=snapshot
    )
    return RESIDENTS


_CODE = re.compile(r"^GM\d{4}$")
_REGION = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


def _key(area: str) -> str:
    """A municipality code (GMxxxx) or a region name, checked: tables and file names carry these."""
    area = area.strip()
    if _CODE.match(area.upper()):
        return area.upper()
    if _REGION.match(area):
        return area
    raise UdcError(f"area '{area[:40]}': expected a municipality code (GM and 4 digits) or a region name")


def _members(store: Store, area: str) -> list[str]:
    key = _key(area)
    if key.startswith("GM") and _CODE.match(key):
        return [key]
    members = registry.region_members(store, key)
    if not members:
        raise UdcError(f"region '{key}' has no members")
    bad = [m for m in members if not _CODE.match(m)]
    if bad:
        raise UdcError(
            f"region '{key}' has members that are not Dutch municipality codes: {', '.join(bad[:5])} — the registers"
            " hold moves to and from places abroad, not their residents; study its Dutch members as a region"
        )
    return members


def _lookup(rows: list[tuple], schema: dict[str, str]) -> ir.Table:
    """A small lookup table (areas, groups, classes) as an in-memory Ibis table: handed to the engine as data,
    never written into a query's text."""
    return ibis.memtable({c: [row[i] for row in rows] for i, c in enumerate(schema)}, schema=schema)


def classes(store: Store, area: str) -> dict[str, str]:
    """Every municipality's class relative to ``area`` (neighbour, rest_of_region, rest_of_province); others are
    rest_of_country (GM codes) or abroad."""
    return {gm: label for _, gm, label in _context(store, {_key(area): _members(store, area)})}


def _context(store: Store, membership: dict[str, list[str]]) -> list[tuple[str, str, str]]:
    """Per area, the class of every other municipality: neighbour (adjacency, latest year), rest of the region(s) the
    area's members belong to, rest of the province; the first that applies wins."""
    pairs = registry.adjacent_pairs(store, "GM")
    regions = registry.all_members(store)
    parents = registry.parents_by_code(store, "GM")
    by_parent: dict[str, set[str]] = {}
    for gm, ps in parents.items():
        for p in ps:
            by_parent.setdefault(p, set()).add(gm)
    out = []
    for area, members in membership.items():
        inside = set(members)
        found: dict[str, str] = {}
        neighbours = {b for a, b in pairs if a in inside} | {a for a, b in pairs if b in inside}
        region = {m for found_in in regions.values() if inside & set(found_in) for m in found_in}
        province = {gm for m in inside for p in parents.get(m, ()) for gm in by_parent.get(p, ())}
        for label, codes in (("neighbour", neighbours), ("rest_of_region", region), ("rest_of_province", province)):
            for gm in sorted(codes - inside):
                found.setdefault(gm, label)
        out += [(area, gm, label) for gm, label in sorted(found.items())]
    return out


@dataclass(frozen=True)
class _Lookups:
    """The study's small tables: each area's member municipalities, the groups asked for (with their bit), and each
    area's class of every other municipality."""

    areas: ir.Table  # area, gm, members
    groups: ir.Table  # group, bit
    context: ir.Table  # c_area, c_gm, c_class

    @classmethod
    def of(cls, store: Store, membership: dict[str, list[str]], groups: list[str]) -> _Lookups:
        rows = [(a, gm, len(ms)) for a, ms in membership.items() for gm in ms]
        return cls(
            _lookup(rows, {"area": "string", "gm": "string", "members": "int64"}),
            _lookup([(g, _BITS[g]) for g in groups], {"group": "string", "bit": "int64"}),
            _lookup(_context(store, membership), {"c_area": "string", "c_gm": "string", "c_class": "string"}),
        )

    def tag(self, cube: ir.Table) -> ir.Table:
        """Counted rows tagged with each area they involve — twice for a move between two areas asked about — with
        ``from_in``/``to_in`` (the move starts/ends inside the area) and the area's number of members."""
        a, inside = self.areas, self.areas.select(in_area=self.areas.area, in_gm=self.areas.gm)
        leaving = cube.join(a, cube.from_gm == a.gm).left_join(
            inside, (inside.in_area == a.area) & (inside.in_gm == cube.to_gm)
        )
        leaving = leaving.select(
            "area", *cube.columns, from_in=ibis.literal(True), to_in=leaving.in_gm.notnull(), members=leaving.members
        )
        entering = cube.join(a, cube.to_gm == a.gm)
        entering = entering.anti_join(inside, (inside.in_area == entering.area) & (inside.in_gm == entering.from_gm))
        entering = entering.select(
            "area", *cube.columns, from_in=ibis.literal(False), to_in=ibis.literal(True), members=entering.members
        )
        return ibis.union(leaving, entering)

    def tag_ends(self, leaving: ir.Table, entering: ir.Table) -> ir.Table:
        """As :meth:`tag`, from counts by one end of the move (``gm``) and the other end as :func:`_other_end`
        gives it: a move leaves each area holding ``gm`` (ending inside when the other end is the same municipality
        or a member of that area) and enters each area holding ``gm`` that does not hold the other end."""
        a, inside = self.areas, self.areas.select(in_area=self.areas.area, in_gm=self.areas.gm)
        kept = ("area", "year", "gmask", "n", "k")
        out = leaving.join(a, "gm").left_join(inside, (inside.in_area == a.area) & (inside.in_gm == leaving.other))
        out = out.select(*kept, from_in=ibis.literal(True), to_in=(out.other == SAME) | out.in_gm.notnull())
        into = entering.join(a, "gm")
        into = into.filter(into.other != SAME).anti_join(
            inside, (inside.in_area == into.area) & (inside.in_gm == into.other)
        )
        into = into.select(*kept, from_in=ibis.literal(False), to_in=ibis.literal(True))
        return ibis.union(out, into)

    def by_group(self, rows: ir.Table) -> ir.Table:
        """Each row once per group asked for that it belongs to (its ``gmask`` has the group's bit)."""
        g = self.groups
        return rows.join(g, (rows.gmask & g.bit) != 0)


def _direction(t: ir.Table) -> ir.StringValue:
    """within (starts and ends inside the area), in, or out."""
    return ibis.cases((t.from_in & t.to_in, "within"), (t.to_in, "in"), else_="out")


def _other(t: ir.Table, context: ir.Table, column: str) -> ir.Table:
    """Rows with the class of the other municipality (``column``): a foreign area's country (Germany, Belgium —
    even where it borders the area), else the area's context, else rest of the country (a GM code) or the rest of
    the world."""
    joined = t.left_join(context, (context.c_area == t.area) & (context.c_gm == t[column]))
    other = joined[column]
    cls = ibis.cases(
        *((other.startswith(prefix), label) for prefix, label in COUNTRY_CLASSES.items()),
        (joined.c_class.notnull(), joined.c_class),
        (other.like("GM%"), "rest_of_country"),
        else_="abroad",
    )
    return joined.select("area", "group", other_class=cls, other_gm=other, n="n", k="k")


def _views(lookups: _Lookups) -> dict[str, tuple[Callable[[ir.Table], ir.Table], list[str]]]:
    """Each view as a relation over the tagged rows joined to their groups (``area``, ``group``, its dimensions,
    ``n``, ``k``) and the dimensions its table is by."""
    adults = _BITS["adults"]
    return {
        "balance": (lambda t: t.select("area", "group", direction=_direction(t), n="n", k="k"), ["direction"]),
        "trend": (
            lambda t: t.select("area", "group", "year", direction=_direction(t), n="n", k="k"),
            ["year", "direction"],
        ),
        "destinations": (
            lambda t: _other(t.filter(t.from_in & ~t.to_in), lookups.context, "to_gm"),
            ["other_class", "other_gm"],
        ),
        "origins": (
            lambda t: _other(t.filter(t.to_in & ~t.from_in), lookups.context, "from_gm"),
            ["other_class", "other_gm"],
        ),
        "od": (
            lambda t: t.filter((t.members == 1) | (t.from_in & t.to_in)).select(
                "area", "group", "from_gm", "to_gm", "n", "k"
            ),
            ["from_gm", "to_gm"],
        ),
        "triggers": (
            lambda t: t.filter((t.gmask & adults) != 0).select("area", "group", "trigger", "n", "k"),
            ["trigger"],
        ),
    }


def _checked(groups: list[str] | None, views: tuple[str, ...], level: str) -> list[str]:
    """The groups asked for (default: every group but ``all``), after checking groups, views and level."""
    groups = list(groups or [g for g in GROUPS if g != "all"])
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise UdcError(f"unknown group(s) {unknown}: expected one of {', '.join(GROUPS)}")
    bad = [v for v in views if v not in (*VIEWS, "rates")]
    if bad:
        raise UdcError(f"unknown view(s) {bad}: expected {', '.join(VIEWS)} or rates")
    if level not in ("gemeente", "wijk"):
        raise UdcError(f"unknown level '{level}': expected gemeente or wijk")
    return groups


@dataclass
class _Study:
    """One study's fixed parts: the areas and their members, the groups, the span, the lookups and who asks."""

    store: Store
    membership: dict[str, list[str]]
    groups: list[str]
    years: tuple[int, int]
    tails: bool
    user: User
    audit: AuditLog
    lookups: _Lookups = field(init=False)
    gmask: Callable[[ir.Table], ir.Value] = field(init=False)

    def __post_init__(self) -> None:
        self.lookups = _Lookups.of(self.store, self.membership, self.groups)
        self.gmask = _mask(list(dict.fromkeys([*self.groups, "adults"])))

    @property
    def everyone(self) -> list[str]:
        return sorted({gm for ms in self.membership.values() for gm in ms})

    @property
    def domains(self) -> dict[str, Sequence[str]]:
        """Every area, group, direction, class and trigger is listed, moved or not: an absent row would say
        "nobody"."""
        return {
            "area": list(self.membership),
            "group": self.groups,
            "direction": DIRECTIONS,
            "other_class": CLASSES,
            "trigger": DOMAINS["trigger"],
        }

    def span(self, t: ir.Table) -> ir.BooleanValue:
        return t.year.between(int(self.years[0]), int(self.years[1]))

    def involved(self, t: ir.Table) -> ir.BooleanValue:
        """Moves from or to a municipality asked about (a national run asks about every one: no filter)."""
        everyone = self.everyone
        return t.from_gm.isin(everyone) | t.to_gm.isin(everyone) if len(everyone) <= 64 else ibis.literal(True)

    def cube(self, dataset: str, dims: dict[str, Callable[[ir.Table], ir.Value]], where: Condition) -> Cube:
        return Cube(self.store, dataset, {**dims, "gmask": self.gmask}, where=where, user=self.user, audit=self.audit)


def _column(name: str) -> Callable[[ir.Table], ir.Value]:
    return lambda t: t[name]


def _span_views(s: _Study, views: list[str], triggers: bool) -> dict[str, Protected]:
    """The views over the span from one count by (from, to, group flags[, trigger]), tagged with the areas once."""
    dims = {"from_gm": _column("from_gm"), "to_gm": _column("to_gm")}
    if triggers:
        dims["trigger"] = _column("trigger")
    out = {}
    relations = _views(s.lookups)
    with s.cube(MOVES, dims, lambda t: s.involved(t) & s.span(t)) as cube:
        grouped = s.lookups.by_group(s.lookups.tag(cube.counted))  # not staged: each view's pass is cheaper
        for view in views:
            relation, by = relations[view]
            out[view] = cube.tables(
                relation(grouped),
                ["area", "group"],
                by,
                name=f"flows.{view}",
                tails=() if s.tails else TAILS.get(view, ()),
                domains=s.domains,
                sparse=TAILS.get(view, ()),
            )
    return out


def _trend(s: _Study) -> Protected:
    """Every year, without the span's detail: counted twice, once by the municipality left and once by the one
    entered, the other end reduced to what the areas need (:func:`_other_end`) — a few hundred thousand counted rows
    nationally where every pair of municipalities × year was millions (the same cells, a third of Spark's time)."""
    year = {"year": _column("year")}
    relation, by = _views(s.lookups)["trend"]
    regions = sorted({gm for ms in s.membership.values() if len(ms) > 1 for gm in ms})
    leaving = {"gm": _column("from_gm"), "other": _other_end("from_gm", "to_gm", regions), **year}
    entering = {"gm": _column("to_gm"), "other": _other_end("to_gm", "from_gm", regions), **year}
    with s.cube(MOVES, leaving, s.involved) as left, s.cube(MOVES, entering, s.involved) as entered:
        grouped = s.lookups.by_group(s.lookups.tag_ends(left.counted, entered.counted))
        return left.tables(relation(grouped), ["area", "group"], by, name="flows.trend", domains=s.domains)


SAME, ELSEWHERE = "(same)", "(elsewhere)"  # the other end of a move, where its exact code cannot matter


def _other_end(this: str, that: str, regions: list[str]) -> Callable[[ir.Table], ir.Value]:
    """The move's other end as far as the areas can tell it apart: exact for a member of a region asked about (the
    region holds it or not), else only whether it is this end's own municipality (:data:`SAME`) or not."""

    def other(t: ir.Table) -> ir.Value:
        near = ibis.ifelse(t[that] == t[this], ibis.literal(SAME), ibis.literal(ELSEWHERE))
        return ibis.ifelse(t[that].isin(regions), t[that], near) if regions else near

    return other


def _wijk_od(s: _Study) -> Protected:
    """Wijk × wijk within one municipality, or between members of a region."""

    def pairs(t: ir.Table) -> ir.BooleanValue:
        regions = [t.from_gm.isin(ms) & t.to_gm.isin(ms) for ms in s.membership.values() if len(ms) > 1]
        inside = (t.from_gm == t.to_gm) & t.from_gm.isin(s.everyone)
        return functools.reduce(operator.or_, regions, inside) & s.span(t)

    names = ("from_gm", "to_gm", "from_wk", "to_wk")
    with s.cube(MOVES, {n: _column(n) for n in names}, pairs) as cube:
        c, a = cube.counted, s.lookups.areas
        b = a.select(b_area=a.area, b_gm=a.gm)
        both = c.join(a, a.gm == c.from_gm).join(b, (b.b_area == a.area) & (b.b_gm == c.to_gm))
        rows = s.lookups.by_group(both.select("area", "gmask", "from_wk", "to_wk", "n", "k"))
        return cube.tables(
            rows.select("area", "group", "from_wk", "to_wk", "n", "k"),
            ["area", "group"],
            ["from_wk", "to_wk"],
            name="flows.od_wijk",
            tails=() if s.tails else ("from_wk", "to_wk"),
            sparse=("from_wk", "to_wk"),
        )


def study(
    store: Store,
    areas: list[str],
    *,
    years: tuple[int, int],
    groups: list[str] | None = None,
    views: tuple[str, ...] = VIEWS,
    level: str = "gemeente",
    tails: bool = False,
    user: User,
    audit: AuditLog,
) -> dict[str, Protected]:
    """Every requested view for every area × group, each a table set protected by the gate (cell key). The moves
    are counted once (a gate :class:`Cube`); each view is an Ibis expression over those counts, all areas at once,
    compiled by the store's gate engine (DuckDB or Spark).

    Flows to or from single other municipalities (destinations, origins, od) that would be withheld are not
    listed unless ``tails``: nationally they are most cells (one- and two-person flows) and say only "withheld";
    their moves stay in the class and direction totals."""
    groups = _checked(groups, views, level)
    membership = {_key(a): _members(store, a) for a in dict.fromkeys(areas)}
    s = _Study(store, membership, groups, years, tails, user, audit)
    span_views = [v for v in views if v not in ("rates", "trend") and not (v == "od" and level == "wijk")]
    if "rates" in views and "balance" not in span_views:
        span_views.append("balance")
    out = _span_views(s, span_views, "triggers" in views) if span_views else {}
    if "trend" in views:
        out["trend"] = _trend(s)
    if "od" in views and level == "wijk":
        out["od"] = _wijk_od(s)
    if "rates" in views:
        out["rates"] = _rates(s, out["balance"])
        if "balance" not in views:
            out.pop("balance")
    return out


def _rates(s: _Study, balance: Protected) -> Protected:
    """Moves per 1 000 residents per year: the protected balance over the protected person-years on 1 January."""
    if not catalogue.exists(s.store, RESIDENTS):
        raise UdcError(f"no '{RESIDENTS}' table: run flows.prepare_residents (udc flows --rebuild) first")
    with s.cube(RESIDENTS, {"gm": _column("gm"), "year": _column("year")}, s.span) as c:
        a = s.lookups.areas
        rows = s.lookups.by_group(c.counted.join(a, a.gm == c.counted.gm).select("area", "gmask", "n", "k"))
        relation = rows.select("area", "group", "n", "k")
        residents = c.tables(relation, ["area", "group"], [], name="flows.residents").cells
    return _per_1000(balance, residents)


def _per_1000(balance: Protected, residents: pd.DataFrame) -> Protected:
    """The rates' table from the protected balance and the protected residents (derived net; no new count)."""
    pivot = balance.cells.pivot_table(
        index=["area", "group"], columns="direction", values="count", aggfunc="first", dropna=False
    )
    frame = pivot.reindex(columns=["in", "out", "within"]).join(
        residents.set_index(["area", "group"])["count"].rename("residents")
    )
    frame["net"] = frame["in"] - frame["out"]
    long = frame.reset_index().melt(["area", "group", "residents"], var_name="measure", value_name="count")
    person_years = long["residents"].where(long["residents"] > 0)
    long["per_1000"] = (1000 * long["count"] / person_years).round(1)
    long["status"] = np.where(
        long["count"].isna(), "suppressed", np.where(long.measure == "net", "derived", "perturbed")
    )
    residents_rows = frame.reset_index()[["area", "group", "residents"]].assign(
        measure="residents",
        count=lambda f: f["residents"],
        per_1000=np.nan,
        status=lambda f: np.where(f["residents"].isna(), "suppressed", "perturbed"),
    )
    cells = pd.concat([long, residents_rows], ignore_index=True).drop(columns="residents")
    cells = cells.sort_values(["area", "group", "measure"], kind="stable").reset_index(drop=True)
    notes = ["per_1000: moves per 1 000 residents per year (person-years on 1 January in the span), both protected"]
    return Protected(cells, balance.method, balance.policy, RESIDENTS, ["area", "group", "measure"], notes=notes)


def flows(
    store: Store,
    area: str,
    *,
    view: str = "balance",
    years: tuple[int, int],
    group: str = "adults",
    level: str = "gemeente",
    user: User,
    audit: AuditLog,
) -> FlowTable:
    """One protected flow table: balance, destinations, origins, od, triggers, trend or rates."""
    if view not in (*VIEWS, "rates"):
        raise UdcError(f"unknown view '{view}': expected balance, destinations, origins, od, triggers, trend or rates")
    members = _members(store, area)
    tables = study(store, [area], years=years, groups=[group], views=(view,), level=level, user=user, audit=audit)
    table = one(tables[view], area=_key(area), group=group)
    return FlowTable(view, area, years, group, table, [f"members: {', '.join(members)}", *table.notes])


def balance_summary(table: FlowTable) -> dict[str, Any]:
    """In, out, within and the net balance (verhuissaldo) from a protected balance table."""
    cells = table.frame.set_index("direction")["count"]
    values = {k: (None if pd.isna(cells.get(k)) else int(cells.get(k))) for k in ("in", "out", "within")}
    net = None if values["in"] is None or values["out"] is None else values["in"] - values["out"]
    return {**values, "net": net}


def all_areas(store: Store) -> list[str]:
    """Every municipality a move starts or ends in, and every region with members among them."""
    moves = store.ibis.table(catalogue.get(store, MOVES).table_name)
    ends = ibis.union(moves.select(gm=moves.from_gm), moves.select(gm=moves.to_gm), distinct=True)
    codes = ends.filter(ends.gm.like("GM%")).order_by("gm").to_pyarrow().column("gm").to_pylist()
    members = registry.all_members(store)
    dutch = [r for r in registry.regions_of(store, codes) if all(_CODE.match(m) for m in members.get(r, []))]
    return codes + dutch  # a region across the border is for indicators: its German members' moves are not here


VIEW_TITLES = {
    "balance": "balans",
    "destinations": "bestemmingen",
    "origins": "herkomst",
    "od": "herkomst en bestemming",
    "triggers": "aanleidingen",
    "trend": "ontwikkeling",
    "rates": "per 1 000 inwoners",
}


def span_title(years: str) -> str:
    """The years a study covers as a reader writes them: "2021-2021, 2022-2022, 2019-2020" → "2019–2022"."""
    found = sorted({int(y) for y in re.findall(r"\b(?:19|20)\d\d\b", years)})
    return years if not found else str(found[0]) if found[0] == found[-1] else f"{found[0]}–{found[-1]}"


def release_study(
    store: Store,
    tables: dict[str, Protected],
    prefix: str,
    *,
    years: str,
    user: User,
    audit: AuditLog,
    replace: bool = False,
) -> list[str]:
    """Catalogue each protected view of a study as released open data (``PREFIX_view``), for dashboards: a new
    version of each; a view whose columns differ from its current release (one period instead of several, say) is
    refused unless ``replace``."""
    changed = [
        f"{prefix}_{view} ({change})"
        for view, table in tables.items()
        if (change := catalogue.shape_change(store, f"{prefix}_{view}", list(table.cells.columns)))
    ]
    if changed and not replace:  # all or none: a dashboard must not mix views of two shapes
        raise UdcError(
            f"releases {', '.join(changed)} would change shape (the dashboards read them): choose another prefix, or "
            "replace their shape explicitly (--replace; earlier versions stay readable)"
        )
    names = []
    for view, table in tables.items():
        name = f"{prefix}_{view}"
        title = f"Verhuisstromen: {VIEW_TITLES.get(view, view)} per gebied en doelgroep, {span_title(years)}"
        definition = {"study": "verhuisstromen", "view": view, "years": years, "source": table.source}
        release(store, table, name, title=title, user=user, audit=audit, definition=definition, replace=replace)
        names.append(name)
    return names


def study_periods(
    store: Store,
    areas: list[str],
    periods: list[tuple[int, int]],
    *,
    groups: list[str] | None = None,
    views: tuple[str, ...] = (*VIEWS, "rates"),
    user: User,
    audit: AuditLog,
) -> dict[str, Protected]:
    """:func:`study` for several periods (e.g. each year and 2019–2020), one table per view with a ``period``
    column (``2019-2020``); the trend, which has every year, once. For dashboards with a period filter."""
    if not periods:
        raise UdcError("no periods: give at least one (first, last) pair of years")
    parts: dict[str, list[pd.DataFrame]] = {}
    first: dict[str, Protected] = {}
    for i, (y0, y1) in enumerate(periods):
        wanted = tuple(v for v in views if v != "trend" or i == 0)
        for view, table in study(
            store, areas, years=(y0, y1), groups=groups, views=wanted, user=user, audit=audit
        ).items():
            cells = table.cells.copy()
            if view != "trend":
                cells.insert(0, "period", f"{y0}-{y1}")
            parts.setdefault(view, []).append(cells)
            first.setdefault(view, table)
    out = {}
    for view, frames in parts.items():
        base = first[view]
        keys = base.keys if view == "trend" else ["period", *base.keys]
        cells = pd.concat(frames, ignore_index=True)
        out[view] = Protected(cells, base.method, base.policy, base.source, keys, notes=base.notes)
    return out
