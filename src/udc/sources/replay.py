"""A loopback OData server that replays recorded CBS responses (v3 ODataApi/ODataFeed and v4).

For tests, benchmarks and offline training: point ``--base-url`` (udc) or ``catalog_url`` (cbsodata) at it.
It pages like CBS (``odata.nextLink``, ``$skip``/``$top``, ``$inlinecount``), answers an unknown column with CBS's
own error text, and can inject faults (a 500, an aborted connection, a truncated body) to test resilience.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_EQ = re.compile(r"^\s*(\w+)\s+eq\s+'([^']*)'\s*$")
_STARTSWITH = re.compile(r"^\s*startswith\(\s*(\w+)\s*,\s*'([^']*)'\s*\)\s*$")


def _top_level(text: str, word: str) -> list[str]:
    """``text`` split on `` and `` / `` or `` outside parentheses."""
    parts, depth, start = [], 0, 0
    token = f" {word} "
    i = 0
    while i < len(text):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
        elif depth == 0 and text.startswith(token, i):
            parts.append(text[start:i])
            i += len(token)
            start = i
            continue
        i += 1
    parts.append(text[start:])
    return parts


def _unwrap(text: str) -> str:
    text = text.strip()
    while text.startswith("(") and text.endswith(")"):
        inner = text[1:-1]
        depth = 0
        for ch in inner:  # only when the outer parentheses enclose the whole text
            depth += ch == "("
            depth -= ch == ")"
            if depth < 0:
                return text
        text = inner.strip()
    return text


@dataclass
class ReplayTable:
    """Everything the server knows about one table: v3 lists by name (TableInfos, DataProperties, RegioS,
    TypedDataSet …) and, optionally, v4 lists (Properties as a dict, Observations, MeasureCodes …)."""

    v3: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    v4: dict[str, Any] = field(default_factory=dict)


@dataclass
class Replay:
    tables: dict[str, ReplayTable]
    page_size: int = 10_000
    inline_count: bool = True
    faults: list[tuple[str, str]] = field(default_factory=list)  # (path contains, "500" | "abort" | "truncate")
    latency: float = 0.0  # seconds per request, to stand in for the distance to CBS
    log: list[str] = field(default_factory=list)

    def __enter__(self) -> Replay:
        replay = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                replay._handle(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        # polled every 50 ms instead of the default 500 ms: shutdown() waits for the next poll, and the suites
        # start and stop a replay server dozens of times
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    # -- routing -------------------------------------------------------------------------------------------
    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        parts = urllib.parse.urlsplit(h.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}
        self.log.append(h.path)
        if self.latency:
            time.sleep(self.latency)
        for i, (needle, kind) in enumerate(self.faults):
            if needle in h.path:
                del self.faults[i]
                return self._fault(h, kind)
        segments = [urllib.parse.unquote(s) for s in parts.path.strip("/").split("/")]
        try:
            if len(segments) >= 3 and segments[0] in ("ODataApi", "ODataFeed") and segments[1].lower() == "odata":
                return self._v3(h, segments[0], segments[2:], query)
            if len(segments) >= 4 and segments[:2] == ["odata", "v1"]:
                return self._v4(h, segments[3:], query)
        except KeyError:
            pass
        self._send(h, 404, f"Resource not found for the segment '{segments[-1] if segments else ''}'.", text=True)

    def _send(self, h: BaseHTTPRequestHandler, status: int, body: Any, *, text: bool = False) -> None:
        data = (body if text else json.dumps(body)).encode("utf-8")
        h.send_response(status)
        h.send_header("Content-Type", "text/plain; charset=utf-8" if text else "application/json; charset=utf-8")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def _fault(self, h: BaseHTTPRequestHandler, kind: str) -> None:
        if kind == "500":
            return self._send(h, 500, "An error has occurred.", text=True)
        if kind == "truncate":
            h.send_response(200)
            h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", "1000")
            h.end_headers()
            h.wfile.write(b'{"value": [{"ID": 0,')
        h.close_connection = True
        h.connection.shutdown(2)  # aborted: no (complete) response

    def _rows(self, h: BaseHTTPRequestHandler, table: str, name: str, rows: list[dict], query: dict[str, str]) -> Any:
        flt = query.get("$filter")
        if flt:
            # ``a eq 'x'`` (padding ignored on both sides) and ``startswith(a,'x')``, joined by ``or`` inside a clause
            # and by ``and`` between clauses, with parentheses: the filters the StatLine client sends
            for clause in _top_level(_unwrap(flt), "and"):
                tests = []
                for atom in _top_level(_unwrap(clause), "or"):
                    eq, starts = _EQ.match(_unwrap(atom)), _STARTSWITH.match(_unwrap(atom))
                    if not (eq or starts):
                        return None, f"The query specified in the URI is not valid: unsupported $filter '{atom}'."
                    key, value = (eq or starts).groups()  # type: ignore[union-attr]
                    if rows and key not in rows[0]:
                        return None, self._missing(table, name, key)
                    tests.append((key, value.strip(), bool(eq)))
                rows = [
                    r
                    for r in rows
                    if any(
                        str(r.get(k, "")).strip() == v if is_eq else str(r.get(k, "")).startswith(v)
                        for k, v, is_eq in tests
                    )
                ]
        select = query.get("$select")
        if select:
            keys = [k.strip() for k in select.split(",")]
            for key in keys:
                if rows and key not in rows[0]:
                    return None, self._missing(table, name, key)
            rows = [{k: r[k] for k in keys} for r in rows]
        return rows, None

    @staticmethod
    def _missing(table: str, name: str, key: str) -> str:
        return f"Error getting {name} for '{table}': Could not find a property named '{key}' on type 'Cbs.OData.TData'."

    def _v3(self, h: BaseHTTPRequestHandler, api: str, rest: list[str], query: dict[str, str]) -> None:
        table = rest[0]
        entry = self.tables[table]
        base = f"{self.url}/{api}/odata/{table}"
        if len(rest) == 1 or rest[1] == "":
            names = list(entry.v3) + (["UntypedDataSet"] if "TypedDataSet" in entry.v3 else [])
            return self._send(
                h,
                200,
                {"odata.metadata": f"{base}/$metadata", "value": [{"name": n, "url": f"{base}/{n}"} for n in names]},
            )
        name = rest[1]
        source = entry.v3["TypedDataSet" if name == "UntypedDataSet" else name]
        if len(rest) > 2 and rest[2] == "$count":
            rows, error = self._rows(h, table, name, source, query)
            return self._send(h, 400, error, text=True) if error else self._send(h, 200, str(len(rows)), text=True)
        rows, error = self._rows(h, table, name, source, query)
        if error:
            return self._send(h, 400, error, text=True)
        skip = int(query.get("$skip", 0))
        top = min(int(query.get("$top", self.page_size)), self.page_size)
        body: dict[str, Any] = {
            "odata.metadata": f"{base}/$metadata#Cbs.OData.WebAPI.{name}",
            "value": rows[skip : skip + top],
        }
        if self.inline_count and query.get("$inlinecount") == "allpages":
            body["odata.count"] = str(len(rows))
        if skip + top < len(rows):
            nxt = {k: v for k, v in query.items() if k not in ("$skip", "$inlinecount")}
            nxt["$skip"] = str(skip + top)
            body["odata.nextLink"] = f"{base}/{name}?{urllib.parse.urlencode(nxt)}"
        self._send(h, 200, body)

    def _v4(self, h: BaseHTTPRequestHandler, rest: list[str], query: dict[str, str]) -> None:
        table, name = rest[0], (rest[1] if len(rest) > 1 else "")
        entry = self.tables[table]
        base = f"{self.url}/odata/v1/CBS/{table}"
        if name == "Properties":
            return self._send(h, 200, entry.v4["Properties"])
        rows, error = self._rows(h, table, name, entry.v4[name], query)
        if error:
            return self._send(h, 400, error, text=True)
        skip = int(query.get("$skip", 0))
        body: dict[str, Any] = {
            "@odata.context": f"{base}/$metadata#{name}",
            "value": rows[skip : skip + self.page_size],
        }
        if skip + self.page_size < len(rows):
            body["@odata.nextLink"] = f"{base}/{name}?$skip={skip + self.page_size}"
        self._send(h, 200, body)
