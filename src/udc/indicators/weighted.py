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


def _roll(units: pd.DataFrame) -> tuple[float, float, float]:
    """Weighted mean of the units with both a value and a weight; the weight used; the share of weight covered."""
    both = units.v.notna() & units.w.notna()
    weight = float(units.w[both].sum())
    total = float(units.w.sum())
    if weight <= 0:
        return np.nan, np.nan, np.nan
    return float((units.v[both] * units.w[both]).sum() / weight), weight, weight / total if total else np.nan


def _inside(code: str, member: str) -> bool:
    return code == member or wijk_of(code) == member or gemeente_of(code) == member


def compute(store: Store, indicator: Indicator, *, years: list[int], levels: list[str] | None = None) -> pd.DataFrame:
    """Every area the series has, every wijk and gemeente its buurten lie in, and every region whose members it
    covers, per year: value, the source's own figure, the roll-up, the method, the weight and its coverage."""
    spec = indicator.weighted
    if spec is None:
        raise UdcError(f"indicator '{indicator.id}' divides counts: it is computed by udc.indicators.compute")
    series = _series(store, spec, years)
    rows = []
    regions = registry.all_members(store)
    for year, part in series.groupby("year"):
        finest = _finest(part.area_code)
        units = part[part.area_code.str.startswith(finest)] if finest else part.iloc[:0]
        own = part.set_index("area_code").v
        parents = set(units.area_code.map(wijk_of)) | set(units.area_code.map(gemeente_of)) if finest == "BU" else set()
        parents |= set(units.area_code.map(gemeente_of)) if finest == "WK" else set()
        targets = sorted((set(part.area_code) | parents) - {None})
        for code in targets:
            inside = units[units.area_code.map(lambda c, code=code: _inside(c, code))]
            is_unit = code[:2] == finest
            rolled, weight, coverage = (np.nan, np.nan, np.nan) if is_unit else _roll(inside)
            source = own.get(code, np.nan)
            rows.append(_row(indicator, code, LEVELS.get(code[:2], "region"), year, source, rolled, weight, coverage))
        for region, members in regions.items():
            inside = units[units.area_code.map(lambda c, m=members: any(_inside(c, x) for x in m))]
            if inside.empty:
                continue
            rolled, weight, coverage = _roll(inside)
            rows.append(_row(indicator, region, "region", year, np.nan, rolled, weight, coverage))
    frame = pd.DataFrame(rows, columns=COLUMNS)
    wanted = levels or indicator.levels
    return frame[frame.level.isin(wanted)].sort_values(["period", "level", "area_code"]).reset_index(drop=True)


def _row(
    indicator: Indicator,
    code: str,
    level: str,
    year: int,
    source: float,
    rolled: float,
    weight: float,
    coverage: float,
) -> dict[str, object]:
    published = not pd.isna(source)
    value = source if published else rolled
    return {
        "indicator": indicator.id,
        "area_code": code,
        "level": level,
        "period": str(int(year)),
        "value": value,
        "source_value": source,
        "rolled_up": rolled,
        "method": "published" if published else ("weighted roll-up" if not pd.isna(rolled) else None),
        "weight": weight,
        "coverage": coverage,
        "status": "published" if not pd.isna(value) else "no figure",
        "numerator": np.nan,
        "denominator": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "funnel": None,
    }
