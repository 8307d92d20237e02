"""Re-base a table (area, year, values) to the boundaries of one target year.

Counts are redistributed by the crosswalk shares; rates and averages are re-weighted by their
denominator: ``rate_new = Σ rate·den·share / Σ den·share``. A target value is missing (null) when any
contributing source value is missing — a partial sum would look like a real figure.
The computation is one Ibis expression, so it runs on DuckDB here and on Spark later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from udc.areas.codes import normalise
from udc.areas.crosswalk import crosswalk
from udc.areas.registry import jan1, valid_codes
from udc.errors import InputError, UdcError
from udc.store.db import Store


@dataclass
class Harmonised:
    """The re-based table (same columns as the input) and, per output row, how it was made."""

    table: pd.DataFrame
    report: pd.DataFrame


def parse_rates(specs: list[str]) -> dict[str, str]:
    """``["pct_low_income:households"]`` → ``{"pct_low_income": "households"}``."""
    rates = {}
    for spec in specs:
        column, sep, denominator = spec.partition(":")
        if not sep or not column or not denominator:
            raise UdcError(f"--rates '{spec}' must look like COLUMN:DENOMINATOR")
        rates[column] = denominator
    return rates


def harmonise(
    store: Store,
    data: pd.DataFrame,
    to_year: int,
    *,
    weight: str = "inwoners",
    rates: dict[str, str] | None = None,
    area_column: str = "area_code",
    year_column: str = "year",
    boundary_year: int | None = None,
    source: str = "table",
) -> Harmonised:
    """Re-base ``data`` to the boundaries of 1 January ``to_year``.

    Each row is taken to be on the boundaries of its own ``year`` unless ``boundary_year`` says all rows are
    on one year's boundaries (CBS often publishes a long series on the latest boundaries).
    """
    import ibis

    rates = rates or {}
    for column in (area_column, year_column):
        if column not in data.columns:
            raise InputError(f"no column '{column}' (columns: {', '.join(map(str, data.columns))})", file=source)
    values = [c for c in data.columns if c not in (area_column, year_column)]
    for column, denominator in rates.items():
        if column not in values:
            raise InputError(f"--rates names '{column}', which is not a value column", file=source)
        if denominator not in values or denominator in rates:
            raise InputError(
                f"denominator '{denominator}' of '{column}' must be a count column in the file", file=source
            )
    for column in values:
        if not pd.api.types.is_numeric_dtype(data[column]):
            bad = data[column][pd.to_numeric(data[column], errors="coerce").isna() & data[column].notna()]
            row = int(bad.index[0]) + 2 if len(bad) else None
            raise InputError(
                f"value '{bad.iloc[0] if len(bad) else ''}' is not a number",
                file=source,
                row=row,
                field=str(column),
            )
    frame = data.copy()
    frame[area_column] = frame[area_column].astype(str).map(normalise)
    years = pd.to_numeric(frame[year_column], errors="coerce")
    if years.isna().any():
        row = int(years[years.isna()].index[0]) + 2
        raise InputError(f"'{frame[year_column][row - 2]}' is not a year", file=source, row=row, field=year_column)
    frame[year_column] = years.astype(int)
    frame["_boundary"] = boundary_year if boundary_year is not None else frame[year_column]

    links = []
    for boundary in sorted(frame["_boundary"].unique()):
        codes = sorted(frame.loc[frame["_boundary"] == boundary, area_column].unique())
        _check_codes(store, frame, int(boundary), codes, area_column, source)
        for link in crosswalk(store, int(boundary), to_year, weight, codes=codes):
            links.append(
                {
                    "_boundary": int(boundary),
                    "_from": link.from_code,
                    "_to": link.to_code,
                    "_share": link.share,
                    "_note": link.note,
                }
            )
    cw = pd.DataFrame(links, columns=["_boundary", "_from", "_to", "_share", "_note"])

    t = ibis.memtable(frame.rename(columns={area_column: "_area", year_column: "_year"}))
    x = ibis.memtable(cw)
    joined = t.join(x, (t._boundary == x._boundary) & (t._area == x._from))
    aggregates: dict[str, Any] = {}
    for column in values:
        v = joined[column].cast("float64")
        missing = (v.isnull() & (joined._share > 0)).cast("int64").sum()
        if column in rates:
            den = joined[rates[column]].cast("float64")
            numerator = (v * den * joined._share).sum()
            result = numerator / (den * joined._share).sum().nullif(0)
            missing = missing + (den.isnull() & (joined._share > 0)).cast("int64").sum()
        else:
            result = (v * joined._share).sum()
        aggregates[column] = ibis.ifelse(missing > 0, ibis.null("float64"), result)
    expr = joined.group_by([joined._year, joined._to]).aggregate(**aggregates)
    out = store.ibis.execute(expr).rename(columns={"_to": area_column, "_year": year_column})
    out = out[[area_column, year_column, *values]].sort_values([year_column, area_column]).reset_index(drop=True)
    for column in values:  # counts that were integers stay integers where the result is whole
        if pd.api.types.is_integer_dtype(data[column]) and column not in rates:
            rounded = out[column].round(9)
            if (rounded.dropna() % 1 == 0).all():
                out[column] = rounded.astype("Int64")

    report = _report(frame, cw, area_column, year_column, to_year)
    return Harmonised(out, report)


def _check_codes(store: Store, frame: pd.DataFrame, boundary: int, codes: list[str], area: str, source: str) -> None:
    """Every code must exist on the boundaries it is said to be on; nothing is guessed."""
    valid = set(valid_codes(store, jan1(boundary)))
    for code in codes:
        if code in valid:
            continue
        row = int(frame.index[(frame[area] == code) & (frame["_boundary"] == boundary)][0]) + 2
        versions = store.rows("SELECT valid_from, valid_to FROM areas WHERE code = ? ORDER BY valid_from", [code])
        if not versions:
            raise InputError(
                f"unknown area code '{code}' (import its code list or geometry first)",
                file=source,
                row=row,
                field=area,
            )
        spans = ", ".join(f"{v['valid_from']}–{v['valid_to'] or ''}" for v in versions)
        raise InputError(
            f"{code} did not exist on {boundary}-01-01 (valid {spans}); "
            "pass --boundary-year if the file uses another year's boundaries",
            file=source,
            row=row,
            field=area,
        )


def _report(frame: pd.DataFrame, cw: pd.DataFrame, area: str, year: str, to_year: int) -> pd.DataFrame:
    merged = (
        frame[[area, year, "_boundary"]]
        .drop_duplicates()
        .merge(cw, left_on=["_boundary", area], right_on=["_boundary", "_from"])
    )
    rows = []
    for (y, target), group in merged.groupby([year, "_to"], sort=True):
        sources = group[[area, "_share", "_boundary"]].drop_duplicates()
        unchanged = len(sources) == 1 and sources.iloc[0][area] == target and abs(sources.iloc[0]["_share"] - 1) < 1e-12
        if unchanged:
            how = "unchanged"
        elif (sources["_share"] < 1 - 1e-9).any():
            how = "split" if len(sources) == 1 else "redistributed"
        elif len(sources) > 1:
            how = "merged"
        else:
            how = "recoded"
        notes = "; ".join(sorted({n for n in group["_note"] if n}))
        rows.append(
            {
                "year": int(y),
                "area_code": target,
                "to_year": to_year,
                "method": how,
                "sources": ", ".join(f"{r[area]} ({r['_share']:.4f})" for _, r in sources.iterrows()),
                "note": notes,
            }
        )
    return pd.DataFrame(rows, columns=["year", "area_code", "to_year", "method", "sources", "note"])
