"""Verhuisstromen: balance per target group, origins and destinations (Sankey), top destinations, triggers, trend —
all from the released flows tables."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Request
from fastapi.responses import Response

from udc.errors import UdcError
from udc.web import charts, data, reports
from udc.web.common import Reader, lang, num, render
from udc.web.i18n import translator
from udc.web.labels import CLASSES, GROUPS, TRIGGERS, label

router = APIRouter(include_in_schema=False)


def in_out(language: str) -> tuple[str, str, str]:
    return ("Vestiging", "Vertrek", "Saldo") if language == "nl" else ("In", "Out", "Net")


def balance(part: pd.DataFrame, language: str, t: Any) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per target group in, out, within and net (net only when both are published), and their bar chart."""
    pivot = part.pivot_table(index="group", columns="direction", values="count", aggfunc="first")
    rows = []
    for g in [g for g in GROUPS if g in pivot.index]:
        row = pivot.loc[g]
        net = None if pd.isna(row.get("in")) or pd.isna(row.get("out")) else row["in"] - row["out"]
        rows.append(
            {
                "group": label(GROUPS, g, language),
                "in": num(row.get("in")),
                "out": num(row.get("out")),
                "within": num(row.get("within")),
                "net": num(net),
            }
        )
    names = in_out(language)
    chart = charts.bars(
        [r["group"] for r in rows],
        {names[0]: [r["in"] for r in rows], names[1]: [r["out"] for r in rows], names[2]: [r["net"] for r in rows]},
        t("balance"),
    )
    return rows, chart


def exchange(origins: pd.DataFrame, destinations: pd.DataFrame, area_name: str, language: str, t: Any) -> tuple:
    """Origins → area → destinations by class of municipality: a Sankey chart and its rows."""
    o = origins[(origins.other_gm == "Totaal") & (origins.other_class != "Totaal")].dropna(subset=["count"])
    d = destinations[(destinations.other_gm == "Totaal") & (destinations.other_class != "Totaal")]
    d = d.dropna(subset=["count"])
    labels = (
        [f"{label(CLASSES, c, language)} →" for c in o.other_class]
        + [area_name]
        + [f"→ {label(CLASSES, c, language)}" for c in d.other_class]
    )
    centre = len(o)
    sankey = charts.sankey(
        labels,
        list(range(centre)) + [centre] * len(d),
        [centre] * centre + list(range(centre + 1, centre + 1 + len(d))),
        list(o["count"]) + list(d["count"]),
        t("sankey"),
    )
    rows = [
        {"class": label(CLASSES, r.other_class, language), "origins": num(r.count_o), "destinations": num(r.count_d)}
        for r in o.merge(d, on="other_class", how="outer", suffixes=("_o", "_d")).itertuples()
    ]
    return sankey, rows


TOP = 10  # flows drawn per direction; the rest is summed in the table below the map


def flow_map(
    store: Reader, area: str, origins: pd.DataFrame, destinations: pd.DataFrame, language: str, t: Any
) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The chosen area's largest published flows to and from other municipalities, and every published one over the
    border, as lines on a map (only released, protected counts; withheld flows are not drawn) and the rows, the
    rest summed as "other"."""
    if not area.startswith("GM"):  # a region: the map shows one municipality's flows
        return None, []
    lookup = data.names(store)

    def named(frame: pd.DataFrame) -> pd.DataFrame:
        part = frame[(frame.other_gm != "Totaal") & (frame.other_class == "Totaal")].dropna(subset=["count"])
        return part[part.other_gm != area].sort_values("count", ascending=False)

    def drawn(frame: pd.DataFrame) -> pd.DataFrame:
        """The largest flows, and every published one over the border (a border region's reason to look)."""
        over = frame.other_gm.str.match(r"^(DE|BE)_\d")
        return frame[(frame.index.isin(frame.head(TOP).index)) | over]

    out, into = named(destinations), named(origins)
    flows = [(area, r.other_gm, float(r.count), "out") for r in drawn(out).itertuples()]
    flows += [(r.other_gm, area, float(r.count), "in") for r in drawn(into).itertuples()]
    if not flows:
        return None, []
    codes = sorted({area, *(f[0] for f in flows), *(f[1] for f in flows)})
    legend = {
        "out": "Vertrek naar" if language == "nl" else "Moves to",
        "in": "Vestiging uit" if language == "nl" else "Moves from",
    }
    figure = charts.flowmap(data.geometry(store, codes), area, flows, t("flow_map"), legend, language)
    rows = [
        {"direction": legend[d], "area": lookup.get(o if d == "in" else dst, o if d == "in" else dst), "count": c}
        for o, dst, c, d in flows
    ]
    for direction, frame in (("out", out), ("in", into)):
        rest = frame[~frame.index.isin(drawn(frame).index)]["count"].sum()
        if rest:
            rows.append({"direction": legend[direction], "area": t("other_areas"), "count": float(rest)})
    return figure, rows


def trend(frame: pd.DataFrame, language: str, t: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    frame = frame[(frame.year != "Totaal") & frame.direction.isin(["in", "out"])]
    years = sorted(frame.year.unique())
    pivot = frame.pivot_table(index="year", columns="direction", values="count", aggfunc="first")

    def column(direction: str) -> list[float | None]:
        return [num(pivot[direction].get(y)) if direction in pivot else None for y in years]

    names = in_out(language)
    chart = charts.lines(years, {names[0]: column("in"), names[1]: column("out")}, t("trend"))
    rows = [{"year": y, "in": i, "out": o} for y, i, o in zip(years, column("in"), column("out"), strict=True)]
    return chart, rows


def page(store: Reader, gebied: str | None, groep: str, jaren: str | None, language: str) -> dict[str, Any]:
    t = translator(language)
    frame = data.released(store, "verhuisstromen_balance")
    periods = data.periods(frame)
    default = data.latest_period(periods) if periods else None
    period = jaren if jaren in periods else default
    if period:
        frame = frame[frame.period == period]
    areas = sorted(frame.area.unique(), key=lambda a: (a.startswith("GM"), a))
    area = gebied if gebied in areas else areas[0]
    lookup = data.names(store)
    published = frame[(frame.area == area) & frame["count"].notna() & (frame.group != "Totaal")]
    available = [g for g in GROUPS if g in set(published.group)]  # offer only groups with released figures
    group = groep if groep in available else (available[0] if available else "adults")
    missing = None
    if groep in GROUPS and groep not in available:
        missing = (
            f"Geen gepubliceerde verhuisstromen van {label(GROUPS, groep, language).lower()} in "
            f"{lookup.get(area, area)} voor {period}: de aantallen zijn te klein."
            if language == "nl"
            else f"No published flows of {label(GROUPS, groep, language).lower()} in {lookup.get(area, area)} for "
            f"{period}: the counts are too small."
        )

    def view(name: str) -> pd.DataFrame:
        table = data.released(store, f"verhuisstromen_{name}")
        table = table[(table.area == area) & (table.group == group)]
        return table[table.period == period] if period and "period" in table.columns else table

    balance_rows, bars = balance(frame[frame.area == area], language, t)
    destinations = view("destinations")
    sankey, class_rows = exchange(view("origins"), destinations, lookup.get(area, area), language, t)
    named = destinations[(destinations.other_gm != "Totaal") & (destinations.other_class == "Totaal")]
    top = named.dropna(subset=["count"]).sort_values("count", ascending=False).head(10)
    triggers = view("triggers")
    triggers = triggers[triggers.trigger != "Totaal"].dropna(subset=["count"])
    trigger_rows = [{"trigger": label(TRIGGERS, r.trigger, language), "count": r.count} for r in triggers.itertuples()]
    trend_chart, trend_rows = trend(view("trend"), language, t)
    map_chart, map_rows = flow_map(store, area, view("origins"), destinations, language, t)
    meta = data.entry(store, "verhuisstromen_balance")
    return {
        "areas": [(a, lookup.get(a, a)) for a in areas],
        "area": area,
        "group": group,
        "groups": [(g, label(GROUPS, g, language)) for g in available],
        "missing_group": missing,
        "balance_rows": balance_rows,
        "bars": bars,
        "sankey": sankey,
        "class_rows": class_rows,
        "top_rows": [
            {"area": lookup.get(r.other_gm, r.other_gm), "code": r.other_gm, "count": r.count} for r in top.itertuples()
        ],
        "trigger_rows": trigger_rows,
        "trigger_chart": charts.bars(
            [r["trigger"] for r in trigger_rows], {t("triggers"): [r["count"] for r in trigger_rows]}, t("triggers")
        ),
        "trend_chart": trend_chart,
        "trend_rows": trend_rows,
        "meta": meta,
        "source": reports.source_text(store, meta.source or "", language),
        "area_name": lookup.get(area, area),
        "periods": periods,
        "period": period,
        "flow_map": map_chart,
        "flow_rows": map_rows,
    }


@router.get("/verhuisstromen")
async def flows_page(
    request: Request, store: Reader, gebied: str | None = None, groep: str = "adults", jaren: str | None = None
) -> Response:
    if not data.has(store, "verhuisstromen_balance"):
        raise UdcError("no released verhuisstromen yet: run 'udc demo' or 'udc flows study --release verhuisstromen'")
    return render(request, "flows.html", page(store, gebied, groep, jaren, lang(request)))


@router.get("/verhuisstromen/rapport.{kind}")
async def flows_report(
    request: Request,
    store: Reader,
    kind: str,
    gebied: str | None = None,
    groep: str = "adults",
    jaren: str | None = None,
) -> Response:
    """The page as a stand-alone report (HTML, or printed to PDF) with the date, sources and protection."""
    if not data.has(store, "verhuisstromen_balance"):
        raise UdcError("no released verhuisstromen yet: run 'udc demo' or 'udc flows study --release verhuisstromen'")
    language = lang(request)
    context = page(store, gebied, groep, jaren, language)
    tables = [f"verhuisstromen_{v}" for v in ("balance", "origins", "destinations", "triggers", "trend")]
    context |= reports.assets(store, tables, language) | {"group_name": label(GROUPS, context["group"], language)}
    body = render(request, "flows_report.html", context).body.decode("utf-8")
    stem = f"verhuisstromen_{context['area']}_{context['group']}"
    return await reports.respond(body, stem, kind, pool=request.app.state.pool)
