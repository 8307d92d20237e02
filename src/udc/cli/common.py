"""What every command group shares: the ``--store``/``--user``/``--format`` options, the facade they call, output."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import click
import typer

from udc.errors import UdcError
from udc.settings import Settings

if TYPE_CHECKING:
    from udc.api import Udc

Format = Annotated[str, typer.Option("--format", "-f", help="table, csv or json")]
# Every command also takes --store after its name (`udc info --store DIR`), overriding the global one.
StoreDir = Annotated[Path | None, typer.Option("--store", help="Store directory (default: $UDC_STORE or ./udc-data).")]
UserName = Annotated[str | None, typer.Option("--user", help="Acting user (default: the OS account as admin).")]
Years = Annotated[str, typer.Option(help="A year or a span, e.g. 2019-2020.")]
Engine = Annotated[
    str,
    typer.Option(
        help="duckdb (embedded) or spark (local mode, or --spark-master/UDC_SPARK_MASTER): the same result either way."
    ),
]
Language = Annotated[str, typer.Option("--lang", help="Labels in tables for people: nl (Dutch) or en (English).")]

__all__ = [
    "Engine",
    "Format",
    "Language",
    "StoreDir",
    "UserName",
    "Years",
    "command_name",
    "echo_json",
    "emit",
    "facade",
    "require_store",
    "say",
    "write_frame",
]


# The commands that may make a new store: the ones that create or change one (a first import, a first user, a
# policy, the web app over a new store). Every other command only reads and refuses a directory without a store, so
# a mistyped --store is an error instead of a new, empty store that answers "no datasets".
CREATE_STORE = frozenset(
    {
        "demo",
        "init",
        "import",
        "serve",
        "settings",  # reads no store: shows where one would be
        "statline info",  # reads a StatLine server
        *("areas import", "areas fetch", "areas add", "regions define", "statline import", "statline fetch"),
        "eurostat import",  # NUTS codes as they stand: no registry needed
        "regionalstatistik import",
        "laden import",
        "bag import",
        "winkelgebieden import",
        *("link areas", "link persons", "microdata register", "policy set", "indicators add", "monitor add"),
        *("users add", "users grant", "users token", "users revoke-token", "users disable"),
        *("parties add", "parties member", "agreements add", "agreements end", "definitions import"),
        *("participation setup", "participation categories import", "participation keys add"),
    }
)


def is_store(path: Path) -> bool:
    """A store's directory: its database, or the operational files a first user, policy or definition wrote."""
    from udc.store.db import DB_FILE

    try:
        return (path / DB_FILE).exists() or (path.is_dir() and any(path.iterdir()))
    except OSError:
        return False


def command_name(ctx: click.Context) -> str:
    """The command below ``udc`` (``areas list``), however the program was started (``python -m udc``, a runner)."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(reversed(names))


def facade(ctx: typer.Context, store: Path | None = None, user: str | None = None) -> Udc:
    """The Python API over the chosen store (the command's ``--store``, else the global one, else $UDC_STORE)."""
    settings: Settings = ctx.find_root().obj["settings"]
    if store is not None:
        settings = settings.at(store)  # the command's --store: the environment was read once, by the main callback
    if command_name(ctx) not in CREATE_STORE:
        require_store(settings.store)
    from udc.api import Udc  # the facade's imports take seconds: not for --help or a usage error

    return Udc(settings, user=user)


def require_store(path: Path) -> None:
    """Refuse a directory that holds no store, naming the nearest store beside it (a typo of ``udc-data``)."""
    from difflib import get_close_matches

    if is_store(path):
        return
    parent = path.parent if str(path.parent) else Path(".")
    try:
        stores = [p.name for p in parent.iterdir() if is_store(p)] if parent.is_dir() else []
    except OSError:
        stores = []
    near = get_close_matches(path.name, stores, n=1, cutoff=0.6)
    hint = f"; did you mean {parent / near[0]}?" if near else ";"
    raise UdcError(f"no store at {path}{hint} 'udc init --store {path}' creates one, 'udc demo' a demo store")


def emit(rows: list[dict[str, Any]], fmt: str, **kw: Any) -> None:
    from udc.cli.output import emit as render

    render(rows, fmt, **kw)


def echo_json(value: Any, *, document: bool = False) -> None:
    """``--format json``: always a list (one object is a list of one), so a program reads every command the same
    way; strict JSON (null for a missing number). ``document``: a definition printed as itself (``udc indicators
    show``), which ``udc indicators add`` reads back — not a --format output, so not wrapped."""
    from udc.cli.output import dumps

    typer.echo(dumps(value if document or isinstance(value, list) else [value]))


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
