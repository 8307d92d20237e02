"""The protected aggregates a programme is monitored with: an indicator's numerator and denominator pooled over a
set of areas, per year and over whole periods (the nulmeting, the follow-up) — tables defined in advance, run by
the gate. Pooling periods keeps small outcomes (a few preterm births per wijk a year) above the gate's threshold
without ever looking at a person."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from udc.areas import registry
from udc.errors import UdcError
from udc.indicators.model import Count, Indicator
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import TOTAL, Definition, Protected, TooDetailed, run_defined
from udc.privacy.request import MAX_VALUES, Filter, TableRequest, predicate
from udc.store import catalogue
from udc.store.db import Store


@dataclass
class Run:
    """Who runs the gate tables, where the outputs are collected (a release records them), and what was reused."""

    user: User
    audit: AuditLog
    used: list[Protected] = field(default_factory=list)
    cache: dict = field(default_factory=dict)


def buurten(store: Store, codes: list[str]) -> list[str]:
    """The buurt codes in wijken or municipalities (a buurt code stands for itself)."""
    out: list[str] = []
    for code in codes:
        if code.startswith("BU"):
            out.append(code)
            continue
        below = [c["code"] for c in registry.children(store, code)]
        out += buurten(store, below) if below else []
    if not out:
        raise UdcError(f"no buurten in {', '.join(codes[:5])}: are the areas in the registry?")
    return sorted(set(out))


def _method(store: Store, dataset: str) -> str:
    entry = catalogue.get(store, dataset)
    if entry.sensitivity != "microdata":
        return "published" if entry.sensitivity == "open" else "register"
    return "cellkey" if "record_key" in store.columns(entry.table_name or "") else "suppress"


def per_year(store: Store, count: Count, areas: list[str], years: list[int], run: Run, label: str) -> pd.DataFrame:
    """``period, n`` for every year and ``Totaal`` for all the years together: the count pooled over ``areas``
    (buurt codes), protected. A withheld count is NaN."""
    key = (count.model_dump_json(), tuple(areas), tuple(years))
    if key in run.cache:
        return run.cache[key]
    if len(areas) > MAX_VALUES:
        raise UdcError(f"{len(areas)} buurten in one group: at most {MAX_VALUES} (choose wijken or fewer areas)")
    method = _method(store, count.dataset)
    if method in ("published", "register"):
        frame = _register(store, count, areas, years)
    else:
        request = TableRequest(
            dataset=count.dataset,
            dimensions=[count.area, count.year],
            area=count.area,
            measure=count.measure,
            filters=[Filter(column=count.area, values=areas), Filter(column=count.year, values=years), *count.filters],
        )
        name = f"monitor_{label}".replace("-", "_")[:63]
        try:
            table = run_defined(
                store, Definition(name=name, title=name, request=request, method=method), user=run.user, audit=run.audit
            )
        except TooDetailed:
            frame = pd.DataFrame({"period": [*map(str, years), TOTAL], "n": np.nan})
        else:
            run.used.append(table)
            cells = table.cells[table.cells[count.area].astype(str) == TOTAL]
            value = cells[count.measure] if count.measure else cells["count"]
            usable = (cells["status"] != "suppressed") & value.notna()
            frame = pd.DataFrame(
                {"period": cells[count.year].astype(str).to_numpy(), "n": np.where(usable, value.astype(float), np.nan)}
            )
    run.cache[key] = frame
    return frame


def _register(store: Store, count: Count, areas: list[str], years: list[int]) -> pd.DataFrame:
    """A register's or open table's own figures pooled over ``areas`` (no gate: not microdata)."""
    entry = catalogue.get(store, count.dataset)
    t = store.ibis.table(entry.table_name or "")
    t = t.filter(
        t[count.area].isin(areas), t[count.year].cast("int64").isin(years), *[predicate(t, f) for f in count.filters]
    )
    n = t[count.measure].cast("float64").sum() if count.measure else t.count().cast("float64")
    frame = t.group_by(period=t[count.year].cast("int64").cast("string")).aggregate(n=n).to_pandas()
    total = pd.DataFrame({"period": [TOTAL], "n": [frame.n.sum(min_count=1)]})
    return pd.concat([frame, total], ignore_index=True)


def series(
    store: Store, indicator: Indicator, areas: list[str], years: list[int], run: Run, label: str
) -> pd.DataFrame:
    """``period, k, n, method_k, method_n`` pooled over ``areas``: every year and the years together (Totaal)."""
    k = per_year(store, indicator.numerator, areas, years, run, f"{label}_num")
    n = per_year(store, indicator.denominator, areas, years, run, f"{label}_den")
    frame = k.rename(columns={"n": "k"}).merge(n, on="period", how="outer")
    return frame.assign(
        method_k=_method(store, indicator.numerator.dataset), method_n=_method(store, indicator.denominator.dataset)
    )


def by_area(store: Store, count: Count, areas: list[str], years: list[int], run: Run, label: str) -> pd.Series:
    """code → the count pooled over ``years`` for every buurt in ``areas`` and the wijken and municipalities the
    gate rolls them up to (NaN when withheld): one table for all candidates of a match."""
    method = _method(store, count.dataset)
    if method in ("published", "register"):
        entry = catalogue.get(store, count.dataset)
        t = store.ibis.table(entry.table_name or "")
        t = t.filter(
            t[count.area].isin(areas),
            t[count.year].cast("int64").isin(years),
            *[predicate(t, f) for f in count.filters],
        )
        n = t[count.measure].cast("float64").sum() if count.measure else t.count().cast("float64")
        leaves = t.group_by(code=t[count.area]).aggregate(n=n).to_pandas().set_index("code").n
        wijk = leaves.groupby(lambda c: "WK" + c[2:8]).sum(min_count=1)
        return pd.concat([leaves, wijk, wijk.groupby(lambda c: "GM" + c[2:6]).sum(min_count=1)])
    request = TableRequest(
        dataset=count.dataset,
        dimensions=[count.area],
        area=count.area,
        measure=count.measure,
        filters=[Filter(column=count.area, values=areas), Filter(column=count.year, values=years), *count.filters],
    )
    name = f"monitor_{label}".replace("-", "_")[:63]
    try:
        table = run_defined(
            store, Definition(name=name, title=name, request=request, method=method), user=run.user, audit=run.audit
        )
    except TooDetailed:
        return pd.Series(dtype=float)
    run.used.append(table)
    cells = table.cells
    value = cells[count.measure] if count.measure else cells["count"]
    usable = (cells["status"] != "suppressed") & value.notna()
    return pd.Series(np.where(usable, value.astype(float), np.nan), index=cells[count.area].astype(str))


def levels(
    store: Store, indicator: Indicator, candidates: list[str], areas: list[str], years: list[int], run: Run
) -> dict[str, float]:
    """Per candidate code (wijk or municipality) the indicator's level over ``years`` (NaN when withheld)."""
    k = by_area(store, indicator.numerator, areas, years, run, f"level_{indicator.id}_num")
    n = by_area(store, indicator.denominator, areas, years, run, f"level_{indicator.id}_den")
    out = {}
    for code in candidates:
        num, den = k.get(code, np.nan), n.get(code, np.nan)
        out[code] = float(num / den) if pd.notna(num) and pd.notna(den) and den > 0 else float("nan")
    return out
