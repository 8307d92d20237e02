"""``udc microdata …``: the microdata contract the studies read, and registering real registers onto it."""

from __future__ import annotations

from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, emit, facade
from udc.errors import UdcError

microdata_app = typer.Typer(
    help="The microdata contract: what studies read, and registers mapped onto it.", no_args_is_help=True
)


@microdata_app.command("contract")
def microdata_contract(fmt: Format = "table") -> None:
    """The contract's tables and fields: type, key, required, allowed values (docs/microdata.md)."""
    from udc.sources.contract import describe

    emit(
        describe(),
        fmt,
        title="Microdata contract",
        columns=["table", "field", "type", "key", "required", "values", "description"],
    )


@microdata_app.command("register")
def microdata_register(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(help="A catalogued person-level table (udc import --sensitivity microdata).")
    ],
    as_table: Annotated[str, typer.Option("--as", help="Contract table: persons, events, persons_yearly, households.")],
    mapping: Annotated[
        str | None, typer.Option("--map", help="field=column,… where the source's names differ.")
    ] = None,
    name: Annotated[str | None, typer.Option(help="Catalogue name (default TABLE_SOURCE).")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Check a register table against the contract (types, key, required values, domains) and catalogue it as the
    contract table the studies read; audited."""
    pairs = {}
    for item in (mapping or "").split(","):
        if not item.strip():
            continue
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise UdcError(f"--map '{item}': expected field=column")
        pairs[field.strip()] = column.strip()
    dataset = facade(ctx, store_dir).sources.register_microdata(source, as_table, pairs, name=name)
    typer.echo(f"{dataset.name}: registered as contract table {as_table} (microdata)")
