"""Render rows as a Rich table, CSV or JSON (a list of objects with stable snake_case keys).

JSON is strict: a missing or withheld number is ``null``, never ``NaN``/``Infinity`` (which ``JSON.parse`` and
every other strict parser refuse), and a whole number is an integer (counts are counts, not ``234.0``)."""

from __future__ import annotations

import csv
import json
import math
import sys
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from udc.errors import UdcError

FORMATS = ("table", "csv", "json")


def _plain(value: Any) -> Any:
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
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover - pandas is a dependency
        return False


def _strict(value: Any) -> Any:
    """``value`` with every nested number made plain (:func:`_plain`): dicts and lists walked, so a NaN deep inside a
    benchmark's peers becomes null too."""
    if isinstance(value, dict):
        return {str(k): _strict(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_strict(v) for v in value]
    if hasattr(value, "tolist") and getattr(value, "ndim", 0):  # a numpy array in a cell (a list column)
        return [_strict(v) for v in value.tolist()]
    return _plain(value)


def dumps(value: Any) -> str:
    """Strict JSON text — the one serialiser behind every ``--format json`` (``allow_nan=False``: a NaN that slipped
    through is an error here, not unparseable output for the caller)."""
    return json.dumps(_strict(value), default=_fallback, ensure_ascii=False, indent=2, allow_nan=False)


def _fallback(value: Any) -> Any:
    plain = _plain(value)
    return str(value) if plain is value else plain


def emit(rows: list[dict[str, Any]], fmt: str, *, title: str | None = None, columns: list[str] | None = None) -> None:
    if fmt not in FORMATS:
        raise UdcError(f"unknown format '{fmt}': expected one of {', '.join(FORMATS)}")
    columns = columns or (list(rows[0]) if rows else [])
    if fmt == "json":
        sys.stdout.write(dumps([{c: r.get(c) for c in columns} for r in rows]) + "\n")
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow(["" if _plain(r.get(c)) is None else _plain(r.get(c)) for c in columns])
    else:
        table = Table(title=title, show_lines=False)
        for c in columns:
            table.add_column(c)
        for r in rows:
            table.add_row(*[_cell(_plain(r.get(c))) for c in columns])
        console = Console()
        if not console.is_terminal:  # piped or captured: do not squeeze columns into 80 characters
            console = Console(width=200)
        console.print(table)


def _cell(value: Any) -> str:
    """A value as a person reads it in a table: nothing for missing, a list as its items (JSON keeps the list)."""
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_cell(v) for v in value)
    return str(value)
