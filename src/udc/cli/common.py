"""What every command group shares: the ``--store``/``--user``/``--format`` options, the facade they call, output."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from udc.api import Udc, typed
from udc.settings import Settings

Format = Annotated[str, typer.Option("--format", "-f", help="table, csv or json")]
# Every command also takes --store after its name (`udc info --store DIR`), overriding the global one.
StoreDir = Annotated[Path | None, typer.Option("--store", help="Store directory (default: $UDC_STORE or ./udc-data).")]
UserName = Annotated[str | None, typer.Option("--user", help="Acting user (default: the OS account as admin).")]
Years = Annotated[str, typer.Option(help="A year or a span, e.g. 2019-2020.")]
Engine = Annotated[
    str, typer.Option(help="duckdb (embedded) or spark (local mode, or UDC_SPARK_MASTER): the same result either way.")
]

__all__ = [
    "Engine",
    "Format",
    "StoreDir",
    "UserName",
    "Years",
    "echo_json",
    "emit",
    "facade",
    "say",
    "typed",
    "write_frame",
]


def facade(ctx: typer.Context, store: Path | None = None, user: str | None = None) -> Udc:
    """The Python API over the chosen store (the command's ``--store``, else the global one, else $UDC_STORE)."""
    settings: Settings = ctx.find_root().obj["settings"]
    if store is not None:
        settings = settings.at(store)  # the command's --store: the environment was read once, by the main callback
    return Udc(settings, user=user)


def emit(rows: list[dict[str, Any]], fmt: str, **kw: Any) -> None:
    from udc.cli.output import emit as render

    render(rows, fmt, **kw)


def echo_json(value: Any) -> None:
    from udc.cli.output import _plain

    typer.echo(json.dumps(value, default=_plain, ensure_ascii=False, indent=2))


def write_frame(frame: Any, out: Path) -> None:
    """A table to ``.parquet`` or CSV, by the file's suffix."""
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)


def say(message: str) -> None:
    typer.echo(message, err=True)


def read_table(path: Path, text_columns: list[str] | None = None) -> Any:
    """CSV (any encoding, separator, Dutch numbers), Excel or Parquet — the municipal reader."""
    from udc.sources.tabular import read_table as read

    return read(str(path), text_columns=text_columns).data


def split(text: str | None) -> list[str] | None:
    """A comma-separated option as a list (None when not given)."""
    return [part.strip() for part in text.split(",") if part.strip()] if text else None
