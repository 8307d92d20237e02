"""Shared by pages and API: rendering with the language and user, downloads in open formats, errors."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import pandas as pd
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from udc.api import Udc
from udc.errors import UdcError, key_of
from udc.privacy.access import PUBLIC, User
from udc.privacy.actions import ensure, may
from udc.store import catalogue
from udc.store.db import Store, writer_waiting
from udc.store.frames import spreadsheet_safe, whole_numbers
from udc.web import data, security, workers
from udc.web.i18n import LANGUAGES, TEXT, said, translator

ErrorFormat = Callable[[Request, int, str], Response]


def error_response(request: Request, status: int, message: str, error: BaseException | None = None) -> Response:
    """The error in the shape of the router the path belongs to: each router (the JSON API, Open311) registers its
    own format for its prefix on ``app.state.error_formats``; pages get the error page. Registered, not imported, so
    this module knows no router. A page speaks its own language: a keyed error (``udc.errors.keyed``) in its
    words, any other with a sentence for its status and udc's one-line reason marked as English (``lang="en"``)."""
    formats: dict[str, ErrorFormat] = getattr(request.app.state, "error_formats", {})
    for prefix, fmt in formats.items():
        if request.url.path.startswith(prefix):
            return fmt(request, status, message)
    language = lang(request)
    if error is not None and key_of(error)[0]:
        summary, detail = said(error, language), None
    else:
        summary = translator(language)(f"status_{status}" if f"status_{status}" in TEXT else "error")
        detail = message
    context = {"status": status, "summary": summary, "detail": detail}
    return render(request, "error.html", context, status=status)


def admit(
    request: Request,
    action: str,
    target: str | list[str] | None = None,
    *,
    detail: dict[str, Any] | None = None,
    level: str | None = None,
) -> User:
    """The request's user, if the rulebook lets them take ``action`` on ``target``; else the rulebook's refusal,
    audited by :func:`udc.privacy.actions.ensure` — the same entries the action's own ``ensure`` writes. Nothing is
    written when allowed: the action itself is audited where it runs (the gate, the participation functions), and
    a page that only shows something writes nothing. Checked before a route validates its input, so a refused
    caller learns nothing from the validation (which tables exist, which columns they have)."""
    who = user(request)
    if not may(who, action, target, level=level):
        with ensure(who, action, target, audit=request.app.state.audit, detail=detail, level=level):
            pass  # not reached: ensure refuses before its block
    return who


class Readers:
    """Read-only access to the store for the server's requests, shared while they come and released when they stop.

    Opening a DuckDB file costs ~15 ms; a second connection to an open database costs ~0.1 ms. So the first request
    opens the database and keeps a connection (the keeper) while requests keep coming; ``linger`` seconds after the
    last one, it lets go and the store is free for other processes. A writer that waits for the store announces
    itself (:func:`udc.store.db.writer_waiting`): then the keeper is dropped as soon as no request is running, and
    new requests wait (up to ``wait`` seconds, then 503) instead of holding the store again.
    """

    def __init__(self, path: Path, *, wait: float, linger: float = 0.5) -> None:
        self.path, self.wait, self.linger = path, wait, linger
        self._lock = threading.Lock()
        self._keeper: Store | None = None
        self._active = 0
        self._timer: threading.Timer | None = None

    def open(self) -> Store:
        deadline = time.monotonic() + self.wait
        while writer_waiting(self.path) and time.monotonic() < deadline:
            self._let_go_if_idle()
            time.sleep(0.05)
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            if self._keeper is None:
                self._keeper = self._connect(max(0.0, deadline - time.monotonic()))
            self._active += 1
        try:
            return self._connect(self.wait)
        except BaseException:
            self.close(None)
            raise

    def _connect(self, wait: float) -> Store:
        return Store(self.path, read_only=True, locked_down=True, wait=wait)

    def close(self, store: Store | None) -> None:
        if store is not None:
            store.close()
        with self._lock:
            self._active -= 1
            if self._active or self._keeper is None:
                return
            if writer_waiting(self.path):
                self._drop()
            else:
                self._timer = threading.Timer(self.linger, self._let_go_if_idle)
                self._timer.daemon = True
                self._timer.start()

    def _let_go_if_idle(self) -> None:
        with self._lock:
            if not self._active and self._keeper is not None:
                self._drop()

    def _drop(self) -> None:
        keeper, self._keeper = self._keeper, None
        if keeper is not None:
            keeper.close()

    def shutdown(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._drop()


async def reader(request: Request) -> AsyncIterator[Store]:
    """The store for one request: read-only, external access off, shared with concurrent requests and let go soon
    after them (:class:`Readers`), so other processes (the CLI, a notebook, an import) use the same store while the
    server runs, and the next request after a write sees it."""
    readers: Readers = request.app.state.readers
    store = await run_in_threadpool(readers.open)  # may wait for a writer: not on the event loop
    try:
        yield store
    finally:
        readers.close(store)


Reader = Annotated[Store, Depends(reader)]
View = Store  # the request's store or a worker's cursor on it: what route helpers take, without importing the store


def cached(request: Request, store: Store, key: str, build: Callable[[], Any]) -> Any:
    """A value derived from the catalogue, rebuilt when the catalogue changes (a new release, an import)."""
    generation = catalogue.generation(store)
    caches = request.app.state.caches
    if caches.get("generation") != generation:
        caches.clear()
        caches["generation"] = generation
    if key not in caches:
        caches[key] = build()
    return caches[key]


async def run_gate(request: Request, store: Store, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run a gate function on a worker thread with its own cursor on the store: the event loop (every other page)
    keeps going. At most ``gate_workers`` at once (the pool's ``gate`` slots, :mod:`udc.web.workers`); beyond that,
    503 at once instead of a queue that freezes."""
    return await run_heavy(request, store, "gate", lambda view, _job: function(view, *args, **kwargs))


async def run_heavy(
    request: Request, store: Store, kind: str, work: Callable[[Store, Any], Any], *, memory: int | None = None
) -> Any:
    """``work(view, job)`` in the app's pool of heavy work (:mod:`udc.web.workers`) with a cursor of its own on the
    store (DuckDB connections are not shared between threads), interrupted at the kind's time limit."""
    view = store.cursor()
    started = False

    def run(job: Any) -> Any:
        nonlocal started
        started = True
        try:
            return work(view, job)
        finally:
            view.close()

    try:
        return await request.app.state.pool.run(kind, run, memory=memory, cancel=view.con.interrupt)
    finally:
        if not started:  # refused (busy) before it began: the cursor is not needed
            view.close()


def area_tables(request: Request, store: Store) -> dict[str, data.AreaTable]:
    """The explorable tables, found once per catalogue generation."""
    return explorable(request, store)[0]


def explorable(request: Request, store: Store) -> tuple[dict[str, data.AreaTable], dict[str, str]]:
    """The explorable tables and, for every other published table, why not (once per catalogue generation)."""

    def build() -> tuple[dict[str, data.AreaTable], dict[str, str]]:
        skipped: dict[str, str] = {}
        return data.area_tables(store, skipped), skipped

    return cached(request, store, "explorable", build)


def num(value: Any) -> float | None:
    """A cell value for templates and charts: missing and withheld values as None."""
    return None if value is None or pd.isna(value) else float(value)


def latest_year(store: Store, table: data.AreaTable) -> str | None:
    years = [y for y in data.options(store, table).get(table.year or "", []) if y != data.TOTAL]
    return years[-1] if years else None


def facade(request: Request, store: Store | None = None) -> Udc:
    """The facade acting as the request's user (:meth:`udc.api.Udc.acting`): the one front door the CLI and Python
    use, with the same rulebook and audit. ``store``: the request's read-only store (or a worker's cursor on it,
    inside :func:`run_gate`/:func:`run_heavy`), so the facade's reads run there and never block the event loop."""
    return request.app.state.udc.acting(user(request), store=store)


def lang(request: Request) -> str:
    chosen = request.query_params.get("lang") or request.state.session.get("lang") or "nl"
    return chosen if chosen in LANGUAGES else "nl"


def user(request: Request) -> User:
    return security.current_user(request)


def render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    language = lang(request)
    who = user(request) if hasattr(request.state, "session") else PUBLIC
    params = dict(request.query_params)

    def link(path: str, **changes: Any) -> str:
        merged = {**params, **{k: v for k, v in changes.items() if v is not None}}
        merged = {k: v for k, v in merged.items() if v not in ("", None)}
        return f"{path}?{urlencode(merged)}" if merged else path

    base = {
        "request": request,
        "t": translator(language),
        "lang": language,
        "user": who,
        "signed_in": who != PUBLIC,
        "may": lambda action, target=None: may(who, action, target),  # what the page offers: the rulebook, no audit
        "csrf": request.state.session.get("csrf", "") if hasattr(request.state, "session") else "",
        "link": link,
        "path": request.url.path,
    }
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(request, template, {**base, **context}, status_code=status)


def headers(request: Request, store: Store, name: str, columns: list[str]) -> dict[str, str]:
    """Column → the label a download's header shows when asked for (``koppen=labels``) in the page's language:
    the store's labels file, the source's title, udc's word, else the name made readable."""
    from udc.web import userlabels, wording

    titles = cached(request, store, f"titles:{name}", lambda: data.column_titles(store, name))
    labels = userlabels.load(request.app.state.store_path)
    return {c: wording.header_text(c, lang(request), labels, titles.get(c)) for c in columns}


def labelled(request: Request, store: Store, name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A download with labels asked for (``koppen=labels``): its values as a person reads them (areas as name + code,
    periods, statuses, categories, indicators by title) and its headers as labels, in the page's language."""
    from udc.web import userlabels, wording

    language = lang(request)
    names = cached(request, store, "named-areas", lambda: data.named_areas(store))
    extra = {}
    if "indicator" in frame.columns:
        extra["indicator"] = {i.id: getattr(i.title, language) for i in facade(request, store).indicators.list()}
    values = wording.labelled(frame, language, names, userlabels.load(request.app.state.store_path), extra)
    return values, headers(request, store, name, list(frame.columns))


EXCEL_ROWS = 1_048_576  # rows in an Excel sheet, the header included
EXPORT_FACTOR = {"csv": 3.0, "csv-nl": 3.5, "xlsx": 4.0, "parquet": 2.5, "geojson": 8.0}  # measured: docs/web.md


def export_memory(frame: pd.DataFrame, fmt: str) -> int:
    """Bytes a download holds while it is built: the rows as read times what the format adds (the copy with whole
    numbers, the text or workbook, the body); charged to the pool's memory budget before the file is built."""
    return int(frame.memory_usage(index=False, deep=True).sum() * EXPORT_FACTOR.get(fmt, 8.0)) + 8 * 1024 * 1024


def download(
    frame: pd.DataFrame,
    name: str,
    fmt: str,
    store: Store | None = None,
    rename: dict[str, str] | None = None,
    pool: workers.Pool | None = None,
) -> Response:
    """CSV (comma or Dutch: ``;`` and decimal comma), Excel, Parquet or GeoJSON (one feature per row: the area's
    geometry with the row's values as properties, as GIS tools style them); ``rename``: headers as labels.
    ``pool``: the workbook is written in one of its worker processes (long pure-Python work, see
    :mod:`udc.web.workers`)."""
    frame = whole_numbers(frame)
    if fmt in ("csv", "csv-nl", "xlsx"):
        frame = spreadsheet_safe(frame)
    area = next((c for c in catalogue.AREA_COLUMNS if c in frame.columns), None)
    if rename:
        frame = frame.rename(columns=rename)
        area = rename.get(area, area) if area else None
    if fmt == "csv":
        body, media, ext = frame.to_csv(index=False).encode(), "text/csv; charset=utf-8", "csv"
    elif fmt == "csv-nl":
        body = frame.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")
        media, ext = "text/csv; charset=utf-8", "csv"
    elif fmt == "xlsx":
        if len(frame) >= EXCEL_ROWS:
            raise UdcError(
                f"'{name}' has {len(frame)} rows, more than Excel's {EXCEL_ROWS - 1}: download csv or parquet"
            )
        body, ext = (pool.in_process(workers.excel, frame) if pool else workers.excel(frame)), "xlsx"
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    elif fmt == "parquet":
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        body, media, ext = buffer.getvalue(), "application/vnd.apache.parquet", "parquet"
    elif fmt == "geojson" and store is not None:
        column = area
        if column is None:
            raise UdcError(f"'{name}' has no area column: GeoJSON needs one")
        shapes = data.geometry(store, sorted(frame[column].dropna().astype(str).unique()))
        geometry = {f["id"]: (f["geometry"], f["properties"]) for f in shapes["features"]}
        records = frame.astype(object).where(frame.notna(), None).to_dict("records")
        features = [
            {
                "type": "Feature",
                "geometry": geometry[str(r[column])][0],
                "properties": {"name": geometry[str(r[column])][1]["name"], **r},
            }
            for r in records
            if str(r[column]) in geometry
        ]
        collection = {"type": "FeatureCollection", "features": features}
        body, media, ext = json.dumps(collection, default=str).encode(), "application/geo+json", "geojson"
    else:
        raise UdcError(f"unknown format '{fmt}': expected csv, csv-nl, xlsx, parquet or geojson")
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}.{ext}"'})
