"""``udc study …``: background analyses through the gate — determinants and expected versus observed per area."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, UserName, emit, facade, say

study_app = typer.Typer(
    help="Background studies through the gate: which household characteristics go with youth care, income support "
    "or debt help, and which areas have more or less than their composition predicts.",
    no_args_is_help=True,
)
Outcome = Annotated[str, typer.Option(help="youth_care, bijstand or debt_help.")]
SpanOpt = Annotated[str | None, typer.Option("--years", help="A year or a span, e.g. 2019-2021 (default: all).")]
Within = Annotated[str | None, typer.Option("--area", help="Only within this gemeente or wijk (GM…, WK…).")]


@study_app.command("determinants")
def study_determinants(
    ctx: typer.Context,
    outcome: Outcome,
    by: Annotated[str | None, typer.Option(help="Comma-separated factors (default: the study's).")] = None,
    years: SpanOpt = None,
    within: Within = None,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Relative risks per factor level against its reference (rr = 1), with 95 % intervals, from a Poisson model on
    the gate's published cells: an association, not a cause; no person rows, no labels on people."""
    factors = [f.strip() for f in by.split(",") if f.strip()] if by else None
    result = facade(ctx, store_dir, user).study.determinants(outcome, by=factors, years=years, within=within)
    for note in result.notes:
        say(note)
    emit(result.rows.to_dict("records"), fmt, title=f"Determinants of {outcome}")


@study_app.command("expected")
def study_expected(
    ctx: typer.Context,
    outcome: Outcome,
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "wijk",
    years: SpanOpt = None,
    within: Within = None,
    release: Annotated[str | None, typer.Option(help="Also release the table as open data under this name.")] = None,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Each area against the population's rates by composition (indirect standardisation): observed, expected,
    ratio, exact Poisson 95 % interval, flag (above, as_expected, below)."""
    studies = facade(ctx, store_dir, user).study
    result = studies.expected(outcome, level=level, years=years, within=within)
    for note in result.notes:
        say(note)
    if release:
        version = studies.release(outcome, release, level=level, years=years, within=within)
        say(f"released as {release} v{version}")
    emit(result.rows.to_dict("records"), fmt, title=f"Expected and observed: {outcome}")


@study_app.command("stacking")
def study_stacking(
    ctx: typer.Context,
    level: Annotated[str, typer.Option(help="wijk or gemeente.")] = "wijk",
    year: Annotated[int | None, typer.Option(help="The 1 January of this year (default: the newest).")] = None,
    within: Within = None,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Households per area by how many of bijstand, debt help and youth care they have (0, 1, 2 or more), and the
    share with two or more: a table defined in advance under secondary suppression (admins); area level only."""
    result = facade(ctx, store_dir, user).study.stacking(year=year, level=level, within=within)
    for note in result.notes:
        say(note)
    emit(result.rows.to_dict("records"), fmt, title="Stacking of support per area")


@study_app.command("report")
def study_report(
    ctx: typer.Context,
    outcome: Outcome,
    out: Annotated[Path, typer.Option(help="FILE.html, or FILE.pdf (printed with Chromium).")],
    level: Annotated[str, typer.Option(help="buurt, wijk or gemeente.")] = "wijk",
    years: SpanOpt = None,
    within: Within = None,
    language: Annotated[str, typer.Option("--lang", help="nl or en.")] = "nl",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Determinants and expected versus observed as one printable page: the tables, a sentence per area that
    differs from its expectation, and what the study does not say."""
    from udc import printing

    page = facade(ctx, store_dir, user).study.report(
        outcome, level=level, years=years, within=within, language=language
    )
    typer.echo(f"written to {printing.write_page(page, out)}")
