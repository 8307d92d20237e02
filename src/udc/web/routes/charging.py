"""The laadpalen theme page: the released prognosis per buurt — a map of the gap with the NAL cells outlined, the
buurten by name with electric cars, needed and present connectors and the gap, a scenario and year switch, and the
assumptions the release was made with."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from udc.web import charts, data
from udc.web.common import Reader, facade, lang, num, render
from udc.web.labels import label

router = APIRouter(include_in_schema=False)
SCENARIOS = {"laag": ("laag", "low"), "midden": ("midden", "mid"), "hoog": ("hoog", "high")}


def _figure(store: Reader, rows: Any, nal: Any, year: str, language: str) -> dict[str, Any]:
    shapes = data.geometry(store, list(rows.area_code), None)
    title = "Tekort aan publieke laadaansluitingen" if language == "nl" else "Gap in public charging connectors"
    figure = charts.choropleth(shapes, rows.set_index("area_code")["gap"].astype(float), f"{title} — {year}",
                               language=language, decimals=0)  # fmt: skip
    flagged = sorted(nal[nal.flagged.astype(bool)].cell) if nal is not None else []
    if flagged:
        xs, ys = data.cell_outlines(flagged)
        figure["data"].append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": xs,
                "y": ys,
                "name": "NAL: geen punt binnen bereik" if language == "nl" else "NAL: no point within reach",
                "line": {"color": "#b2182b", "width": 3},
                "hoverinfo": "name",
            }
        )
    return figure


@router.get("/thema/laden")
async def laden_page(request: Request, store: Reader, scenario: str = "midden", jaar: str | None = None) -> Response:
    language = lang(request)
    s = facade(request, store)
    released = s.laden.released()
    nal = s.laden.released("laadprognose_nal")
    context: dict[str, Any] = {"released": released is not None, "scenarios": [], "years": [], "rows": []}
    if released is not None:
        scenario = scenario if scenario in set(released.scenario) else "midden"
        years = sorted({str(y) for y in released.year})
        year = jaar if jaar in years else years[-1]
        rows = released[(released.scenario == scenario) & (released.year.astype(str) == year)]
        names = data.names(store)
        table = [
            {"code": r.area_code, "name": names.get(r.area_code, r.area_code), "evs": num(r.evs),
             "needed": num(r.needed), "present": num(r.present), "gap": num(r.gap)}
            for r in rows.sort_values("gap", ascending=False, na_position="last").itertuples()
        ]  # fmt: skip
        first = rows.iloc[0] if len(rows) else None
        context |= {
            "scenario": scenario,
            "scenario_label": label(SCENARIOS, scenario, language),
            "scenarios": [(k, label(SCENARIOS, k, language)) for k in SCENARIOS if k in set(released.scenario)],
            "years": years,
            "year": year,
            "rows": table,
            "figure": _figure(store, rows, nal, year, language),
            "flagged": int(nal.flagged.astype(bool).sum()) if nal is not None else 0,
            "per": num(first.evs_per_public_connector) if first is not None else None,
            "share": num(first.public_share_with_private_parking * 100) if first is not None else None,
            "weight": num(first.semi_public_weight) if first is not None else None,
        }
    return render(request, "laden.html", context)
