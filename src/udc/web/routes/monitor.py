"""The monitor pages: every programme, and one programme's nulmeting vs now vs target per indicator for the
programme and comparison areas, the effect with its interval in a plain sentence, what it does not prove, and the
printable report (HTML, or PDF printed by headless Chromium). They read only the released monitor tables."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from udc.api import Udc
from udc.errors import NotFound
from udc.facade.monitor import Programme
from udc.web import charts, data, reports
from udc.web.common import Reader, facade, lang, render
from udc.web.i18n import translator

router = APIRouter(include_in_schema=False)


def _programme(s: Udc, programme_id: str) -> Programme:
    """The programme (built in or added to this store), or 404 — in the page's words, not the CLI's hint."""
    known = {p.id: p for p in s.monitor.programmes()}
    if programme_id not in known:
        raise NotFound(f"no programme '{programme_id[:60]}'")
    return known[programme_id]


def sections(s: Udc, report: dict[str, Any], language: str) -> list[dict[str, Any]]:
    """Per indicator: its sentence, the figures, and a chart of programme vs comparison areas per year — years on a
    numeric axis with the start drawn between the last nulmeting year and the first programme year, the target as a
    marker, the axes titled with year and unit."""
    t = translator(language)
    out = []
    for row in report["indicators"]:
        title = row["title"] if language == "nl" else row["title_en"]
        years = [int(r["year"]) for r in row["years"]]
        goal = row.get("target")
        figure = charts.yearly(
            years,
            {
                t("programme_areas"): [r["target"] for r in row["years"]],
                t("comparison_areas"): [r["comparison"] for r in row["years"]],
            },
            "",  # the section's heading names the chart: one title, not two
            x_title=t("year"),
            y_title=s.monitor.wording(row, language)["axis"],
            start=int(report["start"]),
            start_label=f"{t('start')} {report['start']}",
            target=(int(row["target_year"]), goal, f"{t('target')} {row['target_year']}") if goal is not None else None,
        )
        shown_years = [{**r, "year": str(r["year"])} for r in row["years"]]
        out.append(
            {
                "id": row["indicator"],
                "title": title,
                "sentence": row["sentence"],
                "figure": figure,
                "row": row,
                "years": shown_years,
                **s.monitor.wording(row, language),
            }
        )
    return out


def named(code: str, names: dict[str, str]) -> str:
    """An area as people know it with its code beside the name, "Heerlen-Centrum (WK091701)" — never a bare code
    where a name is known (the printed report does the same)."""
    name = names.get(code)
    return f"{name} ({code})" if name and name != code else code


@router.get("/monitor")
async def overview(request: Request, store: Reader) -> Response:
    language = lang(request)
    s = facade(request, store)
    rows = []
    for programme in s.monitor.programmes():
        report = s.monitor.released(programme, language)
        first = report["indicators"][0] if report and report["indicators"] else None
        rows.append(
            {
                "id": programme.id,
                "title": programme.title.nl if language == "nl" else programme.title.en,
                "owner": programme.owner,
                "start": programme.start,
                "placebo": programme.placebo,
                "released": report is not None,
                "sentence": first["sentence"] if first else None,
            }
        )
    return render(request, "monitor.html", {"programmes": rows})


@router.get("/monitor/{programme_id}")
async def programme_page(request: Request, store: Reader, programme_id: str) -> Response:
    language = lang(request)
    s = facade(request, store)
    programme = _programme(s, programme_id)
    report = s.monitor.released(programme, language)
    names = data.names(store)
    context = {
        "programme": programme,
        "report": report,
        "sections": sections(s, report, language) if report else [],
        "title": programme.title.nl if language == "nl" else programme.title.en,
        "description": programme.description.nl if language == "nl" else programme.description.en,
        "area_names": [named(a, names) for a in programme.areas],
        "comparison_names": [named(a, names) for a in (report or {}).get("comparison_areas", [])],
    }
    return render(request, "programme.html", context)


@router.get("/monitor/{programme_id}/rapport.{kind}")
async def programme_report(request: Request, store: Reader, programme_id: str, kind: str) -> Response:
    language = lang(request)
    s = facade(request, store)
    programme = _programme(s, programme_id)
    report = s.monitor.released(programme, language)
    if report is None or kind not in ("html", "pdf"):
        raise NotFound(f"no released monitor of '{programme_id}' (udc monitor report {programme_id} --release)")
    return await reports.respond(
        s.monitor.page(report, language), f"monitor-{programme.id}", kind, wait_ms=0, pool=request.app.state.pool
    )
