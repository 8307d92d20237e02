"""The table builder: researchers pick one to three dimensions of a microdata table; the gate answers (cell key)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import FormData

from udc.api import CUTS, OPEN_TOP, OTHER, Filter, Protected, SummedSnapshots, TooFew
from udc.errors import NotFound, UdcError
from udc.web import data, userlabels, wording
from udc.web.common import Reader, View, admit, cached, download, facade, labelled, lang, render, run_gate
from udc.web.i18n import translator
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


AGES = sorted(CUTS["age"])  # an age filter runs from one declared cut point to just before another (or open)
YEAR = "year"  # the period column a builder's year filter narrows (a snapshot's, or an event's year)
AREA = "buurt_code"  # the area column a builder's area filter narrows (buurt codes roll up to wijk and gemeente)


def ask(view: View, request: Request, name: str, chosen: list[str], filters: list[Filter]) -> Protected:
    """The form's choice asked of the gate through the facade, as the request's user (buurten rolled up to wijk and
    gemeente when chosen); runs on a worker's cursor (:func:`udc.web.common.run_gate`)."""
    area = AREA if AREA in chosen else None
    extra = [Filter(column=AREA, prefix="BU")] if area else []
    return facade(request, view).table(dataset=name, dimensions=chosen, filters=[*extra, *filters], area=area)


def options(request: Request, store: View, name: str, offered: list[str]) -> dict[str, Any]:
    """What the filters offer for a table: its years (the gate's own category list), its areas as "name (code)"
    (gemeenten, wijken, buurten) and the declared age cut points — only those the table has."""
    door = facade(request, store)
    years = cached(request, store, f"builder:years:{name}", lambda: door.offered(name, YEAR)) if YEAR in offered else []
    codes = cached(request, store, f"builder:areas:{name}", lambda: door.offered(name, AREA)) if AREA in offered else []
    names = cached(request, store, "named-areas", lambda: data.named_areas(store)) if codes else {}
    areas = sorted({c[:6].replace("BU", "GM") for c in codes} | {"WK" + c[2:8] for c in codes} | set(codes))
    order = {"GM": 0, "WK": 1, "BU": 2}
    areas.sort(key=lambda c: (order.get(c[:2], 3), names.get(c, c)))
    ages = AGES if {"leeftijd", "leeftijd5"} & set(offered) else []
    return {"years": years, "areas": [(c, f"{names.get(c, c)} ({c})") for c in areas], "ages": ages}


def _area(code: str) -> Filter:
    """An area of the form as a filter on buurt codes: a gemeente or wijk by its buurten's code prefix."""
    if code.startswith(("GM", "WK")):
        return Filter(column=AREA, prefix="BU" + code[2:])
    return Filter(column=AREA, values=[code])


def chosen_filters(form: FormData) -> list[Filter]:
    """The form's filters as the gate's typed filters (never text for SQL): years, one area, an age range on cut
    points (the gate checks each again, refuses what isolates few people, and audits)."""
    out = []
    years = [str(v) for v in form.getlist("jaar") if str(v).isdigit()][:50]
    if years:
        out.append(Filter(column=YEAR, values=years))
    area = str(form.get("gebied", ""))[:12]
    if area.isalnum():
        out.append(_area(area))
    low, high = str(form.get("leeftijd_van", "")), str(form.get("leeftijd_tot", ""))
    if low.isdigit() or high.isdigit():
        top = int(high) - 1 if high.isdigit() else OPEN_TOP
        out.append(Filter(column="age", between=(float(low or 0), float(max(top, int(low or 0))))))
    return out


def shown(request: Request, store: View, result: Protected, chosen: list[str]) -> list[dict[str, Any]]:
    """The result's categories as a person reads them, in the page's language: areas as name (code), foreign and
    special codes in words, Totaal/Total, category labels (:func:`udc.web.wording.labelled`, as downloads)."""
    names = cached(request, store, "named-areas", lambda: data.named_areas(store))
    labels = userlabels.load(request.app.state.store_path)
    rows = wording.labelled(result.cells[chosen].head(1000), lang(request), names, labels)
    other = translator(lang(request))("builder_other")  # the gate's rare values counted together
    return rows.map(lambda v: other if v == OTHER else v).to_dict("records")


def refusal(request: Request, exc: SummedSnapshots | TooFew) -> str:
    """A gate refusal the builder words in the page's language, beside the form (others go to the error page)."""
    t = translator(lang(request))
    if isinstance(exc, TooFew):
        return t("builder_too_few").replace("N", str(exc.minimum))
    return t("builder_snapshot_refused")


@router.get("/tabelbouwer")
async def builder(request: Request, store: Reader, tabel: str | None = None) -> Response:
    door = facade(request, store)
    datasets = [d for d in tables(request, store) if door.may(ACTION, d["name"])]  # offered only what it may ask
    name = tabel if tabel in {d["name"] for d in datasets} else (datasets[0]["name"] if datasets else None)
    offered = dims(request, store, name) if name else []
    context = {
        "datasets": datasets,
        "dataset": name,
        "dims": offered,
        "chosen": [],
        "result": None,
        "unkeyed": unkeyed(request, store),
        "options": options(request, store, name, offered) if name else {},
        "picked": {"jaar": [], "gebied": "", "leeftijd_van": "", "leeftijd_tot": ""},
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
    filters = chosen_filters(form)
    picked = {k: form.get(k, "") for k in ("gebied", "leeftijd_van", "leeftijd_tot")} | {"jaar": form.getlist("jaar")}
    context = {
        "datasets": datasets,
        "dataset": name,
        "unkeyed": unkeyed(request, store),
        "dims": allowed,
        "chosen": chosen,
        "options": options(request, store, name, allowed),
        "picked": picked,
        "result": None,
    }
    try:
        result = await run_gate(request, store, ask, request, name, chosen, filters)
    except (SummedSnapshots, TooFew) as exc:
        return render(request, "builder.html", context | {"refused": refusal(request, exc)}, status=exc.status)
    fmt = str(form.get("formaat", ""))
    if fmt:  # with labels asked: values as a person reads them too (statuses, areas, categories), as every download
        frame, rename = result.cells, None
        if form.get("koppen") == "labels":
            frame, rename = labelled(request, store, name, frame)
        return download(frame, f"tabel_{name}", fmt, rename=rename)
    context |= {
        "forced": result.forced,
        "min_count": result.policy.min_count,
        "result": result.cells.head(1000).to_dict("records"),
        "shown": shown(request, store, result, chosen),
        "columns": list(result.cells.columns),
        "dataset_title": next((d["title"] for d in datasets if d["name"] == name), name),
        "n_cells": len(result.cells),
        "suppressed": result.suppressed,
        "policy": result.policy.version,
    }
    return render(request, "builder.html", context)
