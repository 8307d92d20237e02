"""The indicator pages: the library by theme (a map and a ranked table per indicator), comparing areas side by side
(Waarstaatjegemeente style) and the indicator section of an area profile (value with interval beside the
Netherlands and peers). They read only the released ``indicatoren`` table and the open reference tables."""

from __future__ import annotations

from typing import Any

import pandas as pd
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from udc.api import Udc
from udc.errors import NotFound
from udc.facade.indicators import Indicator
from udc.web import charts, data
from udc.web.common import Reader, cached, facade, lang, num, render
from udc.web.i18n import translator
from udc.web.labels import EXPECTED, FUNNEL, LEVELS, SECTORS, STATUS, THEMES, label
from udc.web.numbers import fmt

router = APIRouter(include_in_schema=False)
MAP_LEVELS = ["gemeente", "wijk", "buurt"]


def definitions(s: Udc) -> dict[str, Indicator]:
    """id → definition, built in and added to this store."""
    return {i.id: i for i in s.indicators.list()}


def released(request: Request, store: Reader) -> pd.DataFrame | None:
    """The released indicators (newest version), or None when nothing is released yet."""
    name = facade(request, store).indicators.RELEASE
    if not data.has(store, name):
        return None
    return cached(request, store, name, lambda: data.released(store, name).astype({"period": str}))


def reference(request: Request, store: Reader) -> pd.DataFrame:
    """Other municipalities' values and NL01 from the reference table (empty without one), with the peers' class."""
    s = facade(request, store)

    def build() -> pd.DataFrame:
        found = s.indicators.reference()
        if found is None:
            return pd.DataFrame(columns=["indicator", "area_code", "period", "value"])
        frame = found.astype({"period": str})
        scale = frame.indicator.map({i: d.scale for i, d in definitions(s).items()})
        return frame.assign(value=frame.numerator / frame.denominator.where(frame.denominator > 0) * scale)

    return cached(request, store, "indicator_reference", build)


def text(indicator: Indicator, language: str) -> tuple[str, str]:
    return (
        (indicator.title.nl, indicator.description.nl)
        if language == "nl"
        else (indicator.title.en, indicator.description.en)
    )


def _ranked(part: pd.DataFrame, names: dict[str, str], language: str) -> list[dict[str, Any]]:
    part = part.sort_values("value", ascending=False, na_position="last")
    rows = []
    for rank, r in enumerate(part.itertuples(), start=1):
        rows.append(
            {
                "rank": rank if pd.notna(r.value) else None,
                "code": r.area_code,
                "name": names.get(r.area_code, r.area_code),
                "value": num(r.value),
                "low": num(r.ci_low),
                "high": num(r.ci_high),
                "status": "–"
                if r.status == "published"
                else label(STATUS, r.status, language),  # shown without an interval
                "funnel": label(FUNNEL, r.funnel, language) if isinstance(r.funnel, str) else "",
            }
        )
    return rows


def theme_sections(
    s: Udc, store: Reader, frame: pd.DataFrame, theme: str, year: str, level: str, language: str
) -> list[dict[str, Any]]:
    """Per indicator of the theme: title, description, unit, its ranked areas of ``level``, the total and a map."""
    names = data.names(store)
    t = translator(language)
    sections = []
    for indicator in s.indicators.list(theme):
        rows = frame[(frame.indicator == indicator.id) & (frame.period == year)]
        if rows.empty:
            continue
        part = rows[rows.level == level]
        total = rows[rows.area_code == data.TOTAL]
        title, description = text(indicator, language)
        shapes = data.geometry(store, list(part.area_code), int(year) if year.isdigit() else None)
        figure = charts.choropleth(
            shapes,
            part.set_index("area_code")["value"],
            f"{title} — {year}",
            unit=s.indicators.unit_label(indicator),
            language=language,
            missing_label=(t("no_figure") if indicator.weighted else None),
        )
        boundaries = data.boundary_note(shapes, int(year) if year.isdigit() else None, language)
        sections.append(
            {
                "id": indicator.id,
                "title": title,
                "description": description,
                "unit": s.indicators.unit_label(indicator),
                "rows": _ranked(part, names, language),
                "total": num(total.value.iloc[0]) if len(total) else None,
                "figure": figure,
                "map_label": f"{t('map')}: {title}",
                "boundaries": boundaries,
            }
        )
    return sections


def background_sections(s: Udc, store: Reader, theme: str, language: str) -> list[dict[str, Any]]:
    """Per background study of the theme whose expected-versus-observed table is released: a map of the ratio,
    the areas with observed, expected, ratio, interval and the flag in words, and a sentence per flagged area."""
    names = data.names(store)
    found = []
    for study in s.study.outcomes():
        table = s.study.released(s.study.release_name(study.id)) if study.theme == theme else None
        if table is None or table.empty:
            continue
        title = study.title[language]
        period = str(table.period.iloc[0])
        shapes = data.geometry(store, list(table.area_code), int(period[-4:]) if period[-4:].isdigit() else None)
        heading = ("Verwacht en werkelijk: " if language == "nl" else "Expected and observed: ") + title
        figure = charts.choropleth(
            shapes,
            table.set_index("area_code")["ratio"].astype(float),
            f"{heading} — {period}",
            unit="× verwacht" if language == "nl" else "× expected",
            language=language,
            decimals=2,  # ratios around 1: one decimal would put most wijken in one class
        )
        rows = []
        for r in table.sort_values("ratio", ascending=False, na_position="last").to_dict("records"):
            name = names.get(r["area_code"], r["area_code"])
            rows.append(
                r
                | {
                    "name": name,
                    "flag_text": label(EXPECTED, r["flag"], language) if isinstance(r["flag"], str) else "–",
                    "ratio_text": fmt(r["ratio"], language, 2),
                    "interval_text": (
                        f"{fmt(r['ci_low'], language, 2)} – {fmt(r['ci_high'], language, 2)}"
                        if r["ci_low"] is not None and not pd.isna(r["ci_low"])
                        else "–"
                    ),
                    "sentence": s.study.sentence(r, name, study.id, language) if r["flag"] != "as_expected" else None,
                }
            )
        found.append(
            {
                "id": f"verwacht-{study.id}",
                "title": heading,
                "unit": study.unit[language],
                "period": period,
                "figure": figure,
                "rows": rows,
                "sentences": [r["sentence"] for r in rows if r["sentence"]],
            }
        )
    return found


@router.get("/indicatoren")
async def overview(request: Request, store: Reader) -> Response:
    language = lang(request)
    frame = released(request, store)
    known = definitions(facade(request, store))
    shown = set(frame.indicator) if frame is not None else set()
    themes = []
    for key in THEMES:
        items = [
            {"id": i.id, "title": text(i, language)[0], "released": i.id in shown}
            for i in known.values()
            if i.theme == key
        ]
        if items:
            themes.append(
                {
                    "key": key,
                    "title": label(THEMES, key, language),
                    "items": items,
                    "released": any(x["released"] for x in items),
                }
            )
    return render(
        request,
        "indicators.html",
        {"themes": themes, "released": frame is not None, "municipalities": municipalities(store, frame)},
    )


def municipalities(store: Reader, frame: pd.DataFrame | None) -> list[tuple[str, str]]:
    """(code, "name (code)") of every municipality with released indicators: the doors to their ISO 37120 report."""
    if frame is None:
        return []
    names = data.names(store)
    codes = sorted(set(frame.area_code[frame.level == "gemeente"]))
    return [(c, f"{names.get(c, c)} ({c})") for c in codes]


def iso_rows(rows: list[dict[str, Any]], units: dict[str, str], language: str) -> list[dict[str, Any]]:
    """The library's ISO rows in the page's language: title and theme, the status in words (never the library's
    English ``detail``) and, where no value is shown, the source that would complete it or why it does not apply."""
    t = translator(language)
    nl = language == "nl"
    return [
        {
            "number": r["number"],
            "theme": r["theme"] if nl else r["theme_en"],
            "title": r["title"] if nl else r["title_en"],
            "value": r["value"],
            "unit": units.get(r["indicator"] or "", ""),
            "year": r["year"],
            "state": r["state"],
            "status": t(f"iso_state_{r['state']}"),
            "source": None if r["state"] == "available" else (r["source_nl"] if nl else r["source"]),
        }
        for r in rows
    ]


@router.get("/iso37120/{code}")
async def iso_page(request: Request, store: Reader, code: str) -> Response:
    """A municipality's ISO 37120 report from the released indicators (the page never runs the gate)."""
    code = code.strip().upper()
    names = data.names(store)
    if not code.startswith("GM") or code not in names:
        raise NotFound(f"no municipality '{code[:20]}'")
    language = lang(request)
    s = facade(request, store)
    rows, summary = s.indicators.iso37120_released(code, released(request, store))
    units = {i.id: s.indicators.unit_label(i) for i in s.indicators.list()}
    words = {
        "COMPUTED": summary["computed"],
        "APPLICABLE": summary["applicable"],
        "PERCENT": f"{summary['coverage_percent']:.1f}".replace(".", "," if language == "nl" else "."),
        "SKIPPED": summary["listed"] - summary["applicable"],
    }
    coverage = translator(language)("iso_coverage")
    for key, value in words.items():
        coverage = coverage.replace(key, str(value))
    context = {"code": code, "name": names[code], "rows": iso_rows(rows, units, language), "coverage": coverage}
    return render(request, "iso37120.html", context | {"edition": summary["edition"]})


@router.get("/thema/{theme}")
async def theme_page(
    request: Request, store: Reader, theme: str, jaar: str | None = None, niveau: str = "gemeente"
) -> Response:
    if theme not in THEMES:
        raise NotFound(f"no theme '{theme[:40]}' (themes: {', '.join(THEMES)})")
    language = lang(request)
    frame = released(request, store)
    s = facade(request, store)
    own = {i.id: i for i in s.indicators.list(theme)}
    years = sorted(set(frame.period)) if frame is not None else []
    year = jaar if jaar in years else newest_with_values(frame, own, years)
    level = niveau if niveau in MAP_LEVELS else "gemeente"
    sections = theme_sections(s, store, frame, theme, year, level, language) if frame is not None else []
    kinds = {"open" if own[x["id"]].weighted else "protected" for x in sections}
    levels = [(lv, label(LEVELS, lv, language)) for lv in MAP_LEVELS]
    return render(
        request,
        "theme.html",
        {
            "backgrounds": background_sections(s, store, theme, language),
            "vacancy": vacancy_section(s, store, language) if theme == "wonen_leegstand" else None,
            "economy": economy_section(s, store, language) if theme == "economie" else None,
            "theme": theme,
            "theme_title": label(THEMES, theme, language),
            "sections": sections,
            "years": years,
            "year": year,
            "level": level,
            "levels": levels,
            "released": frame is not None,
            "kinds": kinds,
        },
    )


def vacancy_section(s: Udc, store: Reader, language: str) -> dict[str, Any] | None:
    """The register-based vacancy per buurt (the BAG linked to the households, through the gate): a map of the rate
    and the buurten by name with stock, vacant, long-term vacant and the rate; None before it is released."""
    table = s.leegstand.released()
    if table is None or table.empty:
        return None
    buurten = table[table.level == "buurt"]
    year = str(buurten.year.iloc[0]) if len(buurten) else ""
    names = data.names(store)
    title = "Leegstand uit de registers" if language == "nl" else "Vacancy from the registers"
    figure = charts.choropleth(
        data.geometry(store, list(buurten.area_code), int(year) if year.isdigit() else None),
        buurten.set_index("area_code")["rate"].astype(float),
        f"{title} — {year}",
        unit=" %",
        language=language,
    )
    rows = [
        {"code": r.area_code, "name": names.get(r.area_code, r.area_code), "stock": num(r.stock),
         "vacant": num(r.vacant), "long": num(r.vacant_long), "rate": num(r.rate)}
        for r in buurten.sort_values("rate", ascending=False, na_position="last").itertuples()
    ]  # fmt: skip
    return {"title": title, "year": year, "figure": figure, "rows": rows}


def economy_section(s: Udc, store: Reader, language: str) -> dict[str, Any] | None:
    """Establishments and jobs from the business register: per sector in the region (bars) and per gemeente
    (establishments, jobs, openings, closures) in the newest year; None before the table is published."""
    table = s.leegstand.establishments()
    if table is None or table.empty:
        return None
    year = int(table.year.max())
    now = table[table.year == year]
    names = data.names(store)
    sectors = now[now.sector != "Totaal"].groupby("sector")[["establishments", "openings", "closures"]].sum()
    title = "Vestigingen" if language == "nl" else "Establishments"
    labels = [label(SECTORS, c, language) for c in sectors.index]
    figure = charts.bars(
        labels,
        {
            ("Vestigingen" if language == "nl" else "Establishments"): [num(v) for v in sectors.establishments],
        },
        f"{title} — {year}",
    )
    totals = now[now.sector == "Totaal"]
    rows = [
        {"code": r.gemeente_code, "name": names.get(r.gemeente_code, r.gemeente_code),
         "establishments": num(r.establishments), "openings": num(r.openings),
         "closures": num(r.closures)}
        for r in totals.sort_values("establishments", ascending=False).itertuples()
    ]  # fmt: skip
    return {"title": title, "year": year, "figure": figure, "rows": rows}


def newest_with_values(frame: pd.DataFrame | None, indicators: dict[str, Any], years: list[str]) -> str:
    """The newest year in which an indicator of the theme has a value (the newest year overall may have none: KWB
    2020 publishes no crime or energy figures), else the newest year."""
    if frame is None or not years:
        return ""
    found = frame[frame.indicator.isin(list(indicators)) & frame.value.notna()]
    return str(max(found.period)) if len(found) else years[-1]


def comparison(
    s: Udc, store: Reader, frame: pd.DataFrame, ref: pd.DataFrame, codes: list[str], year: str, language: str
) -> tuple[list[dict[str, Any]], list[tuple[str, str]]]:
    """Rows per indicator with each chosen area's value and interval, the Netherlands and whether each area
    differs from it beyond its interval; the column heads (code, name)."""
    names = data.names(store)
    netherlands_code = s.indicators.NETHERLANDS
    nl_code = netherlands_code if (ref.area_code == netherlands_code).any() else data.TOTAL
    heads = [(c, names.get(c, c)) for c in codes]
    rows = []
    for indicator in definitions(s).values():
        part = frame[(frame.indicator == indicator.id) & (frame.period == year)].set_index("area_code")
        if part.empty:
            continue
        source = (
            ref[(ref.indicator == indicator.id) & (ref.period == year)].set_index("area_code")
            if nl_code == netherlands_code
            else part
        )
        netherlands = num(source.value.get(nl_code)) if nl_code in source.index else None
        cells = []
        for code in codes:
            if code not in part.index:
                cells.append({"value": None, "low": None, "high": None, "sign": ""})
                continue
            r = part.loc[code]
            low, high, value = num(r.ci_low), num(r.ci_high), num(r.value)
            sign = ""
            if netherlands is not None and low is not None and high is not None:
                sign = "▲" if low > netherlands else "▼" if high < netherlands else ""
            cells.append({"value": value, "low": low, "high": high, "sign": sign})
        rows.append(
            {
                "theme": label(THEMES, indicator.theme, language),
                "title": text(indicator, language)[0],
                "unit": s.indicators.unit_label(indicator),
                "cells": cells,
                "netherlands": netherlands,
            }
        )
    return rows, heads


@router.get("/vergelijken")
async def compare(
    request: Request,
    store: Reader,
    gebied: list[str] = Query(default=[]),  # noqa: B008
    jaar: str | None = None,
) -> Response:
    language = lang(request)
    frame = released(request, store)
    context: dict[str, Any] = {"released": frame is not None, "rows": [], "heads": [], "years": [], "year": ""}
    if frame is None:
        return render(request, "compare.html", context | {"choices": []})
    names = data.names(store)
    choosable = sorted(set(frame[frame.level.isin(["gemeente", "region"])].area_code))
    chosen = [c for c in dict.fromkeys(gebied) if c in set(frame.area_code)][:6] or choosable[:2]
    years = sorted(set(frame.period))
    year = jaar if jaar in years else years[-1]
    s = facade(request, store)
    rows, heads = comparison(s, store, frame, reference(request, store), chosen, year, language)
    ref_name = (
        "Nederland (fictief)"
        if (reference(request, store).area_code == s.indicators.NETHERLANDS).any()
        else translator(language)("national")
    )
    choices = [(c, f"{names.get(c, c)} ({c})", c in chosen) for c in choosable]
    return render(
        request,
        "compare.html",
        context
        | {"rows": rows, "heads": heads, "years": years, "year": year, "choices": choices, "reference_name": ref_name},
    )


def trend(
    s: Udc, store: Reader, frame: pd.DataFrame, ref: pd.DataFrame, indicator: Indicator, code: str, language: str
) -> tuple[dict[str, Any] | None, str | None]:
    """The indicator's series for ``code`` beside Nederland; a municipality's re-based to the newest year's
    boundaries when codes changed (:func:`udc.web.data.indicator_series`), with a note saying what was merged."""
    rows = frame[frame.indicator == indicator.id]
    own, note = data.indicator_series(store, rows, code, indicator.scale, s.indicators.RELEASE, language)
    if own.empty:
        return None, None
    years = list(own.period)
    nl_rows = ref[(ref.indicator == indicator.id) & (ref.area_code == s.indicators.NETHERLANDS)]
    if nl_rows.empty:
        nl_rows = rows[rows.area_code == data.TOTAL]
    nl = nl_rows.set_index("period").value
    title = text(indicator, language)[0]
    series = {
        data.names(store).get(code, code): [num(v) for v in own.value],
        translator(language)("netherlands"): [num(nl.get(y)) for y in years],
    }
    return charts.lines(years, series, title), note


def profile_section(request: Request, store: Reader, code: str, language: str) -> dict[str, Any] | None:
    """The area's indicators of the newest year: value with interval, the Netherlands, the median of its peers
    (same urbanisation class, municipalities only) and a dot chart indexed on the Netherlands (= 100)."""
    frame = released(request, store)
    if frame is None or code not in set(frame.area_code):
        return None
    year = max(frame.period)
    ref = reference(request, store)
    s = facade(request, store)
    netherlands_code = s.indicators.NETHERLANDS
    classes = (s.indicators.peer_classes("stedelijkheid") or {}) if code.startswith("GM") else {}
    peers = {c for c, k in classes.items() if k == classes.get(code) and c != code}
    rows, labels, own, nl = [], [], ([], [], []), ([], [], [])
    # each indicator's newest year with a value for this area (an open series' newest year may publish none of
    # it: KWB 2020 has no crime or energy), else the newest year; split by indicator and year once — comparing the
    # whole text column per indicator was most of the page
    mine = frame[frame.area_code == code]
    newest = mine[mine.value.notna()].groupby("indicator", observed=True).period.max().to_dict()
    parts = dict(iter(frame.groupby(["indicator", "period"], sort=False, observed=True)))
    ref_parts = dict(iter(ref.groupby(["indicator", "period"], sort=False, observed=True)))
    for indicator in definitions(s).values():
        period = newest.get(indicator.id, year)
        part = parts.get((indicator.id, period), frame.iloc[:0]).set_index("area_code")
        if code not in part.index:
            continue
        r = part.loc[code]
        this_ref = ref_parts.get((indicator.id, period), ref.iloc[:0]).set_index("area_code")
        netherlands = num(this_ref.value.get(netherlands_code)) if len(this_ref) else num(part.value.get(data.TOTAL))
        peer_values = pd.concat([this_ref.value.reindex(list(peers)), part.value.reindex(list(peers))]).dropna()
        title = text(indicator, language)[0]
        rows.append(
            {
                "title": title,
                "unit": s.indicators.unit_label(indicator),
                "value": num(r.value),
                "low": num(r.ci_low),
                "high": num(r.ci_high),
                "netherlands": netherlands,
                "peers": num(peer_values.median()) if len(peer_values) else None,
                "status": "–" if r.status == "published" else label(STATUS, r.status, language),
                "year": period if period != year else None,  # said only where it is not the table's year
            }
        )
        if netherlands and r.value == r.value:
            labels.append(title)
            for target, values in ((own, (r.value, r.ci_low, r.ci_high)), (nl, (netherlands,) * 3)):
                for i, v in enumerate(values):
                    target[i].append(num(100 * v / netherlands) if v == v else None)
    t = translator(language)
    chosen = request.query_params.get("indicator")
    known = definitions(s)
    present = set(frame.indicator[frame.area_code == code])
    with_value = [i for i in known if i in present]
    focus = chosen if chosen in with_value else (with_value[0] if with_value else None)
    chart, note = trend(s, store, frame, ref, known[focus], code, language) if focus else (None, None)
    choices = [(i, text(known[i], language)[0]) for i in with_value]
    index_axis = "Nederland = 100" if language == "nl" else "Netherlands = 100"
    figure = (
        charts.dots(
            labels,
            {data.names(store).get(code, code): own},
            f"{t('indicators')} {year}",
            reference=100,
            axis=index_axis,
        )
        if labels
        else None
    )
    return {
        "year": year,
        "rows": rows,
        "figure": figure,
        "peer_count": len(peers),
        "trend": chart,
        "trend_note": note,
        "focus": focus,
        "choices": choices,
    }
