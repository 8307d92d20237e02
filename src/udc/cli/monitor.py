"""``udc monitor …``: programmes with a nulmeting, follow-up and effect estimates at area level."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from udc.cli.common import Engine, Format, StoreDir, UserName, echo_json, emit, facade

monitor_app = typer.Typer(
    help="Monitoring programmes: nulmeting, follow-up against targets and comparison areas, "
    "effect estimates at area level.",
    no_args_is_help=True,
)
Language = Annotated[str, typer.Option("--lang", help="nl or en.")]
KEYS = ["indicator", "baseline", "actual", "target", "comparison", "estimate", "ci_low", "ci_high", "p_value", "method"]


@monitor_app.command("list")
def monitor_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """The programmes: id, title, owner, areas, start, nulmeting years, followed indicators."""
    rows = [
        {
            "id": p.id,
            "title": p.title.nl,
            "owner": p.owner,
            "areas": ", ".join(p.areas),
            "start": p.start,
            "baseline": f"{p.baseline[0]}-{p.baseline[1]}",
            "indicators": ", ".join(f.indicator for f in p.indicators),
            "placebo": p.placebo,
        }
        for p in facade(ctx, store_dir).monitor.programmes()
    ]
    emit(rows, fmt, title="Programmes")


@monitor_app.command("show")
def monitor_show(
    ctx: typer.Context, programme: Annotated[str, typer.Argument(help="Programme id.")], store_dir: StoreDir = None
) -> None:
    """One programme definition in full, with its hash."""
    found = facade(ctx, store_dir).monitor.programme(programme)
    echo_json({**found.model_dump(mode="json", exclude_none=True), "sha256_16": found.digest()}, document=True)


@monitor_app.command("add")
def monitor_add(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A programme file (YAML).")],
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Check a programme file and keep it in the store."""
    found = facade(ctx, store_dir, user).monitor.add(path)
    typer.echo(f"{found.id} v{found.version}: added ({found.digest()})")


@monitor_app.command("baseline")
def monitor_baseline(
    ctx: typer.Context,
    programme: Annotated[str, typer.Argument(help="Programme id.")],
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Freeze the nulmeting: released as a new version of nulmeting_<programme> (policy version, definition
    hashes, the comparison areas), so later differences show instead of moving the baseline."""
    version = facade(ctx, store_dir, user).monitor.baseline(programme)
    typer.echo(f"nulmeting of {programme} frozen: release nulmeting_{programme.replace('-', '_')} v{version}")


@monitor_app.command("report")
def monitor_report(
    ctx: typer.Context,
    programme: Annotated[str, typer.Argument(help="Programme id.")],
    out: Annotated[
        Path | None, typer.Option(help="Write a printable report: FILE.html, or FILE.pdf (Chromium).")
    ] = None,
    until: Annotated[int | None, typer.Option(help="The last year (default: the newest of the data).")] = None,
    language: Language = "nl",
    release: Annotated[bool, typer.Option("--release", help="Also release the monitor for the web pages.")] = False,
    fmt: Format = "table",
    engine: Engine = "duckdb",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Per indicator: nulmeting, now, target, comparison areas, the difference-in-differences effect with its 95 %
    interval and p-value (JSON keys: indicator, baseline, actual, target, comparison, estimate, ci_low, ci_high,
    p_value, method; also pre_trend, placebo_time, mde, years, sentence)."""
    api = facade(ctx, store_dir, user)
    if out is not None:
        written = api.monitor.document(programme, out, language=language, until=until)
        typer.echo(f"{written}: report of {programme}")
        return
    if release:
        report = api.monitor.release(programme)
    else:
        report = api.monitor.report(programme, until=until, language=language, engine=engine)
    if fmt == "json":
        echo_json(report)
        return

    def shown(value: object) -> object:
        return round(value, 3) if isinstance(value, float) else value

    emit([{k: shown(r[k]) for k in KEYS} for r in report["indicators"]], fmt, title=report["title"], columns=KEYS)
    for row in report["indicators"]:
        typer.echo(row["sentence"])
    typer.echo(report["caveat"])
