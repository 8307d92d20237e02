"""Releasing computed indicators as open data: one table of every indicator, area and year, derived only from the
protected numerators and denominators the gate published (so the gate releases it, recording their protection and
the hash of every definition used)."""

from __future__ import annotations

import pandas as pd

from udc.errors import UdcError
from udc.indicators.model import Indicator
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import Protected, release_derived
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo
from udc.store.db import Store

NAME = "indicatoren"
TITLE = "Indicatoren per gebied en jaar, met 95 %-interval"
COLUMNS = [
    ColumnInfo("indicator", "dimension", "Indicator"),
    ColumnInfo("area_code", "area", "Gebied"),
    ColumnInfo("level", "label", "Niveau"),
    ColumnInfo("period", "period", "Jaar"),
    ColumnInfo("value", "value", "Waarde"),
    ColumnInfo("numerator", "value", "Teller"),
    ColumnInfo("denominator", "value", "Noemer"),
    ColumnInfo("ci_low", "value", "Ondergrens 95 %"),
    ColumnInfo("ci_high", "value", "Bovengrens 95 %"),
    ColumnInfo("status", "label", "Status"),
    ColumnInfo("funnel", "label", "Trechter"),
    ColumnInfo("note", "label", "Toelichting"),
    ColumnInfo("country", "label", "Land"),
    ColumnInfo("comparability", "label", "Vergelijkbaarheid"),
]


def definitions(indicators: list[Indicator]) -> dict[str, str]:
    """What defined the release: every indicator's id, version and definition hash."""
    return {i.id: f"v{i.version}:{i.digest()}" for i in indicators}


def release(
    store: Store,
    frame: pd.DataFrame,
    derived_from: list[Protected],
    indicators: list[Indicator],
    *,
    name: str = NAME,
    user: User,
    audit: AuditLog,
    open_inputs: list[str] | None = None,
    title: str | None = None,
) -> int:
    """Release ``frame`` (computed indicators) as a new version of ``name``; returns the version. ``open_inputs``:
    open tables the frame's other rows come from (a German member's own statistics)."""
    rows = frame.astype({"funnel": object, "status": object}).reset_index(drop=True)
    protected = {p.source for p in derived_from}
    inputs = set(open_inputs or [])
    for indicator in indicators:
        if indicator.weighted is not None:  # an open series' published figures (microdata is refused there)
            inputs.add(indicator.weighted.dataset)
        for part, count in zip(("numerator", "denominator"), indicator.counts, strict=False):
            withheld = catalogue.get(store, count.dataset).sensitivity == "microdata" and count.dataset not in protected
            if withheld and rows.loc[rows.indicator == indicator.id, part].notna().any():
                raise UdcError(f"{indicator.id}: {part} from {count.dataset} has values but no protected table")
            if not withheld:  # a table the gate refused as too detailed contributed nothing: not an input
                inputs.add(count.dataset)
    title = title or (TITLE if name == NAME else f"{TITLE} ({name})")
    columns = [c for c in COLUMNS if c.name in rows.columns]
    return release_derived(
        store,
        rows,
        name,
        title=title,
        inputs=sorted(inputs),
        derived_from=derived_from,
        columns=columns,
        user=user,
        audit=audit,
        definition=definitions(indicators),
    )
