"""JSON as it arrives: raw CBS OData v3/v4 responses (and CBS's error answers), GeoJSON, records arrays, single
objects such as a Signalen report. Nested objects become ``parent_child`` columns; a GeoJSON point anywhere becomes
``…_longitude``/``…_latitude`` so that it can be assigned to an area."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pandas as pd

from udc.errors import InputError

_TABLE = re.compile(r"/OData/(?P<table>[0-9A-Za-z]+)/\$metadata#(?:Cbs\.OData\.WebAPI\.)?(?P<set>[A-Za-z]+)")


def load(path: Path) -> Any:
    """The parsed document; CBS's error answers (plain text or ``odata.error``) as one line with CBS's message."""
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise InputError("empty file", file=str(path))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        if text.startswith("Error") or "odata.error" in text[:200]:
            raise InputError(
                f"CBS answered with an error, not data: {text.splitlines()[0][:300]}", file=str(path)
            ) from None
        raise InputError(f"not valid JSON: {exc.msg} (column {exc.colno})", file=str(path), row=exc.lineno) from None
    if isinstance(document, dict):
        error = document.get("odata.error") or document.get("error")
        if isinstance(error, dict):
            message = error.get("message")
            message = message.get("value") if isinstance(message, dict) else message
            raise InputError(
                f"CBS answered with an error, not data: {error.get('code', '')} {message}".strip(), file=str(path)
            )
    return document


def odata_rows(document: Any) -> tuple[list[dict[str, Any]], dict[str, Any]] | None:
    """The ``value`` array of an OData v3/v4 response and what the document says about itself; None if not OData."""
    if not isinstance(document, dict) or not isinstance(document.get("value"), list):
        return None
    context = str(document.get("odata.metadata") or document.get("@odata.context") or "")
    found = _TABLE.search(context)
    meta = {
        "table": found["table"] if found else None,
        "set": found["set"] if found else None,
        "context": context,
        "next": document.get("odata.nextLink") or document.get("@odata.nextLink"),
    }
    return document["value"], meta


def _points(row: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten one object; a GeoJSON Point becomes longitude/latitude, other geometry and lists become JSON text."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value.get("type") == "Point" and isinstance(value.get("coordinates"), list):
            lon, lat = (value["coordinates"] + [None, None])[:2]
            out[f"{name}_longitude"], out[f"{name}_latitude"] = lon, lat
        elif isinstance(value, dict) and "coordinates" in value and "type" in value:
            out[f"{name}_geojson"] = json.dumps(value, ensure_ascii=False)
        elif isinstance(value, dict):
            out.update(_points(value, f"{name}_"))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        else:
            out[name] = value
    return out


def read_json(path: Path) -> tuple[pd.DataFrame, dict[str, Any]]:
    """A JSON or GeoJSON file as a table, with how it was read."""
    document = load(path)
    odata = odata_rows(document)
    if odata is not None:
        rows, meta = odata
        if meta["next"]:
            raise InputError(
                f"one page of a longer OData answer (next page: {str(meta['next'])[:120]}): import "
                "every page together with 'udc statline import PAGE1.json PAGE2.json …'",
                file=str(path),
            )
        details: dict[str, Any] = {"format": "odata-json", "table": meta["table"]}
    elif isinstance(document, dict) and document.get("type") in ("FeatureCollection", "Feature"):
        features = document.get("features", [document]) if document["type"] == "FeatureCollection" else [document]
        rows = [{**(f.get("properties") or {}), "geometry": f.get("geometry")} for f in features]
        details = {"format": "geojson", "features": len(rows)}
    elif isinstance(document, list):
        rows, details = document, {"format": "json-records"}
    elif isinstance(document, dict):
        rows, details = [document], {"format": "json-object"}
    else:
        raise InputError("expected an object, an array of objects or GeoJSON", file=str(path))
    bad = next((i for i, r in enumerate(rows) if not isinstance(r, dict)), None)
    if bad is not None:
        raise InputError(f"item {bad + 1} is not an object (a table needs one object per row)", file=str(path))
    if not rows:
        raise InputError("no rows", file=str(path))
    frame = pd.DataFrame([_points(r) for r in rows])
    return frame, details


def read_odata_json(paths: list[Path]) -> tuple[str | None, str | None, list[dict[str, Any]], dict[str, Any]]:
    """Raw CBS OData v3/v4 response files: the data rows of every page (in order), plus what the companion
    documents given alongside say (``TableInfos``: title and modified; ``DataProperties``: titles, units,
    decimals). Returns (table id, title, rows, properties by key). A page whose next page is missing is refused."""
    table = title = None
    modified = None
    rows: list[dict[str, Any]] = []
    properties: dict[str, Any] = {}
    pending: str | None = None
    for path in paths:
        found = odata_rows(load(path))
        if found is None:
            raise InputError("not a CBS OData response (expected an object with a 'value' array)", file=str(path))
        values, meta = found
        if meta["table"] and table and meta["table"].lower() != table.lower():
            raise InputError(f"table {meta['table']} mixed with {table}", file=str(path))
        table = table or meta["table"]
        if meta["set"] == "TableInfos" and values:
            title, modified = values[0].get("Title"), values[0].get("Modified")
        elif meta["set"] == "DataProperties":
            properties = {p.get("Key"): p for p in values if p.get("Key")}
        else:
            rows += values
            pending = meta["next"]
    if pending:
        raise InputError(
            f"the last page given says there is more (next page: {str(pending)[:120]}): give every page",
            file=str(paths[-1]),
        )
    if not rows:
        raise InputError("no data rows (only metadata documents)", file=str(paths[0]))
    properties["__modified__"] = modified
    return table, title, rows, properties
