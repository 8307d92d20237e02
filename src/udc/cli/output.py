"""Render rows as a Rich table, CSV or JSON (a list of objects with stable snake_case keys).

JSON is strict: a missing or withheld number is ``null``, never ``NaN``/``Infinity`` (which ``JSON.parse`` and
every other strict parser refuse), and a whole number is an integer (counts are counts, not ``234.0``)."""

from __future__ import annotations

import csv
import sys
from typing import Any

from rich.console import Console
from rich.table import Table

from udc.errors import UdcError
from udc.strictjson import dumps, plain

__all__ = ["FORMATS", "dumps", "emit"]

FORMATS = ("table", "csv", "json")


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
            writer.writerow(["" if plain(r.get(c)) is None else plain(r.get(c)) for c in columns])
    else:
        table = Table(title=title, show_lines=False)
        for c in columns:
            table.add_column(c)
        for r in rows:
            table.add_row(*[_cell(plain(r.get(c))) for c in columns])
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
