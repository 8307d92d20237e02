"""Strict JSON, the one serialiser behind every JSON output (``--format json``, figures in pages, downloads).

A missing or withheld number is ``null``, never ``NaN``/``Infinity`` (which ``JSON.parse`` and every other strict
parser refuse), a whole number is an integer (counts are counts, not ``234.0``), numpy and pandas scalars (``int64``,
``pd.NA``) are plain Python values, and a NaN that slipped through is an error here rather than unparseable output."""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime
from typing import Any


def plain(value: Any) -> Any:
    """One value as JSON can carry it: numpy scalars as Python numbers, NaN/inf/pandas' NA as None, whole floats as
    integers, dates in ISO form."""
    if value is None or isinstance(value, str | bool):
        return value
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:  # numpy scalar: int64 is no JSON int
        value = value.item()
    if isinstance(value, float):
        if not math.isfinite(value):  # NaN: a withheld or missing cell; inf: no number either
            return None
        return int(value) if value.is_integer() else value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if _is_missing(value):  # pandas.NA / NaT
        return None
    return value


def _is_missing(value: Any) -> bool:
    """pandas' NA or NaT — without importing pandas (0.3 s) for a command that never loaded it."""
    pd = sys.modules.get("pandas")
    return pd is not None and (value is pd.NA or value is pd.NaT)


def strict(value: Any) -> Any:
    """``value`` with every nested number made plain (:func:`plain`): dicts and lists walked, so a NaN deep inside a
    benchmark's peers becomes null too."""
    if isinstance(value, dict):
        return {str(k): strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [strict(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0):  # a numpy array in a cell (a list column)
        return [strict(v) for v in value.tolist()]
    return plain(value)


def dumps(value: Any) -> str:
    """Strict JSON text — the one serialiser behind every ``--format json`` (``allow_nan=False``: a NaN that slipped
    through is an error here, not unparseable output for the caller)."""
    return json.dumps(strict(value), default=_fallback, ensure_ascii=False, indent=2, allow_nan=False)


def _fallback(value: Any) -> Any:
    """What :mod:`json` cannot carry by itself: numpy scalars and arrays, pandas' NA, dates; anything else as text."""
    if hasattr(value, "tolist") and getattr(value, "ndim", 0):
        return strict(value)
    made = plain(value)
    return str(value) if made is value else made


def compact(value: Any, **kwargs: Any) -> str:
    """Strict JSON on one line (Jinja's ``tojson`` filter: a figure's data inside a page). The C encoder first — a
    map's figure holds tens of thousands of coordinates — and the walk of :func:`strict` only when a NaN or an
    infinity is in it (``allow_nan=False`` refuses them instead of writing invalid JSON)."""
    try:
        return json.dumps(value, default=_fallback, allow_nan=False, **kwargs)
    except ValueError:
        return json.dumps(strict(value), default=_fallback, allow_nan=False, **kwargs)
