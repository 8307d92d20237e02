"""Tables as programs read them: counts as whole numbers."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd


def whole_numbers(frame: pd.DataFrame, columns: Iterable[str] | None = None) -> pd.DataFrame:
    """``frame`` with its float columns that hold only whole numbers as pandas' nullable integers — ``87``, not
    ``87.0``; a withheld cell ``<NA>``, not ``NaN`` — what a CSV, a JSON document or a program reading a count
    expects. ``columns``: only these (the gate's ``count``), else every float column (a download). A column with a
    fraction in it is left as it is: it is no count."""
    names = frame.select_dtypes("float").columns if columns is None else [c for c in columns if c in frame.columns]
    changed = {}
    for column in names:
        if not pd.api.types.is_float_dtype(frame[column]):
            continue
        values = frame[column].to_numpy(dtype="float64", na_value=np.nan)
        known = values[~np.isnan(values)]
        if len(known) and np.all(known == np.round(known)) and np.all(np.abs(known) < 2**53):
            changed[column] = pd.array(values, dtype="Float64").astype("Int64")
    return frame.assign(**changed) if changed else frame


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula (``=HYPERLINK(…)`` in an imported label) start with a
    quote, as OWASP advises for CSV and Excel downloads: open data is read in Excel, and imported text is not
    ours."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_object_dtype(out[column]) or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(
                lambda v: f"'{v}" if isinstance(v, str) and v.startswith(FORMULA_START) else v
            )
    return out
