"""The printable monitor report: one self-contained HTML file (no script, no network: the charts are SVG drawn
here) that Debian's Chromium prints to PDF headless (:func:`udc.printing.pdf`)."""

from __future__ import annotations

import html
from typing import Any

from udc.monitoring.effect import label

WORDS = {
    "nl": {
        "baseline": "Nulmeting",
        "actual": "Nu",
        "target": "Doel",
        "comparison": "Vergelijking",
        "estimate": "Effect",
        "interval": "95 %-interval",
        "areas": "Programmagebieden",
        "compared": "Vergelijkingsgebieden",
        "pre": "Trend vóór de start (verschil per jaar)",
        "placebo": "Placebo (neppe start)",
        "mde": "Kleinste aantoonbare effect",
        "indicator": "Indicator",
        "programme": "Programmagebieden",
        "start": "start",
        "compared_short": "Vergelijkingsgebieden",
        "owner": "Eigenaar",
        "method": "Methode",
        "frozen": "Nulmeting vastgelegd",
        "changed": "let op: de herberekende nulmeting wijkt af van de vastgelegde",
        "placebo_programme": "Dit is een placeboprogramma: hier is niets gedaan.",
        "year": "Jaar",
    },
    "en": {
        "baseline": "Baseline",
        "actual": "Now",
        "target": "Target",
        "comparison": "Comparison",
        "estimate": "Effect",
        "interval": "95 % interval",
        "areas": "Programme areas",
        "compared": "Comparison areas",
        "pre": "Trend before the start (difference per year)",
        "placebo": "Placebo (fake start)",
        "mde": "Minimum detectable effect",
        "indicator": "Indicator",
        "programme": "Programme areas",
        "start": "start",
        "compared_short": "Comparison areas",
        "owner": "Owner",
        "method": "Method",
        "frozen": "Baseline frozen",
        "changed": "note: the recomputed baseline differs from the frozen one",
        "placebo_programme": "This is a placebo programme: nothing was done here.",
        "year": "Year",
    },
}
AXIS = {  # an indicator's unit as the value axis's title: (nl, en)
    "percent": ("procent (%)", "percent (%)"),
    "per_1000": ("aantal per 1 000", "number per 1,000"),
    "per_10000": ("aantal per 10 000", "number per 10,000"),
    "per_100000": ("aantal per 100 000", "number per 100,000"),
    "mean": ("gemiddelde", "mean"),
    "ratio": ("verhouding", "ratio"),
}


UNITS = {  # a value's unit written after it: (nl, en)
    "percent": ("%", "%"),
    "per_1000": ("per 1 000", "per 1,000"),
    "per_10000": ("per 10 000", "per 10,000"),
    "per_100000": ("per 100 000", "per 100,000"),
}
TARGET = {  # whether the target is met, in words: (nl, en); NOW, GOAL and the years filled in
    "met": (
        "Doel gehaald: nu NOW (NOW_YEAR), het doel is GOAL in GOAL_YEAR.",
        "Target met: now NOW (NOW_YEAR), the target is GOAL in GOAL_YEAR.",
    ),
    "not_yet": (
        "Doel nog niet gehaald: nu NOW (NOW_YEAR), het doel is GOAL in GOAL_YEAR.",
        "Target not met yet: now NOW (NOW_YEAR), the target is GOAL in GOAL_YEAR.",
    ),
    "not_met": (
        "Doel niet gehaald: NOW in NOW_YEAR, het doel was GOAL in GOAL_YEAR.",
        "Target not met: NOW in NOW_YEAR, the target was GOAL in GOAL_YEAR.",
    ),
    "unknown": (
        "Of het doel (GOAL in GOAL_YEAR) gehaald is, is niet te zeggen: er is geen gepubliceerde waarde.",
        "Whether the target (GOAL in GOAL_YEAR) is met cannot be said: there is no published value.",
    ),
}
BOUND = {"down": ("of lager", "or lower"), "up": ("of hoger", "or higher")}


def target_state(row: dict[str, Any]) -> str | None:
    """``met``, ``not_yet`` (not met, the target year still to come), ``not_met`` or ``unknown`` (no published
    value); None without a target. Met means on the hoped-for side of the target: at or below it for ``down``."""
    goal, now = row.get("target"), row.get("actual")
    if goal is None:
        return None
    if now is None:
        return "unknown"
    if (now <= goal) if row.get("direction") == "down" else (now >= goal):
        return "met"
    return "not_yet" if (row.get("actual_year") or 0) < row["target_year"] else "not_met"


def target_text(row: dict[str, Any], language: str) -> str:
    """The target stated as met or not in a sentence a policy maker reads (empty without a target): the value now,
    the target with its direction ("3,0 % of lager") and both years."""
    state = target_state(row)
    if state is None:
        return ""
    nl = language == "nl"
    unit = UNITS.get(row.get("unit", ""), ("", ""))[0 if nl else 1]
    bound = BOUND.get(row.get("direction", ""), ("", ""))[0 if nl else 1]

    def value(x: float | None) -> str:
        return " ".join(p for p in (_n(x, 1, language), unit) if p)

    words = {
        "NOW_YEAR": str(row.get("actual_year") or "–"),
        "GOAL_YEAR": str(row["target_year"]),
        "NOW": value(row.get("actual")),
        "GOAL": " ".join(p for p in (value(row["target"]), bound) if p),
    }
    text = TARGET[state][0 if nl else 1]
    for key, filled in words.items():
        text = text.replace(key, filled)
    return text


def axis_title(unit: str, language: str) -> str:
    """The value axis's title with its unit, in the reader's language (the unit's key when it is a new one)."""
    pair = AXIS.get(unit)
    return (pair[0] if language == "nl" else pair[1]) if pair else unit


def area_names(codes: list[str], names: dict[str, str]) -> str:
    """Areas as people know them, "Heerlen-Centrum (WK091701)", and the code alone only where no name is known."""
    return ", ".join(f"{names[c]} ({c})" if names.get(c) and names[c] != c else c for c in codes)


def _n(value: float | None, digits: int = 1, language: str = "nl") -> str:
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    return text.replace(".", ",") if language == "nl" else text


def svg(
    years: list[dict[str, Any]],
    start: int,
    language: str,
    unit: str = "",
    target: tuple[int, float] | None = None,
    width: int = 640,
    height: int = 260,
) -> str:
    """Programme vs comparison areas per year as an SVG line chart: the start marked between the last nulmeting
    year and the first programme year, the target (year, value) as a diamond, both axes titled (year; the unit)."""
    points = [(r["year"], r["target"], r["comparison"]) for r in years]
    values = [v for _, a, b in points for v in (a, b) if v is not None] + ([target[1]] if target else [])
    if not values:
        return ""
    low, high = min(values), max(values)
    span = (high - low) or 1.0
    low, high = low - 0.1 * span, high + 0.1 * span
    first = points[0][0]
    last = max(points[-1][0], target[0] if target else points[-1][0])
    left, pad = 64, 40

    def x(year: int) -> float:
        return left + (year - first) / max(last - first, 1) * (width - left - pad)

    def y(value: float) -> float:
        return height - pad - (value - low) / (high - low) * (height - 2 * pad)

    def line(column: int, colour: str, dash: str = "") -> str:
        """A polyline per run of published years: a withheld year breaks the line (a dot stands alone)."""
        runs: list[list[str]] = [[]]
        for p in points:
            if p[column] is None:
                runs.append([])
            else:
                runs[-1].append(f"{x(p[0]):.1f},{y(p[column]):.1f}")
        return "".join(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2.5" {dash} points="{" ".join(r)}"/>'
            if len(r) > 1
            else f'<circle cx="{r[0].split(",")[0]}" cy="{r[0].split(",")[1]}" r="3" fill="{colour}"/>'
            for r in runs
            if r
        )

    w = WORDS[language]
    ticks = "".join(
        f'<text x="{x(p[0]):.1f}" y="{height - 22}" font-size="11" text-anchor="middle">{p[0]}</text>' for p in points
    )
    scale = "".join(
        f'<text x="{left - 6}" y="{y(v) + 4:.1f}" font-size="11" text-anchor="end">{_n(v, 1, language)}</text>'
        for v in (low + 0.1 * span, high - 0.1 * span)
    )
    titles = (
        f'<text x="{(left + width - pad) / 2:.0f}" y="{height - 4}" font-size="12" text-anchor="middle">'
        f"{w['year']}</text>"
        f'<text transform="translate(14 {height / 2:.0f}) rotate(-90)" font-size="12" text-anchor="middle">'
        f"{html.escape(axis_title(unit, language))}</text>"
    )
    goal = ""
    if target:
        tx, ty = x(target[0]), y(target[1])
        goal = (
            f'<path d="M{tx:.1f},{ty - 7:.1f} L{tx + 7:.1f},{ty:.1f} L{tx:.1f},{ty + 7:.1f} L{tx - 7:.1f},{ty:.1f} Z" '
            f'fill="#009E73"/><text x="{tx - 10:.1f}" y="{ty + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="#00704f">{w["target"]} {target[0]}</text>'
        )
    marker = x(start) - 0.5 * (width - left - pad) / max(last - first, 1)  # between the last year before and first
    dashed = 'stroke-dasharray="6 4"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{w["programme"]} / {w["comparison"]}">'
        f'<line x1="{marker:.1f}" x2="{marker:.1f}" y1="{pad / 2}" y2="{height - pad}" stroke="#888" '
        f'stroke-dasharray="4 3"/><text x="{marker + 3:.1f}" y="{pad / 2 + 10}" font-size="11" fill="#555">'
        f"{w['start']} {start}</text>"
        f"{line(1, '#0072B2')}{line(2, '#E69F00', dashed)}{goal}{ticks}{scale}{titles}"
        f'<text x="{width - pad}" y="16" font-size="12" text-anchor="end" fill="#0072B2">{w["programme"]}</text>'
        f'<text x="{width - pad}" y="32" font-size="12" text-anchor="end" fill="#E69F00">'
        f"{w['compared_short']}</text>"
        "</svg>"
    )


def _check(estimate: dict[str, Any], language: str, with_p: bool = False) -> str:
    """A check's value with its interval (or p-value), or why there is none."""
    if estimate.get("estimate") is None:
        return label(estimate, language)
    if with_p:
        return f"{_n(estimate['estimate'], 2, language)} (p = {p_text(estimate['p_value'], language)})"
    return (
        f"{_n(estimate['estimate'], 2, language)} ({_n(estimate['ci_low'], 2, language)} – "
        f"{_n(estimate['ci_high'], 2, language)})"
    )


def p_text(p: float | None, language: str) -> str:
    """A p-value as people read it: three decimals, or < 0.001."""
    if p is None:
        return "–"
    text = "< 0.001" if p < 0.001 else f"{p:.3f}"
    return text.replace(".", ",") if language == "nl" else text


def build(report: dict[str, Any], language: str = "nl", names: dict[str, str] | None = None) -> str:
    """The report as one HTML page (print-ready): areas by name and code (``names``: code → name), each indicator's
    heading, chart and table kept on one page."""
    names = names or {}
    w = WORDS[language]
    e = html.escape
    parts = [
        f'<!doctype html><html lang="{language}"><head><meta charset="utf-8"><title>{e(report["title"])}'
        "</title><style>body{font-family:system-ui,sans-serif;margin:2em;color:#1a1a1a;max-width:60em}"
        "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:.3em .6em;"
        "text-align:right}th:first-child,td:first-child{text-align:left}.note{color:#444}"
        ".sentence{font-size:1.1em;background:#f3f6fa;padding:.6em}"
        "section,svg,table{break-inside:avoid}h2{break-after:avoid}</style></head><body>",
        f"<h1>{e(report['title'])}</h1>",
        f"<p>{w['owner']}: {e(report['owner'])} · {w['start']} {report['start']} · "
        f"{w['baseline']} {report['baseline_years'][0]}–{report['baseline_years'][1]}"
        f"{' · ' + w['frozen'] if report['frozen'] else ''}</p>",
        f"<p>{w['areas']}: {e(area_names(report['areas'], names))}<br>{w['compared']}: "
        f"{e(area_names(report['comparison_areas'], names))}</p>",
    ]
    if report["placebo"]:
        parts.append(f'<p class="note"><strong>{w["placebo_programme"]}</strong></p>')
    for row in report["indicators"]:
        title = row["title"] if language == "nl" else row["title_en"]
        goal = (row["target_year"], row["target"]) if row.get("target") is not None else None
        parts += [
            f"<section><h2>{e(title)}</h2>",
            f'<p class="sentence">{e(row["sentence"])}</p>',
            f'<p class="target target-{target_state(row)}">{e(target_text(row, language))}</p>' if goal else "",
            svg(row["years"], report["start"], language, row.get("unit", ""), goal),
            "<table><tr>"
            + "".join(
                f"<th>{w[k]}</th>" for k in ("baseline", "actual", "target", "comparison", "estimate", "interval")
            )
            + "</tr>",
            f"<tr><td>{_n(row['baseline'], 1, language)}</td><td>{_n(row['actual'], 1, language)} "
            f"({row['actual_year']})</td><td>{_n(row['target'], 1, language)}</td>"
            f"<td>{_n(row['comparison'], 1, language)}</td><td>{_n(row['estimate'], 2, language)}</td>"
            f"<td>{_n(row['ci_low'], 2, language)} – {_n(row['ci_high'], 2, language)}</td></tr></table>",
            f'<p class="note">{w["pre"]}: {e(_check(row["pre_trend"], language, with_p=True))} · '
            f"{w['placebo']}: {e(_check(row['placebo_time'], language))} · {w['mde']}: {_n(row['mde'], 2, language)}"
            f" · {w['method']}: {e(label(row, language))}</p></section>",
        ]
        if row.get("baseline_changed"):
            parts.append(f'<p class="note"><strong>{w["changed"]}</strong> ({_n(row["baseline_frozen"], 2)})</p>')
    parts.append(f'<p class="note">{e(report["caveat"])}</p></body></html>')
    return "".join(parts)
