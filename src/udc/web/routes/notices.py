"""Announcements and quick questions in the web app: on a buurt's page (and its Atom feed) for residents, with an
answer form that takes one answer per device and a few per client network, and the results only once the question
has closed (rounded shares, see :mod:`udc.participation.notices`); a form for staff to post them for buurten of their
municipalities."""

from __future__ import annotations

import secrets
import xml.etree.ElementTree as ET
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer

from udc.errors import TooMany, UdcError
from udc.web import data
from udc.web.common import Reader, View, error_response, facade, lang, render
from udc.web.i18n import said
from udc.web.routes.staff import _staff
from udc.web.security import check_csrf, client_of, secret_for

router = APIRouter(include_in_schema=False)
DEVICE = "udc_device"  # a random id per browser, signed: one answer per question per device
ATOM = "http://www.w3.org/2005/Atom"


def _signer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(
        secret_for(request.app.state.store_path, request.app.state.settings), salt="udc-answer-device"
    )


def device_of(request: Request) -> tuple[str, bool]:
    """The device id from its signed cookie, or a new one (then the response sets the cookie)."""
    raw = request.cookies.get(DEVICE)
    if raw:
        try:
            return str(_signer(request).loads(raw)), False
        except BadSignature:
            pass
    return secrets.token_urlsafe(16), True


def buurt_section(request: Request, store: View, code: str) -> dict[str, Any]:
    """What the buurt's page shows: running announcements, open and recently closed questions, and the results
    a closed question may publish (rounded shares, from the policy's minimum number of client networks)."""
    if not code.startswith("BU"):
        return {"announcements": [], "questions": [], "answered": set(), "just": None}
    notices = facade(request, store).participation
    asked = notices.questions(code)
    raw = request.cookies.get(DEVICE)
    device = device_of(request)[0] if raw else None
    answered = notices.answered([q["id"] for q in asked if q["open"]], device) if device else set()
    just = request.query_params.get("beantwoord", "")
    return {
        "announcements": notices.announcements(code),
        "questions": asked,
        "answered": answered,  # open questions this device answered: a confirmation instead of the form again
        "just": int(just) if just.isdigit() and int(just) in answered else None,
    }


@router.post("/gebied/{code}/vraag/{question_id}")
async def answer(request: Request, code: str, question_id: int) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    if not request.app.state.answer_limit.allow(f"client:{client_of(request)}"):
        raise TooMany(
            "Te veel antwoorden vanaf dit adres; probeer het later opnieuw."
            if lang(request) == "nl"
            else "Too many answers from this address; try again later."
        )
    device, fresh = device_of(request)
    option = str(form.get("keuze", ""))
    try:
        facade(request).participation.answer(
            question_id,
            int(option) if option.isdigit() else -1,
            code,
            device,
            client=client_of(request),
            secret=secret_for(request.app.state.store_path, request.app.state.settings),
        )
    except UdcError as exc:  # the refusal in the page's language, not the library's English line
        return error_response(request, exc.status, said(exc, lang(request)))
    english = "&lang=en" if lang(request) == "en" else ""
    response = RedirectResponse(f"/gebied/{code}?beantwoord={question_id}{english}#vraag-{question_id}", 303)
    if fresh:
        response.set_cookie(
            DEVICE,
            _signer(request).dumps(device),
            max_age=366 * 86400,
            httponly=True,
            samesite="strict",
            secure=request.app.state.sessions.https,
        )
    return response


@router.get("/gebied/{code}/berichten.atom")
async def feed(request: Request, store: Reader, code: str) -> Response:
    """The buurt's running announcements as an Atom feed (texts stripped of what XML 1.0 cannot carry)."""
    reports = facade(request, store).participation
    xml_text = reports.open311.xml_text
    name = data.names(store).get(code, code)
    base = str(request.base_url).rstrip("/")
    ET.register_namespace("", ATOM)
    top = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(top, f"{{{ATOM}}}title").text = xml_text(f"Berichten voor {name}")
    ET.SubElement(top, f"{{{ATOM}}}id").text = f"{base}/gebied/{code}/berichten.atom"
    ET.SubElement(top, f"{{{ATOM}}}link", href=f"{base}/gebied/{code}")
    items = reports.announcements(code)
    ET.SubElement(top, f"{{{ATOM}}}updated").text = max((a["created_at"] for a in items), default=reports.now())
    for item in items:
        entry = ET.SubElement(top, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = xml_text(item["title"])
        ET.SubElement(entry, f"{{{ATOM}}}id").text = f"{base}/gebied/{code}#bericht-{item['id']}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = item["created_at"]
        summary = f"{item['starts']} – {item['ends']}: {item['body']}"
        ET.SubElement(entry, f"{{{ATOM}}}summary").text = xml_text(summary)  # staff's text: XML 1.0 characters only
        ET.SubElement(entry, f"{{{ATOM}}}link", href=f"{base}/gebied/{code}#bericht-{item['id']}")
    body = ET.tostring(top, encoding="utf-8", xml_declaration=True)
    return Response(body, media_type="application/atom+xml; charset=utf-8")


@router.get("/beheer/berichten")
async def post_form(request: Request, store: Reader) -> Response:
    door = _staff(request, "participation.announce")
    names = data.names(store)
    codes = [c for c in names if c.startswith("BU") and door.may("participation.announce", c)]  # their buurten
    return render(request, "staff_notices.html", {"buurten": sorted((c, names[c]) for c in codes), "done": None})


@router.post("/beheer/berichten")
async def post(request: Request) -> Response:
    form = await request.form()
    door = _staff(request, "participation.ask" if form.get("soort") == "vraag" else "participation.announce")
    check_csrf(request, str(form.get("csrf", "")))
    values = {
        "buurten": [str(v) for v in form.getlist("buurt")],
        "starts": str(form.get("van", "")),
        "ends": str(form.get("tot", "")),
    }
    if form.get("soort") == "vraag":
        options = [line for line in str(form.get("opties", "")).splitlines() if line.strip()]
        door.participation.ask({**values, "question": str(form.get("titel", "")), "options": options})
    else:
        door.participation.announce({**values, "title": str(form.get("titel", "")), "body": str(form.get("tekst", ""))})
    return RedirectResponse(f"/gebied/{values['buurten'][0]}#berichten", status_code=303)


__all__ = ["buurt_section", "router"]
