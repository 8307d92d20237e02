"""Indicators over published rates and averages (``rate:``/``mean:`` in a definition).

An open series such as CBS Kerncijfers wijken en buurten publishes crime *per 1 000 inhabitants* and electricity as
an *average per dwelling*: there are no counts to divide. A larger area's figure is the weighted mean of the finest
areas inside it — buurt rates weighted by the buurt's inhabitants, buurt averages by its dwellings — which is how
CBS's own gemeente figure relates to its buurten (up to CBS's rounding of both). Where the source publishes the area
itself, that figure is the value and the roll-up is shown beside it (``rolled_up``), so a user sees both and how far
apart they are; a region, which no source publishes, is the roll-up of the finest areas of its members. Open data:
no gate, no interval (the published figures carry no sampling error of ours).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from udc.areas import registry
from udc.areas.codes import gemeente_of, wijk_of
from udc.errors import UdcError
from udc.indicators.model import OUTPUT, Indicator, Weighted
from udc.store import catalogue
from udc.store.db import Store

COLUMNS = [*OUTPUT, "source_value", "rolled_up", "method", "weight", "coverage"]  # numerator … funnel empty
LEVELS = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}


def _series(store: Store, spec: Weighted, years: list[int]) -> pd.DataFrame:
    """Value and weight per area and year (published figures only; a missing one stays missing)."""
    if not catalogue.exists(store, spec.dataset):
        raise UdcError(f"no dataset '{spec.dataset}' in this store: import the series first (udc kwb import)")
    t = store.ibis.table(catalogue.get(store, spec.dataset).table_name or "")
    missing = {"area_code", "year", "variable", "value", "status"} - set(t.columns)
    if missing:
        raise UdcError(f"'{spec.dataset}' is not a series (area_code, year, variable, value, status): no {missing}")
    rows = t.filter(
        t.variable.isin([spec.variable, spec.weight]), t.year.cast("int64").isin(years), t.status == "published"
    ).to_pandas()
    wide = rows.pivot_table(index=["area_code", "year"], columns="variable", values="value", aggfunc="first")
    return (
        wide.reindex(columns=[spec.variable, spec.weight])
        .rename(columns={spec.variable: "v", spec.weight: "w"})
        .reset_index()
    )


def _finest(codes: pd.Series) -> str | None:
    """The finest level a year of the series has (buurten, else wijken, else gemeenten): roll-ups start there."""
    for prefix in ("BU", "WK", "GM"):
        if codes.str.startswith(prefix).any():
            return prefix
    return None


def _rolled(units: pd.DataFrame, into: pd.Series) -> pd.DataFrame:
    """Per value of ``into`` (the area each unit lies in): the weighted mean of its units that have both a value and
    a weight, the weight used, and the share of the area's weight that had a value."""
    both = units.v.notna() & units.w.notna()
    parts = pd.DataFrame({"vw": (units.v * units.w).where(both), "used": units.w.where(both), "all": units.w})
    sums = parts.groupby(into.to_numpy()).sum(min_count=1)
    used = sums.used.where(sums.used > 0)
    return pd.DataFrame({"rolled_up": sums.vw / used, "weight": used, "coverage": used / sums["all"]})


def _year(part: pd.DataFrame, regions: dict[str, list[str]]) -> pd.DataFrame:
    """One year: each area's own figure beside the roll-up of the finest areas inside it (wijken and gemeenten
    from their buurten, regions from the finest areas of their members)."""
    finest = _finest(part.area_code)
    units = part[part.area_code.str.startswith(finest)] if finest else part.iloc[:0]
    wijk, gemeente = units.area_code.map(wijk_of), units.area_code.map(gemeente_of)
    rolls = [_rolled(units, wijk)] if finest == "BU" else []
    rolls += [_rolled(units, gemeente)] if finest in ("BU", "WK") else []
    for region, members in regions.items():
        inside = units.area_code.isin(members) | wijk.isin(members) | gemeente.isin(members)
        if inside.any():
            rolls.append(_rolled(units[inside], pd.Series(region, index=units.index[inside])))
    own = part.set_index("area_code").v.rename("source_value")
    columns = ["rolled_up", "weight", "coverage"]
    rolled = pd.concat(rolls) if rolls else pd.DataFrame(columns=columns, dtype=float)
    return own.to_frame().join(rolled, how="outer").rename_axis("area_code").reset_index()


def compute(store: Store, indicator: Indicator, *, years: list[int], levels: list[str] | None = None) -> pd.DataFrame:
    """Every area the series has, every wijk and gemeente its buurten lie in, and every region whose members it
    covers, per year: value, the source's own figure, the roll-up, the method, the weight and its coverage."""
    spec = indicator.weighted
    if spec is None:
        raise UdcError(f"indicator '{indicator.id}' divides counts: it is computed by udc.indicators.compute")
    regions = registry.all_members(store)
    years_found = [
        _year(part, regions).assign(period=str(int(y))) for y, part in _series(store, spec, years).groupby("year")
    ]
    frame = pd.concat(years_found, ignore_index=True) if years_found else pd.DataFrame(columns=["area_code", "period"])
    published = frame.source_value.notna() if len(frame) else pd.Series(dtype=bool)
    frame = frame.assign(
        indicator=indicator.id,
        level=frame.area_code.map(lambda c: LEVELS.get(c[:2], "region")),
        value=frame.source_value.where(published, frame.rolled_up),
        method=np.where(published, "published", np.where(frame.rolled_up.notna(), "weighted roll-up", None)),
        numerator=np.nan,
        denominator=np.nan,
        ci_low=np.nan,
        ci_high=np.nan,
        funnel=None,
    )
    frame["status"] = np.where(frame.value.notna(), "published", "no figure")
    wanted = levels or indicator.levels
    chosen = frame[frame.level.isin(wanted)].sort_values(["period", "level", "area_code"])
    return chosen.reset_index(drop=True)[COLUMNS]
