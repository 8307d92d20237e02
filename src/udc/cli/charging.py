"""``udc laden …``: charging points in (OCPI, Open Charge Map, a municipal CSV), the laadpalen prognosis and the NAL
check out."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, UserName, emit, facade, say

laden_app = typer.Typer(
    help="Laadpalen: charging points per buurt and 500 m cell, electric cars through the gate, the prognosis per "
    "scenario, the gap and the NAL check.",
    no_args_is_help=True,
)
Region = Annotated[str, typer.Option("--region", help="A region (demoregio) or a gemeente (GM…).")]


@laden_app.command("import")
def laden_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="OCPI 2.2.1 locations JSON (DOT-NL), Open Charge Map JSON or a CSV.")],
    year: Annotated[int, typer.Option(help="The year whose area boundaries place the points.")],
    dataset: Annotated[str, typer.Option(help="Catalogue name of the points.")] = "laadpunten",
    shape: Annotated[str | None, typer.Option(help="ocpi, ocm or csv (default: from the file).")] = None,
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Import charging points as an open table: connectors, access (public, semi_public, private), buurt, wijk,
    gemeente and CBS 500 m cell (E…N…); points outside every area are kept and listed."""
    frame = facade(ctx, store_dir, user).laden.import_points(path, dataset=dataset, year=year, shape=shape)
    outside = frame[frame.outside]
    typer.echo(
        f"{dataset}: {len(frame)} points, {len(frame) - len(outside)} placed in a buurt or gemeente, "
        f"{len(outside)} outside every area; {int(frame.connectors.sum())} connectors"
    )
    for row in outside.itertuples():
        say(f"outside: {row.point_id} ({row.lat:.5f}, {row.lon:.5f}) {row.name}")


@laden_app.command("prognose")
def laden_prognose(
    ctx: typer.Context,
    region: Region,
    year: Annotated[int, typer.Option(help="The year of the prognosis (e.g. 2030).")],
    scenario: Annotated[str, typer.Option(help="laag, midden or hoog.")] = "midden",
    evs_per_connector: Annotated[
        float | None, typer.Option(help="Electric cars sharing one public connector (NKL; default 8).")
    ] = None,
    release: Annotated[
        str | None, typer.Option(help="Also release every scenario for this year as open data under this name.")
    ] = None,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Per buurt: electric cars (protected counts × the scenario), needed and present public connectors and the gap.
    JSON keys: area_code, name, evs, needed, present, public, semi_public, gap, scenario, year."""
    from udc.analysis.charging import Parameters

    parameters = Parameters(evs_per_public_connector=evs_per_connector) if evs_per_connector else None
    laden = facade(ctx, store_dir, user).laden
    result = laden.prognose(region, year=year, scenario=scenario, parameters=parameters)
    rows = result.rows.astype(object).where(result.rows.notna(), None)
    emit(rows.to_dict("records"), fmt, title=f"Laadprognose {region} {year} ({scenario})")
    if release:
        version = laden.release(region, years=[year], name=release, parameters=parameters)
        say(f"released as '{release}' version {version}: every scenario for {year}")


@laden_app.command("nal")
def laden_nal(
    ctx: typer.Context,
    region: Region,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """The NAL check: every CBS 500 m cell with its households (protected), the distance from its centre to the
    nearest public point, and whether it is flagged (125 households or more, no public point within 400 m)."""
    cells = facade(ctx, store_dir, user).laden.nal(region)
    rows = cells.astype(object).where(cells.notna(), None)
    emit(rows.to_dict("records"), fmt, title=f"NAL {region}")


@laden_app.command("report")
def laden_report(
    ctx: typer.Context,
    region: Region,
    year: Annotated[int, typer.Option(help="The year of the prognosis.")],
    out: Annotated[Path, typer.Option(help="FILE.html, or FILE.pdf (printed with Chromium).")],
    scenario: Annotated[str, typer.Option(help="laag, midden or hoog.")] = "midden",
    language: Annotated[str, typer.Option("--lang", help="nl or en.")] = "nl",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """The prognosis as one printable page: per buurt the electric cars, needed and present connectors and the gap,
    the NAL cells, the assumptions."""
    from udc import printing

    page = facade(ctx, store_dir, user).laden.report(region, year=year, scenario=scenario, language=language)
    typer.echo(f"written to {printing.write_page(page, out)}")
