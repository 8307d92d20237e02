"""Open311 GeoReport v2 under ``/open311/v2/`` (JSON and XML): services, a service definition, filing a service
request (machine clients with an API key; residents use the form at /melden), searching and reading requests, and
looking up a request by its token. Public reads carry no personal data and no unapproved free text."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from udc.errors import NotFound, TooMany
from udc.facade.open311 import FORMATS, Open311
from udc.facade.participation import MAX_PAGE
from udc.settings import OPEN311_KEY_RATE, Settings, current
from udc.web.common import Reader, facade, run_heavy

PER_KEY = OPEN311_KEY_RATE  # service requests per API key per minute (a partner system's burst); docs/participation.md
MAX_PAGES = 1_000_000  # a page number beyond it is refused (400) before it reaches the database as an offset


def key_rate(settings: Settings | None = None) -> int:
    """``UDC_OPEN311_KEY_RATE`` or PER_KEY: service requests per API key per minute (checked by the settings)."""
    return (settings or current()).open311_key_rate


def _fmt(fmt: str) -> str:
    if fmt not in FORMATS:
        raise NotFound(f"format '.{fmt[:10]}': use .json or .xml")
    return fmt


def _answer(items: list | dict, fmt: str, root: str, item: str, status: int = 200) -> Response:
    body, media = Open311.render(items, _fmt(fmt), root, item)
    return Response(body, status_code=status, media_type=media)


PREFIX = "/open311/"  # the paths whose errors take the spec's shape (error_format)
router = APIRouter(prefix="/open311/v2", include_in_schema=False)


@router.get("/services.{fmt}")
async def services(request: Request, fmt: str) -> Response:
    return _answer(facade(request).participation.open311.services(), fmt, "services", "service")


@router.get("/services/{code}.{fmt}")
async def service_definition(request: Request, code: str, fmt: str) -> Response:
    found = facade(request).participation.open311.definition(code)
    return _answer(found, fmt, "service_definition", "service_definition")


@router.post("/requests.{fmt}")
async def post_request(request: Request, store: Reader, fmt: str) -> Response:
    _fmt(fmt)
    form = await request.form()
    reports = facade(request).participation
    who = reports.client(str(form.get("api_key") or "") or None)
    if not request.app.state.intake_limit.allow(f"key:{who.name}"):
        limit = request.app.state.intake_limit.limit
        raise TooMany(f"more than {limit} service requests a minute from '{who.name}': slow down")
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("media")
    photo = await upload.read() if upload is not None and hasattr(upload, "read") else None
    answer = await run_heavy(  # as the key's client: the rulebook checks its party's agreement and audits
        request,
        store,
        "photo",
        lambda view, _job: request.app.state.udc.acting(who, store=view).participation.open311.post(
            values, photo=photo
        ),
        memory=reports.photo_memory(photo) if photo else None,
    )
    return _answer(answer, fmt, "service_requests", "request")


@router.get("/requests.{fmt}")
async def get_requests(
    request: Request,
    fmt: str,
    service_request_id: str | None = None,
    service_code: str | None = None,
    status: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    page: int = Query(1, ge=1, le=MAX_PAGES),
    page_size: int = Query(MAX_PAGE, ge=1, le=MAX_PAGE),
) -> Response:
    found = facade(request).participation.open311.requests(
        ids=service_request_id,
        service_code=service_code,
        status=status,
        start_date=start_date,
        end_date=end_date,
        page=page,
        page_size=page_size,
    )
    return _answer(found, fmt, "service_requests", "request")


@router.get("/requests/{report_id}.{fmt}")
async def get_request(request: Request, report_id: str, fmt: str) -> Response:
    if not report_id.isdigit() or len(report_id) > 12:
        raise NotFound(f"no service request '{report_id[:20]}'")
    found = facade(request).participation.open311.request(int(report_id))
    return _answer(found, fmt, "service_requests", "request")


@router.get("/tokens/{token}.{fmt}")
async def token(request: Request, token: str, fmt: str) -> Response:
    found = facade(request).participation.open311.token(token)
    return _answer(found, fmt, "service_requests", "request")


def error_format(request: Request, status: int, message: str) -> Response:
    """Errors in the spec's shape, XML or JSON as the path asks; an invalid request is 400 as the spec has it (udc's
    422 elsewhere)."""
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    status = 400 if status == 422 else status
    body, media = Open311.errors(status, message, fmt)
    return Response(body, status_code=status, media_type=media)
