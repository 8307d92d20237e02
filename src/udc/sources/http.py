"""HTTP for public sources: bounded concurrency, retries with back-off, errors that say what CBS said.

Retried: 5xx and 429 responses, time-outs, aborted connections and truncated bodies (a JSON body cut off by a
dropped connection). Not retried: 4xx — CBS answers a wrong column or table with a plain-text error body, which
we quote in the message.
"""

from __future__ import annotations

import functools
import json
import ssl
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import httpx

from udc.errors import UdcError

T = TypeVar("T")
R = TypeVar("R")
RETRY_STATUS = {429, 500, 502, 503, 504}
RETRY_ERRORS = (
    httpx.TimeoutException,
    httpx.RemoteProtocolError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.ConnectError,
)


class SourceError(UdcError):
    """A remote source failed or answered something we cannot use."""


@functools.cache
def _verified_context() -> ssl.SSLContext:
    """httpx's default TLS context, built once per process: building it takes about 50 ms (as long as a page of a
    table on a fast line), and each client would otherwise build its own."""
    return httpx.create_ssl_context()


def _body_excerpt(response: httpx.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return text[:300] + ("…" if len(text) > 300 else "")


class Http:
    """A shared httpx client with a bounded worker pool."""

    def __init__(
        self,
        *,
        workers: int = 8,
        retries: int = 4,
        backoff: float = 0.25,
        timeout: float = 60.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.workers = workers
        self.retries = retries
        self.backoff = backoff
        self.client = httpx.Client(
            timeout=timeout,
            limits=httpx.Limits(max_connections=workers, max_keepalive_connections=workers),
            transport=transport,
            verify=_verified_context(),
            follow_redirects=True,
            headers={"Accept": "application/json", "User-Agent": "udc (Urban Data Center toolkit)"},
        )
        self.requests = 0

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """GET and decode JSON, retrying what is worth retrying."""
        return self.get_json_bytes(url, params)[0]

    def get_json_bytes(self, url: str, params: dict[str, Any] | None = None) -> tuple[Any, bytes]:
        """The decoded JSON and the raw body (to cache without encoding it again)."""
        last: str = ""
        for attempt in range(self.retries + 1):
            if attempt:
                time.sleep(self.backoff * 2 ** (attempt - 1))
            try:
                self.requests += 1
                response = self.client.get(url, params=params)
            except RETRY_ERRORS as exc:
                last = f"{type(exc).__name__}: {exc}"
                continue
            if response.status_code in RETRY_STATUS:
                last = f"HTTP {response.status_code}: {_body_excerpt(response)}"
                continue
            if response.status_code >= 400:
                raise SourceError(f"{response.request.url}: HTTP {response.status_code}: {_body_excerpt(response)}")
            try:
                return response.json(), response.content
            except (json.JSONDecodeError, UnicodeDecodeError):
                body = _body_excerpt(response)
                if body.startswith(("{", "[")):  # cut off mid-way: the connection dropped, try again
                    last = "truncated JSON body"
                    continue
                raise SourceError(f"{response.request.url}: not JSON: {body}") from None
        raise SourceError(f"{url}: gave up after {self.retries + 1} attempts ({last})")

    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        """``fn`` over ``items`` with at most ``workers`` at a time, results in order."""
        items = list(items)
        if len(items) <= 1 or self.workers <= 1:
            return [fn(i) for i in items]
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            return list(pool.map(fn, items))

    def close(self) -> None:
        self.client.close()
