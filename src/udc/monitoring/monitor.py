"""Running a programme's monitor and freezing its nulmeting.

The nulmeting is released (``nulmeting_<programme>``) through the gate's derived release: per followed indicator
the programme and comparison areas' pooled nulmeting counts and values, the comparison areas themselves, and the
hashes of the programme and indicator definitions — immutable and versioned, so a later recomputation that differs
(new data, corrected registers, boundary changes) shows as a difference instead of silently moving the baseline.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from udc.indicators.model import Indicator
from udc.monitoring import counts
from udc.monitoring.model import Programme
from udc.monitoring.report import CAVEAT, comparison_areas, indicator_report, last_year, release_name, sentence
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import TOTAL, release_derived
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo
from udc.store.db import Store

COLUMNS = [
    ColumnInfo("indicator", "dimension", "Indicator"),
    ColumnInfo("group", "dimension", "Groep"),
    ColumnInfo("period", "period", "Nulmeting"),
    ColumnInfo("numerator", "value", "Teller"),
    ColumnInfo("denominator", "value", "Noemer"),
    ColumnInfo("value", "value", "Waarde"),
    ColumnInfo("areas", "label", "Gebieden"),
]


def frozen(store: Store, programme: Programme) -> pd.DataFrame | None:
    """The released nulmeting (newest version), if there is one."""
    name = release_name(programme)
    return catalogue.read(store, name) if catalogue.exists(store, name) else None


def _comparison(
    store: Store,
    programme: Programme,
    indicators: dict[str, Indicator],
    run: counts.Run,
    baseline: pd.DataFrame | None,
    exclude: set[str],
) -> list[str]:
    """The frozen nulmeting's comparison areas (fixed when the baseline was set), else chosen or matched now."""
    if baseline is not None and len(baseline):
        return json.loads(baseline[baseline.group == "comparison"].areas.iloc[0])
    return comparison_areas(store, programme, indicators, run, exclude)


def run(
    store: Store,
    programme: Programme,
    indicators: dict[str, Indicator],
    *,
    user: User,
    audit: AuditLog,
    until: int | None = None,
    language: str = "nl",
    exclude: set[str] | None = None,
    work: counts.Run | None = None,
) -> dict[str, Any]:
    """The monitor of a programme: per indicator baseline, actual, target, comparison, estimate with interval and
    p-value, pre-trend, placebo, minimum detectable effect and the yearly follow-up. ``exclude``: areas of other
    programmes (never comparison areas); ``work`` collects the gate tables used (a release records them)."""
    work = work or counts.Run(user, audit)
    baseline = frozen(store, programme)
    comparison = _comparison(store, programme, indicators, work, baseline, exclude or set())
    target = counts.buurten(store, list(programme.areas))
    compared = counts.buurten(store, comparison)
    rows = []
    for followed in programme.indicators:
        indicator = indicators[followed.indicator]
        end = until or last_year(store, indicator)
        row = indicator_report(store, programme, indicator, target, compared, end, work)
        if baseline is not None:
            part = baseline[(baseline.indicator == indicator.id) & (baseline.group == "target")]
            if len(part):
                row["baseline_frozen"] = float(part.value.iloc[0]) if pd.notna(part.value.iloc[0]) else None
                row["baseline_changed"] = (
                    row["baseline_frozen"] is not None
                    and row["baseline"] is not None
                    and abs(row["baseline_frozen"] - row["baseline"]) > 1e-9
                )
        row["sentence"] = sentence(row, programme, language)
        rows.append(row)
    return {
        "programme": programme.id,
        "title": programme.title.nl if language == "nl" else programme.title.en,
        "owner": programme.owner,
        "placebo": programme.placebo,
        "start": programme.start,
        "baseline_years": list(programme.baseline),
        "areas": list(programme.areas),
        "comparison_areas": comparison,
        "frozen": baseline is not None,
        "indicators": rows,
        "caveat": CAVEAT[language],
    }


def freeze(
    store: Store,
    programme: Programme,
    indicators: dict[str, Indicator],
    *,
    user: User,
    audit: AuditLog,
    exclude: set[str] | None = None,
) -> int:
    """Release the nulmeting as a new version of ``nulmeting_<programme>``; returns the version."""
    work = counts.Run(user, audit)
    comparison = comparison_areas(store, programme, indicators, work, exclude)
    years = list(range(programme.baseline[0], programme.baseline[1] + 1))
    rows = []
    for followed in programme.indicators:
        indicator = indicators[followed.indicator]
        for group, areas in (("target", list(programme.areas)), ("comparison", comparison)):
            frame = counts.series(
                store,
                indicator,
                counts.buurten(store, areas),
                years,
                work,
                f"{programme.id}_{indicator.id}_{group}_nul",
            )
            total = frame[frame.period == TOTAL].iloc[0]
            value = total.k / total.n * indicator.scale if pd.notna(total.k) and total.n > 0 else None
            rows.append(
                {
                    "indicator": indicator.id,
                    "group": group,
                    "period": f"{years[0]}-{years[-1]}",
                    "numerator": total.k,
                    "denominator": total.n,
                    "value": value,
                    "areas": json.dumps(sorted(areas)),
                }
            )
    definition = {
        "programme": f"{programme.id} v{programme.version}:{programme.digest()}",
        **{f.indicator: indicators[f.indicator].digest() for f in programme.indicators},
    }
    inputs = sorted(
        {
            c.dataset
            for f in programme.indicators
            for c in (indicators[f.indicator].numerator, indicators[f.indicator].denominator)
        }
    )
    return release_derived(
        store,
        pd.DataFrame(rows),
        release_name(programme),
        title=f"Nulmeting {programme.title.nl} ({years[0]}-{years[-1]})",
        inputs=inputs,
        derived_from=work.used,
        columns=COLUMNS,
        user=user,
        audit=audit,
        definition=definition,
    )


def monitor_name(programme: Programme) -> str:
    return "monitor_" + programme.id.replace("-", "_")


def publish(
    store: Store,
    programme: Programme,
    indicators: dict[str, Indicator],
    *,
    user: User,
    audit: AuditLog,
    exclude: set[str] | None = None,
) -> dict[str, Any]:
    """Run the monitor and release it (``monitor_<programme>``, one row per indicator with its report as JSON) for
    the web pages, which read only released tables."""
    work = counts.Run(user, audit)
    report = run(store, programme, indicators, user=user, audit=audit, exclude=exclude, work=work)
    rows = pd.DataFrame(
        [
            {
                "indicator": r["indicator"],
                "report": json.dumps({k: v for k, v in r.items() if k != "sentence"}, default=float),
                "comparison_areas": json.dumps(report["comparison_areas"]),
                "frozen": report["frozen"],
            }
            for r in report["indicators"]
        ]
    )
    inputs = sorted(
        {
            c.dataset
            for f in programme.indicators
            for c in (indicators[f.indicator].numerator, indicators[f.indicator].denominator)
        }
    )
    columns = [
        ColumnInfo("indicator", "dimension", "Indicator"),
        ColumnInfo("report", "label", "Monitor"),
        ColumnInfo("comparison_areas", "label", "Vergelijkingsgebieden"),
        ColumnInfo("frozen", "label", "Nulmeting vastgelegd"),
    ]
    release_derived(
        store,
        rows,
        monitor_name(programme),
        title=f"Monitor {programme.title.nl}",
        inputs=inputs,
        derived_from=work.used,
        columns=columns,
        user=user,
        audit=audit,
        definition={"programme": programme.digest()},
    )
    return report


def released(store: Store, programme: Programme, language: str) -> dict[str, Any] | None:
    """The released monitor as a report (the sentence in ``language``), or None when none is released."""
    name = monitor_name(programme)
    if not catalogue.exists(store, name):
        return None
    frame = catalogue.read(store, name)
    rows = []
    for record in frame.itertuples():
        row = json.loads(record.report)
        row["sentence"] = sentence(row, programme, language)
        rows.append(row)
    return {
        "programme": programme.id,
        "title": programme.title.nl if language == "nl" else programme.title.en,
        "owner": programme.owner,
        "placebo": programme.placebo,
        "start": programme.start,
        "baseline_years": list(programme.baseline),
        "areas": list(programme.areas),
        "comparison_areas": json.loads(frame.comparison_areas.iloc[0]) if len(frame) else [],
        "frozen": bool(frame.frozen.iloc[0]) if len(frame) else False,
        "indicators": rows,
        "caveat": CAVEAT[language],
    }
