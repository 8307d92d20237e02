"""``udc users …``: accounts, roles, scopes and API tokens (in the operational database; audited)."""

from __future__ import annotations

from typing import Annotated

import typer

from udc.cli.common import Format, StoreDir, emit, facade, split
from udc.errors import UdcError
from udc.settings import variable

users_app = typer.Typer(help="Users, roles, scopes and API tokens.", no_args_is_help=True)
Name = Annotated[str, typer.Argument(help="User name.")]


@users_app.command("add")
def users_add(
    ctx: typer.Context,
    name: Name,
    role: Annotated[str, typer.Option(help="public, analyst, researcher, admin or staff (reports).")],
    scopes: Annotated[str | None, typer.Option(help="Comma-separated areas/regions (analysts).")] = None,
    password_env: Annotated[str | None, typer.Option(help="Read the password from this environment variable.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Add a user (argon2-hashed password)."""
    password = variable(password_env) if password_env else None
    if password_env and password is None:
        raise UdcError(f"environment variable {password_env} is not set")
    facade(ctx, store_dir).users.add(name, role, password, split(scopes))
    typer.echo(f"user {name}: {role}")


@users_app.command("grant")
def users_grant(
    ctx: typer.Context,
    name: Name,
    role: Annotated[str | None, typer.Option(help="New role.")] = None,
    scopes: Annotated[str | None, typer.Option(help="Comma-separated areas/regions to add.")] = None,
    remove_scope: Annotated[str | None, typer.Option(help="Comma-separated areas/regions to remove.")] = None,
    store_dir: StoreDir = None,
) -> None:
    """Change a user's role, add or remove scopes (exact area codes or region names)."""
    user = facade(ctx, store_dir).users.grant(name, role, split(scopes), remove_scopes=split(remove_scope))
    typer.echo(f"user {user.name}: {user.role} {','.join(user.scopes)}")


@users_app.command("list")
def users_list(ctx: typer.Context, fmt: Format = "table", store_dir: StoreDir = None) -> None:
    """Users with role and scopes."""
    rows = facade(ctx, store_dir).users.list()
    emit(rows, fmt, title="Users", columns=["name", "role", "scopes", "created_at", "disabled"])


@users_app.command("token")
def users_token(
    ctx: typer.Context,
    name: Name,
    days: Annotated[int, typer.Option(help="Validity in days.")] = 30,
    store_dir: StoreDir = None,
) -> None:
    """Issue an API token (printed once; only its hash is stored)."""
    typer.echo(facade(ctx, store_dir).users.issue_token(name, days))


@users_app.command("tokens")
def users_tokens(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="User name (default: everyone).")] = None,
    fmt: Format = "table",
    store_dir: StoreDir = None,
) -> None:
    """API tokens: id (for revoke-token), user and expiry — never the token itself."""
    emit(facade(ctx, store_dir).users.tokens(name), fmt, title="API tokens", columns=["id", "user", "expires_at"])


@users_app.command("revoke-token")
def users_revoke_token(
    ctx: typer.Context,
    name: Name,
    token_id: Annotated[
        str | None, typer.Option("--id", help="Token id from 'udc users tokens' (default: all).")
    ] = None,
    store_dir: StoreDir = None,
) -> None:
    """Revoke one API token of a user, or all of them; effective at once."""
    count = facade(ctx, store_dir).users.revoke_token(name, token_id)
    typer.echo(f"user {name}: {count} token(s) revoked")


@users_app.command("disable")
def users_disable(ctx: typer.Context, name: Name, store_dir: StoreDir = None) -> None:
    """Disable an account: no sign-in, and its tokens and web sessions end at once."""
    ended = facade(ctx, store_dir).users.disable(name)
    typer.echo(f"user {name}: disabled ({ended} tokens/sessions ended)")
