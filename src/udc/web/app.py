"""The FastAPI application: server-rendered pages (Dutch first) and the JSON API under ``/api/v1``.

Each request opens the store read-only (external access off) and closes it when done (``common.reader``): the
server never holds the store between requests, so the CLI, notebooks and imports use the same store while it runs,
and a new release shows on the next request. Pages and API read only open/released tables (``data``); the table
builder and ``POST /api/v1/tables`` go through ``gate.crosstab`` on worker threads with cursors of their own and a
time limit (``common.run_gate``), so a long table never freezes the server; downloads, photos, PDFs and map
documents go through the same pool of heavy work (:mod:`udc.web.workers`: slots per kind, a memory budget, time
limits, 503 with ``Retry-After`` when full). Errors are one line with their status (401, 403, 404, 413, 422, 429,
503), never a stack trace.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from starlette.exceptions import HTTPException as StarletteHTTPException

from udc import strictjson
from udc.api import Udc
from udc.errors import UdcError
from udc.privacy.request import first_error
from udc.settings import Settings
from udc.store.db import prepare
from udc.web import api, data, numbers, open311, security, userlabels, wording, workers
from udc.web.common import Readers, error_response
from udc.web.routes import ROUTERS

HERE = Path(__file__).parent


def create_app(
    settings_or_path: Settings | str | os.PathLike[str],
    *,
    https: bool = False,
    gate_workers: int = 2,
    store_wait: float | None = None,
    work_memory: int | None = None,
    settings: Settings | None = None,
) -> FastAPI:
    """The app over one store. ``gate_workers``: gate queries at once (each on its own thread and DuckDB cursor, so a
    long table never blocks the pages); a request beyond them is answered 503 at once. ``store_wait``: seconds a
    request waits while another process writes the store, before it answers 503 (default ``UDC_LOCK_WAIT``, else
    5 s). ``work_memory``: bytes all heavy work (tables, downloads, photos, PDFs, maps) may hold at once (default
    ``UDC_WORK_MEMORY_MB`` or 1 GB). ``settings_or_path``: the :class:`Settings` the CLI resolved (``udc serve``),
    or a store's path (then ``settings``, if given, over that store; else resolved here, once, from the environment)
    — the app reads no variable after this. ``app.state.udc`` is the facade over the same settings, the one the CLI
    and Python use."""
    if isinstance(settings_or_path, Settings):
        settings = settings_or_path
    else:
        given = Path(settings_or_path)
        settings = (settings or Settings.resolve(given)).at(given)
    store_path = settings.store
    wait = settings.server_wait if store_wait is None else store_wait
    prepare(store_path, wait=settings.lock_wait)  # created and migrated once; requests open it read-only
    readers = Readers(store_path, wait=wait)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        readers.shutdown()  # the store is free for other processes once the server stops
        app.state.pool.shutdown()

    app = FastAPI(
        lifespan=lifespan,
        title="udc — Urban Data Center",
        version="1",
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI would load from a CDN; the OpenAPI document is served instead
        redoc_url=None,
        debug=False,
    )
    app.state.store_path, app.state.caches, app.state.readers = store_path, {}, readers
    app.state.settings = settings
    app.state.udc = Udc(settings)  # the facade the CLI and Python use, over the same settings
    limits = {**workers.LIMITS, "gate": replace(workers.LIMITS["gate"], slots=gate_workers)}
    app.state.pool = workers.Pool(limits, workers.memory_budget(settings) if work_memory is None else work_memory)
    app.state.maps = data.map_cache()  # map documents, least recently used first out, bounded in bytes
    app.state.audit = app.state.udc.audit  # the facade's log and engines: one of each, whichever door acts
    app.state.engine = app.state.audit.engine
    app.state.sessions = security.Sessions(security.secret_for(store_path, settings), https=https)
    app.state.throttle = security.Throttle()
    app.state.participation = app.state.udc._operational  # what Udc.acting(...) hands every request's facade
    app.state.intake_limit = security.RateLimit(open311.key_rate(settings), 60.0)
    app.state.form_limit = security.RateLimit(10, 600.0)  # the anonymous form: reports per address per 10 min
    app.state.answer_limit = security.RateLimit(30, 600.0)  # quick questions: answers per address per 10 min
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["num"] = number
    templates.env.policies["json.dumps_function"] = strictjson.compact  # numpy ints, NA and NaN as JSON has them
    wording.register(templates.env, lambda: userlabels.load(store_path))
    app.state.templates = templates
    app.add_middleware(security.SecurityHeaders)
    app.add_middleware(security.BodyLimit)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/static-lib/plotly.min.js", include_in_schema=False)
    async def plotly_js() -> Response:
        import plotly

        path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        return Response(
            path.read_bytes(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
        )

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response((HERE / "static" / "favicon.svg").read_bytes(), media_type="image/svg+xml")

    @app.exception_handler(UdcError)
    async def udc_error(request: Request, exc: UdcError) -> Response:
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        response = error_response(request, exc.status, message, exc)
        if isinstance(exc, workers.Busy):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(OverflowError)
    async def overflow(request: Request, exc: OverflowError) -> Response:
        """A number too large for the database (a page or an id of 10^20 given by hand) is the caller's mistake: 422,
        not 500. The routes bound their numbers; this is the net under any that does not."""
        return error_response(request, 422, "a number in the request is out of range")

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        return error_response(request, 422, first_error(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = 422 if exc.status_code == 400 else exc.status_code  # a body that does not parse: invalid request
        return error_response(request, status, str(exc.detail))

    @app.exception_handler(Exception)
    async def any_error(request: Request, exc: Exception) -> Response:  # no stack trace leaves the server
        return error_response(request, 500, "internal error")

    for router in (*ROUTERS, api.router, open311.router):
        app.include_router(router)
    app.state.error_formats = {api.PREFIX: api.error_format, open311.PREFIX: open311.error_format}  # each its shape
    return app


@pass_context
def number(context: Any, value: object) -> str:
    """A number in the page's language (nl 1.234 and 12,5; en 1,234 and 12.5); missing or withheld as an en dash."""
    if value is not None and not isinstance(value, int | float):
        return str(value)
    return numbers.fmt(value, context.get("lang", "nl"))
