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
from collections.abc import Callable, Mapping
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
from udc.privacy.cube import Cube, one
from udc.privacy.dimensions import DOMAINS
from udc.privacy.gate import Protected, release
from udc.privacy.request import Filter, predicate
from udc.sources import contract
from udc.store import catalogue
from udc.store.db import Store, quote

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
CLASSES = ("same_municipality", "neighbour", "rest_of_region", "rest_of_province", "rest_of_country", "abroad")


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
    con = store.ibis
    names = {n: catalogue.get(store, n).table_name for n in (events, persons, yearly, households)}
    ev = con.table(names[events])
    person = con.table(names[persons]).select("person_id", "birth_date")
    snap = con.table(names[yearly]).select("year", "person_id", "household_id", "role", "student", "record_key")
    hh = con.table(names[households]).select("year", "household_id", "household_type", "income_class")
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

    changes = ev.filter(ev.event == "household_change").select(
        c_person=ev.person_id, c_date=ev.date, c_kind=ev.household_change
    )
    enriched = joined.mutate(
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
    ).select(
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
    near = enriched.join(changes, enriched.person_id == changes.c_person).filter(
        (enriched.date.epoch_days() - changes.c_date.epoch_days()).abs() <= 365
    )
    trigger = near.group_by(["person_id", "date"]).aggregate(
        trigger=near.c_kind.argmin((near.date.epoch_days() - near.c_date.epoch_days()).abs())
    )
    linked = enriched.left_join(trigger, (enriched.person_id == trigger.person_id) & (enriched.date == trigger.date))
    final = linked.select(*[linked[c] for c in enriched.columns], trigger=linked.trigger.fill_null("none"))
    sql = ibis.to_sql(final, dialect="duckdb")
    dataset = catalogue.Dataset(
        name=MOVES,
        title="Verhuizingen met kenmerken op het moment van verhuizen",
        source=f"udc flows: {events}",
        sensitivity="microdata",
        provenance={"events": events, "persons": persons, "yearly": yearly, "households": households, "engine": "ibis"},
    )
    catalogue.save_query(store, dataset, f"SELECT * FROM ({sql})", inputs=[events, persons, yearly, households])
    prepare_residents(store, yearly=yearly, households=households)
    return MOVES


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
    catalogue.save_query(
        store, dataset, f"SELECT * FROM ({ibis.to_sql(final, dialect='duckdb')})", inputs=[yearly, households]
    )
    return RESIDENTS


_CODE = re.compile(r"^GM\d{4}$")
_REGION = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")


def _key(area: str) -> str:
    """A municipality code (GMxxxx) or a region name, checked: the study's SQL is built from these."""
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
        raise UdcError(f"region '{key}' has members that are not municipality codes: {', '.join(bad[:5])}")
    return members


_SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def _safe(value: str) -> str:
    """Literals written into the study's SQL are codes and names checked above; anything else is a bug."""
    if not _SAFE.match(value):
        raise UdcError(f"'{value[:40]}' is not a code or name the flows study can use")
    return value


def _values(rows: list[tuple], names: str) -> str:
    """An inline VALUES relation (small lookup tables: areas, groups)."""
    rows = [tuple(_safe(v) if isinstance(v, str) else int(v) for v in row) for row in rows]
    body = ", ".join("(" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v) for v in row) + ")" for row in rows)
    return f"(SELECT * FROM (VALUES {body}) AS v({names}))"


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
    are counted once (a gate :class:`Cube`); each view is a query over those counts, all areas at once.

    Flows to or from single other municipalities (destinations, origins, od) that would be withheld are not
    listed unless ``tails``: nationally they are most cells (one- and two-person flows) and say only "withheld";
    their moves stay in the class and direction totals."""
    groups = list(groups or [g for g in GROUPS if g != "all"])
    unknown = [g for g in groups if g not in GROUPS]
    if unknown:
        raise UdcError(f"unknown group(s) {unknown}: expected one of {', '.join(GROUPS)}")
    bad = [v for v in views if v not in (*VIEWS, "rates")]
    if bad:
        raise UdcError(f"unknown view(s) {bad}: expected {', '.join(VIEWS)} or rates")
    if level not in ("gemeente", "wijk"):
        raise UdcError(f"unknown level '{level}': expected gemeente or wijk")
    membership = {_key(a): _members(store, a) for a in dict.fromkeys(areas)}
    rows = [(a, gm, len(ms)) for a, ms in membership.items() for gm in ms]
    table_a = _values(rows, "area, gm, members")
    everyone = sorted({gm for ms in membership.values() for gm in ms})
    gmask = _mask(list(dict.fromkeys([*groups, "adults"])))
    table_g = _values([(g, _BITS[g]) for g in groups], '"group", bit')

    # every area, group, direction, class and trigger is listed, moved or not: an absent row would say "nobody"
    domains = {
        "area": list(membership),
        "group": groups,
        "direction": DIRECTIONS,
        "other_class": CLASSES,
        "trigger": DOMAINS["trigger"],
    }

    def span(t: ir.Table) -> ir.BooleanValue:
        return t.year.between(int(years[0]), int(years[1]))

    out: dict[str, Protected] = {}
    gemeente_views = [v for v in views if v != "rates" and not (v == "od" and level == "wijk")]
    span_views = [v for v in gemeente_views if v != "trend"]
    if "rates" in views and "balance" not in span_views:
        span_views.append("balance")
    # cube rows tagged with each area they involve (twice for a move between two areas asked about)
    tagging = f"""SELECT a.area, c.*, TRUE AS from_in, b.gm IS NOT NULL AS to_in, a.members
        FROM {{cube}} c JOIN {table_a} a ON a.gm = c.from_gm LEFT JOIN {table_a} b ON b.area = a.area AND b.gm = c.to_gm
        UNION ALL
        SELECT a.area, c.*, FALSE, TRUE, a.members
        FROM {{cube}} c JOIN {table_a} a ON a.gm = c.to_gm LEFT JOIN {table_a} b ON b.area = a.area AND b.gm = c.from_gm
        WHERE b.gm IS NULL"""
    grouped = f"FROM TAGGED t JOIN {table_g} g ON (t.gmask & g.bit) <> 0"
    direction = "CASE WHEN from_in AND to_in THEN 'within' WHEN to_in THEN 'in' ELSE 'out' END AS direction"
    other = "coalesce(x.class, CASE WHEN {o} LIKE 'GM%' THEN 'rest_of_country' ELSE 'abroad' END) AS other_class"
    context = _values(_context(store, membership) or [("_none", "_none", "_none")], "area, gm, class")
    queries = {
        "balance": (f'SELECT t.area, g."group", {direction}, n, k {grouped}', ["direction"]),
        "trend": (f'SELECT t.area, g."group", year, {direction}, n, k {grouped}', ["year", "direction"]),
        "destinations": (
            f'SELECT t.area, g."group", {other.format(o="t.to_gm")}, t.to_gm AS other_gm, n, k {grouped} '
            f"LEFT JOIN {context} x ON x.area = t.area AND x.gm = t.to_gm WHERE from_in AND NOT to_in",
            ["other_class", "other_gm"],
        ),
        "origins": (
            f'SELECT t.area, g."group", {other.format(o="t.from_gm")}, t.from_gm AS other_gm, n, k {grouped} '
            f"LEFT JOIN {context} x ON x.area = t.area AND x.gm = t.from_gm WHERE to_in AND NOT from_in",
            ["other_class", "other_gm"],
        ),
        "od": (
            f'SELECT t.area, g."group", from_gm, to_gm, n, k {grouped} WHERE members = 1 OR (from_in AND to_in)',
            ["from_gm", "to_gm"],
        ),
        "triggers": (
            f'SELECT t.area, g."group", trigger, n, k {grouped} WHERE (gmask & {_BITS["adults"]}) <> 0',
            ["trigger"],
        ),
    }

    def involved(t: ir.Table) -> ir.BooleanValue:  # a national run asks about every municipality: no filter
        return t.from_gm.isin(everyone) | t.to_gm.isin(everyone) if len(everyone) <= 64 else ibis.literal(True)

    def column(name: str) -> Callable[[ir.Table], ir.Value]:
        return lambda t: t[name]

    if span_views:
        dims = {"from_gm": column("from_gm"), "to_gm": column("to_gm"), "gmask": gmask}
        if "triggers" in views:
            dims["trigger"] = column("trigger")
        with Cube(store, MOVES, dims, where=lambda t: involved(t) & span(t), user=user, audit=audit) as cube:
            tagged = cube.stage(tagging)
            for view in span_views:
                sql, by = queries[view]
                detail = () if tails else TAILS.get(view, ())
                relation = sql.replace("TAGGED", tagged)
                out[view] = cube.tables(
                    relation,
                    ["area", "group"],
                    by,
                    name=f"flows.{view}",
                    tails=detail,
                    domains=domains,
                    sparse=TAILS.get(view, ()),
                )
    if "trend" in views:  # every year: a second count, without the span's detail (no trigger)
        dims = {"from_gm": column("from_gm"), "to_gm": column("to_gm"), "year": column("year"), "gmask": gmask}
        with Cube(store, MOVES, dims, where=involved, user=user, audit=audit) as cube:
            sql, by = queries["trend"]
            out["trend"] = cube.tables(
                sql.replace("TAGGED", f"({tagging})"), ["area", "group"], by, name="flows.trend", domains=domains
            )
    if "od" in views and level == "wijk":

        def pairs(t: ir.Table) -> ir.BooleanValue:  # within one municipality, or between members of a region
            regions = [t.from_gm.isin(ms) & t.to_gm.isin(ms) for ms in membership.values() if len(ms) > 1]
            inside = (t.from_gm == t.to_gm) & t.from_gm.isin(everyone)
            return functools.reduce(operator.or_, regions, inside) & span(t)

        names = ("from_gm", "to_gm", "from_wk", "to_wk")
        dims = {**{n: column(n) for n in names}, "gmask": gmask}
        with Cube(store, MOVES, dims, where=pairs, user=user, audit=audit) as cube:
            sql = (
                f'SELECT a.area, g."group", from_wk, to_wk, n, k FROM {{cube}} c JOIN {table_a} a ON a.gm = c.from_gm '
                f"JOIN {table_a} b ON b.area = a.area AND b.gm = c.to_gm JOIN {table_g} g ON (c.gmask & g.bit) <> 0"
            )
            detail = () if tails else ("from_wk", "to_wk")
            out["od"] = cube.tables(
                sql,
                ["area", "group"],
                ["from_wk", "to_wk"],
                name="flows.od_wijk",
                tails=detail,
                sparse=("from_wk", "to_wk"),
            )
    if "rates" in views:
        out["rates"] = _rates(store, out, table_a, table_g, gmask, span, user, audit)
        if "balance" not in views:
            out.pop("balance")
    return out


def _rates(
    store: Store,
    tables: dict[str, Protected],
    table_a: str,
    table_g: str,
    gmask: Callable[[ir.Table], ir.Value],
    span: Callable[[ir.Table], ir.BooleanValue],
    user: User,
    audit: AuditLog,
) -> Protected:
    """Moves per 1 000 residents per year: the protected balance over the protected person-years on 1 January."""
    if not catalogue.exists(store, RESIDENTS):
        raise UdcError(f"no '{RESIDENTS}' table: run flows.prepare_residents (udc flows --rebuild) first")
    dims = {"gm": lambda t: t.gm, "year": lambda t: t.year, "gmask": gmask}
    with Cube(store, RESIDENTS, dims, where=span, user=user, audit=audit) as c:
        sql = (
            f'SELECT a.area, g."group", n, k FROM {{cube}} c JOIN {table_a} a ON a.gm = c.gm '
            f"JOIN {table_g} g ON (c.gmask & g.bit) <> 0"
        )
        residents = c.tables(sql, ["area", "group"], [], name="flows.residents").cells
    balance = tables["balance"].cells.pivot_table(
        index=["area", "group"], columns="direction", values="count", aggfunc="first", dropna=False
    )
    frame = balance.reindex(columns=["in", "out", "within"]).join(
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
    base = tables["balance"]
    notes = ["per_1000: moves per 1 000 residents per year (person-years on 1 January in the span), both protected"]
    return Protected(cells, base.method, base.policy, RESIDENTS, ["area", "group", "measure"], notes=notes)


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
    table = catalogue.get(store, MOVES).table_name
    rows = store.rows(
        f"SELECT DISTINCT gm FROM (SELECT from_gm AS gm FROM {quote(table)} UNION SELECT to_gm FROM {quote(table)}) "
        "WHERE gm LIKE 'GM%' ORDER BY 1"
    )
    codes = [r["gm"] for r in rows]
    return codes + registry.regions_of(store, codes)


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
