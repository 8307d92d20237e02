"""Residents' side of reports: the form (works without JavaScript: a buurt instead of a point; with JavaScript the
phone's location may fill the point), the confirmation with a private link and nearby similar reports, following
and reopening a report by that link, and the public map and list of open reports (public categories, no personal
data, no text unless staff approved it)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response

from udc.api import Udc
from udc.errors import TooMany, UdcError
from udc.facade.participation import STATUSES
from udc.web import charts, data
from udc.web.common import Reader, View, error_response, facade, lang, render, run_heavy
from udc.web.i18n import said
from udc.web.security import check_csrf, client_of

router = APIRouter(include_in_schema=False)
FORM_LIMIT = 10  # reports per client address per ten minutes (the throttle of the anonymous form)
HERE = ZoneInfo("Europe/Amsterdam")  # residents and staff read the clock on their wall, not UTC


def local(at: str, *, day: bool = False) -> str:
    """A stored UTC time stamp (ISO 8601) as the time in the Netherlands, ``2026-03-29 14:05`` (``day``: the date
    only — a report filed at 23:30 UTC is filed the next day here). A stamp without a zone is UTC, as udc writes."""
    try:
        moment = datetime.fromisoformat(at)
    except (TypeError, ValueError):
        return str(at or "")
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(HERE)
    return moment.strftime("%Y-%m-%d" if day else "%Y-%m-%d %H:%M")


def status_label(status: str, language: str) -> str:
    pair = STATUSES.get(status, (status, status))
    return pair[0] if language == "nl" else pair[1]


def _groups(door: Udc) -> list[tuple[str, list[dict]]]:
    """Categories grouped under their heading, for the form's select."""
    found = door.participation.categories()
    heads = {c["code"]: c["name"] for c in found if c["parent"] is None}
    groups: dict[str, list[dict]] = {}
    for c in found:
        if c["parent"] is not None:
            groups.setdefault(heads.get(c["parent"], c["parent"]), []).append(c)
    return list(groups.items())


def _form(request: Request, store: View, values: dict, error: str | None = None, status: int = 200) -> Response:
    """The form; its buurt list is also what the map may be clicked in (the map draws only these buurten)."""
    door = facade(request, store)
    context = {
        "groups": _groups(door),
        "buurten": door.participation.buurten(),
        "values": values,
        "error": error,
    }
    return render(request, "report_form.html", context, status=status)


@router.get("/melden")
async def report_form(request: Request, store: Reader) -> Response:
    return _form(request, store, {})


@router.post("/melden")
async def report_post(request: Request, store: Reader) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    values = {k: v for k, v in form.items() if isinstance(v, str) and k != "csrf"}
    if not request.app.state.form_limit.allow(f"client:{client_of(request)}"):
        raise TooMany(
            "Te veel meldingen vanaf dit adres; probeer het over tien minuten opnieuw."
            if lang(request) == "nl"
            else "Too many reports from this address; try again in ten minutes."
        )
    upload = form.get("foto")
    photo = await upload.read() if upload is not None and hasattr(upload, "read") else None
    door = facade(request, store)
    given = {**values, "lat": values.get("lat") or None, "long": values.get("long") or None}
    try:
        filed = await run_heavy(
            request,
            store,
            "photo",
            lambda view, _job: facade(request, view).participation.file(
                given, source="formulier", photo=photo or None, buurt=values.get("buurt") or None
            ),
            memory=door.participation.photo_memory(photo) if photo else None,
        )
    except UdcError as exc:  # the form again, filled in, with the one-line reason
        return _form(request, store, values, said(exc, lang(request)), status=exc.status)
    report, category = door.participation.public(filed.id)
    exact = given["lat"] is not None and given["long"] is not None  # a buurt only: no distance to tell
    nearby = [
        {**n, "within": n["within"] if exact else None, "day": local(n["created_at"], day=True)} for n in filed.nearby
    ]
    context = {"report": report, "category": category, "nearby": nearby, "follow": f"/melding/{filed.follow_token}"}
    return render(request, "report_done.html", context)


@router.get("/melding/{token}")
async def follow(request: Request, token: str) -> Response:
    try:
        report, category, lines = facade(request).participation.followed(token)
    except UdcError as exc:
        return error_response(request, exc.status, said(exc, lang(request)))
    steps = [{"at": local(h["at"]), "status": status_label(h["to_status"], lang(request))} for h in lines]
    return render(
        request, "report_follow.html", {"report": report, "category": category, "steps": steps, "token": token}
    )


@router.post("/melding/{token}")
async def reopen(request: Request, token: str) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    try:
        facade(request).participation.reopen(token, str(form.get("reden", "")))
    except UdcError as exc:
        return error_response(request, exc.status, said(exc, lang(request)))
    return await follow(request, token)


@router.get("/meldingen")
async def public_reports(request: Request, store: Reader, categorie: str | None = None) -> Response:
    """Open reports in public categories: a map and a list, without personal data or unapproved text."""
    language = lang(request)
    found = [(r, c) for r, c in facade(request, store).participation.search(status="open") if c["public"]]
    offered = sorted({(c["code"], c["name"]) for _, c in found}, key=lambda p: p[1])
    if categorie:
        found = [(r, c) for r, c in found if c["code"] == categorie]
    rows = [
        {
            "id": r["id"],
            "category": c["name"],
            "status": status_label(r["status"], language),
            "buurt": r["buurt"],
            "date": local(r["created_at"], day=True),
            "text": r["description"] if r["description_public"] else "",
        }
        for r, c in found
    ]
    figure = None
    if found:
        codes = sorted({r["gemeente"] for r, _ in found})
        shapes = data.geometry(store, codes)
        places = [(r["lat"], r["lon"], f"{c['name']}: {status_label(r['status'], language)}") for r, c in found]
        figure = charts.points(shapes, places, "Open meldingen" if language == "nl" else "Open reports")
    names = data.names(store)
    for row in rows:
        row["buurt"] = names.get(row["buurt"], row["buurt"] or "")
    return render(
        request, "reports_public.html", {"rows": rows, "figure": figure, "offered": offered, "chosen": categorie}
    )
