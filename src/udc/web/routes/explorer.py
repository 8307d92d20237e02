"""The explorer: one open table as a map per year and level, with an area's trend beside its parent and the total."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from udc.errors import UdcError
from udc.web import charts, data, userlabels
from udc.web.common import Reader, cached, explorable, facade, lang, latest_year, num, render
from udc.web.i18n import translator
from udc.web.labels import label

router = APIRouter(include_in_schema=False)


def trend(
    store: Reader,
    table: data.AreaTable,
    focus: str,
    year: str | None,
    filters: dict[str, str],
    measure: str,
    t: Any,
    subject: str | None = None,
) -> tuple[dict[str, Any] | None, list[dict[str, Any]], str | None]:
    """The focus area's series (re-based across municipal mergers), its parent's and the total: chart, rows, note."""
    info = data.area(store, focus)
    note = None
    if focus.startswith("GM") and year and year.isdigit():
        own, note = data.harmonised_series(store, table, focus, filters, int(year), measure)
    else:
        own = data.series(store, table, focus, filters, measure)
    series = {focus: own}
    if info.get("parent_code"):
        series[info["parent_code"]] = data.series(store, table, info["parent_code"], filters, measure)
    series[data.TOTAL] = data.series(store, table, data.TOTAL, filters, measure)
    series = {k: v for k, v in series.items() if len(v)}
    years = sorted({y for v in series.values() for y in v.year})
    if len(years) < 2:  # one point is not a trend: the page says so instead of drawing a dot
        return None, [], note
    lookup = data.names(store)

    def name(code: str) -> str:
        return lookup.get(code, t("national") if code == data.TOTAL else code)

    values = {k: v.set_index("year")["value"] for k, v in series.items()}
    title = f"{t('trend')}: {lookup.get(focus, focus)}" + (f" — {subject}" if subject else "")
    if _indexed(values):  # counts of a buurt beside the whole region: one axis would flatten the buurt to 0
        values = {
            k: v / v.dropna().iloc[0] * 100 if v.notna().any() and v.dropna().iloc[0] else v for k, v in values.items()
        }
        title += f" ({t('index_first_year')})"
        note = f"{note} · {t('index_note')}" if note else t("index_note")
    chart = charts.lines(years, {name(k): [num(v.get(y)) for y in years] for k, v in values.items()}, title)
    rows = [{"year": y, **{name(k): num(v.get(y)) for k, v in values.items()}} for y in years]
    return chart, rows, note


def _subject(store: Reader, table: data.AreaTable, filters: dict[str, str], language: str) -> str:
    """What the map shows: a series' chosen variable by its label (the KWB series holds a hundred variables in one
    table), else the table's title."""
    dim = next((d for d in ("variable", "indicator") if d in table.dims and filters.get(d)), None)
    if dim is None:
        return table.title
    return userlabels.value_label(store.path, dim, filters[dim], language)


def _newest_with_values(
    store: Reader,
    table: data.AreaTable,
    choices: dict[str, list[str]],
    level: str,
    filters: dict[str, str],
    measure: str,
) -> tuple[str, Any] | None:
    """The newest year whose map has a value for the chosen variable (a series' newest year may publish none of it:
    KWB 2020 has no energy figures), and that year's rows; None when no year has one."""
    for year in reversed([y for y in choices.get(table.year or "", []) if y != data.TOTAL]):
        frame = data.explore(store, table, year=year, level=level, filters=filters, value=measure)
        if frame.value.notna().any():
            return year, frame
    return None


def _indexed(values: dict[str, Any]) -> bool:
    """Whether the series differ so much in size (a count per buurt and for the whole) that they need an index."""
    sizes = [float(v.abs().max()) for v in values.values() if v.notna().any()]
    return len(sizes) > 1 and min(sizes) > 0 and max(sizes) / min(sizes) > 5


@router.get("/verkennen")
async def explorer(
    request: Request,
    store: Reader,
    tabel: str | None = None,
    jaar: str | None = None,
    niveau: str = "gemeente",
    gebied: str | None = None,
    onderwerp: str | None = None,
) -> Response:
    tables, skipped = explorable(request, store)
    if not tables:
        raise UdcError("no area-level open data in the catalogue yet (run 'udc demo' or import a table)")
    default = "kerncijfers_inwoners" if "kerncijfers_inwoners" in tables else next(iter(tables))
    table = tables[tabel if tabel in tables else default]
    choices = data.options(store, table)
    year = jaar if jaar in choices.get(table.year or "", []) else latest_year(store, table)
    levels = data.levels_of(store, table) or list(data.LEVELS)
    niveau = niveau if niveau in levels else ("gemeente" if "gemeente" in levels else levels[0])
    filters = data.filters_for(store, table, dict(request.query_params))
    measure = onderwerp if onderwerp in table.values else table.value
    frame = data.explore(store, table, year=year, level=niveau, filters=filters, value=measure)
    if jaar not in choices.get(table.year or "", []) and not frame.value.notna().any():
        year, frame = _newest_with_values(store, table, choices, niveau, filters, measure) or (year, frame)
    areas = frame[frame.code != data.TOTAL]
    total = frame[frame.code == data.TOTAL]["value"]
    t = translator(lang(request))
    number = int(year) if year and year.isdigit() else None
    shapes, values, rebased = data.map_values(
        store, table, areas.set_index("code")["value"], number, measure, lang(request)
    )
    boundaries = data.boundary_note(shapes, number, lang(request))
    across = (  # an indicator table across the border: how comparable the two sides are, under the map
        facade(request, store).indicators.comparability(filters["indicator"], lang(request))
        if "indicator" in filters and any(str(c)[2:3] == "_" for c in areas.code)
        else None
    )
    subject = _subject(store, table, filters, lang(request))
    figure = charts.choropleth(shapes, values, f"{subject} — {year}", language=lang(request))
    known = gebied in set(areas.code) or (gebied is not None and gebied in data.names(store))
    focus = gebied if known else (areas.code.iloc[0] if len(areas) else None)  # a trend even where the year has none
    chart, trend_rows, note = (
        trend(store, table, focus, year, filters, measure, t, subject if subject != table.title else None)
        if focus and table.year
        else (None, [], None)
    )
    context = {
        "tables": tables,
        "table": table,
        "choices": choices,
        "year": year,
        "level": niveau,
        "measure": measure,
        "note": note,
        "boundaries": boundaries,
        "across": across,
        "rebased": rebased,
        "filters": filters,
        "rows": areas.to_dict("records"),
        "total": num(total.iloc[0]) if len(total) else None,
        "figure": figure,
        "trend": chart,
        "trend_rows": trend_rows,
        "focus": focus,
        "levels": levels,
        "skipped": [(name, label(data.SKIPPED, reason, lang(request))) for name, reason in sorted(skipped.items())],
        "titles": cached(request, store, f"titles:{table.name}", lambda: data.column_titles(store, table.name)),
    }
    return render(request, "explorer.html", context)
