"""Sessions, CSRF, sign-in throttling, API tokens and security headers — the web's half of access control.

A session is a signed cookie (itsdangerous) holding the user name and a CSRF token; HttpOnly, SameSite=Strict,
Secure when served over HTTPS. Every form carries the token and every POST checks it. Sign-in is throttled per
client and user name. API clients send ``Authorization: Bearer <token>`` (tokens from ``udc users token``).
"""

from __future__ import annotations

import secrets
import time
from collections import defaultdict, deque
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.middleware.base import BaseHTTPMiddleware

from udc.errors import UdcError
from udc.privacy.access import PUBLIC, User, get_user, user_for_token

COOKIE = "udc_session"
MAX_AGE = 8 * 3600
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)  # plotly.js adds <style> elements at run time, hence inline styles (never inline scripts)


def secret_for(store_path: Path) -> str:
    """A per-store signing key, created once (0600), unless ``UDC_WEB_SECRET`` is set."""
    import os

    if os.environ.get("UDC_WEB_SECRET"):
        return os.environ["UDC_WEB_SECRET"]
    path = store_path / "web-secret"
    if not path.exists():
        store_path.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(32))
        path.chmod(0o600)
    return path.read_text().strip()


class Sessions:
    def __init__(self, secret: str, *, https: bool = False) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="udc-session")
        self.https = https

    def read(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(COOKIE)
        if not raw:
            return {}
        try:
            return dict(self.serializer.loads(raw, max_age=MAX_AGE))
        except BadSignature:
            return {}

    def write(self, response: Response, data: dict[str, Any]) -> None:
        response.set_cookie(
            COOKIE,
            self.serializer.dumps(data),
            max_age=MAX_AGE,
            httponly=True,
            samesite="strict",
            secure=self.https,
            path="/",
        )

    def clear(self, response: Response) -> None:
        response.delete_cookie(COOKIE, path="/")


class Throttle:
    """At most ``limit`` failed sign-ins per client and per user name within ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit, self.window = limit, window
        self.failures: dict[str, deque[float]] = defaultdict(deque)

    def _recent(self, key: str) -> deque[float]:
        q = self.failures[key]
        while q and time.monotonic() - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        return any(len(self._recent(k)) >= self.limit for k in keys)

    def fail(self, *keys: str) -> None:
        for k in keys:
            self._recent(k).append(time.monotonic())


def current_user(request: Request) -> User:
    """Bearer token, else the session's user, else the public."""
    engine = request.app.state.engine
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        try:
            return user_for_token(engine, header[7:].strip())
        except UdcError:
            return PUBLIC
    name = request.state.session.get("user")
    if name:
        try:
            return get_user(engine, name)
        except UdcError:
            return PUBLIC
    return PUBLIC


class SecurityHeaders(BaseHTTPMiddleware):
    """Session loading, a CSRF token for every visitor, and the security headers on every response."""

    async def dispatch(self, request: Request, call_next: Any) -> Response:
        sessions: Sessions = request.app.state.sessions
        session = sessions.read(request)
        fresh = "csrf" not in session
        if fresh:
            session["csrf"] = secrets.token_urlsafe(24)
        request.state.session = session
        response = await call_next(request)
        if fresh or request.state.session is not session or getattr(request.state, "session_changed", False):
            sessions.write(response, request.state.session)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "geolocation=(), camera=(), microphone=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        if sessions.https:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


def check_csrf(request: Request, token: str | None) -> None:
    expected = request.state.session.get("csrf")
    if not token or not expected or not secrets.compare_digest(token, expected):
        raise UdcError("the form expired or did not come from this site (CSRF check); reload the page")
