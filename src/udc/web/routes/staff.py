"""Staff handle reports in the web app (role staff, scoped to municipalities; admins too): a triage list, one report
with its history, a status change with a note, approving its text for the public, merging a duplicate and — on
purpose, audited — the reporter's contact data."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from udc.errors import Forbidden
from udc.participation import categories, staff, workflow
from udc.privacy.access import User
from udc.web.common import admit, lang, render
from udc.web.routes.reports import status_label
from udc.web.security import check_csrf

router = APIRouter(include_in_schema=False)


def _staff(request: Request, action: str = "participation.list") -> User:
    """The staff member (or admin) the rulebook lets handle reports; else its refusal (401, 403), audited. Each
    report's own municipality is checked where the report is read or changed (:mod:`udc.participation.staff`)."""
    return admit(request, action)


def _category_names(request: Request) -> dict[str, str]:
    return {c["code"]: c["name"] for c in categories.listing(request.app.state.participation, reportable=False)}


@router.get("/beheer/meldingen")
async def triage(request: Request, status: str | None = None) -> Response:
    who = _staff(request)
    language = lang(request)
    chosen = status if status in workflow.STATUSES else None
    rows = staff.listing(request.app.state.participation, who, status=chosen)
    names = _category_names(request)
    shown = [
        {
            "id": r["id"],
            "date": r["created_at"][:16].replace("T", " "),
            "category": names.get(r["category"], r["category"]),
            "status": status_label(r["status"], language),
            "buurt": r["buurt"] or "",
            "text": r["description"][:80],
        }
        for r in rows
    ]
    statuses = [(code, status_label(code, language)) for code in workflow.STATUSES]
    return render(request, "staff_reports.html", {"rows": shown, "statuses": statuses, "chosen": chosen})


@router.get("/beheer/melding/{report_id}")
async def report_page(request: Request, report_id: int, contact: int = 0) -> Response:
    who = _staff(request)
    engine = request.app.state.participation
    language = lang(request)
    report = staff.one(engine, who, report_id)
    report["category"] = _category_names(request).get(report["category"], report["category"])  # a name, not a code
    with engine.connect() as con:
        lines = workflow.history(con, report_id)
    people = staff.contact(engine, who, request.app.state.audit, report_id) if contact else None
    steps = [
        {
            "at": h["at"][:16].replace("T", " "),
            "actor": h["actor"],
            "status": status_label(h["to_status"], language),
            "note": h["note"],
        }
        for h in lines
    ]
    nexts = [(code, status_label(code, language)) for code in workflow.TRANSITIONS[report["status"]]]
    return render(
        request,
        "staff_report.html",
        {"report": report, "steps": steps, "nexts": nexts, "contact": people, "asked": bool(contact)},
    )


@router.post("/beheer/melding/{report_id}")
async def act(request: Request, report_id: int) -> Response:
    """One of: a status change (with a note), approving the text, merging into another report."""
    who = _staff(request)
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    engine, audit = request.app.state.participation, request.app.state.audit
    action = str(form.get("actie", ""))
    if action == "status":
        staff.set_status(engine, who, audit, report_id, str(form.get("status", "")), str(form.get("notitie", "")))
    elif action == "tekst":
        staff.approve_text(engine, who, audit, report_id, public=form.get("openbaar") == "ja")
    elif action == "samenvoegen":
        into = str(form.get("met", "")).strip()
        if not into.isdigit():
            raise Forbidden("merge: give the number of the report this one repeats")
        staff.merge(engine, who, audit, report_id, int(into))
    return RedirectResponse(f"/beheer/melding/{report_id}", status_code=303)
