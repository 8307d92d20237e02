"""``udc participation …``: residents' reports — where they are taken, categories, triage, retention, open data,
Open311 API keys (operational database; every change audited)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, UserName, emit, facade, split

participation_app = typer.Typer(
    help="Reports about public space (Open311), categories, retention.", no_args_is_help=True
)
categories_app = typer.Typer(help="Report categories (Open311 services).", no_args_is_help=True)
retention_app = typer.Typer(help="Anonymise reporters' contact data after the retention period.", no_args_is_help=True)
keys_app = typer.Typer(help="Open311 API keys of machine clients.", no_args_is_help=True)
participation_app.add_typer(categories_app, name="categories")
participation_app.add_typer(retention_app, name="retention")
participation_app.add_typer(keys_app, name="keys")
ReportId = Annotated[int, typer.Argument(help="Report number.")]


@participation_app.command("setup")
def setup(
    ctx: typer.Context,
    gemeente: Annotated[str, typer.Option(help="Comma-separated municipality codes reports are taken for.")],
    store_dir: StoreDir = None,
) -> None:
    """Where reports are taken: a place outside these municipalities is refused."""
    codes = facade(ctx, store_dir).participation.setup(split(gemeente) or [])
    typer.echo(f"reports are taken for {', '.join(codes)}")


@categories_app.command("import")
def categories_import(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Signalen categories.json.")],
    store_dir: StoreDir = None,
) -> None:
    """Replace the categories with a Signalen category file (terms from its handling codes; one transaction)."""
    count = facade(ctx, store_dir).participation.import_categories(path)
    typer.echo(f"{count} categories from {path.name}")


@categories_app.command("list")
def categories_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """Categories with parent, term (working days), public flag and where the term comes from."""
    rows = facade(ctx, store_dir).participation.categories()
    emit(rows, fmt, title="Categories", columns=["code", "parent", "name", "term_days", "public", "term_source"])


@participation_app.command("reports")
def reports(
    ctx: typer.Context,
    status: Annotated[str | None, typer.Option(help="Only this status (gemeld, in_behandeling, …).")] = None,
    category: Annotated[str | None, typer.Option(help="Only this category code.")] = None,
    fmt: Format = "table",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Reports for triage, newest first (staff: their municipalities); no contact data."""
    rows = facade(ctx, store_dir, user).participation.reports(status=status, category=category)
    emit(
        rows,
        fmt,
        title="Reports",
        columns=["id", "created_at", "category", "status", "buurt", "gemeente", "description"],
    )


@participation_app.command("status")
def status(
    ctx: typer.Context,
    report_id: ReportId,
    to: Annotated[str, typer.Argument(help="New status.")],
    note: Annotated[str, typer.Option(help="Why (kept in the report's history).")] = "",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Change a report's status (only the transitions of the workflow are allowed)."""
    before = facade(ctx, store_dir, user).participation.set_status(report_id, to, note)
    typer.echo(f"report {report_id}: {before} → {to}")


@participation_app.command("merge")
def merge(
    ctx: typer.Context,
    duplicate: ReportId,
    into: Annotated[int, typer.Argument(help="The report it repeats.")],
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Close a duplicate as a copy of another report of the same category."""
    facade(ctx, store_dir, user).participation.merge(duplicate, into)
    typer.echo(f"report {duplicate} merged into {into}")


@participation_app.command("approve")
def approve(ctx: typer.Context, report_id: ReportId, user: UserName = None, store_dir: StoreDir = None) -> None:
    """Allow a report's text on the public map (after reading it: no names or people's addresses)."""
    facade(ctx, store_dir, user).participation.approve_text(report_id)
    typer.echo(f"report {report_id}: text public")


@retention_app.command("run")
def retention_run(
    ctx: typer.Context,
    days: Annotated[int, typer.Option(help="Days after closing.")] = 365,
    store_dir: StoreDir = None,
) -> None:
    """Empty the contact data of reports closed more than DAYS ago."""
    done = facade(ctx, store_dir).participation.retention(days)
    typer.echo(f"{done} reporters' contact data anonymised")


@participation_app.command("snapshot")
def snapshot(ctx: typer.Context, store_dir: StoreDir = None) -> None:
    """Reports into the store as the microdata dataset 'meldingen': indicators from it pass the gate."""
    rows = facade(ctx, store_dir).participation.snapshot()
    typer.echo(f"meldingen: {rows} reports (microdata; figures leave through the gate)")


@participation_app.command("export")
def export(
    ctx: typer.Context, out: Annotated[Path, typer.Argument(help="CSV or .parquet file.")], store_dir: StoreDir = None
) -> None:
    """Reports as open data: category, status, areas, dates, a rounded place — no text or contact data."""
    rows = facade(ctx, store_dir).participation.export(out)
    typer.echo(f"{rows} reports → {out}")


@keys_app.command("add")
def keys_add(
    ctx: typer.Context, client: Annotated[str, typer.Argument(help="The client's name.")], store_dir: StoreDir = None
) -> None:
    """A new API key (printed once; only its hash is kept)."""
    typer.echo(facade(ctx, store_dir).participation.issue_key(client))


@keys_app.command("revoke")
def keys_revoke(
    ctx: typer.Context, client: Annotated[str, typer.Argument(help="The client's name.")], store_dir: StoreDir = None
) -> None:
    """Revoke every key of a client."""
    gone = facade(ctx, store_dir).participation.revoke_key(client)
    typer.echo(f"{gone} key(s) of {client} revoked")
