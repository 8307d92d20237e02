"""Verhuisstromen: where people who come to live in a municipality or region come from, where leavers go.

The engine is Ibis over the store (DuckDB here, Spark later): one enriched *moves* table is built from the register
(events + yearly snapshots + persons) — no Python loop over moves — and catalogued as microdata. Every number
then leaves through the disclosure gate with the cell-key method, so the same flow asked through different views
gets the same protected value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import ibis
import pandas as pd

from udc.areas import registry
from udc.errors import UdcError
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import Protected, crosstab
from udc.store import catalogue
from udc.store.db import Store

MOVES = "flows_moves"
# Target groups at the moment of measurement (the move), as SQL over the moves table; user-defined ones may be added.
GROUPS = {
    "all": "TRUE",
    "adults": "age >= 18",
    "young-families": "age BETWEEN 18 AND 45 AND household_type IN ('couple_with_children', 'single_parent') "
    "AND role IN ('reference', 'partner')",
    "middle-income": "age >= 18 AND income_class = 'middle'",
    "students": "age >= 16 AND student IN ('mbo', 'hbo', 'wo')",
    "seniors": "age >= 65",
}
CLASSES = ("same_municipality", "neighbour", "rest_of_region", "rest_of_province", "rest_of_country", "abroad")


@dataclass
class FlowTable:
    view: str
    area: str
    years: tuple[int, int]
    group: str
    table: Protected
    notes: list[str] = field(default_factory=list)

    @property
    def frame(self) -> pd.DataFrame:
        return self.table.cells


def prepare(
    store: Store,
    *,
    events: str = "synth_events",
    persons: str = "synth_persons",
    yearly: str = "synth_persons_yearly",
    households: str = "synth_households",
) -> str:
    """Build the enriched moves table (microdata) as one Ibis expression; returns its catalogue name."""
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

    def gm(code: Any) -> Any:
        return ibis.cases(
            (code.startswith("BU"), "GM" + code.substr(2, 4)),
            (code.startswith("WK"), "GM" + code.substr(2, 4)),
            else_=code,
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
        from_gm=gm(joined.from_area.fill_null("ZZ_ONBEKEND")),
        to_gm=gm(joined.to_area.fill_null("ZZ_ONBEKEND")),
        from_wk=ibis.cases(
            (joined.from_area.startswith("BU"), "WK" + joined.from_area.substr(2, 6)), else_=joined.from_area
        ),
        to_wk=ibis.cases((joined.to_area.startswith("BU"), "WK" + joined.to_area.substr(2, 6)), else_=joined.to_area),
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
    return MOVES


def _members(store: Store, area: str) -> list[str]:
    area = area.strip()
    if area.upper().startswith("GM"):
        return [area.upper()]
    members = registry.region_members(store, area)
    if not members:
        raise UdcError(f"region '{area}' has no members")
    return members


def _in(codes: list[str]) -> str:
    return "(" + ", ".join(f"'{c}'" for c in codes) + ")"


def _context(store: Store, members: list[str]) -> dict[str, list[str]]:
    """Neighbours (adjacency), the rest of the region(s) and of the province, for destination classes."""
    years = [r["year"] for r in store.rows("SELECT DISTINCT year FROM adjacency WHERE kind = 'GM' ORDER BY 1")]
    neighbours: set[str] = set()
    for m in members:
        for y in years[-1:]:
            neighbours |= set(registry.neighbours(store, m, y))
    neighbours -= set(members)
    regions = {
        r["region"] for r in store.rows(f"SELECT region FROM region_members WHERE member_code IN {_in(members)}")
    }
    region = {
        r["member_code"]
        for r in store.rows(f"SELECT member_code FROM region_members WHERE region IN {_in(sorted(regions) or [''])}")
    }
    provinces = {
        r["parent_code"]
        for r in store.rows(
            f"SELECT DISTINCT parent_code FROM areas WHERE code IN {_in(members)} AND parent_code IS NOT NULL"
        )
    }
    province = {
        r["code"]
        for r in store.rows(
            f"SELECT DISTINCT code FROM areas WHERE kind = 'GM' AND parent_code IN {_in(sorted(provinces) or [''])}"
        )
    }
    return {
        "neighbours": sorted(neighbours),
        "region": sorted(region - set(members)),
        "province": sorted(province - set(members) - region),
    }


def _derived(members: list[str], ctx: dict[str, list[str]], side: str) -> dict[str, str]:
    m = _in(members)
    other = "to_gm" if side == "from_gm" else "from_gm"
    direction = (
        f"CASE WHEN from_gm IN {m} AND to_gm IN {m} THEN 'within' WHEN to_gm IN {m} THEN 'in' "
        f"WHEN from_gm IN {m} THEN 'out' END"
    )
    cls = (
        f"CASE WHEN {other} IN {m} THEN 'same_municipality' "
        f"WHEN {other} IN {_in(ctx['neighbours'] or [''])} THEN 'neighbour' "
        f"WHEN {other} IN {_in(ctx['region'] or [''])} THEN 'rest_of_region' "
        f"WHEN {other} IN {_in(ctx['province'] or [''])} THEN 'rest_of_province' "
        f"WHEN {other} LIKE 'GM%' THEN 'rest_of_country' ELSE 'abroad' END"
    )
    return {"direction": direction, "other_class": cls, "other_gm": other}


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
    """One protected flow table: balance, destinations, origins, od, triggers or trend."""
    if group not in GROUPS:
        raise UdcError(f"unknown group '{group}': expected one of {', '.join(GROUPS)}")
    members = _members(store, area)
    m = _in(members)
    where = f"year BETWEEN {int(years[0])} AND {int(years[1])} AND ({GROUPS[group]})"
    involved = f"(from_gm IN {m} OR to_gm IN {m})"
    derived: dict[str, str] | None = None
    # A region's own internal moves are 'within' the region (not in- or outflow).
    if view in ("balance", "trend"):
        by, scope = (["direction"] if view == "balance" else ["year", "direction"]), involved
        derived = _derived(members, _context(store, members), "from_gm")
    elif view in ("destinations", "origins"):
        side, other = ("from_gm", "to_gm") if view == "destinations" else ("to_gm", "from_gm")
        by, scope = ["other_class", "other_gm"], f"{side} IN {m} AND NOT ({other} IN {m})"
        derived = _derived(members, _context(store, members), side)
    elif view == "od":
        by = ["from_wk", "to_wk"] if level == "wijk" else ["from_gm", "to_gm"]
        scope = f"from_gm IN {m} AND to_gm IN {m}" if level == "wijk" or len(members) > 1 else involved
    elif view == "triggers":
        by, scope = ["trigger"], f"{involved} AND age >= 18"
    else:
        raise UdcError(f"unknown view '{view}': expected balance, destinations, origins, od, triggers or trend")
    table = crosstab(
        store, MOVES, by, where=f"{where} AND {scope}", method="cellkey", derived=derived, user=user, audit=audit
    )
    return FlowTable(view, area, years, group, table, [f"members: {', '.join(members)}"])


def balance_summary(table: FlowTable) -> dict[str, Any]:
    """In, out, within and the net balance (verhuissaldo) from a protected balance table."""
    cells = table.frame.set_index("direction")["count"]
    values = {k: (None if pd.isna(cells.get(k)) else int(cells.get(k))) for k in ("in", "out", "within")}
    net = None if values["in"] is None or values["out"] is None else values["in"] - values["out"]
    return {**values, "net": net}
