"""Sessions, CSRF, sign-in throttling, API tokens, body limits and security headers — the web's half of access control.

- A session lives on the server (``web_sessions`` in the operational database); the cookie (signed, HttpOnly,
  SameSite=Strict, Secure over HTTPS) carries only its random id, a CSRF token and the language. Signing out,
  disabling the account or its expiry ends it at once, whatever the browser keeps.
- Every form carries the CSRF token and every POST checks it; the JSON API takes a cookie session on a POST only with
  the token in an ``X-CSRF-Token`` header (API clients send ``Authorization: Bearer <token>``).
- Sign-in is locked per (client, user name) and — with a much higher limit — per client; a user name alone is never
  locked, only slowed down once it fails from many distinct clients, so nobody can lock an account out from a
  handful of addresses. The client is the TCP peer: forwarded headers count only when ``udc serve --trusted-proxy``
  names the proxy (uvicorn then rewrites the peer).
- Throttle and rate-limit tables are bounded by evicting their least recently used keys, never by clearing them
  (which would also lift the locks of whoever floods them).
- Bodies over :data:`MAX_BODY` bytes are answered 413 before anything is parsed or logged.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from collections import OrderedDict, deque
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from udc.errors import Forbidden, NotSignedIn
from udc.privacy.access import PUBLIC, SESSION_HOURS, User, user_for_session, user_for_token
from udc.privacy.audit import CLIENT
from udc.settings import Settings, current, web_secret_file

COOKIE = "udc_session"
MAX_AGE = SESSION_HOURS * 3600
MAX_BODY = 64 * 1024  # forms and table requests are small; nothing larger is parsed
MAX_KEYS = 100_000  # keys a throttle or rate-limit table holds; beyond, the least recently used go
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)  # plotly.js adds <style> elements at run time, hence inline styles (never inline scripts)


def secret_for(store_path: Path, settings: Settings | None = None) -> str:
    """A per-store signing key, created once (0600), unless ``UDC_WEB_SECRET`` is set (``settings``: the app's;
    default the process's)."""
    configured = (settings or current()).web_secret
    if configured:
        return configured
    path = web_secret_file(store_path)
    if not path.exists():
        store_path.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


class Sessions:
    def __init__(self, secret: str, *, https: bool = False) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="udc-session")
        self.https = https

    def read(self, request: Request) -> dict[str, Any]:
        raw = request.cookies.get(COOKIE)
        if not raw or len(raw) > 4096:
            return {}
        try:
            data = self.serializer.loads(raw, max_age=MAX_AGE)
        except BadSignature:
            return {}
        return dict(data) if isinstance(data, dict) else {}

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


class Throttle:
    """Failed sign-ins within ``window`` seconds. Locked (429): a (client, user name) pair after ``limit`` failures,
    a client after ``client_limit`` (password spraying). A user name is never locked — that would let anyone lock
    anyone out — but once it failed from ``spread`` distinct clients, every attempt on it waits
    :meth:`delay` seconds (growing with the number of clients, at most ``max_delay``), which slows a distributed
    guess while the owner still gets in. Memory: at most ``max_keys`` keys, the least recently failed evicted."""

    def __init__(
        self,
        limit: int = 5,
        window: float = 300.0,
        client_limit: int = 50,
        spread: int = 10,
        max_delay: float = 10.0,
        max_keys: int = MAX_KEYS,
    ) -> None:
        self.limit, self.window, self.client_limit = limit, window, client_limit
        self.spread, self.max_delay, self.max_keys = spread, max_delay, max_keys
        self.failures: OrderedDict[str, deque[float]] = OrderedDict()  # pair and client keys: failure times
        self.names: OrderedDict[str, OrderedDict[str, float]] = OrderedDict()  # name: client → last failure

    def _recent(self, key: str) -> int:
        q = self.failures.get(key)
        if q is None:
            return 0
        now = time.monotonic()
        while q and now - q[0] > self.window:
            q.popleft()
        if not q:
            del self.failures[key]
        return len(q)

    def _clients(self, name: str) -> int:
        """Distinct clients that failed on ``name`` within the window."""
        seen = self.names.get(name[:200])
        if seen is None:
            return 0
        now = time.monotonic()
        while seen and now - next(iter(seen.values())) > self.window:
            seen.popitem(last=False)
        if not seen:
            del self.names[name[:200]]
        return len(seen)

    @staticmethod
    def _keys(client: str, name: str) -> tuple[str, str]:
        return f"pair:{client[:200]}\x1f{name[:200]}", f"client:{client[:200]}"

    def blocked(self, client: str, name: str) -> bool:
        pair, peer = self._keys(client, name)
        return self._recent(pair) >= self.limit or self._recent(peer) >= self.client_limit

    def delay(self, client: str, name: str) -> float:
        """Seconds an attempt on ``name`` waits: 0 until it failed from ``spread`` distinct clients, then one more
        second per further client, at most ``max_delay``."""
        spread = self._clients(name)
        return 0.0 if spread < self.spread else min(self.max_delay, float(spread - self.spread + 1))

    def fail(self, client: str, name: str) -> None:
        now = time.monotonic()
        for key in self._keys(client, name):
            self._recent(key)
            q = self.failures.setdefault(key, deque())
            q.append(now)
            if len(q) > max(self.limit, self.client_limit):  # nothing counts beyond the highest limit
                q.popleft()
            self.failures.move_to_end(key)
        seen = self.names.setdefault(name[:200], OrderedDict())
        seen[client[:200]] = now
        seen.move_to_end(client[:200])
        if len(seen) > self.spread + self.max_delay:  # more clients do not lengthen the delay
            seen.popitem(last=False)
        self.names.move_to_end(name[:200])
        _bound(self.failures, self.max_keys)
        _bound(self.names, self.max_keys)


class RateLimit:
    """At most ``limit`` events per key (a client address, an API key) within ``window`` seconds, sliding; at most
    ``max_keys`` keys, the least recently seen evicted. Keys come from the TCP peer, never from a forwarded header
    (see client_of)."""

    def __init__(self, limit: int, window: float, max_keys: int = MAX_KEYS) -> None:
        self.limit, self.window, self.max_keys = limit, window, max_keys
        self.events: OrderedDict[str, deque[float]] = OrderedDict()

    def allow(self, key: str) -> bool:
        now = time.monotonic()
        q = self.events.setdefault(key[:200], deque())
        self.events.move_to_end(key[:200])
        while q and now - q[0] > self.window:
            q.popleft()
        if len(q) >= self.limit:
            return False
        q.append(now)
        _bound(self.events, self.max_keys)
        return True


def _bound(table: OrderedDict[str, Any], max_keys: int) -> None:
    """Evict the least recently used keys until at most ``max_keys`` remain (never a wholesale reset)."""
    while len(table) > max_keys:
        table.popitem(last=False)


def client_of(request: Request) -> str:
    """The TCP peer (uvicorn rewrites it from forwarded headers only for a configured trusted proxy)."""
    return request.client.host if request.client else "?"


def current_user(request: Request) -> User:
    """Bearer token (a wrong one is refused), else the server-side session, else the public. A cookie session on a
    state-changing API call counts only with the CSRF token in ``X-CSRF-Token``."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    engine = request.app.state.engine
    header = request.headers.get("authorization", "")
    who = PUBLIC
    if header.lower().startswith("bearer "):
        who = user_for_token(engine, header[7:].strip())
    else:
        session_id = request.state.session.get("sid") if hasattr(request.state, "session") else None
        api_write = request.url.path.startswith("/api/") and request.method not in SAFE_METHODS
        if session_id and (not api_write or csrf_ok(request, request.headers.get("x-csrf-token"))):
            try:
                who = user_for_session(engine, str(session_id))
            except NotSignedIn:
                request.state.session = {k: v for k, v in request.state.session.items() if k != "sid"}
    request.state.user = who
    return who


class SecurityHeaders(BaseHTTPMiddleware):
    """Session loading, a CSRF token for every visitor, and the security headers on every response."""

    async def dispatch(self, request: Request, call_next: Any) -> Response:
        sessions: Sessions = request.app.state.sessions
        session = sessions.read(request)
        fresh = "csrf" not in session
        if fresh:
            session["csrf"] = secrets.token_urlsafe(24)
        request.state.session = session
        CLIENT.set(client_of(request))  # who anonymous refusals are counted for in the audit (udc.privacy.audit)
        response = await call_next(request)
        if fresh or request.state.session is not session:
            sessions.write(response, request.state.session)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        here = "(self)" if request.url.path == "/melden" else "()"  # the report form may ask for the location
        response.headers["Permissions-Policy"] = f"geolocation={here}, camera=(), microphone=()"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Cache-Control"] = response.headers.get("Cache-Control", "no-store")
        if sessions.https:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        return response


UPLOADS = {"/open311/v2/requests": 9 * 1024 * 1024, "/melden": 9 * 1024 * 1024}  # a photo (8 MB) and its form


class BodyLimit:
    """413 for a body over ``limit`` bytes, declared or streamed, before the application reads any of it. Paths
    that take a photo (``UPLOADS``: a report's form and Open311 POST) have a larger limit of their own."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app, self.default = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = next((n for prefix, n in UPLOADS.items() if path.startswith(prefix)), self.default)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(send, limit)
            return
        seen, over = 0, False

        async def counted() -> Message:
            nonlocal seen, over
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # the application gets an empty end of body; its answer is replaced
                    over = True
                    return {"type": "http.request", "body": b"", "more_body": False}
            return message

        answered = False

        async def guarded(message: Message) -> None:
            nonlocal answered
            if not over:
                await send(message)
            elif not answered:
                answered = True
                await _too_large(send, limit)

        await self.app(scope, counted, guarded)


async def _too_large(send: Send, limit: int) -> None:
    body = json.dumps({"error": f"the request body is larger than {limit // 1024} KB"}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def csrf_ok(request: Request, token: str | None) -> bool:
    expected = request.state.session.get("csrf")
    return bool(token and expected and secrets.compare_digest(str(token), str(expected)))


def check_csrf(request: Request, token: str | None) -> None:
    if not csrf_ok(request, token):
        raise Forbidden("the form expired or did not come from this site (CSRF check); reload the page")
