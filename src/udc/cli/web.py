"""``udc serve``: the web app and JSON API over a store (offline; the store stays usable by other commands)."""

from __future__ import annotations

from typing import Annotated

import typer

from udc.cli.common import StoreDir, facade


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
    """The web app and API: dashboards, area profiles, flows, table builder, open data (offline). Each request
    opens the store read-only, so other udc commands and notebooks keep working on the same store."""
    import uvicorn

    from udc.web.app import create_app

    s = facade(ctx, store_dir)
    path = s.path
    application = create_app(path, https=https, settings=s.settings)  # the CLI's settings: UDC_LOCK_WAIT and all
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
