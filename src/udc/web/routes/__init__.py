"""The pages, one module per page group; each exposes ``router``. Data shaping lives in functions beside the
handlers (or in :mod:`udc.web.data`), so a handler reads its inputs, calls them and renders."""

from udc.web.routes import (
    account,
    builder,
    catalogue,
    charging,
    explorer,
    flows,
    home,
    indicators,
    monitor,
    notices,
    profile,
    reports,
    staff,
)

ROUTERS = [
    home.router,
    explorer.router,
    profile.router,
    flows.router,
    builder.router,
    catalogue.router,
    account.router,
    charging.router,  # /thema/laden before /thema/{theme}
    indicators.router,
    monitor.router,
    reports.router,
    staff.router,
    notices.router,
]
