"""Render rows as a Rich table, CSV or JSON (a list of objects with stable snake_case keys)."""

from __future__ import annotations

import csv
import json
import sys
from datetime import date, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from udc.errors import UdcError

FORMATS = ("table", "csv", "json")


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value != value:  # NaN: a suppressed or missing cell
        return None
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def emit(rows: list[dict[str, Any]], fmt: str, *, title: str | None = None, columns: list[str] | None = None) -> None:
    if fmt not in FORMATS:
        raise UdcError(f"unknown format '{fmt}': expected one of {', '.join(FORMATS)}")
    columns = columns or (list(rows[0]) if rows else [])
    if fmt == "json":
        json.dump([{c: _plain(r.get(c)) for c in columns} for r in rows], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
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
