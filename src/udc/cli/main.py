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
statline_app = typer.Typer(help="CBS StatLine: fetch (OData v3/v4) and offline imports.", no_args_is_help=True)
link_app = typer.Typer(help="Link catalogued tables by area and period, or by person pseudonym.", no_args_is_help=True)
catalog_app = typer.Typer(help="The catalogue: datasets, provenance, columns and lineage.")
gate_app = typer.Typer(help="The disclosure gate: protected crosstabs of microdata, releases.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
users_app = typer.Typer(help="Users, roles, scopes and API tokens.", no_args_is_help=True)
policy_app = typer.Typer(help="The store's disclosure policy (versioned).", no_args_is_help=True)
flows_app = typer.Typer(help="Verhuisstromen: protected migration flows per municipality or region.")
app.add_typer(areas_app, name="areas")
app.add_typer(regions_app, name="regions")
app.add_typer(statline_app, name="statline")
app.add_typer(link_app, name="link")
app.add_typer(catalog_app, name="catalog")
app.add_typer(gate_app, name="gate")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.add_typer(policy_app, name="policy")
app.add_typer(flows_app, name="flows")

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


def _echo_json(value: Any) -> None:
    import json

    from udc.cli.output import _plain

    typer.echo(json.dumps(value, default=_plain, ensure_ascii=False, indent=2))


def _write_frame(frame: Any, out: Path) -> None:
    """A table to ``.parquet`` or CSV, by the file's suffix."""
    if out.suffix.lower() == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_csv(out, index=False)


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
        _echo_json(summary)
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
    """Import area files, recognised by content; each file is one transaction (audited)."""
    from udc import api

    with _store(ctx, store_dir) as store:
        for path in paths:
            r = api.import_areas(
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


def _read_table(path: Path, text_columns: list[str] | None = None) -> Any:
    """CSV (any encoding, separator, Dutch numbers), Excel or Parquet — the municipal reader."""
    from udc.sources.tabular import read_table

    return read_table(str(path), text_columns=text_columns).data


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

    data = _read_table(file, [area_column])
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
    else:
        _write_frame(result.table, out)
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


# -- statline -------------------------------------------------------------------------------------------
BaseUrl = Annotated[
    str | None, typer.Option(help="Replace only scheme and host of the CBS service (a mirror or replay server).")
]
CatalogOpt = Annotated[str, typer.Option("--catalog", help="CBS, or dataderden for third-party tables.")]


def _statline(store: Store, base_url: str | None, catalog: str, **options: Any) -> Any:
    from udc.sources.statline import StatLine

    return StatLine(store.path / "cache", base_url=base_url, catalog=catalog, **options)


@statline_app.command("info")
def statline_info(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Table identifier, e.g. 83625NED.")],
    base_url: BaseUrl = None,
    catalog: CatalogOpt = "CBS",
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Title, modification date, dimensions and topics (with units) of a StatLine table."""
    with _store(ctx, store_dir) as store:
        info = _statline(store, base_url, catalog).info(table)
    if fmt == "json":
        _echo_json(info)
        return
    typer.echo(f"{info['table']}: {info['title']} (modified {info['modified']}, period {info['period']})")
    typer.echo(f"dimensions: {', '.join(info['dimensions'])}")
    _emit(info["topics"], fmt, title="Topics", columns=["key", "title", "unit", "decimals"])


@statline_app.command("fetch")
def statline_fetch(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="Table identifier, e.g. 83625NED.")],
    filters: Annotated[str | None, typer.Option("--filter", help="OData $filter, e.g. \"RegioS eq 'GM0917'\".")] = None,
    select: Annotated[str | None, typer.Option(help="Comma-separated columns ($select).")] = None,
    api: Annotated[str, typer.Option(help="v3 (opendata.cbs.nl) or v4 (datasets.cbs.nl).")] = "v3",
    dataset: Annotated[str | None, typer.Option(help="Catalogue name (default cbs_<table>).")] = None,
    base_url: BaseUrl = None,
    catalog: CatalogOpt = "CBS",
    bulk: Annotated[bool, typer.Option(help="Use CBS's bulk ODataFeed (nextLink paging) instead of ODataApi.")] = False,
    english: Annotated[bool, typer.Option(help="Add English labels from CBS's …ENG twin table.")] = False,
    refresh: Annotated[bool, typer.Option(help="Ask CBS whether the table changed, even if checked recently.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    store_dir: StoreDir = None,
) -> None:
    """Fetch a table (concurrent pages, retries, cache by Modified date) into the catalogue as open data."""
    from rich.progress import Progress

    from udc.sources.importer import save_statline

    with _store(ctx, store_dir) as store, Progress(transient=True, disable=quiet) as bar:
        task = bar.add_task(f"{table}", total=None)
        client = _statline(
            store,
            base_url,
            catalog,
            bulk=bulk,
            max_age=0 if refresh else 12 * 3600,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        columns = [c.strip() for c in select.split(",")] if select else None
        if api == "v4":
            result = client.fetch_v4(table, filters=filters)
        elif api == "v3":
            result = client.fetch(table, filters=filters, select=columns, english=english)
        else:
            raise UdcError(f"--api '{api}': expected v3 or v4")
        saved = save_statline(store, result, dataset)
    cached = " (from cache)" if result.from_cache else ""
    typer.echo(
        f"{saved.dataset}: {saved.rows} rows of {table} '{result.title}'{cached}, {client.http.requests} requests"
    )


@statline_app.command("import")
def statline_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A StatLine CSV download or an odata4 package folder.")],
    dataset: Annotated[str | None, typer.Option(help="Catalogue name.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Import a StatLine download offline (symbols kept, padded codes stripped, footer lines dropped)."""
    from udc.sources.importer import import_statline_offline

    with _store(ctx, store_dir) as store:
        result = import_statline_offline(store, path, dataset)
    typer.echo(f"{result.dataset}: {result.rows} rows ({'; '.join(result.notes)})")


# -- municipal import ----------------------------------------------------------------------------------------
@app.command("import")
def import_(
    ctx: typer.Context,
    source: Annotated[str, typer.Argument(help="CSV, Excel, Parquet file or a SQLAlchemy URL (with --table).")],
    dataset: Annotated[str, typer.Option(help="Catalogue name (lower case, digits, _).")],
    title: Annotated[str | None, typer.Option(help="Title in the catalogue.")] = None,
    area_column: Annotated[str | None, typer.Option(help="Column with area codes or names.")] = None,
    area_kind: Annotated[str | None, typer.Option(help="Only match names of these kinds, e.g. wijk,buurt.")] = None,
    within: Annotated[str | None, typer.Option(help="Only match names inside this area/region, e.g. GM0917.")] = None,
    period_column: Annotated[str | None, typer.Option(help="Column with years or CBS period codes.")] = None,
    year: Annotated[int | None, typer.Option(help="The year of a file without a period column.")] = None,
    sensitivity: Annotated[str, typer.Option(help="open, internal or microdata.")] = "internal",
    schema: Annotated[Path | None, typer.Option(help="JSON with declared column types and constraints.")] = None,
    pseudonymise: Annotated[str | None, typer.Option(help="Identifier column (BSN) to replace by a pseudonym.")] = None,
    key_file: Annotated[Path | None, typer.Option(help="Pseudonym key file (else $UDC_PSEUDONYM_KEY).")] = None,
    allow_unmatched: Annotated[bool, typer.Option(help="Keep rows whose area name matches nothing.")] = False,
    sheet: Annotated[str | None, typer.Option(help="Excel sheet.")] = None,
    table: Annotated[str | None, typer.Option(help="Table in the database URL.")] = None,
    licence: Annotated[str | None, typer.Option(help="Licence of the data.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Import municipal data: encodings, separators, Dutch numbers; areas by code or name; atomic."""
    from udc.areas.codes import kind_from_name
    from udc.privacy.pseudonyms import load_key
    from udc.sources.importer import import_municipal

    with _store(ctx, store_dir) as store:
        key = load_key(key_file, store.path) if pseudonymise else None
        kinds = [kind_from_name(k.strip()) for k in area_kind.split(",")] if area_kind else None
        result = import_municipal(
            store,
            source,
            dataset,
            title=title,
            sensitivity=sensitivity,
            area_column=area_column,
            area_kinds=kinds,
            within=within,
            year=year,
            period_column=period_column,
            schema=schema,
            pseudonymise=pseudonymise,
            key=key,
            allow_unmatched=allow_unmatched,
            sheet=sheet,
            table=table,
            licence=licence,
        )
    typer.echo(f"{result.dataset}: {result.rows} rows, sensitivity {result.sensitivity}")
    for note in result.notes:
        typer.echo(f"  {note}")
    for miss in result.unmatched:
        hint = f" (suggestions: {', '.join(miss.suggestions)})" if miss.suggestions else ""
        typer.echo(f"  unmatched: {miss.name}{hint}")


# -- link ------------------------------------------------------------------------------------------------------
@link_app.command("areas")
def link_areas_cmd(
    ctx: typer.Context,
    left: Annotated[str, typer.Argument(help="Catalogued dataset with area_code and year.")],
    right: Annotated[str, typer.Argument(help="Catalogued dataset with area_code and year.")],
    out: Annotated[str, typer.Option(help="Name of the linked dataset.")],
    to_year: Annotated[int, typer.Option(help="Common boundary year.")],
    weight: Annotated[str, typer.Option(help="inwoners, woningen or hectare")] = "inwoners",
    rates: Annotated[list[str] | None, typer.Option(help="COL:DENOMINATOR for rates/averages.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Join two area tables by area and period, both re-based to one boundary year."""
    from udc.areas.harmonise import parse_rates
    from udc.sources.link import link_areas

    with _store(ctx, store_dir) as store:
        report = link_areas(store, left, right, out, to_year=to_year, weight=weight, rates=parse_rates(rates or []))
    typer.echo(f"{report.dataset}: {report.rows} rows; " + ", ".join(f"{k} {v}" for k, v in report.counts.items()))
    for note in report.notes:
        typer.echo(f"  {note}")


@link_app.command("persons")
def link_persons_cmd(
    ctx: typer.Context,
    left: Annotated[str, typer.Argument(help="Person-level dataset with a pseudonym column.")],
    right: Annotated[str, typer.Argument(help="Person-level dataset with a pseudonym column.")],
    out: Annotated[str, typer.Option(help="Name of the linked dataset (microdata).")],
    on: Annotated[str, typer.Option(help="Key column.")] = "pseudonym",
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Join two person-level tables on their pseudonym, with a link report."""
    from udc.sources.link import link_persons

    with _store(ctx, store_dir) as store:
        report = link_persons(store, left, right, out, on=on)
    _emit([{"measure": k, "count": v} for k, v in report.counts.items()], fmt, title=f"Link report {out}")
    if fmt != "json":
        typer.echo("; ".join(report.notes))


# -- catalog ---------------------------------------------------------------------------------------------------
@catalog_app.callback(invoke_without_command=True)
def catalog_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """List datasets with source, licence, periods, areas and sensitivity."""
    if ctx.invoked_subcommand is not None:
        return
    from udc.store import catalogue

    with _store(ctx, store_dir) as store:
        rows = catalogue.list_datasets(store)
        for row in rows:
            row["provenance"] = catalogue.get(store, row["name"]).provenance
    columns = [
        "name",
        "title",
        "source",
        "licence",
        "sensitivity",
        "rows",
        "period_start",
        "period_end",
        "area_coverage",
        "retrieved_at",
    ]
    _emit(rows, fmt, title="Catalogue", columns=[*columns, "provenance"] if fmt == "json" else columns)


@catalog_app.command("show")
def catalog_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """A dataset's metadata, columns (role, unit) and lineage."""
    import json

    from udc.cli.output import _plain
    from udc.store import catalogue

    with _store(ctx, store_dir) as store:
        info = catalogue.describe(store, name)
    if fmt == "json":
        _echo_json(info)
        return
    for key in (
        "name",
        "title",
        "source",
        "licence",
        "sensitivity",
        "rows",
        "period_start",
        "period_end",
        "area_coverage",
        "retrieved_at",
    ):
        typer.echo(f"{key:>14}: {_plain(info[key])}")
    typer.echo(f"{'provenance':>14}: {json.dumps(info['provenance'], default=str, ensure_ascii=False)}")
    _emit(info["columns"], fmt, title="Columns", columns=["name", "role", "title", "unit", "decimals"])
    if info["lineage"]:
        _emit(info["lineage"], fmt, title="Lineage", columns=["dataset", "input"])


# -- privacy -----------------------------------------------------------------------------------------------
def _operational(store: Store) -> tuple[Any, Any]:
    from udc.privacy.audit import store_log

    log = store_log(store.path)
    return log.engine, log


def _actor(engine: Any, name: str | None) -> Any:
    import getpass

    from udc.privacy.access import User, get_user

    if name is None:  # the operating-system account acts as admin on its own store
        return User(getpass.getuser(), "admin")
    return get_user(engine, name)


@app.command("check")
def check(
    table: Annotated[
        Path, typer.Argument(help="Crosstab CSV: key columns, a count column, optionally total/top1/top2.")
    ],
    count: Annotated[str, typer.Option(help="Column with units per cell.")] = "count",
    total: Annotated[str | None, typer.Option(help="Column with the cell total (magnitude tables).")] = None,
    top1: Annotated[str, typer.Option(help="Largest contribution.")] = "top1",
    top2: Annotated[str, typer.Option(help="Second largest contribution.")] = "top2",
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Output check, ACRO-style: per cell the rules it fails (threshold, nk, p %) and the verdict."""
    from udc.privacy.gate import check_table
    from udc.privacy.policy import Policy, current

    data = _read_table(table)
    policy = Policy()
    if store_dir is not None or Path("udc-data").exists():
        with Store(store_dir or Path("udc-data")) as store:
            policy = current(store)
    results = check_table(data, policy, count=count, total=total, top1=top1, top2=top2, source=str(table))
    if fmt == "json":
        _echo_json(results)
        return
    rows = [{**r, "rules_failed": ",".join(r["rules_failed"])} for r in results]
    _emit(rows, fmt, title=f"Output check (policy v{policy.version})")
    failing = sum(r["verdict"] == "fail" for r in results)
    typer.echo(f"{failing} of {len(results)} cells fail", err=True)


@app.command("export")
def export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Catalogued dataset.")],
    out: Annotated[Path, typer.Option(help="Output .csv or .parquet.")],
    user: Annotated[str | None, typer.Option(help="Acting user (default: the OS account as admin).")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Write a dataset out, if the user may: open/released for all, internal by role and scope, microdata never."""
    from udc.privacy.export import read_for

    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        frame = read_for(store, name, _actor(engine, user), audit)
    _write_frame(frame, out)
    typer.echo(f"{name}: {len(frame)} rows → {out}")


@gate_app.command("crosstab")
def gate_crosstab(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Argument(help="A microdata dataset.")],
    by: Annotated[str, typer.Option(help="Comma-separated dimensions: columns or derived (e.g. leeftijd).")],
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="column=a,b (one of), column=lo..hi (between) or column^=BU (prefix); repeat."),
    ] = None,
    measure: Annotated[str | None, typer.Option(help="A numeric column to sum (nk and p % rules).")] = None,
    area: Annotated[
        str | None, typer.Option(help="The dimension with buurt codes (rolled up to wijk and gemeente).")
    ] = None,
    release_as: Annotated[str | None, typer.Option("--release", help="Catalogue the result as released.")] = None,
    user: Annotated[str | None, typer.Option(help="Acting user (default: the OS account as admin).")] = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """An ad-hoc protected table of microdata (cell key; every category listed; filters must leave the policy's
    minimum population). Typed: no SQL. Tables with secondary suppression: 'udc gate run DEFINITION.json'."""
    from udc.privacy.engine import lock_down
    from udc.privacy.gate import crosstab, release
    from udc.privacy.request import TableRequest, parse_filter

    request = _typed(
        TableRequest,
        dataset=dataset,
        dimensions=[c.strip() for c in by.split(",") if c.strip()],
        filters=[parse_filter(f) for f in filters or []],
        measure=measure,
        area=area,
    )
    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        actor = _actor(engine, user)
        lock_down(store)
        protected = crosstab(store, request, user=actor, audit=audit)
        if release_as:
            release(store, protected, release_as, title=f"{dataset} by {by}", user=actor, audit=audit)
    _show_protected(protected, fmt, f"{dataset}: cell key, policy v{protected.policy.version}", release_as)


@gate_app.command("run")
def gate_run(
    ctx: typer.Context,
    definition: Annotated[Path, typer.Argument(help="A release definition (JSON: name, title, request, method).")],
    release_it: Annotated[bool, typer.Option("--release/--no-release", help="Catalogue the result.")] = True,
    user: Annotated[str | None, typer.Option(help="Acting user (default: the OS account as admin).")] = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """A table defined in advance, run by an admin: cell key or secondary suppression with an LP audit."""
    from udc.privacy.gate import Definition, release, run_defined

    spec = Definition.from_file(definition)
    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        actor = _actor(engine, user)
        protected = run_defined(store, spec, user=actor, audit=audit)
        if release_it:
            release(store, protected, spec.name, title=spec.title, user=actor, audit=audit)
    title = f"{spec.name}: {spec.method}, policy v{protected.policy.version}"
    _show_protected(protected, fmt, title, spec.name if release_it else None)


def _typed(model: Any, **fields: Any) -> Any:
    """Build a typed request from options; a validation error as one line naming the field."""
    from pydantic import ValidationError

    from udc.privacy.request import first_error

    try:
        return model(**fields)
    except ValidationError as exc:
        raise UdcError(first_error(exc)) from None


def _show_protected(protected: Any, fmt: str, title: str, released: str | None) -> None:
    _emit(protected.cells.to_dict("records"), fmt, title=title)
    typer.echo(
        f"{protected.suppressed} of {len(protected.cells)} cells suppressed"
        + (f"; released as {released}" if released else ""),
        err=True,
    )


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, store_dir: StoreDir = None) -> None:
    """Check the hash chain: any edited or deleted entry is found."""
    with _store(ctx, store_dir) as store:
        _, audit = _operational(store)
        ok, message = audit.verify()
    if not ok:
        raise UdcError(f"audit log broken: {message}")
    typer.echo(message)


@audit_app.command("show")
def audit_show(
    ctx: typer.Context,
    since: Annotated[str | None, typer.Option(help="ISO date/time, e.g. 2026-01-01.")] = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Audit entries (logins, imports, queries on microdata, releases)."""
    with _store(ctx, store_dir) as store:
        _, audit = _operational(store)
        rows = audit.entries(since)
    _emit(rows, fmt, title="Audit log", columns=["id", "at", "actor", "action", "detail"])


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str, typer.Option(help="public, analyst, researcher or admin.")],
    scopes: Annotated[str | None, typer.Option(help="Comma-separated areas/regions (analysts).")] = None,
    password_env: Annotated[str | None, typer.Option(help="Read the password from this environment variable.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Add a user (argon2-hashed password)."""
    import os

    from udc.privacy.access import add_user

    password = os.environ.get(password_env) if password_env else None
    if password_env and password is None:
        raise UdcError(f"environment variable {password_env} is not set")
    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        add_user(engine, name, role, password, scopes.split(",") if scopes else None, audit, _actor(engine, None).name)
    typer.echo(f"user {name}: {role}")


@users_app.command("grant")
def users_grant(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    scopes: Annotated[str | None, typer.Option(help="Comma-separated areas/regions to add.")] = None,
    remove_scope: Annotated[str | None, typer.Option(help="Comma-separated areas/regions to remove.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Change a user's role, add or remove scopes (exact area codes or region names)."""
    from udc.privacy.access import grant

    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        user = grant(
            engine,
            name,
            role,
            scopes.split(",") if scopes else None,
            audit,
            _actor(engine, None).name,
            remove_scopes=remove_scope.split(",") if remove_scope else None,
        )
    typer.echo(f"user {user.name}: {user.role} {','.join(user.scopes)}")


@users_app.command("list")
def users_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """Users with role and scopes."""
    from udc.privacy.access import list_users

    with _store(ctx, store_dir) as store:
        engine, _ = _operational(store)
        rows = list_users(engine)
    _emit(rows, fmt, title="Users", columns=["name", "role", "scopes", "created_at", "disabled"])


@users_app.command("token")
def users_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    days: Annotated[int, typer.Option(help="Validity in days.")] = 30,
    store_dir: StoreDir = None,
) -> None:
    """Issue an API token (printed once; only its hash is stored)."""
    from udc.privacy.access import issue_token

    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        token = issue_token(engine, name, days, audit, _actor(engine, None).name)
    typer.echo(token)


@users_app.command("tokens")
def users_tokens(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="User name (default: everyone).")] = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """API tokens: id (for revoke-token), user and expiry — never the token itself."""
    from udc.privacy.access import list_tokens

    with _store(ctx, store_dir) as store:
        engine, _ = _operational(store)
        rows = list_tokens(engine, name)
    _emit(rows, fmt, title="API tokens", columns=["id", "user", "expires_at"])


@users_app.command("revoke-token")
def users_revoke_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    token_id: Annotated[
        str | None, typer.Option("--id", help="Token id from 'udc users tokens' (default: all).")
    ] = None,
    store_dir: StoreDir = None,
) -> None:
    """Revoke one API token of a user, or all of them; effective at once."""
    from udc.privacy.access import revoke_token

    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        count = revoke_token(engine, name, token_id, audit, _actor(engine, None).name)
    typer.echo(f"user {name}: {count} token(s) revoked")


@users_app.command("disable")
def users_disable(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="User name.")],
    store_dir: StoreDir = None,
) -> None:
    """Disable an account: no sign-in, and its tokens and web sessions end at once."""
    from udc.privacy.access import disable

    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        ended = disable(engine, name, audit, _actor(engine, None).name)
    typer.echo(f"user {name}: disabled ({ended} tokens/sessions ended)")


@policy_app.command("show")
def policy_show(ctx: typer.Context, store_dir: StoreDir = None) -> None:
    """The current disclosure policy."""
    from dataclasses import asdict

    from udc.privacy.policy import current

    with _store(ctx, store_dir) as store:
        for key, val in asdict(current(store)).items():
            typer.echo(f"{key}: {val}")


@policy_app.command("set")
def policy_set(
    ctx: typer.Context,
    settings: Annotated[list[str], typer.Argument(help="KEY=VALUE, e.g. min_count=15 rounding_base=5.")],
    store_dir: StoreDir = None,
) -> None:
    """Store a new policy version."""
    import json

    from udc.privacy.policy import set_policy

    changes = {}
    for item in settings:
        key, sep, raw = item.partition("=")
        if not sep:
            raise UdcError(f"'{item}' must look like KEY=VALUE")
        changes[key] = json.loads(raw) if raw not in ("",) else None
    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        policy = set_policy(store, audit=audit, actor=_actor(engine, None).name, **changes)
    typer.echo(f"policy version {policy.version}")


# -- flows ---------------------------------------------------------------------------------------------------
@flows_app.callback(invoke_without_command=True)
def flows_cmd(
    ctx: typer.Context,
    region: Annotated[str | None, typer.Option(help="A region (e.g. parkstad, demoregio).")] = None,
    municipality: Annotated[str | None, typer.Option(help="A municipality code (GMxxxx).")] = None,
    years: Annotated[str, typer.Option(help="A year or a span, e.g. 2019-2020.")] = "2019-2020",
    group: Annotated[
        str, typer.Option(help="adults, young-families, middle-income, students, seniors, all.")
    ] = "adults",
    level: Annotated[str, typer.Option(help="gemeente or wijk (od view).")] = "gemeente",
    view: Annotated[
        str, typer.Option(help="balance, destinations, origins, od, triggers, trend or rates.")
    ] = "balance",
    user: Annotated[str | None, typer.Option(help="Acting user (default: the OS account as admin).")] = None,
    rebuild: Annotated[bool, typer.Option(help="Rebuild the enriched moves table first.")] = False,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or parquet (parquet needs --out).")] = (
        "table"
    ),
    out: Annotated[Path | None, typer.Option(help="Write the table to this file (.parquet or .csv).")] = None,
    release: Annotated[
        str | None, typer.Option(help="Also catalogue the protected table as released open data under this name.")
    ] = None,
    from_table: Annotated[
        str | None,
        typer.Option(
            help="Use an aggregated 81734NED-shaped table (origin × destination × year) instead of microdata."
        ),
    ] = None,
    boundary_year: Annotated[
        int | None, typer.Option(help="With --from-table: re-base codes to this year's municipalities (default: last).")
    ] = None,
    store_dir: StoreDir = None,
) -> None:
    """Migration flows: from microdata every number through the disclosure gate (cell key); or from open data."""
    if ctx.invoked_subcommand is not None:
        return
    from udc.analysis import flows
    from udc.synth.generate import parse_years

    area = region or municipality
    if not area:
        raise UdcError("give --region NAME or --municipality GMxxxx")
    span = parse_years(years)
    if fmt == "parquet" and out is None:
        raise UdcError("--format parquet writes a file: add --out FILE.parquet")
    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        actor = _actor(engine, user)
        if from_table:
            from udc.analysis import flows_open

            result = flows_open.flows(store, from_table, area, view=view, years=span, boundary_year=boundary_year)
        else:
            _ensure_moves(store, rebuild)
            result = flows.flows(store, area, view=view, years=span, group=group, level=level, user=actor, audit=audit)
        if release and result.table is None:
            raise UdcError("--release: open data need no gate; the table is already public")
        if release and result.table is not None:
            from udc.privacy.gate import release as release_table

            title = f"Verhuisstromen {area} {years}, {group}: {view}"
            release_table(store, result.table, release, title=title, user=actor, audit=audit)
    frame = result.frame
    if out is not None:
        _write_frame(frame, out.with_suffix(".parquet") if fmt == "parquet" else out)
        typer.echo(f"{len(frame)} cells written to {out}")
        return
    for note in result.notes[1:]:
        typer.echo(f"note: {note}", err=True)
    _emit(frame.to_dict("records"), fmt, title=f"{view}: {area} {years}, {result.group} ({result.method})")
    if view == "balance" and fmt == "table":
        summary = flows.balance_summary(result)
        typer.echo(f"in {summary['in']}, out {summary['out']}, within {summary['within']}, net {summary['net']}")


def _ensure_moves(store: Store, rebuild: bool = False) -> None:
    from udc.analysis import flows

    if rebuild or not store.rows("SELECT 1 FROM datasets WHERE name = ?", [flows.RESIDENTS]):
        flows.prepare(store)


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
    level: Annotated[str, typer.Option(help="gemeente or wijk (od view).")] = "gemeente",
    fmt: Annotated[str, typer.Option("--format", "-f", help="parquet or csv.")] = "parquet",
    release: Annotated[
        str | None, typer.Option(help="Also catalogue each view as released open data, named PREFIX_view.")
    ] = None,
    user: Annotated[str | None, typer.Option(help="Acting user.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Every view for every area × target group in one pass (moves counted once), each table protected."""
    from udc.analysis import flows
    from udc.synth.generate import parse_years

    if fmt not in ("parquet", "csv"):
        raise UdcError(f"--format {fmt}: expected parquet or csv")
    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        _ensure_moves(store)
        chosen = flows.all_areas(store) if areas == "all" else [a for a in areas.split(",") if a.strip()]
        actor = _actor(engine, user)
        tables = flows.study(
            store,
            chosen,
            years=parse_years(years),
            groups=groups.split(",") if groups else None,
            views=(*flows.VIEWS, "rates"),
            level=level,
            user=actor,
            audit=audit,
        )
        if release:
            for name in flows.release_study(store, tables, release, years=years, user=actor, audit=audit):
                typer.echo(f"released {name}")
    out.mkdir(parents=True, exist_ok=True)
    for view, table in tables.items():
        _write_frame(table.cells, out / f"{view}.{fmt}")
        typer.echo(f"{view}: {len(table.cells):,} cells, {table.suppressed:,} suppressed → {out / f'{view}.{fmt}'}")


@flows_app.command("report")
def flows_report(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="The HTML file to write.")],
    region: Annotated[str | None, typer.Option(help="A region.")] = None,
    municipality: Annotated[str | None, typer.Option(help="A municipality code.")] = None,
    years: Annotated[str, typer.Option(help="A year or a span.")] = "2019-2020",
    user: Annotated[str | None, typer.Option(help="Acting user.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """An offline HTML report: balance per target group, Sankey of origins/destinations, trend."""
    from udc.analysis import flows_report
    from udc.synth.generate import parse_years

    area = region or municipality
    if not area:
        raise UdcError("give --region NAME or --municipality GMxxxx")
    with _store(ctx, store_dir) as store:
        engine, audit = _operational(store)
        _ensure_moves(store)
        flows_report.build(store, area, parse_years(years), user=_actor(engine, user), audit=audit, out=out)
    typer.echo(f"report written to {out}")


# -- serve ------------------------------------------------------------------------------------------
@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1: this machine only).")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    https: Annotated[bool, typer.Option(help="Behind a TLS proxy: mark session cookies Secure and send HSTS.")] = False,
    trusted_proxy: Annotated[
        str | None,
        typer.Option(help="Address of a reverse proxy whose X-Forwarded-For is trusted (default: none is)."),
    ] = None,
    store_dir: StoreDir = None,
) -> None:
    """The web app and API: dashboards, area profiles, flows, table builder, open data (offline)."""
    import uvicorn

    from udc.web.app import create_app

    path = store_dir or (ctx.obj["store"] if ctx.obj else default_store_path())
    application = create_app(Path(path), https=https)
    typer.echo(f"udc serving {path} at http://{host}:{port}/  (Ctrl+C stops)")
    uvicorn.run(
        application,
        host=host,
        port=port,
        log_level="warning",
        server_header=False,
        proxy_headers=trusted_proxy is not None,  # else the client is the TCP peer, whatever headers say
        forwarded_allow_ips=trusted_proxy or "",
        limit_concurrency=200,
        timeout_keep_alive=5,
    )


# -- demo -------------------------------------------------------------------------------------------
@app.command()
def demo(
    ctx: typer.Context,
    persons: Annotated[int, typer.Option(help="Residents of the region at the start (10 000 … 18 000 000).")] = 250_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same tables.")] = 1,
    years: Annotated[str, typer.Option(help="First-last year of events; snapshots every 1 January.")] = "2015-2024",
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    publish: Annotated[
        bool, typer.Option(help="Release key figures and verhuisstromen through the gate for the dashboards.")
    ] = True,
    store_dir: StoreDir = None,
) -> None:
    """Build (or rebuild) the demo store: a fictional region and its synthetic population."""
    from rich.progress import Progress

    from udc.synth.generate import generate, parse_years, summary_lines

    span = parse_years(years)
    with _store(ctx, store_dir) as store:
        with Progress(transient=True, disable=quiet) as bar:
            task = bar.add_task("simulating", total=span[1] - span[0] + 1)
            report = generate(
                store,
                persons=persons,
                seed=seed,
                years=span,
                progress=lambda year: bar.update(task, advance=1, description=f"simulated {year}"),
            )
        engine, audit = _operational(store)
        lines = summary_lines(store, span, user=_actor(engine, None), audit=audit)
        if publish:
            from udc.analysis import publish as publisher

            released = publisher.demo(store, span, user=_actor(engine, None), audit=audit)
            lines.append(f"released for the dashboards: {', '.join(released)}")
    typer.echo(
        f"demo store {store.path}: {persons:,} persons, seed {seed}, {span[0]}-{span[1]}, {report.seconds:.1f} s"
    )
    for line in lines:
        typer.echo(line)


def main() -> None:
    """Entry point: user errors become one line on stderr and exit code 1."""
    try:
        app()
    except UdcError as exc:
        typer.echo(f"udc: error: {exc}", err=True)
        sys.exit(1)
