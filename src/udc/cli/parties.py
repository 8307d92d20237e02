"""``udc parties …`` and ``udc agreements …``: the organisations a UDC serves and the agreements their members act
under (in the operational database; admin; checked and audited by the rulebook)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, echo_json, emit, facade, split
from udc.errors import UdcError
from udc.privacy.parties import KINDS, LEVELS

parties_app = typer.Typer(help="Parties (organisations) and their members.", no_args_is_help=True)
agreements_app = typer.Typer(
    help="Agreements: what a party's members may do, on what, until when.", no_args_is_help=True
)
Party = Annotated[str, typer.Argument(help="Party name (lower-case letters, digits, '-' or '_').")]
Agreement = Annotated[str, typer.Argument(help="Agreement name (lower-case letters, digits, '-' or '_').")]


def _day(text: str | None, option: str) -> date | None:
    """An ISO date option (YYYY-MM-DD), refused in one line when it is not one."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UdcError(f"{option} '{text[:40]}': expected a date such as 2026-12-31") from None


@parties_app.command("add")
def parties_add(
    ctx: typer.Context,
    name: Party,
    title: Annotated[str, typer.Option(help="The organisation's name as people know it.")],
    kind: Annotated[str, typer.Option(help=f"One of {', '.join(KINDS)}.")] = "overig",
    store_dir: StoreDir = None,
) -> None:
    """Add a party: no members and no agreement yet, so its members can do nothing until an agreement is added."""
    party = facade(ctx, store_dir).parties.add(name, title, kind)
    typer.echo(f"party {party['name']}: {party['title']} ({party['kind']})")


@parties_app.command("list")
def parties_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """Parties with their members and agreements."""
    rows = facade(ctx, store_dir).parties.list()
    emit(rows, fmt, title="Parties", columns=["name", "title", "kind", "members", "agreements"])


@parties_app.command("show")
def parties_show(ctx: typer.Context, name: Party, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """One party with its members and its agreements in full."""
    party = facade(ctx, store_dir).parties.show(name)
    if fmt == "json":
        echo_json(party)
        return
    typer.echo(f"{party['name']}: {party['title']} ({party['kind']}); members: {', '.join(party['members']) or '-'}")
    emit(party["agreements"], fmt, title="Agreements")


@parties_app.command("member")
def parties_member(
    ctx: typer.Context,
    party: Party,
    user: Annotated[str, typer.Argument(help="User name (a user belongs to one party: this moves them).")],
    store_dir: StoreDir = None,
) -> None:
    """Make a user a member of a party; they act under its agreements from then on."""
    facade(ctx, store_dir).parties.add_member(party, user)
    typer.echo(f"user {user}: member of {party}")


@agreements_app.command("add")
def agreements_add(
    ctx: typer.Context,
    name: Agreement,
    party: Annotated[str, typer.Option(help="The party the agreement is with.")],
    purpose: Annotated[str, typer.Option(help="What the data are for (stated in every audit entry's context).")],
    datasets: Annotated[str | None, typer.Option(help="Comma-separated datasets it covers (default: all).")] = None,
    levels: Annotated[
        str | None, typer.Option(help=f"Comma-separated area levels it covers: {', '.join(LEVELS)} (default: all).")
    ] = None,
    adhoc: Annotated[
        bool, typer.Option("--adhoc/--no-adhoc", help="Ad-hoc tables through the gate, or only defined tables.")
    ] = True,
    min_count: Annotated[int | None, typer.Option(help="A stricter minimum count than the store's policy.")] = None,
    valid_from: Annotated[
        str | None, typer.Option("--from", help="First valid day, YYYY-MM-DD (default: today).")
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option("--until", help="Last valid day, YYYY-MM-DD (default: open-ended).")
    ] = None,
    store_dir: StoreDir = None,
) -> None:
    """Add an agreement of a party: its purpose, the datasets and levels it covers, what it allows, its validity."""
    agreement = facade(ctx, store_dir).agreements.add(
        name,
        party,
        purpose,
        datasets=split(datasets),
        levels=split(levels),
        adhoc=adhoc,
        min_count=min_count,
        valid_from=_day(valid_from, "--from"),
        valid_until=_day(valid_until, "--until"),
    )
    until = agreement.valid_until.isoformat() if agreement.valid_until else "open-ended"
    typer.echo(f"agreement {agreement.name} ({agreement.party}): {agreement.valid_from.isoformat()} – {until}")


@agreements_app.command("list")
def agreements_list(
    ctx: typer.Context,
    party: Annotated[str | None, typer.Option(help="Only this party's agreements.")] = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """Agreements with what they cover and their validity."""
    emit(facade(ctx, store_dir).agreements.list(party), fmt, title="Agreements")


@agreements_app.command("end")
def agreements_end(
    ctx: typer.Context,
    name: Agreement,
    valid_until: Annotated[
        str | None, typer.Option("--until", help="Its last valid day, YYYY-MM-DD (default: today).")
    ] = None,
    store_dir: StoreDir = None,
) -> None:
    """End an agreement early: its members lose access the day after its last valid day, through every door."""
    agreement = facade(ctx, store_dir).agreements.end(name, _day(valid_until, "--until"))
    last = agreement.valid_until.isoformat() if agreement.valid_until else "today"
    typer.echo(f"agreement {agreement.name} ({agreement.party}): ends after {last}")
