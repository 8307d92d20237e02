"""An area's profile: its latest figures from every open table, a trend, its rank among siblings, its flows; also as
a stand-alone offline report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from udc.web import charts, data, reports, userlabels
from udc.web.common import Reader, area_tables, lang, num, render
from udc.web.i18n import translator
from udc.web.labels import RATE_MEASURES, label
from udc.web.routes.indicators import profile_section

router = APIRouter(include_in_schema=False)
LEVEL_OF = {"BU": "buurt", "WK": "wijk", "GM": "gemeente"}


def peers(store: Reader, table: data.AreaTable, info: dict[str, Any], year: str, filters: dict[str, str]) -> list:
    """The area's siblings (same parent) ranked by the table's value."""
    level = LEVEL_OF.get(info["kind"])
    if not level or not info.get("parent_code"):
        return []
    frame = data.explore(store, table, year=year, level=level, filters=filters)
    siblings = {c["code"] for c in data.children(store, info["parent_code"])}
    frame = frame[frame.code.isin(siblings)].sort_values("value", ascending=False)
    frame["rank"] = range(1, len(frame) + 1)
    return frame.to_dict("records")


def flow_rates(store: Reader, code: str, language: str) -> tuple[list[dict[str, Any]], str | None]:
    """The adults' moves per 1 000 residents of the latest period, from the released rates table."""
    if not data.has(store, "verhuisstromen_rates"):
        return [], None
    rates = data.released(store, "verhuisstromen_rates")
    part = rates[(rates.area == code) & (rates.group == "adults")]
    period = None
    if "period" in part.columns and len(part):
        period = data.latest_period(list(part.period), spans_first=False)
        part = part[part.period == period]
    return [{**r, "measure": label(RATE_MEASURES, r["measure"], language)} for r in part.to_dict("records")], period


SERIES_KEYS = ("inwoners", "huishoudens", "woningvoorraad", "personenautos", "vestigingen")  # a series' key figures


def _subjects(store: Reader, table: data.AreaTable, language: str) -> list[tuple[str, dict[str, str]]]:
    """What a table contributes to the key figures: the table itself under its title, or — for a long series of a
    hundred variables in one table (``udc kwb import``) — its key variables, each under its own label."""
    if "variable" not in table.dims:
        return [(table.title, data.filters_for(store, table, {}))]
    present = set(data.options(store, table).get("variable", []))
    return [
        (userlabels.value_label(store.path, "variable", v, language), data.filters_for(store, table, {"variable": v}))
        for v in SERIES_KEYS
        if v in present
    ]


def context(request: Request, store: Reader, code: str) -> dict[str, Any]:
    info = data.area(store, code)
    language = lang(request)
    t = translator(language)
    figures: list[dict[str, Any]] = []
    peer_rows: list[dict[str, Any]] = []
    trend, trend_rows = None, []
    for table in area_tables(request, store).values():
        if not table.year or table.name.startswith("verhuisstromen_"):  # flows have their own section
            continue
        for title, filters in _subjects(store, table, language):
            series = data.series(store, table, code, filters)
            if series.empty or series["value"].isna().all():
                continue
            last = series.dropna().iloc[-1]
            figures.append({"table": title, "name": table.name, "year": last.year, "value": last.value})
            if trend is None:
                trend_rows = [{"year": y, "value": num(v)} for y, v in zip(series.year, series.value, strict=True)]
                trend = charts.lines(
                    list(series.year), {title: [num(v) for v in series.value]}, f"{t('trend')}: {title}"
                )
                peer_rows = peers(store, table, info, str(last.year), filters)
    flows_rows, flows_period = flow_rates(store, code, language)
    return {
        "indicators": profile_section(request, store, code, language),
        "info": info,
        "children": data.children(store, code),
        "figures": figures,
        "trend": trend,
        "trend_rows": trend_rows,
        "peers": peer_rows,
        "flows_rows": flows_rows,
        "flows_period": flows_period,
        "names": data.names(store) | {"NL01": translator(language)("netherlands")},  # the country in the language
    }


@router.get("/gebied/{code}")
async def profile(request: Request, store: Reader, code: str) -> Response:
    from udc.web.routes.notices import buurt_section

    return render(
        request, "profile.html", {**context(request, store, code), "notices": buurt_section(request, store, code)}
    )


def report_page(request: Request, store: Reader, code: str) -> str:
    """The stand-alone report (plotly.js inside): it opens offline, outside this site, with date and sources."""
    base = context(request, store, code)
    used = [f["name"] for f in base["figures"]] + ["indicatoren", "verhuisstromen_rates"]
    return render(request, "report.html", {**base, **reports.assets(store, used, lang(request))}).body.decode("utf-8")


@router.get("/gebied/{code}/rapport.{kind}")
async def profile_report(request: Request, store: Reader, code: str, kind: str) -> Response:
    """The report as HTML or printed to PDF by headless Chromium (its charts drawn first)."""
    return await reports.respond(
        report_page(request, store, code), f"gebiedsprofiel_{code}", kind, pool=request.app.state.pool
    )
