"""A background study as one printable, self-contained page (HTML, or PDF through Chromium): the determinants table,
the areas against what their composition predicts, a sentence per area that differs, and what the study does not
say. Every number is one the study computed from the gate's published cells; areas by name and code; one language
per page."""

from __future__ import annotations

import datetime
import html
from typing import Any

import pandas as pd

from udc.analysis.background import Result, Study, sentence
from udc.labelling import EXPECTED, label

TEXT = {
    "nl": {
        "determinants": "Welke kenmerken van huishoudens gaan samen met {outcome}?",
        "determinants_intro": "Relatief risico per kenmerk ten opzichte van de referentiegroep (1), gecorrigeerd voor "
        "de andere kenmerken en het jaar, met 95 %-interval. Alleen cellen die de onthullingspoort publiceerde, "
        "tellen mee.",
        "expected": "Verwacht en werkelijk per gebied",
        "expected_intro": "Werkelijk: het gepubliceerde aantal. Verwacht: wat het gebied zou hebben met de "
        "percentages van de hele populatie bij dezelfde samenstelling ({factors}).",
        "caveat": "Wat dit niet zegt: het zijn samenhangen op gebiedsniveau, geen oorzaken; niets hier gaat over een "
        "inwoner of een huishouden. Kleine aantallen zijn weggelaten (–).",
        "factor": "Kenmerk",
        "level": "Groep",
        "rr": "Relatief risico",
        "interval": "95 %-interval",
        "reference": "referentie",
        "area": "Gebied",
        "observed": "Werkelijk",
        "expected_col": "Verwacht",
        "ratio": "Verhouding",
        "result": "Uitkomst",
        "made": "Gemaakt op {date} · Periode {period} · Bron: registers via de onthullingspoort · Urban Data Center",
    },
    "en": {
        "determinants": "Which household characteristics go with {outcome}?",
        "determinants_intro": "Relative risk per characteristic against the reference group (1), adjusted for the "
        "other characteristics and the year, with its 95 % interval. Only cells the disclosure gate published count.",
        "expected": "Expected and observed per area",
        "expected_intro": "Observed: the published count. Expected: what the area would have at the whole "
        "population's rates with the same composition ({factors}).",
        "caveat": "What this does not say: these are associations at area level, not causes; nothing here is about a "
        "resident or a household. Small counts are withheld (–).",
        "factor": "Characteristic",
        "level": "Group",
        "rr": "Relative risk",
        "interval": "95 % interval",
        "reference": "reference",
        "area": "Area",
        "observed": "Observed",
        "expected_col": "Expected",
        "ratio": "Ratio",
        "result": "Result",
        "made": "Made on {date} · Period {period} · Source: registers through the disclosure gate · Urban Data Center",
    },
}
FACTORS = {
    "income_class": ("inkomen", "income"),
    "household_type": ("soort huishouden", "household type"),
    "low": ("laag inkomen", "low income"),
    "middle": ("middeninkomen", "middle income"),
    "high": ("hoog inkomen", "high income"),
    "single": ("alleenstaand", "single"),
    "couple": ("paar zonder kinderen", "couple without children"),
    "couple_with_children": ("paar met kinderen", "couple with children"),
    "single_parent": ("eenoudergezin", "single parent"),
    "other": ("overig", "other"),
}
STYLE = (
    "body{font-family:sans-serif;margin:2em;color:#1a1a1a}table{border-collapse:collapse;margin:1em 0}"
    "th,td{border-bottom:1px solid #ccc;padding:4px 8px;text-align:left}td.num{text-align:right}"
    ".note{color:#444}footer{margin-top:2em;font-size:0.85em;color:#555}"
)


def _n(value: Any, language: str, decimals: int = 2) -> str:
    if value is None or pd.isna(value):
        return "–"
    text = f"{float(value):,.{decimals}f}" if decimals else f"{int(value):,}"
    return text if language == "en" else text.replace(",", "_").replace(".", ",").replace("_", ".")


def page(
    study: Study,
    determinants: Result | None,
    expected: Result,
    names: dict[str, str],
    language: str = "nl",
) -> str:
    """The study as a stand-alone HTML page in ``language`` (nl or en)."""
    t = TEXT[language]
    esc = html.escape
    outcome = study.outcome[language]
    parts = [f"<h1>{esc(study.title[language])}</h1>"]
    if determinants is not None:
        parts += [
            f"<h2>{esc(t['determinants'].format(outcome=outcome))}</h2>",
            f"<p>{esc(t['determinants_intro'])}</p>",
        ]
        rows = "".join(
            f"<tr><td>{esc(label(FACTORS, r['factor'], language))}</td><td>{esc(label(FACTORS, r['level'], language))}"
            f"</td><td class='num'>{_n(r['rr'], language)}</td><td>"
            + (t["reference"] if r["reference"] else f"{_n(r['ci_low'], language)} – {_n(r['ci_high'], language)}")
            + "</td></tr>"
            for r in determinants.rows.to_dict("records")
        )
        parts.append(
            f"<table><thead><tr><th>{t['factor']}</th><th>{t['level']}</th><th>{t['rr']}</th><th>{t['interval']}</th>"
            f"</tr></thead><tbody>{rows}</tbody></table>"
        )
    factors = ", ".join(label(FACTORS, f, language) for f in study.standard)
    parts += [f"<h2>{esc(t['expected'])}</h2>", f"<p>{esc(t['expected_intro'].format(factors=factors))}</p>"]
    records = expected.rows.sort_values("ratio", ascending=False, na_position="last").to_dict("records")
    lines = [
        line
        for r in records
        if r["flag"] in ("above", "below")
        and (line := sentence(r, f"{names.get(r['area_code'], r['area_code'])} ({r['area_code']})", study, language))
    ]
    if lines:
        parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in lines) + "</ul>")
    rows = "".join(
        f"<tr><td>{esc(names.get(r['area_code'], r['area_code']))} ({esc(r['area_code'])})</td>"
        f"<td class='num'>{_n(r['observed'], language, 0)}</td><td class='num'>{_n(r['expected'], language, 1)}</td>"
        f"<td class='num'>{_n(r['ratio'], language)}</td>"
        f"<td>{_n(r['ci_low'], language)} – {_n(r['ci_high'], language)}</td>"
        f"<td>{esc(label(EXPECTED, r['flag'], language) if isinstance(r['flag'], str) else '–')}</td></tr>"
        for r in records
    )
    parts.append(
        f"<table><thead><tr><th>{t['area']}</th><th>{t['observed']}</th><th>{t['expected_col']}</th>"
        f"<th>{t['ratio']}</th><th>{t['interval']}</th><th>{t['result']}</th></tr></thead><tbody>{rows}</tbody></table>"
    )
    parts.append(f"<p class='note'>{esc(t['caveat'])}</p>")
    years = expected.years
    period = f"{years[0]}–{years[1]}" if years else ""
    made = t["made"].format(date=datetime.date.today().isoformat(), period=period)
    return (
        f"<!doctype html><html lang='{language}'><head><meta charset='utf-8'>"
        f"<title>{esc(study.title[language])}</title><style>{STYLE}</style></head><body>"
        + "".join(parts)
        + f"<footer>{esc(made)}</footer></body></html>"
    )
