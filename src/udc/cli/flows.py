"""``udc flows``: verhuisstromen per municipality or region — one view, a whole study, or an offline report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from udc.cli.common import Engine, Language, StoreDir, UserName, emit, facade, split, write_frame
from udc.cli.gate import Replace
from udc.errors import UdcError

flows_app = typer.Typer(help="Verhuisstromen: protected migration flows per municipality or region.")
Region = Annotated[str | None, typer.Option(help="A region (e.g. parkstad, demoregio).")]
Municipality = Annotated[str | None, typer.Option(help="A municipality code (GMxxxx).")]
Level = Annotated[str, typer.Option(help="gemeente or wijk (od view).")]


def _area(region: str | None, municipality: str | None) -> str:
    area = region or municipality
    if not area:
        raise UdcError("give --region NAME or --municipality GMxxxx")
    return area


@flows_app.callback(invoke_without_command=True)
def flows_cmd(
    ctx: typer.Context,
    region: Region = None,
    municipality: Municipality = None,
    years: Annotated[str, typer.Option(help="A year or a span, e.g. 2019-2020.")] = "2019-2020",
    group: Annotated[
        str, typer.Option(help="adults, young-families, middle-income, students, seniors, all.")
    ] = "adults",
    level: Level = "gemeente",
    view: Annotated[
        str, typer.Option(help="balance, destinations, origins, od, triggers, trend or rates.")
    ] = "balance",
    user: UserName = None,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the enriched moves table first.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or parquet (parquet needs --out).")] = (
        "table"
    ),
    out: Annotated[Path | None, typer.Option(help="Write the table to this file (.parquet or .csv).")] = None,
    release: Annotated[
        str | None, typer.Option(help="Also catalogue the protected table as released open data under this name.")
    ] = None,
    replace: Replace = False,
    from_table: Annotated[
        str | None,
        typer.Option(
            help="Use an aggregated 81734NED-shaped table (origin × destination × year) instead of microdata."
        ),
    ] = None,
    boundary_year: Annotated[
        int | None, typer.Option(help="With --from-table: re-base codes to this year's municipalities (default: last).")
    ] = None,
    engine: Engine = "duckdb",
    language: Language = "nl",
    store_dir: StoreDir = None,
) -> None:
    """Migration flows: from microdata every number through the disclosure gate (cell key); or from open data. The
    table format shows labels (``--lang``); csv, json and parquet keep the codes programs read."""
    if ctx.invoked_subcommand is not None:
        return
    from udc.analysis.flows import balance_summary

    area = _area(region, municipality)
    if fmt == "parquet" and out is None:
        raise UdcError("--format parquet writes a file: add --out FILE.parquet")
    s = facade(ctx, store_dir, user)
    result = s.flows.table(
        area,
        view=view,
        years=years,
        group=group,
        level=level,
        from_table=from_table,
        boundary_year=boundary_year,
        rebuild=rebuild,
        engine=engine,
    )
    if release and result.table is None:
        raise UdcError("--release: open data need no gate; the table is already public")
    if release and result.table is not None:
        s.release(
            result.table,
            release,
            title=f"Verhuisstromen {area} {years}, {group}: {view}",
            replace=replace,
            definition={
                "study": "verhuisstromen",
                "area": area,
                "years": years,
                "group": group,
                "view": view,
                "level": level,
            },
        )
    frame = result.frame
    if out is not None:
        write_frame(frame, out.with_suffix(".parquet") if fmt == "parquet" else out)
        typer.echo(f"{len(frame)} cells written to {out}")
        return
    for note in result.notes[1:]:
        typer.echo(f"note: {note}", err=True)
    shown = frame
    if fmt == "table":  # people read labels; csv and json keep the codes programs read
        from udc.labelling import header

        shown = s.labelled(result, language)
        shown.columns = [header(str(c), language) for c in shown.columns]
    emit(shown.to_dict("records"), fmt, title=f"{view}: {area} {years}, {result.group} ({result.method})")
    if view == "balance" and fmt == "table":
        summary = balance_summary(result)
        typer.echo(f"in {summary['in']}, out {summary['out']}, within {summary['within']}, net {summary['net']}")


@flows_app.command("study")
def flows_study(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Directory for one file per view.")],
    areas: Annotated[
        str,
        typer.Option(help="'all' (every municipality with moves, and every region) or codes/regions, comma-separated."),
    ] = "all",
    years: Annotated[str, typer.Option(help="A year or a span.")] = "2019-2020",
    groups: Annotated[str | None, typer.Option(help="Comma-separated target groups (default: all but 'all').")] = None,
    level: Level = "gemeente",
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet or csv.")] = "parquet",
    release: Annotated[
        str | None, typer.Option(help="Also catalogue each view as released open data, named PREFIX_view.")
    ] = None,
    replace: Replace = False,
    tails: Annotated[
        bool,
        typer.Option(help="Also list withheld flows to or from single municipalities (left out by default)."),
    ] = False,
    engine: Engine = "duckdb",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Every view for every area × target group in one pass (moves counted once), each table protected."""
    if fmt not in ("parquet", "csv"):
        raise UdcError(f"--format {fmt}: expected parquet or csv")
    s = facade(ctx, store_dir, user)
    tables = s.flows.study(
        "all" if areas == "all" else split(areas) or [],
        years=years,
        groups=split(groups),
        level=level,
        tails=tails,
        engine=engine,
    )
    if release:
        for name in s.flows.release_study(tables, release, years=years, replace=replace):
            typer.echo(f"released {name}")
    out.mkdir(parents=True, exist_ok=True)
    for view, table in tables.items():
        write_frame(table.cells, out / f"{view}.{fmt}")
        typer.echo(f"{view}: {len(table.cells):,} cells, {table.suppressed:,} suppressed → {out / f'{view}.{fmt}'}")


@flows_app.command("report")
def flows_report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="The file to write: .html, or .pdf (printed by headless Chromium).")],
    region: Region = None,
    municipality: Municipality = None,
    years: Annotated[str, typer.Option(help="A year or a span.")] = "2019-2020",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """An offline report (HTML, or PDF): balance per target group, Sankey of origins/destinations, trend, with the
    date, the source and the protection."""
    facade(ctx, store_dir, user).flows.report(_area(region, municipality), out, years=years)
    typer.echo(f"report written to {out}")
