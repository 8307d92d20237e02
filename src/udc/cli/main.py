"""``udc``: the command line over the Python API (:mod:`udc.api`). Each command parses its options, calls one
facade method and renders the result; the command groups live in modules of their own (areas, sources, gate, users,
flows, web).

Errors a user can cause are :class:`UdcError`; they are printed as one line on stderr with exit code 1.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from click.core import ParameterSource
from typer.core import TyperGroup

from udc.cli import (
    areas,
    charging,
    flows,
    gate,
    indicators,
    microdata,
    monitor,
    participation,
    parties,
    sources,
    study,
    users,
    vacancy,
    web,
)
from udc.cli.common import Format, StoreDir, command_name, echo_json, emit, facade
from udc.errors import UdcError
from udc.settings import Settings, using
from udc.store.db import DB_FILE, private_umask


class OneLineErrors(TyperGroup):
    """The root group: a usage mistake anywhere below it (a missing argument or option, a bad value) is one line
    on stderr — the error and the command's usage — with exit code 2, instead of Rich's boxed panel."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        with one_line_usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        with one_line_usage_errors():
            return super().invoke(ctx)


@contextmanager
def one_line_usage_errors() -> Iterator[None]:
    try:
        yield
    except click.exceptions.NoArgsIsHelpError:  # a bare group: Rich printed its help while making the error
        raise click.exceptions.Exit(2) from None
    except click.UsageError as exc:
        path = " ".join(["udc", command_name(exc.ctx)] if exc.ctx is not None else ["udc"]).strip()
        usage = " ".join(exc.ctx.get_usage().split()) if exc.ctx is not None else "Usage: udc [OPTIONS] COMMAND"
        usage = usage.replace(exc.ctx.command_path if exc.ctx is not None else "udc", path, 1)
        message = exc.format_message().replace(" (env var: 'None')", "")  # Typer shows an option's absent env var
        typer.echo(f"{path}: error: {message} ({usage}; '{path} --help' lists the options)", err=True)
        raise click.exceptions.Exit(exc.exit_code) from None


app = typer.Typer(
    help="udc — Urban Data Center toolkit: areas, CBS and municipal data, protected statistics. Offline.",
    cls=OneLineErrors,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(areas.areas_app, name="areas")
app.add_typer(areas.regions_app, name="regions")
app.add_typer(sources.statline_app, name="statline")
app.add_typer(sources.link_app, name="link")
app.add_typer(sources.kwb_app, name="kwb")
app.add_typer(sources.catalog_app, name="catalog")
app.add_typer(sources.eurostat_app, name="eurostat")
app.add_typer(sources.regionalstatistik_app, name="regionalstatistik")
app.add_typer(sources.bag_app, name="bag")
app.add_typer(gate.gate_app, name="gate")
app.add_typer(gate.audit_app, name="audit")
app.add_typer(gate.policy_app, name="policy")
app.add_typer(users.users_app, name="users")
app.add_typer(parties.parties_app, name="parties")
app.add_typer(parties.agreements_app, name="agreements")
app.add_typer(flows.flows_app, name="flows")
app.add_typer(participation.participation_app, name="participation")
app.add_typer(microdata.microdata_app, name="microdata")
app.add_typer(indicators.indicators_app, name="indicators")
app.add_typer(indicators.definitions_app, name="definitions")
app.add_typer(monitor.monitor_app, name="monitor")
app.add_typer(study.study_app, name="study")
app.add_typer(charging.laden_app, name="laden")
app.add_typer(vacancy.leegstand_app, name="leegstand")
app.add_typer(vacancy.winkelgebieden_app, name="winkelgebieden")
app.command("import")(sources.import_)
app.command("check")(gate.check)
app.command("export")(gate.export)
app.command("serve")(web.serve)


@app.callback()
def _main(
    ctx: typer.Context,
    store: Annotated[Path | None, typer.Option("--store", envvar="UDC_STORE", help="Store directory.")] = None,
    spark_master: Annotated[
        str | None,
        typer.Option(
            "--spark-master",
            help="Spark master for --engine spark: local[N] (default local[2]), spark://HOST:PORT, yarn, k8s://… "
            "(else UDC_SPARK_MASTER).",
        ),
    ] = None,
) -> None:
    private_umask()  # the store, its operational files and what the command writes are this account's only
    flag = store if ctx.get_parameter_source("store") is ParameterSource.COMMANDLINE else None  # else: UDC_STORE
    # once per command; everything below it sees these (settings.current)
    settings = Settings.resolve(flag, spark_master=spark_master)
    ctx.obj = {"settings": settings}
    ctx.with_resource(using(settings))


@app.command()
def info(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """Store summary: datasets with sensitivity and row counts, area versions, regions (works while 'udc serve'
    runs on the same store)."""
    summary = facade(ctx, store_dir).info()
    if fmt == "json":
        echo_json(summary)
        return
    typer.echo(f"store {summary['store']} (schema version {summary['schema_version']})")
    emit(
        summary["datasets"],
        fmt,
        title="Datasets",
        columns=["name", "title", "source", "sensitivity", "rows", "period_start", "period_end"],
    )
    emit(
        summary["areas"],
        fmt,
        title="Area versions",
        columns=["kind", "label", "codes", "versions", "first_valid", "last_valid", "geometry_years"],
    )
    emit(summary["regions"], fmt, title="Regions", columns=["name", "title", "member_count"])


@app.command("settings")
def settings_cmd(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """The resolved settings (flags, then UDC_* environment variables, then defaults); never a secret itself."""
    settings = facade(ctx, store_dir).settings
    described, sources = settings.describe(), settings.sources()
    if fmt == "json":
        echo_json(described)
        return
    rows = [{"setting": k, "value": v, "from": sources[k]} for k, v in described.items()]
    emit(rows, fmt, title="Settings", columns=["setting", "value", "from"])


@app.command()
def init(ctx: typer.Context, store_dir: StoreDir = None) -> None:
    """Create an empty store (the commands that only read refuse a directory without one; imports, 'udc demo' and
    this create it)."""
    s = facade(ctx, store_dir)
    existed = (s.path / DB_FILE).exists()
    with s.writing():  # created and migrated to the current schema
        pass
    typer.echo(f"store {s.path}: {'already there' if existed else 'created'}")


@app.command()
def demo(
    ctx: typer.Context,
    persons: Annotated[int, typer.Option(help="Residents of the region at the start (10 000 … 18 000 000).")] = 250_000,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same tables.")] = 1,
    years: Annotated[str, typer.Option(help="First-last year of events; snapshots every 1 January.")] = "2015-2024",
    quiet: Annotated[
        bool, typer.Option(help="No progress on stderr (a bar on a terminal, else one line per phase).")
    ] = False,
    publish: Annotated[
        bool, typer.Option(help="Release key figures and verhuisstromen through the gate for the dashboards.")
    ] = True,
    store_dir: StoreDir = None,
) -> None:
    """Build (or rebuild) the demo store: a fictional region and its synthetic population."""
    import time

    from udc.cli.phases import PhaseReport
    from udc.demo import phases
    from udc.synth.generate import parse_years

    span = parse_years(years)
    began = time.perf_counter()
    s = facade(ctx, store_dir)
    with PhaseReport("demo", phases(publish), quiet=quiet) as progress:
        report, lines = s.demo(persons=persons, seed=seed, years=span, publish=publish, progress=progress)
    typer.echo(
        f"demo store {s.path}: {persons:,} persons, seed {seed}, {span[0]}-{span[1]}, "
        f"{time.perf_counter() - began:.1f} s (population {report.seconds:.1f} s)"
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
