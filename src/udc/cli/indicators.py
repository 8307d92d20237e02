"""``udc indicators …``: the indicator library — list, show, the definition schema, compute."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from udc.cli.common import Engine, Format, StoreDir, UserName, echo_json, emit, facade, split, write_frame
from udc.errors import UdcError

indicators_app = typer.Typer(
    help="Indicators: definitions as files, computed per area and year with an interval.", no_args_is_help=True
)


@indicators_app.command("list")
def indicators_list(
    ctx: typer.Context,
    theme: Annotated[
        str | None, typer.Option(help="Only this theme, e.g. armoede_schulden, jeugd, mobiliteit.")
    ] = None,
    fmt: Format = "table",
) -> None:
    """The built-in indicators: id, theme, unit, polarity, title."""
    from udc.indicators.model import UNIT_LABELS

    rows = [
        {
            "id": i.id,
            "theme": i.theme,
            "unit": UNIT_LABELS[i.unit],
            "polarity": i.polarity,
            "title": i.title.nl,
            "title_en": i.title.en,
            "iso37120": (i.iso37120.number or i.iso37120.title) if i.iso37120 else None,
        }
        for i in facade(ctx).indicators.list(theme)
    ]
    emit(rows, fmt, title="Indicators", columns=["id", "theme", "unit", "polarity", "title", "title_en", "iso37120"])


@indicators_app.command("show")
def indicators_show(
    ctx: typer.Context, indicator_id: Annotated[str, typer.Argument(help="Indicator id.")], store_dir: StoreDir = None
) -> None:
    """One definition in full (YAML-equivalent JSON), with its hash."""
    indicator = facade(ctx, store_dir).indicators.get(indicator_id)
    echo_json({**indicator.model_dump(mode="json", exclude_none=True), "sha256_16": indicator.digest()}, document=True)


@indicators_app.command("add")
def indicators_add(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A definition file (YAML).")],
    store_dir: StoreDir = None,
) -> None:
    """Check a definition file against the schema and keep it in the store."""
    indicator = facade(ctx, store_dir).indicators.add(path)
    typer.echo(f"{indicator.id} v{indicator.version}: added ({indicator.digest()})")


@indicators_app.command("benchmark")
def indicators_benchmark(
    ctx: typer.Context,
    area: Annotated[str, typer.Argument(help="A municipality code, e.g. GM0917.")],
    indicator_id: Annotated[str, typer.Option("--indicator", help="Indicator id.")],
    year: Annotated[
        int | None, typer.Option(help="The year (default: the newest of the store's reference table).")
    ] = None,
    peers: Annotated[
        str, typer.Option(help="urbanisation, size, similar, or comma-separated municipality codes.")
    ] = "urbanisation",
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="With --peers similar: how many peers.")] = 10,
    profile: Annotated[
        str | None,
        typer.Option(
            help="With --peers similar: comma-separated indicator ids to compare on (default: a demographic and "
            "socio-economic profile)."
        ),
    ] = None,
    classes_from: Annotated[
        str | None, typer.Option(help="Dataset with the urbanisation class (default: the indicator's own).")
    ] = None,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """An area against the Netherlands and its peers: rank, median, significance. JSON keys: area_code, area_name,
    indicator, unit, period, value with its 95 % interval (ci_low, ci_high), reference_nl, peer_group, peer_median,
    peer_rank, peer_count, percentile, peers (codes) and peer_names, significant; values rounded as the indicator
    publishes them."""
    result = facade(ctx, store_dir, user).indicators.benchmark(
        area.strip().upper(),
        indicator_id,
        year=year,
        peers=peers,
        classes_from=classes_from,
        k=k,
        profile=split(profile),
    )
    from udc.indicators.benchmark import rounded

    result = rounded(result)
    if fmt == "json":
        echo_json(result)
        return
    names = result.pop("peer_names")
    shown = {**result, "peers": ", ".join(names)}
    emit([shown], fmt, title=f"{indicator_id}: {area} {result['period']}")


@indicators_app.command("iso37120")
def indicators_iso37120(
    ctx: typer.Context,
    area: Annotated[str, typer.Argument(help="A municipality code, e.g. GM0917.")],
    years: Annotated[
        str | None,
        typer.Option(help="Years to take the newest value from (default: the five newest of the reference table)."),
    ] = None,
    wccd: Annotated[
        Path | None,
        typer.Option(help="Also write the computed indicators as a CSV in a WCCD submission's shape to this file."),
    ] = None,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """The ISO 37120:2018 report: every listed indicator computed (value, year, formula), computable (with which
    data) or not applicable, and the coverage in %."""
    s = facade(ctx, store_dir, user)
    rows, summary = s.indicators.iso37120(area.strip().upper(), years=years)
    if wccd is not None:
        write_frame(s.indicators.wccd(rows, area.strip().upper()), wccd)
    if fmt == "json":
        echo_json({"summary": summary, "indicators": rows})
        return
    emit(
        rows,
        fmt,
        title=f"ISO 37120:{summary['edition']} — {area}",
        columns=["number", "theme", "title", "status", "value", "year", "formula", "detail"],
    )
    typer.echo(
        f"coverage: {summary['computed']} of {summary['applicable']} applicable indicators computed "
        f"({summary['coverage_percent']} %); {summary['listed'] - summary['applicable']} not applicable"
    )


@indicators_app.command("schema")
def indicators_schema() -> None:
    """The JSON Schema definition files are validated against."""
    from udc.indicators.model import schema

    typer.echo(json.dumps(schema(), indent=2, ensure_ascii=False))


@indicators_app.command("compute")
def indicators_compute(
    ctx: typer.Context,
    ids: Annotated[
        str | None,
        typer.Option(
            "--ids", help="Comma-separated indicator ids (default: every indicator whose data are in the store)."
        ),
    ] = None,
    level: Annotated[str | None, typer.Option(help="buurt, wijk, gemeente, region, total (comma-separated).")] = None,
    areas: Annotated[str | None, typer.Option(help="Only these area codes or regions, comma-separated.")] = None,
    region: Annotated[
        str | None,
        typer.Option(help="This region and each of its members (members across the border from their own statistics)."),
    ] = None,
    years: Annotated[str, typer.Option(help="A year or a span, e.g. 2020-2021.")] = "2020-2021",
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, json or parquet (parquet needs --out).")] = (
        "table"
    ),
    out: Annotated[Path | None, typer.Option(help="Write the result to this file (.csv or .parquet).")] = None,
    release: Annotated[
        str | None,
        typer.Option(help="Also release every computed value as a new version of this open table (e.g. indicatoren)."),
    ] = None,
    boundaries: Annotated[
        int | None,
        typer.Option(
            help="Put every year on the municipal boundaries of this year (mergers: counts summed, ratio "
            "recomputed); adds a note column."
        ),
    ] = None,
    engine: Engine = "duckdb",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Indicators per area and year: value, protected numerator and denominator, 95 % interval, status. JSON keys:
    indicator, area_code, period, value, numerator, denominator, ci_low, ci_high, status; with a region across the
    border also country, comparability (comparable, with_caveats, not_comparable) and comparability_note."""
    from udc.indicators.compute import rounded

    if fmt == "parquet" and out is None:
        raise UdcError("--format parquet writes a file: add --out FILE.parquet")
    frame = facade(ctx, store_dir, user).indicators.compute(
        split(ids),
        years=years,
        levels=split(level),
        areas=split(areas),
        region=region,
        release=release,
        boundaries=boundaries,
        engine=engine,
    )
    if release:
        typer.echo(f"released as '{release}': every computed area and year", err=True)
    shown = rounded(frame)
    if out is not None:
        write_frame(frame, out)
        typer.echo(f"{len(frame)} values written to {out}")
        return
    columns = [
        "indicator",
        "area_code",
        "period",
        "value",
        "numerator",
        "denominator",
        "ci_low",
        "ci_high",
        "status",
        *(["note"] if boundaries is not None else []),
        *([c for c in ("source_value", "rolled_up", "method", "weight", "coverage") if c in shown]),
        *([c for c in ("country", "comparability", "comparability_note") if c in shown]),
    ]
    if fmt == "json":
        echo_json(shown[columns].to_dict("records"))
        return
    emit(shown[columns].to_dict("records"), fmt, title="Indicators", columns=columns)


definitions_app = typer.Typer(
    help="Definition packages: export indicator definitions with a fixture and its "
    "expected output; verify and import them elsewhere.",
    no_args_is_help=True,
)


def _report(report: dict, fmt: str) -> None:
    if fmt == "json":
        echo_json(report)
        return
    typer.echo(
        f"package of {report['organisation']} ({report['created']}): verified on this engine — "
        f"{report['fixture_cells']} fixture results equal to the exporter's"
    )
    for line in report["definitions"]:
        typer.echo(f"  {line}")
    for part in report.get("publishes", []):
        typer.echo(f"  {part['indicator']} {part['part']} ({part['what']}): {part['protection']}")
    for note in report["notes"]:
        typer.echo(f"  note: {note}")
    if report.get("added"):
        typer.echo(f"added: {', '.join(report['added'])}")
    typer.echo(
        "ready to run on this store's data"
        if report["ready_to_run"]
        else f"not yet runnable here — missing {'; '.join(report['missing'])}"
    )


@definitions_app.command("export")
def definitions_export(
    ctx: typer.Context,
    ids: Annotated[str, typer.Argument(help="Comma-separated indicator ids (built in or added to the store).")],
    out: Annotated[Path, typer.Option(help="The package file to write (.zip).")],
    organisation: Annotated[str, typer.Option(help="Author organisation recorded in the manifest.")],
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Write a definition package: the definitions, a synthetic fixture, the output this engine computes from it,
    and a manifest with every file's sha256 and the datasets and columns the definitions need."""
    manifest = facade(ctx, store_dir, user).indicators.export_definitions(
        split(ids) or [], out, organisation=organisation
    )
    typer.echo(f"{out}: {len(manifest['definitions'])} definitions, needs {', '.join(manifest['requires'])}")


@definitions_app.command("verify")
def definitions_verify(
    ctx: typer.Context,
    package: Annotated[Path, typer.Argument(help="A package made by 'udc definitions export'.")],
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Check a package without importing it: hashes, schema, and its fixture recomputed on this engine equal to
    the exporter's output; then what this store lacks to run it on its own data."""
    _report(facade(ctx, store_dir, user).indicators.verify_definitions(package), fmt)


@definitions_app.command("import")
def definitions_import(
    ctx: typer.Context,
    package: Annotated[Path, typer.Argument(help="A package made by 'udc definitions export'.")],
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Verify a package and, only when it verifies, add its definitions to this store."""
    _report(facade(ctx, store_dir, user).indicators.import_definitions(package), fmt)
