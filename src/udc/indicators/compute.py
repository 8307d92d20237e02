"""Computing indicators: numerator and denominator as protected counts per area and year (tables defined in
advance, run by the gate: cell key where the dataset has record keys, secondary suppression where it has not),
the ratio from the published counts, and a 95 % interval.

The interval is Wilson's for a percentage of one population and the exact Poisson interval of the numerator for
rates, means and ratios (so that a buurt of 40 residents does not look extreme by chance), widened by the cell-key
noise the policy documents (variance V on each published count, carried through the ratio by the delta method).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from udc.areas import registry
from udc.areas.codes import gemeente_of, wijk_of
from udc.errors import UdcError
from udc.indicators import crossborder, weighted
from udc.indicators.intervals import Z, flags, proportion
from udc.indicators.model import OUTPUT, Count, Indicator
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import TOTAL, Definition, Protected, TooDetailed, run_defined
from udc.privacy.policy import current
from udc.privacy.request import Filter, TableRequest, predicate
from udc.store import catalogue
from udc.store.db import Store

COLUMNS = OUTPUT
LEVEL_OF = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}


def _published(store: Store, count: Count, years: list[int]) -> pd.DataFrame:
    """An open/internal area table's own figures: per area and year the sum of ``measure`` (or the rows), buurten
    rolled up to wijken and gemeenten the table does not list itself, and the total of the gemeenten (the
    Netherlands when the table covers every municipality). Aggregated by the store's engine, compiled by Ibis from
    the typed filters."""
    entry = catalogue.get(store, count.dataset)
    table = store.ibis.table(entry.table_name or "")
    missing = [c for c in (count.area, count.year, count.measure) if c and c not in table.columns]
    if missing:
        raise UdcError(f"'{count.dataset}' has no column {', '.join(missing)} (columns: {', '.join(table.columns)})")
    conditions = [predicate(table, f) for f in count.filters]
    conditions.append(table[count.year].cast("int64").isin(years))
    table = table.filter(*conditions)
    n = table[count.measure].cast("float64").sum() if count.measure else table.count().cast("float64")
    grouped = (
        table.group_by(
            area_code=table[count.area].cast("string"), period=table[count.year].cast("int64").cast("string")
        )
        .aggregate(n=n)
        .to_pandas()
    )
    parts = [grouped]
    for level, parent in (("BU", wijk_of), ("WK", gemeente_of)):
        below = pd.concat(parts, ignore_index=True)
        below = below[below.area_code.str.startswith(level)]
        rolled = (
            below.assign(area_code=below.area_code.map(parent))
            .groupby(["area_code", "period"], as_index=False)["n"]
            .sum(min_count=1)
        )
        parts.append(rolled[~rolled.area_code.isin(set(grouped.area_code))])
    frame = pd.concat(parts, ignore_index=True)
    gm = frame[frame.area_code.str.match(r"^GM\d{4}$")]
    total = gm.groupby("period", as_index=False)["n"].sum(min_count=1).assign(area_code=TOTAL)
    return pd.concat([frame, total], ignore_index=True)


class Counts(dict):
    """Protected counts already computed in this run, by count definition and years: many indicators share a
    denominator (all residents, all households), and the gate's cell key gives the same table again anyway."""


def _counts(
    store: Store,
    indicator: Indicator,
    part: str,
    count: Count,
    years: list[int],
    user: User,
    audit: AuditLog,
    collect: list[Protected] | None,
    cache: Counts | None = None,
) -> tuple[pd.DataFrame, str]:
    """Per area code (buurt, wijk, gemeente, total) and year: the protected count (or sum) and whether it is usable."""
    key = (count.model_dump_json(), tuple(years))
    if cache is not None and key in cache:
        return cache[key]
    found = _count(store, indicator, part, count, years, user, audit, collect)
    if cache is not None:
        cache[key] = found
    return found


def _count(
    store: Store,
    indicator: Indicator,
    part: str,
    count: Count,
    years: list[int],
    user: User,
    audit: AuditLog,
    collect: list[Protected] | None,
) -> tuple[pd.DataFrame, str]:
    entry = catalogue.get(store, count.dataset)
    if entry.sensitivity != "microdata":  # a register's full counts vary by chance too; a statistics office's don't
        return _published(store, count, years), "published" if entry.sensitivity == "open" else "register"
    columns = store.columns(entry.table_name or "")
    method = "cellkey" if "record_key" in columns else "suppress"
    request = TableRequest(
        dataset=count.dataset,
        dimensions=[count.area, count.year],
        filters=[Filter(column=count.area, prefix="BU"), Filter(column=count.year, values=years), *count.filters],
        measure=count.measure,
        area=count.area,
    )
    name = f"{indicator.id}_{part}"[:63]
    try:
        table: Protected = run_defined(
            store, Definition(name=name, title=name, request=request, method=method), user=user, audit=audit
        )
    except TooDetailed:  # so few records that every buurt is nearly a person: nothing of it can be published
        return pd.DataFrame(
            {"area_code": pd.Series(dtype=str), "period": pd.Series(dtype=str), "n": pd.Series(dtype=float)}
        ), method
    if collect is not None:
        collect.append(table)
    cells = table.cells
    cells = cells[cells[count.year].astype(str) != TOTAL]
    value = cells[count.measure] if count.measure else cells["count"]
    usable = (cells["status"] != "suppressed") & value.notna()
    out = pd.DataFrame(
        {
            "area_code": cells[count.area].astype(str).to_numpy(),
            "period": cells[count.year].astype(str).to_numpy(),
            "n": np.where(usable, value.astype(float), np.nan),
        }
    )
    return out, method


def _rebased(store: Store, frame: pd.DataFrame, to_year: int) -> tuple[pd.DataFrame, dict[tuple[str, str], str]]:
    """Municipal numerators and denominators of every year re-based to the boundaries of ``to_year`` through the
    registry's crosswalks (a merger sums its predecessors; a split shares by inhabitants), so the ratio of a
    merged municipality is recomputed from counts, not averaged. Buurten and wijken have no crosswalk: they are
    left out of a re-based series. Returns the frame and a note per re-based (area, period) that changed."""
    from udc.areas.harmonise import harmonise

    gm = frame[frame.area_code.str.match(r"^GM\d{4}$")]
    keep = frame[frame.area_code == TOTAL]
    if gm.empty:
        return keep, {}
    data = gm.rename(columns={"period": "year"})[["area_code", "year", "n_num", "n_den"]]
    result = harmonise(store, data.reset_index(drop=True), to_year, source="indicator counts")
    table = result.table.rename(columns={"year": "period"}).astype({"period": str})
    table[["n_num", "n_den"]] = table[["n_num", "n_den"]].astype(float)
    notes = {
        (r.area_code, str(r.year)): f"{r.method} to {to_year}: {r.sources}"
        for r in result.report.itertuples()
        if r.method != "unchanged"
    }
    return pd.concat([table, keep], ignore_index=True), notes


def _regions(store: Store, frame: pd.DataFrame) -> pd.DataFrame:
    """Regions as the sums of their members' published counts (unknown when a member's count is withheld)."""
    rows = []
    for region, members in registry.all_members(store).items():
        part = frame[frame.area_code.isin(members)]
        for period, group in part.groupby("period"):
            if set(group.area_code) != set(members):
                continue
            rows.append(
                {
                    "area_code": region,
                    "period": period,  # a withheld member makes the sum unknown
                    "n_num": group.n_num.sum(min_count=len(group)),
                    "n_den": group.n_den.sum(min_count=len(group)),
                }
            )
    return pd.concat([frame, pd.DataFrame(rows)], ignore_index=True) if rows else frame


def compute(
    store: Store,
    indicator: Indicator,
    *,
    years: list[int],
    user: User,
    audit: AuditLog,
    levels: list[str] | None = None,
    collect: list[Protected] | None = None,
    boundaries: int | None = None,
    cache: Counts | None = None,
    foreign: list[str] | None = None,
) -> pd.DataFrame:
    """The indicator for every area of its (or the asked) levels and every year: value, protected numerator and
    denominator, 95 % interval, status (published, suppressed, no_population). The gate outputs it used are
    appended to ``collect`` (a release records them). With ``boundaries`` every year is on that year's municipal
    boundaries (see :func:`_rebased`; a ``note`` column says how each changed value was made). Pass one
    :class:`Counts` to a run of several indicators so that shared counts are protected once. ``foreign``: members
    of a region across the border (German Gemeinden) listed beside the Dutch areas from their own statistics, with
    ``country`` and ``comparability`` columns (:mod:`udc.indicators.crossborder`)."""
    if indicator.weighted is not None:  # a published rate or mean: rolled up by its weight, no counts to protect
        return weighted.compute(store, indicator, years=years, levels=levels)
    assert indicator.numerator is not None and indicator.denominator is not None  # the model allows no other form
    numerator, method_num = _counts(store, indicator, "num", indicator.numerator, years, user, audit, collect, cache)
    denominator, method_den = _counts(
        store, indicator, "den", indicator.denominator, years, user, audit, collect, cache
    )
    frame = numerator.rename(columns={"n": "n_num"}).merge(
        denominator.rename(columns={"n": "n_den"}), on=["area_code", "period"], how="outer"
    )
    notes: dict[tuple[str, str], str] = {}
    if boundaries is not None:
        frame, notes = _rebased(store, frame, boundaries)
    if foreign:
        frame = pd.concat([frame, crossborder.counts(store, indicator.id, foreign, years)], ignore_index=True)
    frame = _regions(store, frame)
    k, n = frame.n_num.to_numpy(float), frame.n_den.to_numpy(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(n > 0, k / n, np.nan)
        low, high = proportion(k, n, percent=indicator.unit == "percent")
        if method_num == method_den == "published":  # a statistics office's figures: no interval of ours
            low = high = np.full(len(k), np.nan)
        noise = current(store).cell_key_v * ((method_num == "cellkey") + (method_den == "cellkey") * ratio**2)
        widen = Z * np.sqrt(noise) / n
    scale = indicator.scale
    value = ratio * scale
    ci_low = np.maximum(0.0, (low - widen) * scale)
    ci_high = (high + widen) * scale
    if indicator.unit == "percent":
        ci_high = np.minimum(ci_high, 100.0)
    status = np.where(np.isnan(k) | np.isnan(n), "suppressed", np.where(n > 0, "published", "no_population"))
    out = pd.DataFrame(
        {
            "indicator": indicator.id,
            "area_code": frame.area_code,
            "level": frame.area_code.map(_level),
            "period": frame.period,
            "value": value,
            "numerator": k,
            "denominator": n,
            "ci_low": np.where(status == "published", ci_low, np.nan),
            "ci_high": np.where(status == "published", ci_high, np.nan),
            "status": status,
        }
    )
    out["funnel"] = funnel(out, indicator)
    columns = COLUMNS
    if foreign:
        out = crossborder.annotate(out, indicator.id, foreign, _countries(store))
        columns = [*COLUMNS, *crossborder.COLUMNS]
    wanted = levels or indicator.levels
    out = out[out.level.isin(wanted)]
    if boundaries is not None:
        out["note"] = [notes.get((a, str(p)), "") for a, p in zip(out.area_code, out.period, strict=True)]
        columns = [*COLUMNS, "note"]
    return out.sort_values(["period", "level", "area_code"]).reset_index(drop=True)[columns]


def funnel(frame: pd.DataFrame, indicator: Indicator) -> pd.Series:
    """Funnel-plot flags against the total of the same year (see :func:`udc.indicators.intervals.flags`)."""
    result = pd.Series(None, index=frame.index, dtype=object)
    for _, part in frame.groupby("period"):
        total = part[part.area_code == TOTAL]
        if total.empty or total.status.iloc[0] != "published":
            continue
        p0 = float(total.numerator.iloc[0] / total.denominator.iloc[0])
        k, n = part.numerator.to_numpy(float), part.denominator.to_numpy(float)
        found = flags(k, n, p0, percent=indicator.unit == "percent")
        result.loc[part.index] = np.where((part.status == "published").to_numpy(), found, None)
    return result


def _level(code: str) -> str:
    if code == TOTAL:
        return "total"
    if code[:3] in ("DE_", "BE_") and len(code) > 8:  # a German or Belgian municipality (LAU)
        return "gemeente"
    return LEVEL_OF.get(code[:2], "region") if code[:2].isupper() else "region"


def _countries(store: Store) -> dict[str, str]:
    """Each region's countries (``NL``, ``DE,NL``): what a region row of a cross-border region stands for."""
    return {
        region: ",".join(sorted({m[:2] if m[2:3] == "_" else "NL" for m in members}))
        for region, members in registry.all_members(store).items()
    }


def rounded(frame: pd.DataFrame, digits: int = 1) -> pd.DataFrame:
    """Values and intervals rounded for display; counts as integers."""
    out = frame.copy()
    for column in ("value", "ci_low", "ci_high", "source_value", "rolled_up"):
        if column in out:
            out[column] = out[column].astype(float).round(digits)
    if "coverage" in out:
        out["coverage"] = out["coverage"].astype(float).round(3)
    for column in ("numerator", "denominator", "weight"):
        if column in out:
            out[column] = out[column].map(lambda v: None if v is None or pd.isna(v) else round(v))
    return out
