"""Indicators over an open series' published rates, averages and counts (``rate:``/``mean:``/``divide:``).

An open series such as CBS Kerncijfers wijken en buurten publishes crime *per 1 000 inhabitants* and electricity as
an *average per dwelling*: there are no counts to divide. A larger area's figure is the weighted mean of the finest
areas inside it — buurt rates weighted by the buurt's inhabitants, buurt averages by its dwellings — which is how
CBS's own gemeente figure relates to its buurten (up to CBS's rounding of both). Where the source publishes the area
itself, that figure is the value and the roll-up is shown beside it (``rolled_up``), so a user sees both and how far
apart they are; a region, which no source publishes, is the roll-up of the finest areas of its members. A pair of
published counts (``divide``: crimes and inhabitants) is the same thing with the quotient as the value and the
denominator as the weight, so a larger area gets the quotient of its sums.

Open data only: a series marked microdata is refused (its figures would leave without the gate). Intervals and
funnel flags where the figures are counts: from the counts themselves for ``divide``, and for a published rate or
share from the count it implies (rate × weight ÷ scale — CBS rounds rates, so that count is approximate; the
interval's width, a Poisson or Wilson interval of a count of that size, is what it is for). An average has no
interval: the series publishes no spread. The funnel's reference is the whole series of that year (the
quotient of all its finest areas' sums).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from udc.areas import registry
from udc.areas.codes import gemeente_of, wijk_of
from udc.errors import UdcError
from udc.indicators.intervals import flags, proportion
from udc.indicators.model import OUTPUT, SCALES, Divided, Indicator, Weighted
from udc.store import catalogue
from udc.store.db import Store

COLUMNS = [*OUTPUT, "source_value", "rolled_up", "method", "weight", "coverage"]
YEAR = ["source_value", "source_weight", "rolled_up", "weight", "coverage", "reference"]  # what _year gives an area
LEVELS = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}


def _series(store: Store, spec: Weighted | Divided, years: list[int], scale: float) -> pd.DataFrame:
    """Value ``v`` and weight ``w`` per area and year (published figures only; a missing one stays missing): the
    rate or mean and its weight, or for a pair of counts their quotient × scale and the denominator."""
    if not catalogue.exists(store, spec.dataset):
        raise UdcError(f"no dataset '{spec.dataset}' in this store: import the series first (udc kwb import)")
    entry = catalogue.get(store, spec.dataset)
    if entry.sensitivity == "microdata":
        raise UdcError(
            f"'{spec.dataset}' is microdata: rates and means are rolled up from published figures only; count "
            "microdata with a numerator and a denominator (the gate protects those)"
        )
    t = store.ibis.table(entry.table_name or "")
    missing = {"area_code", "year", "variable", "value", "status"} - set(t.columns)
    if missing:
        raise UdcError(f"'{spec.dataset}' is not a series (area_code, year, variable, value, status): no {missing}")
    divided = isinstance(spec, Divided)
    first, second = (spec.numerator, spec.denominator) if divided else (spec.variable, spec.weight)
    times = [spec.times] if divided and spec.times else []
    wanted = [first, second, *times]
    rows = t.filter(t.variable.isin(wanted), t.year.cast("int64").isin(years), t.status == "published").to_pandas()
    wide = rows.pivot_table(index=["area_code", "year"], columns="variable", values="value", aggfunc="first")
    wide = wide.reindex(columns=wanted).set_axis(["v", "w", *(["t"] if times else [])], axis=1).reset_index()
    if divided:
        numerator = wide.v * wide.t if times else wide.v
        wide["v"] = (numerator / wide.w.where(wide.w > 0)) * scale
    elif spec.unit is not None:  # published per 1 000, shown per 100 000 (and the like)
        wide["v"] = wide.v * scale / SCALES[spec.unit]
    return wide.drop(columns=["t"], errors="ignore")


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
    own = part.set_index("area_code")[["v", "w"]].set_axis(["source_value", "source_weight"], axis=1)
    columns = ["rolled_up", "weight", "coverage"]
    rolled = pd.concat(rolls) if rolls else pd.DataFrame(columns=columns, dtype=float)
    year = own.join(rolled, how="outer").rename_axis("area_code").reset_index()
    both = units.v.notna() & units.w.notna()
    return year.assign(reference=(units.v * units.w)[both].sum() / units.w[both].sum() if both.any() else np.nan)


def _counts(frame: pd.DataFrame, indicator: Indicator) -> pd.DataFrame:
    """Numerator and denominator where the value is a share or rate of a count: the published counts' sums for
    ``divide``; for a published rate the count it implies (rate × weight ÷ scale, kept out of the output's
    numerator, which holds published counts only). Intervals and funnel flags from them; a mean, or a total made
    of an average (``times``: kWh, not a count), has neither."""
    published = frame.method == "published"
    n = frame.source_weight.where(published, frame.weight).to_numpy(float)
    if indicator.mean is not None or (indicator.divide is not None and indicator.divide.times is not None):
        return frame.assign(numerator=np.nan, denominator=np.nan, ci_low=np.nan, ci_high=np.nan, funnel=None)
    scale, percent = indicator.scale, indicator.unit == "percent"
    k = frame.value.to_numpy(float) * n / scale
    low, high = proportion(k, n, percent=percent)
    funnel = flags(k, n, frame.reference.to_numpy(float) / scale, percent=percent)
    exact = indicator.divide is not None
    return frame.assign(
        numerator=np.round(k) if exact else np.nan,
        denominator=n if exact else np.nan,
        ci_low=np.maximum(0.0, low * scale),
        ci_high=np.minimum(high * scale, 100.0) if percent else high * scale,
        funnel=np.where(frame.value.notna(), funnel, None),
    )


def compute(store: Store, indicator: Indicator, *, years: list[int], levels: list[str] | None = None) -> pd.DataFrame:
    """Every area the series has, every wijk and gemeente its buurten lie in, and every region whose members it
    covers, per year: value, the source's own figure, the roll-up, the method, the weight and its coverage, and
    where the figures are counts a 95 % interval and funnel flag."""
    spec = indicator.weighted
    if spec is None:
        raise UdcError(f"indicator '{indicator.id}' divides counts: it is computed by udc.indicators.compute")
    regions = registry.all_members(store)
    years_found = [
        _year(part, regions).assign(period=str(int(y)))
        for y, part in _series(store, spec, years, indicator.scale).groupby("year")
    ]
    empty = pd.DataFrame(columns=["area_code", "period", *YEAR], dtype=float)
    frame = pd.concat(years_found, ignore_index=True) if years_found else empty
    published = frame.source_value.notna()
    frame = frame.assign(
        indicator=indicator.id,
        level=frame.area_code.map(lambda c: LEVELS.get(c[:2], "region")),
        value=frame.source_value.where(published, frame.rolled_up),
        method=np.where(published, "published", np.where(frame.rolled_up.notna(), "weighted roll-up", None)),
    )
    frame = _counts(frame, indicator)
    frame["status"] = np.where(frame.value.notna(), "published", "no figure")
    wanted = levels or indicator.levels
    chosen = frame[frame.level.isin(wanted)].sort_values(["period", "level", "area_code"])
    return chosen.reset_index(drop=True)[COLUMNS]
