"""``udc statline …``, ``udc import``, ``udc link …`` and ``udc catalog``: data in, and what the store holds."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, UserName, echo_json, emit, facade, split
from udc.errors import UdcError

statline_app = typer.Typer(help="CBS StatLine: fetch (OData v3/v4) and offline imports.", no_args_is_help=True)
link_app = typer.Typer(help="Link catalogued tables by area and period, or by person pseudonym.", no_args_is_help=True)
kwb_app = typer.Typer(
    help="CBS Kerncijfers wijken en buurten: every year's file into one series, columns mapped by the shipped "
    "variable registry.",
    no_args_is_help=True,
)
catalog_app = typer.Typer(help="The catalogue: datasets, provenance, columns, lineage and release versions.")

BaseUrl = Annotated[
    str | None, typer.Option(help="Replace only scheme and host of the CBS service (a mirror or replay server).")
]
CatalogOpt = Annotated[str, typer.Option("--catalog", help="CBS, or dataderden for third-party tables.")]
CATALOGUE_COLUMNS = [
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
    info = facade(ctx, store_dir).sources.statline(base_url=base_url, catalog=catalog).info(table)
    if fmt == "json":
        echo_json(info)
        return
    typer.echo(f"{info['table']}: {info['title']} (modified {info['modified']}, period {info['period']})")
    typer.echo(f"dimensions: {', '.join(info['dimensions'])}")
    emit(info["topics"], fmt, title="Topics", columns=["key", "title", "unit", "decimals"])


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

    if api not in ("v3", "v4"):
        raise UdcError(f"--api '{api}': expected v3 or v4")
    s = facade(ctx, store_dir)
    with Progress(transient=True, disable=quiet) as bar:
        task = bar.add_task(f"{table}", total=None)
        client = s.sources.statline(
            base_url=base_url,
            catalog=catalog,
            bulk=bulk,
            max_age=0 if refresh else 12 * 3600,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
        columns = [c.strip() for c in select.split(",")] if select else None
        if api == "v4":
            result = client.fetch_v4(table, filters=filters)
        else:
            result = client.fetch(table, filters=filters, select=columns, english=english)
    saved = s.sources.save_statline(result, dataset)
    cached = " (from cache)" if result.from_cache else ""
    requests = client.http.requests
    typer.echo(f"{saved.dataset}: {saved.rows} rows of {table} '{result.title}'{cached}, {requests} requests")


@statline_app.command("import")
def statline_import(
    ctx: typer.Context,
    paths: Annotated[
        list[Path],
        typer.Argument(help="A StatLine CSV download, an odata4 package folder, or OData JSON responses (every page)."),
    ],
    dataset: Annotated[str | None, typer.Option(help="Catalogue name.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Import a StatLine download offline (symbols kept, padded codes stripped, footer lines dropped)."""
    result = facade(ctx, store_dir).sources.import_statline(paths if len(paths) > 1 else paths[0], dataset)
    typer.echo(f"{result.dataset}: {result.rows} rows ({'; '.join(result.notes)})")


eurostat_app = typer.Typer(
    help="Eurostat regional statistics (SDMX-CSV files per NUTS region): the cross-border region's figures.",
    no_args_is_help=True,
)


@eurostat_app.command("import")
def eurostat_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="An SDMX-CSV file (Eurostat data browser or API download).")],
    dataset: Annotated[str, typer.Option(help="Catalogue name of the table.")],
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Import an SDMX-CSV file as an open table (area_code, period, dimensions, value, flag, status, reference):
    observation flags in words, missing values typed (never 0, never dropped), what each period means."""
    frame = facade(ctx, store_dir, user).sources.import_eurostat(path, dataset=dataset)
    areas = ", ".join(sorted(frame.area_code.unique())[:8])
    typer.echo(
        f"{dataset}: {len(frame)} values, {frame.area_code.nunique()} areas ({areas}), periods "
        f"{frame.period.min()}-{frame.period.max()}; missing {int(frame.value.isna().sum())}"
    )


bag_app = typer.Typer(
    help="BAG verblijfsobjecten (CSV or GeoPackage extracts): the stock of dwellings, shops and offices per buurt.",
    no_args_is_help=True,
)


@bag_app.command("import")
def bag_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A BAG extract: CSV (NLExtract, municipal) or GeoPackage (PDOK).")],
    year: Annotated[int, typer.Option(help="The year whose area boundaries place the objects.")],
    dataset: Annotated[str, typer.Option(help="Catalogue name of the objects.")] = "bag_verblijfsobjecten",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Import verblijfsobjecten: uses (multi-use kept), status and whether it counts in the stock, floor area,
    point, buurt, wijk, gemeente and 500 m cell; streamed in chunks, all or nothing."""
    report = facade(ctx, store_dir, user).sources.import_bag(path, year=year, dataset=dataset)
    typer.echo(
        f"{dataset}: {report['objects']} verblijfsobjecten, {report['in_stock']} in the stock, "
        f"{report['objects'] - report['outside']} placed in a buurt or gemeente, {report['outside']} outside every "
        f"area; woonfunctie {report['woon']}, winkelfunctie {report['winkel']}, kantoorfunctie {report['kantoor']}"
    )


regionalstatistik_app = typer.Typer(
    help="German regional statistics (Regionalstatistik/GENESIS flat CSV per Gemeinde and Kreis).",
    no_args_is_help=True,
)


@regionalstatistik_app.command("import")
def regionalstatistik_import(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="A flat CSV download (ffcsv or the older flat shape), e.g. 12411-01-01-5.")
    ],
    dataset: Annotated[str, typer.Option(help="Catalogue name of the table.")],
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Import a Regionalstatistik table as an open table (statistic, area_code, level, period, date, reference,
    variables, measure, value, unit, status): AGS as LAU codes (DE_05334002), 31.12. as 1 January of the next year
    (noted on every value), the symbols - . x / ... typed (never dropped)."""
    frame = facade(ctx, store_dir, user).sources.import_regionalstatistik(path, dataset=dataset)
    areas = ", ".join(sorted(frame.area_code.unique())[:8])
    typer.echo(
        f"{dataset}: {len(frame)} values, {frame.area_code.nunique()} areas ({areas}), periods "
        f"{frame.period.min()}-{frame.period.max()}; missing {int(frame.value.isna().sum())}"
    )


@kwb_app.command("import")
def kwb_import(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="KWB files (CSV, Excel …), one per year; the year from each name.")
    ],
    within: Annotated[
        str | None, typer.Option(help="Match area names only inside this area or region (e.g. GM0917).")
    ] = None,
    year: Annotated[int | None, typer.Option(help="The year of a single file whose name has none.")] = None,
    dataset: Annotated[str, typer.Option(help="Catalogue name of the series.")] = "kwb",
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Import KWB files as one series (area, year, variable, value, status): unmapped columns listed, variables a
    year has no figure for reported (never stored as 0); years already stored replaced, the rest kept."""
    result = facade(ctx, store_dir).sources.import_kwb(paths, dataset=dataset, within=within, year=year)
    summary = result.summary()
    if fmt == "json":
        echo_json([summary])
        return
    typer.echo(
        f"{result.dataset}: {result.rows} rows, years {', '.join(map(str, result.years))}; "
        f"{summary['mapped_share']:.0%} of the columns mapped"
    )
    for f in summary["files"]:
        typer.echo(
            f"  {f['file']} ({f['year']}): {f['areas']} areas, {f['mapped']} columns mapped"
            + (f", not mapped: {', '.join(f['unmapped'])}" if f["unmapped"] else "")
            + (f"; no figures for {len(f['without_figures'])} variables" if f["without_figures"] else "")
        )


@kwb_app.command("import-statline")
def kwb_import_statline(
    ctx: typer.Context,
    table: Annotated[str, typer.Argument(help="StatLine table the registry reads, e.g. 47018NED (police, yearly).")],
    catalog: Annotated[str, typer.Option("--catalog", help="CBS catalogue of the table.")] = "dataderden",
    within: Annotated[
        str | None, typer.Option(help="Only this gemeente (GM…, also asked of CBS) or region of the store.")
    ] = None,
    dataset: Annotated[str, typer.Option(help="Catalogue name of the series.")] = "kwb",
    base_url: BaseUrl = None,
    refresh: Annotated[bool, typer.Option(help="Ask CBS whether the table changed, even if checked recently.")] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Add a StatLine table to the KWB series: registered crime per gemeente, wijk and buurt (47018NED on
    dataderden) as counts per area and year (misdrijven_totaal, _diefstal_uit_woning, _vernieling, _geweld …);
    this table's variables replaced for the years fetched, the rest of the series kept."""
    from rich.progress import Progress

    with Progress(transient=True, disable=quiet) as bar:
        task = bar.add_task(table, total=None)
        result = facade(ctx, store_dir).sources.import_kwb_statline(
            table,
            catalog=catalog,
            dataset=dataset,
            within=within,
            base_url=base_url,
            refresh=refresh,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    summary = result.summary()
    if fmt == "json":
        echo_json([summary])
        return
    typer.echo(
        f"{result.dataset}: {result.rows} rows of {result.table}, years {', '.join(map(str, result.years))}, "
        f"{result.areas} areas"
    )
    for variable, figures in result.variables.items():
        typer.echo(f"  {variable}: {figures} figures")
    if result.skipped_areas:
        typer.echo("  area codes not stored: " + "; ".join(f"{n} {why}" for why, n in result.skipped_areas.items()))
    if result.skipped_periods:
        typer.echo(f"  {result.skipped_periods} rows of months or quarters not stored (the series holds years)")


@kwb_app.command("variables")
def kwb_variables(
    lang: Annotated[str, typer.Option(help="nl or en.")] = "nl",
    fmt: Format = "table",
) -> None:
    """The variable registry: id, title, kind (count, percent, per_1000, mean …), weight and theme."""
    from udc.sources.kwb import variables_frame

    frame = variables_frame(lang)
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    if fmt == "json":
        echo_json(rows)
        return
    emit(rows, fmt, title="KWB variables", columns=list(frame.columns))


def import_(
    ctx: typer.Context,
    sources: Annotated[
        list[str],
        typer.Argument(
            help="CSV, Excel, Parquet file or a SQLAlchemy URL (with --table); several files only with --append."
        ),
    ],
    dataset: Annotated[str, typer.Option(help="Catalogue name (lower case, digits, _).")],
    append: Annotated[
        bool,
        typer.Option(
            "--append",
            help="Stack yearly files with the same area key into one dataset with a year column (the year from "
            "--year-column, else --year for a single file, else the file name); years already stored are replaced, "
            "the others kept.",
        ),
    ] = False,
    year_column: Annotated[
        str | None, typer.Option(help="With --append: the column holding each row's year (or CBS period code).")
    ] = None,
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
    missing: Annotated[
        str | None,
        typer.Option(
            help="Values meaning 'no number' in numeric columns, comma-separated (e.g. onbekend,x,.): kept as typed "
            "missing values (COLUMN__symbol)."
        ),
    ] = None,
    key_columns: Annotated[
        str | None, typer.Option("--key", help="Columns that with area and period identify a row, comma-separated.")
    ] = None,
    on_duplicate: Annotated[
        str, typer.Option(help="Rows sharing a key: refuse, keep (record-level data), first, last or sum.")
    ] = "refuse",
    lat: Annotated[
        str | None, typer.Option(help="Latitude column (WGS84): assign points to buurt/wijk/gemeente.")
    ] = None,
    lon: Annotated[str | None, typer.Option(help="Longitude column (WGS84).")] = None,
    x: Annotated[str | None, typer.Option("--x", help="RD New x column (EPSG:28992), with --y.")] = None,
    y: Annotated[str | None, typer.Option("--y", help="RD New y column.")] = None,
    crs: Annotated[
        str | None, typer.Option(help="CRS of the coordinates: EPSG:4326 or EPSG:28992 (default: by their range).")
    ] = None,
    areas_year: Annotated[
        int | None, typer.Option(help="Boundaries to assign points to (default: --year, the period, or this year).")
    ] = None,
    aliases: Annotated[
        Path | None,
        typer.Option(
            help="Extra name aliases: a CSV 'alias;name' (official CBS name), "
            "on top of the built-in list (Den Haag, Den Bosch, …)."
        ),
    ] = None,
    store_dir: StoreDir = None,
) -> None:
    """Import municipal data: encodings, separators, Dutch numbers; areas by code or name; atomic. A malformed file,
    an unknown value in a numeric column or a repeated key is refused with its line — nothing is half-imported.
    With --append, yearly files become one dataset with a year column, columns aligned by name."""
    from udc.areas.codes import kind_from_name
    from udc.privacy.pseudonyms import load_key
    from udc.sources.importer import ImportOptions

    s = facade(ctx, store_dir)
    if len(sources) > 1 and not append:
        raise UdcError("several sources are stacked by year only with --append")
    if year_column and not append:
        raise UdcError("--year-column goes with --append (a single import names it --period-column)")
    if year_column and period_column and year_column != period_column:
        raise UdcError("give --year-column or --period-column, not both")
    if (lat is None) != (lon is None) or (x is None) != (y is None) or (lat and x):
        raise UdcError("coordinates: give --lat and --lon, or --x and --y")
    points = (lon, lat) if lat else (x, y) if x else None
    epsg = int(crs.upper().removeprefix("EPSG:")) if crs else None
    key = load_key(key_file, s.path, s.settings) if pseudonymise else None
    kinds = [kind_from_name(k.strip()) for k in area_kind.split(",")] if area_kind else None
    options = ImportOptions(
        title=title,
        sensitivity=sensitivity,
        area_column=area_column,
        area_kinds=kinds,
        within=within,
        year=year,
        period_column=year_column or period_column,
        schema=schema,
        pseudonymise=pseudonymise,
        key=key,
        allow_unmatched=allow_unmatched,
        sheet=sheet,
        table=table,
        licence=licence,
        missing=split(missing),
        keys=split(key_columns),
        duplicates=on_duplicate,
        points=points,
        crs=epsg,
        areas_year=areas_year,
        aliases=aliases,
    )
    if append:
        result = s.sources.append_tables(sources, dataset, options)
        years = f", years {', '.join(map(str, result.years))}"
    else:
        result, years = s.sources.import_table(sources[0], dataset, options), ""
    typer.echo(f"{result.dataset}: {result.rows} rows{years}, sensitivity {result.sensitivity}")
    for note in result.notes:
        typer.echo(f"  {note}")
    for miss in result.unmatched:
        hint = f" (suggestions: {', '.join(miss.suggestions)})" if miss.suggestions else ""
        typer.echo(f"  unmatched: {miss.name}{hint}")


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

    report = facade(ctx, store_dir).sources.link_areas(
        left, right, out, to_year=to_year, weight=weight, rates=parse_rates(rates or [])
    )
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
    report = facade(ctx, store_dir).sources.link_persons(left, right, out, on=on)
    emit([{"measure": k, "count": v} for k, v in report.counts.items()], fmt, title=f"Link report {out}")
    if fmt != "json":
        typer.echo("; ".join(report.notes))


@catalog_app.callback(invoke_without_command=True)
def catalog_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """List datasets with source, licence, periods, areas and sensitivity."""
    if ctx.invoked_subcommand is not None:
        return
    rows = facade(ctx, store_dir).catalogue()
    emit(
        rows, fmt, title="Catalogue", columns=[*CATALOGUE_COLUMNS, "provenance"] if fmt == "json" else CATALOGUE_COLUMNS
    )


@catalog_app.command("show")
def catalog_show(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Dataset name.")],
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """A dataset's metadata, columns (role, unit), lineage and release versions."""
    import json

    from udc.strictjson import plain as _plain

    info = facade(ctx, store_dir).describe(name)
    if fmt == "json":
        echo_json(info)
        return
    for key in CATALOGUE_COLUMNS:
        typer.echo(f"{key:>14}: {_plain(info[key])}")
    typer.echo(f"{'provenance':>14}: {json.dumps(info['provenance'], default=str, ensure_ascii=False)}")
    emit(info["columns"], fmt, title="Columns", columns=["name", "role", "title", "unit", "decimals"])
    if info["lineage"]:
        emit(info["lineage"], fmt, title="Lineage", columns=["dataset", "input"])
    if info["versions"]:
        emit(
            info["versions"],
            fmt,
            title="Versions",
            columns=["version", "created_at", "released_by", "policy_version", "definition_hash", "rows"],
        )
