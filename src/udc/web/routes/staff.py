"""Staff handle reports in the web app (role staff, scoped to municipalities; admins too): a triage list, one report
with its history, a status change with a note, approving its text for the public, merging a duplicate and — on
purpose, audited — the reporter's contact data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from udc.api import Udc
from udc.errors import Forbidden
from udc.facade.participation import STATUSES, TRANSITIONS
from udc.web import charts, data
from udc.web.common import Reader, View, admit, facade, lang, render
from udc.web.routes.reports import local, status_label
from udc.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _staff(request: Request, action: str = "participation.list") -> Udc:
    """The facade acting as the staff member (or admin) the rulebook lets handle reports; else its refusal (401,
    403), audited. Each report's own municipality is checked where the report is read or changed (the facade's
    ``participation`` methods)."""
    admit(request, action)
    return facade(request)


def _category_names(door: Udc) -> dict[str, str]:
    return {c["code"]: c["name"] for c in door.participation.categories()}


def area_label(names: dict[str, str], code: str | None) -> str:
    """An area as staff read it, name and code (``Heerlerbaan (BU09170102)``): the name to recognise, the code to
    type elsewhere; a code without a known name stays a code, no area a dash."""
    if not code:
        return "–"
    return f"{names[code]} ({code})" if names.get(code, code) != code else code


def _small_map(store: View, report: dict, title: str) -> dict | None:
    """The report's buurt with its point: where it is at a glance (staff may see the stored point)."""
    if not report.get("buurt") or report.get("lat") is None or report.get("lon") is None:
        return None
    shapes = data.geometry(store, [report["buurt"]])
    return charts.points(shapes, [(report["lat"], report["lon"], title)], title) if shapes["features"] else None


@router.get("/beheer/meldingen")
async def triage(request: Request, store: Reader, status: str | None = None) -> Response:
    door = _staff(request)
    areas = data.names(store)
    language = lang(request)
    chosen = status if status in STATUSES else None
    rows = door.participation.reports(status=chosen)
    names = _category_names(door)
    shown = [
        {
            "id": r["id"],
            "date": local(r["created_at"]),
            "category": names.get(r["category"], r["category"]),
            "status": status_label(r["status"], language),
            "buurt": area_label(areas, r["buurt"]),
            "text": r["description"][:80],
        }
        for r in rows
    ]
    statuses = [(code, status_label(code, language)) for code in STATUSES]
    return render(request, "staff_reports.html", {"rows": shown, "statuses": statuses, "chosen": chosen})


@router.get("/beheer/melding/{report_id}")
async def report_page(request: Request, store: Reader, report_id: int, contact: int = 0) -> Response:
    door = _staff(request)
    areas = data.names(store)
    language = lang(request)
    report, lines = door.participation.report(report_id)
    report["category"] = _category_names(door).get(report["category"], report["category"])  # a name, not a code
    place = {"buurt": area_label(areas, report["buurt"]), "gemeente": area_label(areas, report["gemeente"])}
    figure = _small_map(store, report, report["category"])
    people = door.participation.contact(report_id) if contact else None
    steps = [
        {
            "at": local(h["at"]),
            "actor": h["actor"],
            "status": status_label(h["to_status"], language),
            "note": h["note"],
        }
        for h in lines
    ]
    nexts = [(code, status_label(code, language)) for code in TRANSITIONS[report["status"]]]
    return render(
        request,
        "staff_report.html",
        {
            "report": report,
            "place": place,
            "figure": figure,
            "steps": steps,
            "nexts": nexts,
            "contact": people,
            "asked": bool(contact),
        },
    )


@router.post("/beheer/melding/{report_id}")
async def act(request: Request, report_id: int) -> Response:
    """One of: a status change (with a note), approving the text, merging into another report."""
    reports = _staff(request).participation
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    action = str(form.get("actie", ""))
    if action == "status":
        reports.set_status(report_id, str(form.get("status", "")), str(form.get("notitie", "")))
    elif action == "tekst":
        reports.approve_text(report_id, public=form.get("openbaar") == "ja")
    elif action == "samenvoegen":
        into = str(form.get("met", "")).strip()
        if not into.isdigit():
            raise Forbidden("merge: give the number of the report this one repeats")
        reports.merge(report_id, int(into))
    return RedirectResponse(f"/beheer/melding/{report_id}", status_code=303)
