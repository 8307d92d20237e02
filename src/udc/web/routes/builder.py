"""The table builder: researchers pick one to three dimensions of a microdata table; the gate answers (cell key)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from udc.api import Protected
from udc.errors import NotFound, UdcError
from udc.web import data
from udc.web.common import Reader, View, admit, cached, download, facade, headers, render, run_gate
from udc.web.security import check_csrf

router = APIRouter(include_in_schema=False)
ACTION = "gate.crosstab"  # what the builder asks of the gate: an ad-hoc table (the rulebook says who may)


def dims(request: Request, store: View, name: str) -> list[str]:
    """The dimensions offered for a microdata table (cached per catalogue generation)."""
    return cached(request, store, f"builder:{name}", lambda: facade(request, store).offered(name))


def tables(request: Request, store: View) -> list[dict[str, str]]:
    """The microdata tables the builder answers (with a record key for the cell-key method)."""
    return cached(request, store, "builder:tables", lambda: data.microdata(store))


def unkeyed(request: Request, store: View) -> list[dict[str, str]]:
    """Microdata tables the builder cannot answer (no record key): listed with why, not offered as dead ends."""
    return cached(request, store, "builder:unkeyed", lambda: data.microdata(store, keyed=False))


def ask(view: View, request: Request, name: str, chosen: list[str]) -> Protected:
    """The form's choice asked of the gate through the facade, as the request's user (buurten rolled up to wijk and
    gemeente when chosen); runs on a worker's cursor (:func:`udc.web.common.run_gate`)."""
    area = "buurt_code" if "buurt_code" in chosen else None
    filters = [{"column": "buurt_code", "prefix": "BU"}] if area else []
    return facade(request, view).table(dataset=name, dimensions=chosen, filters=filters, area=area)


@router.get("/tabelbouwer")
async def builder(request: Request, store: Reader, tabel: str | None = None) -> Response:
    door = facade(request, store)
    datasets = [d for d in tables(request, store) if door.may(ACTION, d["name"])]  # offered only what it may ask
    name = tabel if tabel in {d["name"] for d in datasets} else (datasets[0]["name"] if datasets else None)
    context = {
        "datasets": datasets,
        "dataset": name,
        "dims": dims(request, store, name) if name else [],
        "chosen": [],
        "result": None,
        "unkeyed": unkeyed(request, store),
    }
    return render(request, "builder.html", context)


@router.post("/tabelbouwer")
async def builder_post(request: Request, store: Reader) -> Response:
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    name = str(form.get("tabel", ""))
    chosen = [str(v) for v in form.getlist("dim")]
    # refused (and audited) before the form's checks tell which tables and columns exist
    admit(request, ACTION, name, detail={"dataset": name[:200], "dimensions": chosen})
    datasets = tables(request, store)
    if name not in {d["name"] for d in datasets}:
        raise NotFound(f"'{name[:60]}' is not a microdata table")
    allowed = dims(request, store, name)
    if [d for d in chosen if d not in allowed] or not chosen or len(chosen) > 3:
        raise UdcError(f"choose one to three dimensions of {allowed}")
    result = await run_gate(request, store, ask, request, name, chosen)
    fmt = str(form.get("formaat", ""))
    if fmt:
        rename = headers(request, store, name, list(result.cells.columns)) if form.get("koppen") == "labels" else None
        return download(result.cells, f"tabel_{name}", fmt, rename=rename)
    context = {
        "datasets": datasets,
        "dataset": name,
        "unkeyed": unkeyed(request, store),
        "dims": allowed,
        "chosen": chosen,
        "result": result.cells.head(1000).to_dict("records"),
        "columns": list(result.cells.columns),
        "dataset_title": next((d["title"] for d in datasets if d["name"] == name), name),
        "n_cells": len(result.cells),
        "suppressed": result.suppressed,
        "policy": result.policy.version,
    }
    return render(request, "builder.html", context)
