"""Signing in and out (server-side sessions, throttled, CSRF-checked) and the language switch."""

from __future__ import annotations

import asyncio
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from udc.errors import UdcError
from udc.web.common import facade, lang, render
from udc.web.i18n import LANGUAGES, translator
from udc.web.security import check_csrf, client_of

router = APIRouter(include_in_schema=False)


def local(target: str) -> str:
    """A redirect target on this site only, else ``/``: a path starting with one ``/``, without a backslash (browsers
    read ``/\\host`` as ``//host``) or control characters (they drop tabs and newlines, so ``/<TAB>/host`` is
    ``//host``) — no scheme, no other host. The sign-in and the language switch both go through here."""
    if not target.startswith("/") or target.startswith("//") or len(target) > 2000:
        return "/"
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return "/"
    return target


@router.get("/inloggen")
async def signin_form(request: Request, terug: str = "/") -> Response:
    return render(request, "signin.html", {"next": local(terug), "message": None})


@router.post("/inloggen")
async def signin(
    request: Request,
    gebruiker: str = Form(...),
    wachtwoord: str = Form(...),
    csrf: str = Form(""),
    terug: str = Form("/"),
) -> Response:
    check_csrf(request, csrf)
    t = translator(lang(request))
    client = client_of(request)
    throttle = request.app.state.throttle
    users = facade(request).users
    if throttle.blocked(client, gebruiker):  # counted, not one row each: anyone can repeat this in a loop
        users.throttled(gebruiker, client)
        return render(request, "signin.html", {"next": local(terug), "message": t("too_many")}, status=429)
    wait = throttle.delay(client, gebruiker)
    if wait:  # a name failed from many addresses: slowed down, never locked
        await asyncio.sleep(wait)
    try:
        who = await run_in_threadpool(users.login, gebruiker, wachtwoord)  # argon2: off the event loop
    except UdcError:
        throttle.fail(client, gebruiker)
        return render(request, "signin.html", {"next": local(terug), "message": t("wrong_login")}, status=401)
    old = request.state.session.get("sid")
    if old:
        users.end_session(str(old))
    fresh = {"sid": users.start_session(who), "csrf": secrets.token_urlsafe(24)}
    request.state.session = {**{k: v for k, v in request.state.session.items() if k == "lang"}, **fresh}
    return RedirectResponse(local(terug), status_code=303)


@router.post("/uitloggen")
async def signout(request: Request, csrf: str = Form("")) -> Response:
    check_csrf(request, csrf)
    session_id = request.state.session.get("sid")
    if session_id:
        facade(request).users.logout(str(session_id))
    keep = {k: v for k, v in request.state.session.items() if k == "lang"}
    request.state.session = {**keep, "csrf": secrets.token_urlsafe(24)}
    return RedirectResponse("/", status_code=303)


@router.get("/taal/{language}")
async def set_language(request: Request, language: str, terug: str = "/") -> Response:
    if language not in LANGUAGES:
        raise UdcError(f"language '{language}': expected nl or en")
    request.state.session = {**request.state.session, "lang": language}
    return RedirectResponse(local(terug), status_code=303)
