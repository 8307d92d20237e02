"""The JSON API under ``/api/v1`` (OpenAPI at ``/api/v1/openapi.json``). No route returns microdata: every route calls
the facade as the request's user (``Udc.read`` refuses microdata for every role; tables from microdata go through
the gate, ``Udc.table``), under the rulebook and audit the CLI and Python have."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from udc.api import TableRequest
from udc.errors import NotFound, UdcError
from udc.facade import Flows
from udc.web import data
from udc.web.common import (
    Reader,
    View,
    area_tables,
    download,
    export_memory,
    facade,
    labelled,
    run_gate,
    run_heavy,
)
from udc.web.workers import RETRY_AFTER, Job

AREA_KINDS = ("BU", "WK", "GM")


class ErrorBody(BaseModel):
    error: str = Field(description="What went wrong, in one line")


_ERRORS = {
    401: "Not signed in, or an unknown, expired or revoked token",
    403: "Not allowed for this user (role, scope, disclosure rules)",
    404: "No such dataset, area or table (or not visible to this user)",
    413: "Request body too large",
    422: "Invalid request",
    429: "Too many attempts",
    503: "Busy (every worker of the kind, or the memory budget for heavy work, is taken: see Retry-After), or the "
    "work took longer than its time limit",
}
ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody, "description": text} for status, text in _ERRORS.items()
}
ERRORS[503]["headers"] = {
    "Retry-After": {
        "description": f"Seconds to wait before trying again (busy: {RETRY_AFTER})",
        "schema": {"type": "integer"},
    }
}


def _records(frame: Any) -> list[dict[str, Any]]:
    """JSON-ready rows: missing values as null, binary values (WKB geometry) as hexadecimal text."""
    rows = frame.astype(object).where(frame.notna(), None).to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, bytes | bytearray | memoryview):
                row[key] = bytes(value).hex()
    return rows


PREFIX = "/api/"  # the paths whose errors are JSON (error_format), the OpenAPI document's too
router = APIRouter(prefix="/api/v1", responses=ERRORS)


def error_format(request: Request, status: int, message: str) -> Response:
    """The JSON API's errors: ``{"error": "one line"}`` with the status (:class:`ErrorBody`)."""
    return JSONResponse({"error": message}, status_code=status)


@router.get("/datasets", tags=["catalogue"])
async def datasets(request: Request, store: Reader) -> list[dict[str, Any]]:
    """Datasets whose rows the caller may read (open and released for everyone)."""
    rows = facade(request, store).datasets
    return [{k: (str(v) if k == "retrieved_at" and v else v) for k, v in r.items() if k != "provenance"} for r in rows]


@router.get("/datasets/{name}", tags=["catalogue"])
async def dataset(request: Request, store: Reader, name: str) -> dict[str, Any]:
    """Metadata, columns, lineage and (for a release) versions of one visible dataset."""
    door = facade(request, store)
    if name not in {d["name"] for d in door.datasets}:
        raise NotFound(f"no dataset '{name[:60]}' visible to you")
    info = door.describe(name)
    info["retrieved_at"] = str(info["retrieved_at"]) if info.get("retrieved_at") else None
    return info


@router.get("/datasets/{name}/rows", tags=["catalogue"])
async def rows(
    request: Request,
    store: Reader,
    name: str,
    limit: int = Query(1000, ge=1, le=100_000),
    offset: int = Query(0, ge=0),
    version: int | None = Query(None, ge=1, le=1_000_000, description="A release's version (default: newest)"),
) -> dict[str, Any]:
    """Rows of a dataset the caller may read (microdata: refused for everyone, audited)."""
    frame = facade(request, store).read(name, version)
    return {"dataset": name, "total": len(frame), "rows": _records(frame.iloc[offset : offset + limit])}


@router.get("/datasets/{name}/versions", tags=["catalogue"])
async def versions(request: Request, store: Reader, name: str) -> list[dict[str, Any]]:
    """A release's versions, oldest first (re-releasing adds one; none is overwritten)."""
    door = facade(request, store)
    if name not in {d["name"] for d in door.datasets}:
        raise NotFound(f"no dataset '{name[:60]}' visible to you")
    return [{**v, "created_at": str(v["created_at"])} for v in door.versions(name)]


@router.get(
    "/datasets/{name}/download",
    tags=["catalogue"],
    responses={
        200: {
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}}
                for media in (
                    "text/csv",
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "application/vnd.apache.parquet",
                    "application/geo+json",
                )
            }
        }
    },
)
async def dataset_download(
    request: Request,
    store: Reader,
    name: str,
    format: str = Query("csv", pattern="^(csv|csv-nl|xlsx|parquet|geojson)$"),
    version: int | None = Query(None, ge=1, le=1_000_000, description="A release's version (default: newest)"),
    koppen: str = Query(
        "namen",
        pattern="^(namen|labels)$",
        description="Headers and values: the names and codes in the data, or labels in the language (lang)",
    ),
) -> Response:
    """The whole dataset as CSV, Dutch CSV (``;``, decimal comma), Excel, Parquet or GeoJSON: built in the pool of
    heavy work (503 with Retry-After when it is full, or after the time limit), never on the event loop."""

    def build(view: View, job: Job) -> Response:
        frame = facade(request, view).read(name, version)
        job.reserve(export_memory(frame, format))
        rename = None
        if koppen == "labels":
            frame, rename = labelled(request, view, name, frame)
        return download(frame, name, format, view, rename, pool=request.app.state.pool)

    return await run_heavy(request, store, "export", build)


@router.get("/areas", tags=["areas"])
async def areas(request: Request, store: Reader, kind: str | None = None) -> list[dict[str, Any]]:
    """Areas in the registry (current name per code)."""
    return facade(request, store).areas.current(kind)


@router.get("/areas/{code}", tags=["areas"])
async def area(store: Reader, code: str) -> dict[str, Any]:
    info = data.area(store, code)
    return {
        **{k: (str(v) if v is not None else None) for k, v in info.items()},
        "children": data.children(store, code),
    }


@router.get(
    "/map/{kind}",
    tags=["areas"],
    responses={200: {"content": {"application/geo+json": {"schema": {"type": "object"}}}}},
)
async def map_data(
    request: Request,
    store: Reader,
    kind: str,
    year: int | None = Query(
        None,
        ge=1,
        le=9999,
        description="Boundaries of this year (each area's latest "
        "shape up to it); one of the years the store has areas for (default: the newest)",
    ),
) -> Response:
    """Simplified geometry (WGS84 GeoJSON) of every area of a kind: the maps' data."""
    if kind not in AREA_KINDS:
        raise NotFound(f"kind '{kind}': expected BU, WK or GM")
    years = data.map_years(store)
    if year is not None and year not in years:
        known = f"{years.start}–{years.stop - 1}" if years else "none: no areas imported yet"
        raise UdcError(f"year {year}: this store has areas for the years {known}")
    shapes = data.map_year(store, kind, year)
    key = (facade(request, store).generation(), kind, shapes)
    body = request.app.state.maps.get(key)
    if body is None:
        body = await run_heavy(request, store, "map", lambda view, _job: data.geometry_json(view, kind, shapes))
        with suppress(ValueError):  # a document larger than the whole cache is served, not kept
            request.app.state.maps[key] = body
    return Response(body, media_type="application/geo+json")


@router.get("/explore", tags=["areas"])
async def explore(
    request: Request,
    store: Reader,
    table: str,
    level: str = "gemeente",
    year: str | None = None,
    measure: str | None = None,
) -> dict:
    """Values of an open area table per area of a level (other dimensions: their Totaal unless given)."""
    tables = area_tables(request, store)
    if table not in tables:
        raise UdcError(f"'{table}' is not an open area-level table: expected one of {', '.join(tables)}")
    spec = tables[table]
    years = data.options(store, spec).get(spec.year or "", [])
    if year is not None and spec.year and year not in years:
        known = ", ".join(y for y in years if y != data.TOTAL)
        raise UdcError(f"year '{year[:20]}': {table} has the years {known}")
    filters = data.filters_for(store, spec, dict(request.query_params))
    frame = data.explore(store, spec, year=year, level=level, filters=filters, value=measure)
    return {
        "table": table,
        "measure": measure or spec.value,
        "year": year,
        "level": level,
        "filters": filters,
        "rows": _records(frame),
    }


@router.get("/flows/{view}", tags=["flows"])
async def flows(
    store: Reader, view: str, area: str, group: str = "adults", period: str | None = None
) -> dict[str, Any]:
    """A released verhuisstromen table for one area, target group and period (e.g. 2019-2020; default: all)."""
    name = f"verhuisstromen_{view}"
    if view not in Flows.views or not data.has(store, name):
        raise NotFound(f"no released verhuisstromen table '{view[:40]}'")
    frame = data.released(store, name)
    part = frame[(frame.area == area) & (frame.group == group)].drop(columns=["area", "group"])
    if period and "period" in part.columns:
        part = part[part.period == period]
    return {"view": view, "area": area, "group": group, "period": period, "rows": _records(part)}


@router.post("/tables", tags=["gate"])
async def table(request: Request, store: Reader, body: TableRequest) -> dict[str, Any]:
    """A table over microdata, protected by the disclosure gate (cell key; every requested category listed; filters
    must leave the policy's minimum population); researchers only; audited. Typed: no SQL is accepted."""
    # the gate's rulebook check refuses (401/403, audited) exactly as through Python or the CLI
    result = await run_gate(request, store, lambda view: facade(request, view).table(body))
    return {
        "dataset": body.dataset,
        "dimensions": body.dimensions,
        "filters": [f.describe() for f in body.filters],
        "method": result.method,
        "policy": result.policy.version,
        # a yearly-snapshot request without its period is counted for one period (udc.privacy.snapshots): said here
        "forced": {"column": result.forced[0], "value": result.forced[1]} if result.forced else None,
        "notes": result.notes,
        "cells": _records(result.cells),
    }


@router.get(
    "/dcat.jsonld",
    tags=["catalogue"],
    responses={200: {"content": {"application/ld+json": {"schema": {"type": "object"}}}}},
)
async def dcat(request: Request, store: Reader) -> JSONResponse:
    """DCAT-AP-NL description of the open datasets (JSON-LD), for data.overheid.nl."""
    base = str(request.base_url).rstrip("/")
    entries = [d for d in data.visible(store, data.PUBLIC) if d["sensitivity"] == "open" or d["released"]]
    document = {
        "@context": {
            "dcat": "http://www.w3.org/ns/dcat#",
            "dct": "http://purl.org/dc/terms/",
            "foaf": "http://xmlns.com/foaf/0.1/",
            "vcard": "http://www.w3.org/2006/vcard/ns#",
        },
        "@id": f"{base}/api/v1/dcat.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": {"@language": "nl", "@value": "Urban Data Center — open data"},
        "dcat:dataset": [_dcat_dataset(base, d) for d in entries],
    }
    return JSONResponse(document, media_type="application/ld+json")


DISTRIBUTIONS = (  # the download formats data.overheid.nl lists: (format parameter, EU file type, media type)
    ("csv", "CSV", "text/csv"),
    ("parquet", "PARQUET", "application/vnd.apache.parquet"),
    ("xlsx", "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
)


def _dcat_dataset(base: str, d: dict[str, Any]) -> dict[str, Any]:
    """One open dataset as a ``dcat:Dataset`` with a distribution per download format."""
    return {
        "@id": f"{base}/catalogus/{d['name']}",
        "@type": "dcat:Dataset",
        "dct:identifier": d["name"],
        "dct:title": {"@language": "nl", "@value": d["title"]},
        "dct:description": {"@language": "nl", "@value": f"{d['title']} (bron: {d['source']})"},
        "dct:publisher": {"@type": "foaf:Agent", "foaf:name": "Urban Data Center"},
        "dct:license": {"@id": "http://creativecommons.org/licenses/by/4.0/"}
        if (d["licence"] or "CC BY 4.0").startswith("CC BY")
        else d["licence"],
        "dct:language": {"@id": "http://publications.europa.eu/resource/authority/language/NLD"},
        "dcat:theme": {"@id": "http://standaarden.overheid.nl/owms/terms/Bestuur"},
        "dcat:contactPoint": {"@type": "vcard:Organization", "vcard:fn": "Urban Data Center"},
        "dct:accessRights": {"@id": "http://publications.europa.eu/resource/authority/access-right/PUBLIC"},
        "dcat:distribution": [
            {
                "@type": "dcat:Distribution",
                "dcat:accessURL": {"@id": f"{base}/catalogus/{d['name']}"},
                "dcat:downloadURL": {"@id": f"{base}/api/v1/datasets/{d['name']}/download?format={fmt}"},
                "dct:format": {"@id": f"http://publications.europa.eu/resource/authority/file-type/{code}"},
                "dcat:mediaType": media,
            }
            for fmt, code, media in DISTRIBUTIONS
        ],
    }
