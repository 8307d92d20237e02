"""The start page: a map of the region's municipalities, key figures of the first region, the catalogue in short."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from udc.web import charts, data
from udc.web.common import Reader, area_tables, facade, lang, latest_year, render
from udc.web.i18n import translator
from udc.web.labels import GROUPS, label

router = APIRouter(include_in_schema=False)


def glance(store: Reader, regions: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    """Key figures of the first region (``regions``: the facade's, with their members), each from a released
    table (the total row of its latest year/period)."""
    if not regions:
        return []
    region = regions[0]["name"]
    nl = language == "nl"
    tiles: list[dict[str, Any]] = []
    members = regions[0]["members"]
    if data.has(store, "kerncijfers_inwoners") and members:
        frame = data.released(store, "kerncijfers_inwoners")
        frame = frame[frame.buurt_code.isin(members) & (frame.leeftijd == data.TOTAL) & (frame.year != data.TOTAL)]
        if len(frame):
            year = max(frame.year)
            value = frame[frame.year == year]["count"].sum(min_count=1)
            tiles.append({"label": f"{'Inwoners' if nl else 'Residents'} {year}", "value": value})
    if data.has(store, "verhuisstromen_balance"):
        frame = data.released(store, "verhuisstromen_balance")
        frame = frame[frame.area == region]
        period = ""
        if "period" in frame.columns and len(frame):
            period = data.latest_period(list(frame.period.unique()))
            frame = frame[frame.period == period]
        for group in ("adults", "young-families"):
            cells = frame[frame.group == group].set_index("direction")["count"]
            if {"in", "out"} <= set(cells.index) and cells[["in", "out"]].notna().all():
                name = label(GROUPS, group, language).lower()
                tiles.append(
                    {
                        "label": f"{'Verhuissaldo' if nl else 'Net migration'} {name} {period}",
                        "value": cells["in"] - cells["out"],
                    }
                )
    return tiles


@router.get("/")
async def home(request: Request, store: Reader) -> Response:
    tables = area_tables(request, store)
    s = facade(request, store)
    found = s.areas.regions()
    regions = [{"name": r["name"], "title": r["title"]} for r in found]
    figure, rows = None, []
    key = tables.get("kerncijfers_inwoners")
    if key:
        year = latest_year(store, key)
        frame = data.explore(store, key, year=year, level="gemeente", filters={})
        total = translator(lang(request))("total")
        rows = [
            r | ({"code": total, "name": total} if r["code"] == data.TOTAL else {}) for r in frame.to_dict("records")
        ]
        members = {m for region in found for m in region["members"]}
        shown = frame[frame.code.isin(members)] if members else frame[frame.code != data.TOTAL]
        shapes = data.geometry(store, list(shown.code))
        t = translator(lang(request))
        figure = charts.choropleth(
            shapes, shown.set_index("code")["value"], f"{t('residents')} {year}", language=lang(request)
        )
    counts = pd.DataFrame(s.datasets)
    by_kind = counts.groupby("sensitivity").size().to_dict() if len(counts) else {}
    context = {
        "regions": regions,
        "figure": figure,
        "rows": rows,
        "catalogue": by_kind,
        "n_datasets": len(counts),
        "tiles": glance(store, found, lang(request)),
    }
    return render(request, "home.html", context)
