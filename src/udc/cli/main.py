"""``udc`` commands. Each one parses options, calls the Python API and renders the result.

Errors a user can cause are :class:`UdcError`; they are printed as one line on stderr with exit code 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from udc.errors import UdcError
from udc.store.db import Store, default_store_path

app = typer.Typer(
    help="udc — Urban Data Center toolkit: areas, CBS and municipal data, protected statistics. Offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
areas_app = typer.Typer(
    help="Area registry: import, list, changes, crosswalks, harmonise, geometry.", no_args_is_help=True
)
regions_app = typer.Typer(help="User-defined regions such as Parkstad Limburg.", no_args_is_help=True)
app.add_typer(areas_app, name="areas")
app.add_typer(regions_app, name="regions")

Format = Annotated[str, typer.Option("--format", "-f", help="table, csv or json")]
# Every command also takes --store after its name (`udc info --store DIR`), overriding the global one.
StoreDir = Annotated[Path | None, typer.Option("--store", help="Store directory (default: $UDC_STORE or ./udc-data).")]


def _store(ctx: typer.Context, store: Path | None = None) -> Store:
    path = store or (ctx.obj["store"] if ctx.obj else default_store_path())
    return Store(path)


@app.callback()
def _main(
    ctx: typer.Context,
    store: Annotated[Path, typer.Option("--store", envvar="UDC_STORE", help="Store directory.")] = Path("udc-data"),
) -> None:
    ctx.obj = {"store": store}


def _emit(rows: list[dict[str, Any]], fmt: str, **kw: Any) -> None:
    from udc.cli.output import emit

    emit(rows, fmt, **kw)


def _say(message: str) -> None:
    typer.echo(message, err=True)


# -- info -------------------------------------------------------------------------------------------
@app.command()
def info(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """Store summary: datasets with sensitivity and row counts, area versions, regions."""
    from udc.api import store_info

    with _store(ctx, store_dir) as store:
        summary = store_info(store)
    if fmt == "json":
        import json

        from udc.cli.output import _plain

        typer.echo(json.dumps(summary, default=_plain, ensure_ascii=False, indent=2))
        return
    typer.echo(f"store {summary['store']} (schema version {summary['schema_version']})")
    _emit(
        summary["datasets"],
        fmt,
        title="Datasets",
        columns=["name", "title", "source", "sensitivity", "rows", "period_start", "period_end"],
    )
    _emit(
        summary["areas"],
        fmt,
        title="Area versions",
        columns=["kind", "label", "codes", "versions", "first_valid", "last_valid", "geometry_years"],
    )
    _emit(summary["regions"], fmt, title="Regions", columns=["name", "title", "member_count"])


# -- areas ------------------------------------------------------------------------------------------
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
    """Import area files, recognised by content; each file is one transaction."""
    from udc.areas import registry

    with _store(ctx, store_dir) as store:
        for path in paths:
            r = registry.import_file(
                store, path, year=year, kind=kind, layer=layer, allow_missing_geometry=allow_missing_geometry
            )
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
    from udc.areas import registry

    with _store(ctx, store_dir) as store:
        rows = registry.list_areas(store, kind=kind, year=year, within=within)
    _emit(rows, fmt, title="Areas", columns=["code", "kind", "name", "valid_from", "valid_to", "parent_code"])


@areas_app.command("changes")
def areas_changes(
    ctx: typer.Context,
    from_year: Annotated[int, typer.Option(help="Boundaries of 1 January of this year …")] = 2010,
    to_year: Annotated[int, typer.Option(help="… to those of 1 January of this year.")] = 2100,
    weight: Annotated[str, typer.Option(help="inwoners, woningen or hectare")] = "inwoners",
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Boundary changes between two years with CBS's figures and the resulting weights."""
    from udc.areas.crosswalk import changes_between

    with _store(ctx, store_dir) as store:
        rows = changes_between(store, from_year, to_year, weight)
    _emit(rows, fmt, title=f"Changes {from_year} → {to_year}")


@areas_app.command("crosswalk")
def areas_crosswalk(
    ctx: typer.Context,
    from_year: Annotated[int, typer.Option(help="Source boundaries (1 January).")],
    to_year: Annotated[int, typer.Option(help="Target boundaries (1 January).")],
    weight: Annotated[str, typer.Option(help="inwoners, woningen or hectare")] = "inwoners",
    all_codes: Annotated[bool, typer.Option("--all", help="Include unchanged areas (share 1).")] = False,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """The chained old → new crosswalk between two years (municipalities)."""
    from udc.areas.crosswalk import crosswalk

    with _store(ctx, store_dir) as store:
        links = crosswalk(store, from_year, to_year, weight)
    rows = [
        {"from_code": x.from_code, "to_code": x.to_code, "share": round(x.share, 6), "note": x.note}
        for x in links
        if all_codes or x.from_code != x.to_code or x.share < 1 or x.note
    ]
    _emit(rows, fmt, title=f"Crosswalk {from_year} → {to_year} by {weight}")


def _read_table(path: Path) -> Any:
    import pandas as pd

    from udc.errors import InputError

    if not path.exists():
        raise InputError("file not found", file=str(path))
    if path.suffix.lower() == ".parquet":
        try:
            return pd.read_parquet(path)
        except Exception as exc:
            raise InputError(f"cannot read Parquet: {exc}", file=str(path)) from None
    head = path.read_bytes()[:4096].decode("utf-8-sig", errors="replace").splitlines()
    if not head:
        raise InputError("empty file", file=str(path))
    sep = ";" if head[0].count(";") > head[0].count(",") else ","
    decimal = "," if sep == ";" else "."
    try:
        return pd.read_csv(path, sep=sep, decimal=decimal, encoding="utf-8-sig", dtype={"area_code": str})
    except UnicodeDecodeError:
        return pd.read_csv(path, sep=sep, decimal=decimal, encoding="cp1252", dtype={"area_code": str})
    except pd.errors.ParserError as exc:
        raise InputError(f"not a valid CSV: {str(exc).splitlines()[0]}", file=str(path)) from None


@areas_app.command("harmonise")
def areas_harmonise(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="CSV or Parquet with area code, year and value columns.")],
    to_year: Annotated[int, typer.Option(help="Re-base to the boundaries of 1 January of this year.")],
    weight: Annotated[str, typer.Option(help="inwoners, woningen or hectare")] = "inwoners",
    rates: Annotated[list[str] | None, typer.Option(help="COL:DENOMINATOR — COL is a rate/average.")] = None,
    area_column: Annotated[str, typer.Option(help="Column with area codes.")] = "area_code",
    year_column: Annotated[str, typer.Option(help="Column with the year.")] = "year",
    boundary_year: Annotated[int | None, typer.Option(help="All rows are on this year's boundaries.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output .csv or .parquet (default: CSV on stdout).")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the per-row conversion report (CSV or JSON).")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Re-base a table to the boundaries of another year (counts redistributed, rates re-weighted)."""
    from udc.areas.harmonise import harmonise, parse_rates

    data = _read_table(file)
    with _store(ctx, store_dir) as store:
        result = harmonise(
            store,
            data,
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
    elif out.suffix.lower() == ".parquet":
        result.table.to_parquet(out, index=False)
    else:
        result.table.to_csv(out, index=False)
    changed = result.report[result.report.method != "unchanged"]
    _say(f"{len(result.report)} rows on {to_year} boundaries; {len(changed)} converted")
    for _, r in changed.iterrows():
        _say(f"  {r.year} {r.area_code}: {r.method} from {r.sources}" + (f" ({r.note})" if r.note else ""))
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
    """Areas sharing a border with CODE (from the imported geometry)."""
    from udc.areas import registry

    with _store(ctx, store_dir) as store:
        rows = [{"code": c} for c in registry.neighbours(store, code.strip().upper(), year)]
    _emit(rows, fmt, title=f"Neighbours of {code} in {year}", columns=["code"])


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
    from udc.areas import registry
    from udc.areas.fetch import fetch

    with _store(ctx, store_dir) as store:
        path = fetch(kind, year, store.path / "cache", base_url=base_url, refresh=refresh)
        r = registry.import_file(store, path, year=year, kind=kind)
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
    from udc.areas import registry

    with _store(ctx, store_dir) as store:
        registry.add_area(store, code, name, parent=parent)
    typer.echo(f"added {code}")


# -- regions ----------------------------------------------------------------------------------------
@regions_app.command("define")
def regions_define(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Region name, e.g. parkstad.")],
    members: Annotated[str, typer.Option(help="Comma-separated member codes.")],
    title: Annotated[str | None, typer.Option(help="Display title.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Define (or redefine) a region as a set of areas."""
    from udc.areas import registry

    with _store(ctx, store_dir) as store:
        registry.define_region(store, name, members.split(","), title)
    typer.echo(f"region {name}: {len(members.split(','))} members")


@regions_app.command("list")
def regions_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """List regions and their members."""
    from udc.areas import registry

    with _store(ctx, store_dir) as store:
        rows = registry.list_regions(store)
    if fmt != "json":
        rows = [{**r, "members": ",".join(r["members"])} for r in rows]
    _emit(rows, fmt, title="Regions", columns=["name", "title", "member_count", "members"])


# -- demo -------------------------------------------------------------------------------------------
@app.command()
def demo(
    ctx: typer.Context,
    persons: Annotated[int, typer.Option(help="Residents of the region at the start (10 000 … 18 000 000).")] = 250_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same tables.")] = 1,
    years: Annotated[str, typer.Option(help="First-last year of events; snapshots every 1 January.")] = "2015-2024",
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    store_dir: StoreDir = None,
) -> None:
    """Build (or rebuild) the demo store: a fictional region and its synthetic population."""
    from rich.progress import Progress

    from udc.synth.generate import generate, parse_years

    span = parse_years(years)
    with _store(ctx, store_dir) as store, Progress(transient=True, disable=quiet) as bar:
        task = bar.add_task("simulating", total=span[1] - span[0] + 1)
        report = generate(
            store,
            persons=persons,
            seed=seed,
            years=span,
            progress=lambda year: bar.update(task, advance=1, description=f"simulated {year}"),
        )
    typer.echo(
        f"demo store {store.path}: {persons:,} persons, seed {seed}, {span[0]}-{span[1]}, {report.seconds:.1f} s"
    )
    for line in report.lines:
        typer.echo(line)


def main() -> None:
    """Entry point: user errors become one line on stderr and exit code 1."""
    try:
        app()
    except UdcError as exc:
        typer.echo(f"udc: error: {exc}", err=True)
        sys.exit(1)
