"""``udc areas …`` and ``udc regions …``: the area registry."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, emit, facade, read_table, say, write_frame

areas_app = typer.Typer(
    help="Area registry: import, list, changes, crosswalks, harmonise, geometry.", no_args_is_help=True
)
regions_app = typer.Typer(help="User-defined regions such as Parkstad Limburg.", no_args_is_help=True)
Weight = Annotated[str, typer.Option(help="inwoners, woningen or hectare")]


@areas_app.command("import")
def areas_import(
    ctx: typer.Context,
    paths: Annotated[list[Path], typer.Argument(help="GeoJSON, GeoPackage, CBS code list or validity list.")],
    year: Annotated[int | None, typer.Option(help="Year the file describes (when it does not say).")] = None,
    kind: Annotated[str | None, typer.Option(help="gemeente, wijk or buurt: reject other kinds.")] = None,
    layer: Annotated[str | None, typer.Option(help="GeoPackage layer.")] = None,
    allow_missing_geometry: Annotated[bool, typer.Option(help="Skip features without geometry.")] = False,
    store_dir: StoreDir = None,
) -> None:
    """Import area files, recognised by content; each file is one transaction (audited)."""
    s = facade(ctx, store_dir)
    for path in paths:
        r = s.areas.import_file(path, year=year, kind=kind, layer=layer, allow_missing_geometry=allow_missing_geometry)
        parts = [f"{path.name}: {r.detected}", f"{r.areas} areas"]
        if r.changes:
            parts.append(f"{r.changes} boundary changes")
        if r.geometries:
            parts.append(f"{r.geometries} geometries, {r.adjacent_pairs} neighbour pairs")
        if r.sizes:
            parts.append(f"{r.sizes} with key figures")
        typer.echo(", ".join(parts))
        for code, reason in r.repaired:
            typer.echo(f"  repaired {code}: {reason}")


@areas_app.command("list")
def areas_list(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="gemeente, wijk, buurt, provincie, …")] = None,
    year: Annotated[int | None, typer.Option(help="Valid on 1 January of this year.")] = None,
    within: Annotated[str | None, typer.Option(help="Only areas inside this area or region.")] = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """List area versions."""
    rows = facade(ctx, store_dir).areas.list(kind=kind, year=year, within=within)
    emit(rows, fmt, title="Areas", columns=["code", "kind", "name", "valid_from", "valid_to", "parent_code"])


@areas_app.command("changes")
def areas_changes(
    ctx: typer.Context,
    from_year: Annotated[int, typer.Option(help="Boundaries of 1 January of this year …")] = 2010,
    to_year: Annotated[int, typer.Option(help="… to those of 1 January of this year.")] = 2100,
    weight: Weight = "inwoners",
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Boundary changes between two years with CBS's figures and the resulting weights."""
    emit(
        facade(ctx, store_dir).areas.changes(from_year, to_year, weight), fmt, title=f"Changes {from_year} → {to_year}"
    )


@areas_app.command("crosswalk")
def areas_crosswalk(
    ctx: typer.Context,
    from_year: Annotated[int, typer.Option(help="Source boundaries (1 January).")],
    to_year: Annotated[int, typer.Option(help="Target boundaries (1 January).")],
    weight: Weight = "inwoners",
    all_codes: Annotated[bool, typer.Option("--all", help="Include unchanged areas (share 1).")] = False,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """The chained old → new crosswalk between two years (municipalities)."""
    links = facade(ctx, store_dir).areas.crosswalk(from_year, to_year, weight)
    rows = [
        {"from_code": x.from_code, "to_code": x.to_code, "share": round(x.share, 6), "note": x.note}
        for x in links
        if all_codes or x.from_code != x.to_code or x.share < 1 or x.note
    ]
    emit(rows, fmt, title=f"Crosswalk {from_year} → {to_year} by {weight}")


@areas_app.command("harmonise")
def areas_harmonise(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or Parquet with area code, year and value columns.")],
    to_year: Annotated[int, typer.Option(help="Re-base to the boundaries of 1 January of this year.")],
    weight: Weight = "inwoners",
    rates: Annotated[list[str] | None, typer.Option(help="COL:DENOMINATOR — COL is a rate/average.")] = None,
    area_column: Annotated[str, typer.Option(help="Column with area codes.")] = "area_code",
    year_column: Annotated[str, typer.Option(help="Column with the year.")] = "year",
    boundary_year: Annotated[int | None, typer.Option(help="All rows are on this year's boundaries.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output .csv or .parquet (default: CSV on stdout).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the per-row conversion report (CSV or JSON).")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Re-base a table to the boundaries of another year (counts redistributed, rates re-weighted)."""
    from udc.areas.harmonise import parse_rates

    result = facade(ctx, store_dir).areas.harmonise(
        read_table(file, [area_column]),
        to_year,
        weight=weight,
        rates=parse_rates(rates or []),
        area_column=area_column,
        year_column=year_column,
        boundary_year=boundary_year,
        source=str(file),
    )
    if out is None:
        result.table.to_csv(sys.stdout, index=False)
    else:
        write_frame(result.table, out)
    changed = result.report[result.report.method != "unchanged"]
    say(f"{len(result.report)} rows on {to_year} boundaries; {len(changed)} converted")
    for _, r in changed.iterrows():
        say(f"  {r.year} {r.area_code}: {r.method} from {r.sources}" + (f" ({r.note})" if r.note else ""))
    if report is not None:
        if report.suffix.lower() == ".json":
            result.report.to_json(report, orient="records", indent=2, force_ascii=False)
        else:
            result.report.to_csv(report, index=False)


@areas_app.command("neighbours")
def areas_neighbours(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Area code, e.g. GM0917.")],
    year: Annotated[int, typer.Option(help="Geometry year.")],
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Areas sharing a border with CODE (from the imported geometry), with their names."""
    api = facade(ctx, store_dir)
    names = api.areas.names()
    rows = [{"code": c, "name": names.get(c, "")} for c in api.areas.neighbours(code, year)]
    emit(
        rows,
        fmt,
        title=f"Neighbours of {code} ({names.get(code.strip().upper(), '')}) in {year}",
        columns=["code", "name"],
    )


@areas_app.command("fetch")
def areas_fetch(
    ctx: typer.Context,
    kind: Annotated[str, typer.Option(help="gemeente, provincie, corop, wijk or buurt")],
    year: Annotated[int, typer.Option(help="Year of the boundaries.")],
    base_url: Annotated[str, typer.Option(help="Replace PDOK's scheme and host (mirror).")] = "https://service.pdok.nl",
    refresh: Annotated[bool, typer.Option(help="Download even when cached.")] = False,
    store_dir: StoreDir = None,
) -> None:
    """Download official boundaries from PDOK once, cache them in the store, and import them."""
    path, r = facade(ctx, store_dir).areas.fetch(kind, year, base_url=base_url, refresh=refresh)
    typer.echo(f"{path.name}: {r.geometries} geometries, {r.adjacent_pairs} neighbour pairs")


@areas_app.command("add")
def areas_add(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="e.g. DEA2D (NUTS) or DE_05334002 (LAU)")],
    name: Annotated[str, typer.Option(help="Name of the area.")],
    parent: Annotated[str | None, typer.Option(help="Parent area code.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Register an area by hand, e.g. a foreign area for cross-border work."""
    facade(ctx, store_dir).areas.add(code, name, parent=parent)
    typer.echo(f"added {code}")


@regions_app.command("define")
def regions_define(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Region name, e.g. parkstad.")],
    members: Annotated[str, typer.Option(help="Comma-separated member codes.")],
    title: Annotated[str | None, typer.Option(help="Display title.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Define (or redefine) a region as a set of areas."""
    codes = members.split(",")
    facade(ctx, store_dir).areas.define_region(name, codes, title)
    typer.echo(f"region {name}: {len(codes)} members")


@regions_app.command("list")
def regions_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """List regions and their members."""
    rows = facade(ctx, store_dir).areas.regions()
    if fmt != "json":
        rows = [{**r, "members": ",".join(r["members"])} for r in rows]
    emit(rows, fmt, title="Regions", columns=["name", "title", "member_count", "members"])


__all__ = ["areas_app", "regions_app"]
