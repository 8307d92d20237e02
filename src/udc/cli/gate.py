"""``udc gate …``, ``udc check``, ``udc export``, ``udc policy …`` and ``udc audit …``: what leaves the store."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from udc.cli.common import (
    Engine,
    Format,
    Language,
    StoreDir,
    UserName,
    echo_json,
    emit,
    facade,
    read_table,
    write_frame,
)
from udc.errors import UdcError

gate_app = typer.Typer(help="The disclosure gate: protected crosstabs of microdata, releases.", no_args_is_help=True)
audit_app = typer.Typer(help="The keyed, hash-chained audit log.", no_args_is_help=True)
policy_app = typer.Typer(help="The store's disclosure policy (versioned).", no_args_is_help=True)
Replace = Annotated[
    bool,
    typer.Option(
        "--replace",
        help="Allow other columns than the release's current version (audited; earlier versions stay readable).",
    ),
]


def show_protected(protected: Any, fmt: str, title: str, released: str | None) -> None:
    emit(protected.cells.to_dict("records"), fmt, title=title)
    for note in protected.notes:  # e.g. a yearly table counted for one year (udc.privacy.snapshots)
        typer.echo(f"note: {note}", err=True)
    typer.echo(
        f"{protected.suppressed} of {len(protected.cells)} cells suppressed"
        + (f"; released as {released}" if released else ""),
        err=True,
    )


@gate_app.command("crosstab")
def gate_crosstab(
    ctx: typer.Context,
    dataset: Annotated[str, typer.Argument(help="A microdata dataset.")],
    by: Annotated[str, typer.Option(help="Comma-separated dimensions: columns or derived (e.g. leeftijd).")],
    filters: Annotated[
        list[str] | None,
        typer.Option("--filter", help="column=a,b (one of), column=lo..hi (between) or column^=BU (prefix); repeat."),
    ] = None,
    measure: Annotated[
        str | None,
        typer.Option(
            help="A numeric column to sum (sums perturbed by the cell key, a mean beside them; nk and p % rules)."
        ),
    ] = None,
    area: Annotated[
        str | None, typer.Option(help="The dimension with buurt codes (rolled up to wijk and gemeente).")
    ] = None,
    release_as: Annotated[str | None, typer.Option("--release", help="Catalogue the result as released.")] = None,
    replace: Replace = False,
    engine: Engine = "duckdb",
    user: UserName = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """An ad-hoc protected table of microdata (cell key; every category listed; filters must leave the policy's
    minimum population). Typed: no SQL. Tables with secondary suppression: 'udc gate run DEFINITION.json'."""
    from udc.api import typed
    from udc.privacy.request import TableRequest, parse_filter

    request = typed(
        TableRequest,
        dataset=dataset,
        dimensions=[c.strip() for c in by.split(",") if c.strip()],
        filters=[parse_filter(f) for f in filters or []],
        measure=measure,
        area=area,
    )
    s = facade(ctx, store_dir, user)
    protected = s.table(request, engine=engine)
    if release_as:
        s.release(protected, release_as, title=f"{dataset} by {by}", definition=request, replace=replace)
    show_protected(protected, fmt, f"{dataset}: cell key, policy v{protected.policy.version}", release_as)


@gate_app.command("run")
def gate_run(
    ctx: typer.Context,
    definition: Annotated[Path, typer.Argument(help="A release definition (JSON: name, title, request, method).")],
    release_it: Annotated[bool, typer.Option("--release/--no-release", help="Catalogue the result.")] = True,
    replace: Replace = False,
    user: UserName = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """A table defined in advance, run by an admin: cell key or secondary suppression with an LP audit."""
    from udc.privacy.gate import Definition

    spec = Definition.from_file(definition)
    s = facade(ctx, store_dir, user)
    protected = s.run(spec)
    if release_it:
        s.release(protected, spec.name, title=spec.title, definition=spec, replace=replace)
    show_protected(
        protected,
        fmt,
        f"{spec.name}: {spec.method}, policy v{protected.policy.version}",
        spec.name if release_it else None,
    )


def check(
    ctx: typer.Context,
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
    """Output check, ACRO-style: per cell the rules it fails (threshold, nk, p %) and the verdict (the store's
    policy; without a store, the default policy)."""
    s = facade(ctx, store_dir)
    policy = s.policy
    results = s.check(read_table(table), count=count, total=total, top1=top1, top2=top2, source=str(table))
    if fmt == "json":
        echo_json(results)
        return
    rows = [{**r, "rules_failed": ",".join(r["rules_failed"])} for r in results]
    emit(rows, fmt, title=f"Output check (policy v{policy.version})")
    failing = sum(r["verdict"] == "fail" for r in results)
    typer.echo(f"{failing} of {len(results)} cells fail", err=True)


def export(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Catalogued dataset.")],
    out: Annotated[Path, typer.Option(help="Output .csv or .parquet.")],
    version: Annotated[int | None, typer.Option(help="A release's version (default: the newest).")] = None,
    labels: Annotated[
        bool, typer.Option("--labels", help="Values and headers as people read them (--lang), not codes.")
    ] = False,
    language: Language = "nl",
    user: UserName = None,
    store_dir: StoreDir = None,
) -> None:
    """Write a dataset out, if the user may: open/released for all, internal by role and scope, microdata never.
    Counts are whole numbers; ``--labels`` writes areas as name + code and categories in words (a file for Excel
    and people; programs read the codes)."""
    s = facade(ctx, store_dir, user)
    frame = s.read(name, version)
    if labels:
        from udc.labelling import header

        frame = s.labelled(frame, language)
        frame.columns = [header(str(c), language) for c in frame.columns]
    write_frame(frame, out)
    typer.echo(f"{name}: {len(frame)} rows → {out}")


@audit_app.command("verify")
def audit_verify(ctx: typer.Context, store_dir: StoreDir = None) -> None:
    """Check the audit log: an edited, deleted or reordered entry, a truncated log and an anchor rolled back behind a
    witness (UDC_AUDIT_WITNESS) are found; exit 1 with what is wrong."""
    ok, message = facade(ctx, store_dir).verify_audit()
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
    rows = facade(ctx, store_dir).audit_entries(since)
    emit(rows, fmt, title="Audit log", columns=["id", "at", "actor", "action", "detail"])


@policy_app.command("show")
def policy_show(ctx: typer.Context, store_dir: StoreDir = None) -> None:
    """The current disclosure policy."""
    from dataclasses import asdict

    for key, val in asdict(facade(ctx, store_dir).policy).items():
        typer.echo(f"{key}: {val}")


@policy_app.command("set")
def policy_set(
    ctx: typer.Context,
    settings: Annotated[list[str], typer.Argument(help="KEY=VALUE, e.g. min_count=15 rounding_base=5.")],
    store_dir: StoreDir = None,
) -> None:
    """Store a new policy version (audited)."""
    import json

    changes = {}
    for item in settings:
        key, sep, raw = item.partition("=")
        if not sep:
            raise UdcError(f"'{item}' must look like KEY=VALUE")
        try:
            changes[key] = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            raise UdcError(f"'{item}': the value must be a number, true/false or a quoted string") from None
    policy = facade(ctx, store_dir).set_policy(**changes)
    typer.echo(f"policy version {policy.version}")
