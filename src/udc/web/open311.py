"""Open311 GeoReport v2 under ``/open311/v2/`` (JSON and XML): services, a service definition, filing a service
request (machine clients with an API key; residents use the form at /melden), searching and reading requests, and
looking up a request by its token. Public reads carry no personal data and no unapproved free text."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from udc.errors import NotFound, TooMany
from udc.participation import categories, intake, keys, media, open311, reports
from udc.privacy.actions import ensure
from udc.settings import OPEN311_KEY_RATE, Settings, current
from udc.web.common import Reader, run_heavy

PER_KEY = OPEN311_KEY_RATE  # service requests per API key per minute (a partner system's burst); docs/participation.md
MAX_PAGES = 1_000_000  # a page number beyond it is refused (400) before it reaches the database as an offset


def key_rate(settings: Settings | None = None) -> int:
    """``UDC_OPEN311_KEY_RATE`` or PER_KEY: service requests per API key per minute (checked by the settings)."""
    return (settings or current()).open311_key_rate


def _fmt(fmt: str) -> str:
    if fmt not in open311.FORMATS:
        raise NotFound(f"format '.{fmt[:10]}': use .json or .xml")
    return fmt


def _answer(items: list | dict, fmt: str, root: str, item: str, status: int = 200) -> Response:
    body, media = open311.render(items, _fmt(fmt), root, item)
    return Response(body, status_code=status, media_type=media)


PREFIX = "/open311/"  # the paths whose errors take the spec's shape (error_format)
router = APIRouter(prefix="/open311/v2", include_in_schema=False)


@router.get("/services.{fmt}")
async def services(request: Request, fmt: str) -> Response:
    found = categories.listing(request.app.state.participation)
    return _answer([open311.service(c) for c in found], fmt, "services", "service")


@router.get("/services/{code}.{fmt}")
async def service_definition(request: Request, code: str, fmt: str) -> Response:
    category = categories.get(request.app.state.participation, code)
    return _answer(open311.definition(category), fmt, "service_definition", "service_definition")


@router.post("/requests.{fmt}")
async def post_request(request: Request, store: Reader, fmt: str) -> Response:
    _fmt(fmt)
    engine = request.app.state.participation
    form = await request.form()
    who = keys.principal(engine, str(form.get("api_key") or "") or None)
    if not request.app.state.intake_limit.allow(f"key:{who.name}"):
        limit = request.app.state.intake_limit.limit
        raise TooMany(f"more than {limit} service requests a minute from '{who.name}': slow down")
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    upload = form.get("media")
    photo = await upload.read() if upload is not None and hasattr(upload, "read") else None
    new = intake.parse(values)
    folder = request.app.state.store_path / "participation_media"
    detail = {"client": who.name, "service_code": new.service_code}
    with ensure(who, "participation.request", audit=request.app.state.audit, detail=detail) as outcome:
        filed = await run_heavy(
            request,
            store,
            "photo",
            lambda view, _job: intake.file(
                engine, view, new, source=f"open311:{who.name}", photo=photo, media_folder=folder
            ),
            memory=media.memory(photo) if photo else None,
        )
        outcome["report"] = filed.id
    category = categories.get(engine, new.service_code)
    answer = [
        {
            "service_request_id": str(filed.id),
            "token": filed.follow_token,
            "service_notice": open311.notice(category),
            "account_id": "",
        }
    ]
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
    page_size: int = Query(reports.MAX_PAGE, ge=1, le=reports.MAX_PAGE),
) -> Response:
    found = reports.search(
        request.app.state.participation,
        ids=service_request_id,
        service_code=service_code,
        status=status,
        start_date=start_date,
        end_date=end_date,
        page=page,
        page_size=page_size,
    )
    return _answer([open311.request(r, c) for r, c in found], fmt, "service_requests", "request")


@router.get("/requests/{report_id}.{fmt}")
async def get_request(request: Request, report_id: str, fmt: str) -> Response:
    if not report_id.isdigit() or len(report_id) > 12:
        raise NotFound(f"no service request '{report_id[:20]}'")
    report, category = reports.one(request.app.state.participation, int(report_id))
    return _answer([open311.request(report, category)], fmt, "service_requests", "request")


@router.get("/tokens/{token}.{fmt}")
async def token(request: Request, token: str, fmt: str) -> Response:
    report, _ = reports.by_token(request.app.state.participation, token)
    return _answer([{"service_request_id": str(report["id"]), "token": token}], fmt, "service_requests", "request")


def error_format(request: Request, status: int, message: str) -> Response:
    """Errors in the spec's shape, XML or JSON as the path asks; an invalid request is 400 as the spec has it (udc's
    422 elsewhere)."""
    fmt = "xml" if request.url.path.endswith(".xml") else "json"
    status = 400 if status == 422 else status
    body, media = open311.errors(status, message, fmt)
    return Response(body, status_code=status, media_type=media)
