"""``udc leegstand …``: vacancy from linked registers (the BAG × the households on 1 January), through the gate."""

from __future__ import annotations

from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, UserName, emit, facade

leegstand_app = typer.Typer(
    help="Leegstand: the BAG's dwellings linked to the registered households, vacant dwellings per area through "
    "the gate.",
    no_args_is_help=True,
)


@leegstand_app.command("link")
def leegstand_link(ctx: typer.Context, user: UserName = None, store_dir: StoreDir = None) -> None:
    """Link the store's BAG (bag_verblijfsobjecten, an admin's import) in the stock to the households of its 1 January
    (microdata: bag_bewoning). Admins only."""
    name = facade(ctx, store_dir, user).leegstand.link()
    typer.echo(f"linked: {name} (microdata; its counts leave through the gate)")


@leegstand_app.command("woningen")
def leegstand_woningen(
    ctx: typer.Context,
    area: Annotated[str | None, typer.Option(help="Only within this gemeente (GM…).")] = None,
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "buurt",
    release: Annotated[
        str | None, typer.Option(help="Also release every buurt, wijk and gemeente as open data under this name.")
    ] = None,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Vacant dwellings per area: stock, vacant, vacant on two 1 Januaries (long-term) and the rates (%), each count
    protected by the gate. JSON keys: area_code, stock, vacant, vacant_long, rate, rate_long."""
    vacancy = facade(ctx, store_dir, user).leegstand
    frame = vacancy.dwellings(area=area, level=level)
    rows = frame.astype(object).where(frame.notna(), None)
    emit(rows.to_dict("records"), fmt, title=f"Leegstand per {level}")
    if release:
        typer.echo(f"released as '{release}' version {vacancy.release(release)}", err=True)


winkelgebieden_app = typer.Typer(
    help="Winkelgebieden: shopping areas drawn as polygons, their shop vacancy, long-term vacancy and churn per year.",
    no_args_is_help=True,
)


@winkelgebieden_app.command("import")
def winkelgebieden_import(
    ctx: typer.Context,
    path: Annotated[str, typer.Argument(help="GeoJSON polygons (WGS84), each with a 'name' property.")],
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Import shopping areas (replacing the earlier ones)."""
    frame = facade(ctx, store_dir, user).leegstand.import_shopping_areas(path)
    typer.echo(f"winkelgebieden: {len(frame)} areas ({', '.join(frame.name)[:200]})")


@winkelgebieden_app.command("leegstand")
def winkelgebieden_leegstand(
    ctx: typer.Context, fmt: Format = "table", user: UserName = None, store_dir: StoreDir = None
) -> None:
    """Per shopping area and year: premises, vacant, long-term vacant, rate (%), closures and openings. JSON keys:
    area, year, premises, vacant, vacant_long, closures, openings, rate."""
    frame = facade(ctx, store_dir, user).leegstand.shopping()
    rows = frame.astype(object).where(frame.notna(), None)
    emit(rows.to_dict("records"), fmt, title="Winkelgebieden")
