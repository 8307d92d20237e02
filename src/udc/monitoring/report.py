"""A programme's monitor: comparison areas (chosen, or matched on nulmeting levels), per indicator the yearly
follow-up of programme and comparison areas, the nulmeting (frozen when ``udc monitor baseline`` released it), the
target, and the effect estimates of :mod:`udc.monitoring.effect` — all from pooled, protected area counts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from udc.areas import registry
from udc.errors import UdcError
from udc.indicators.model import Indicator
from udc.monitoring import counts, effect
from udc.monitoring.model import Programme
from udc.privacy.gate import TOTAL
from udc.privacy.policy import current
from udc.store import catalogue
from udc.store.db import Store

UNIT_WORDS = {
    "percent": ("procentpunt", "percentage points"),
    "per_1000": ("per 1 000", "per 1,000"),
    "per_10000": ("per 10 000", "per 10,000"),
    "per_100000": ("per 100 000", "per 100,000"),
    "mean": ("", ""),
    "ratio": ("", ""),
}


def release_name(programme: Programme) -> str:
    return "nulmeting_" + programme.id.replace("-", "_")


def last_year(store: Store, indicator: Indicator) -> int:
    """The newest complete year of the indicator's data (the catalogue's period end is the first year after)."""
    ends = []
    for count in (indicator.numerator, indicator.denominator):
        end = catalogue.get(store, count.dataset).period_end
        if end and str(end)[:4].isdigit():
            ends.append(int(str(end)[:4]) - 1)
    if not ends:
        raise UdcError(f"the data of {indicator.id} have no period end in the catalogue: pass the years")
    return min(ends)


def comparison_areas(
    store: Store,
    programme: Programme,
    indicators: dict[str, Indicator],
    run: counts.Run,
    exclude: set[str] | None = None,
) -> list[str]:
    """The chosen comparison areas, or the k areas nearest to the programme's on the nulmeting levels of the
    matching indicators (each standardised over the candidates; areas with a withheld level are not candidates;
    ``exclude``: areas where another programme runs — they are not untreated)."""
    if programme.comparison.areas:
        return list(programme.comparison.areas)
    match = programme.comparison.match
    assert match is not None
    within = match.within or registry.parent(store, programme.areas[0])
    if not within:
        raise UdcError("matching needs 'within': the area the comparison areas are chosen from")
    pool = [c["code"] for c in registry.children(store, within) if c["code"][:2] == programme.kind]
    pool = [c for c in pool if c not in (exclude or set()) or c in programme.areas]
    candidates = [c for c in pool if c not in programme.areas]
    everything = counts.buurten(store, pool)
    years = list(range(programme.baseline[0], programme.baseline[1] + 1))
    table = pd.DataFrame({i: counts.levels(store, indicators[i], pool, everything, years, run) for i in match.by})
    table = table.dropna()
    if not set(programme.areas) <= set(table.index):
        raise UdcError("a programme area's nulmeting level is withheld: match on indicators with larger counts")
    z = (table - table.mean()) / table.std(ddof=0).replace(0, 1)
    profile = z.loc[list(programme.areas)].mean()
    distance = np.sqrt(((z.drop(index=list(programme.areas)) - profile) ** 2).sum(axis=1))
    chosen = list(distance.nsmallest(match.k).index)
    if len(chosen) < 2:
        raise UdcError(f"only {len(chosen)} comparison areas with a published nulmeting level in {within}")
    return sorted(c for c in chosen if c in candidates)


def _value(k: float, n: float, scale: float) -> float | None:
    return None if pd.isna(k) or pd.isna(n) or n <= 0 else float(k / n * scale)


def indicator_report(
    store: Store,
    programme: Programme,
    indicator: Indicator,
    target: list[str],
    comparison: list[str],
    until: int,
    run: counts.Run,
) -> dict[str, Any]:
    """Everything the monitor says about one followed indicator."""
    years = list(range(programme.baseline[0], until + 1))
    before = list(range(programme.baseline[0], programme.baseline[1] + 1))
    after = list(range(programme.start, until + 1))
    scale = indicator.scale
    proportion = indicator.unit == "percent"
    t_years = counts.series(store, indicator, target, years, run, f"{programme.id}_{indicator.id}_t")
    c_years = counts.series(store, indicator, comparison, years, run, f"{programme.id}_{indicator.id}_c")
    noise = current(store).cell_key_v if "cellkey" in {*t_years.method_k, *t_years.method_n} else 0.0
    yearly_t = t_years[t_years.period != TOTAL]
    yearly_c = c_years[c_years.period != TOTAL]
    pools = {}
    for group, label, frame in (("t", "target", target), ("c", "comparison", comparison)):
        for period, span in (("before", before), ("after", after)):
            if not span:  # a planned programme: nothing after the start yet
                pools[(label, period)] = (float("nan"), float("nan"))
                continue
            pooled = counts.series(store, indicator, frame, span, run, f"{programme.id}_{indicator.id}_{group}{period}")
            total = pooled[pooled.period == TOTAL].iloc[0]
            pools[(label, period)] = (float(total.k), float(total.n))
    main = effect.did(
        pools[("target", "before")],
        pools[("target", "after")],
        pools[("comparison", "before")],
        pools[("comparison", "after")],
        proportion=proportion,
        noise=noise,
        scale=scale,
    )
    if not after:
        main = effect.missing("did", "not_started")
    trend = effect.pre_trend(
        yearly_t[yearly_t.period.astype(int).isin(before)],
        yearly_c[yearly_c.period.astype(int).isin(before)],
        proportion=proportion,
        noise=noise,
        scale=scale,
    )
    middle = before[len(before) // 2]
    early, late = [y for y in before if y < middle], [y for y in before if y >= middle]
    placebo = effect.did(
        effect.pooled(yearly_t, early),
        effect.pooled(yearly_t, late),
        effect.pooled(yearly_c, early),
        effect.pooled(yearly_c, late),
        proportion=proportion,
        noise=noise,
        scale=scale,
    )
    placebo.key = "placebo_time"
    placebo.method = effect.METHODS["placebo_time"][0] + (f": {placebo.reason}" if placebo.reason else "")
    follow = [
        {"year": int(y), "target": _value(rt.k, rt.n, scale), "comparison": _value(rc.k, rc.n, scale)}
        for (y, rt), (_, rc) in zip(
            yearly_t.set_index("period").iterrows(), yearly_c.set_index("period").iterrows(), strict=True
        )
    ]
    latest = next((r for r in reversed(follow) if r["target"] is not None), None)
    followed = next(f for f in programme.indicators if f.indicator == indicator.id)
    return {
        "indicator": indicator.id,
        "title": indicator.title.nl,
        "title_en": indicator.title.en,
        "unit": indicator.unit,
        "direction": followed.direction,
        "baseline": _value(*pools[("target", "before")], scale),
        "baseline_comparison": _value(*pools[("comparison", "before")], scale),
        "actual": latest["target"] if latest else None,
        "actual_year": latest["year"] if latest else None,
        "comparison": latest["comparison"] if latest else None,
        "after": _value(*pools[("target", "after")], scale),
        "after_comparison": _value(*pools[("comparison", "after")], scale),
        "target": followed.target.value if followed.target else None,
        "target_year": followed.target.year if followed.target else None,
        **main.as_dict(),
        "mde": effect.mde(main.se)
        if main.se is not None
        else effect.planned_mde(
            pools[("target", "before")],
            pools[("comparison", "before")],
            proportion=proportion,
            noise=noise,
            scale=scale,
        ),
        "pre_trend": trend.as_dict(),
        "placebo_time": placebo.as_dict(),
        "years": follow,
    }


def sentence(row: dict[str, Any], programme: Programme, language: str) -> str:
    """The effect in one plain sentence, with its interval, and never more than it shows."""
    nl = language == "nl"
    if row.get("reason") == "not_started" and row.get("mde") is not None:
        size = f"{row['mde']:.1f}".replace(".", ",") if nl else f"{row['mde']:.1f}"
        unit = UNIT_WORDS[row["unit"]][0 if nl else 1]
        return (
            f"Het programma begint in {programme.start}. Met deze gebieden is een effect kleiner dan {size} "
            f"{unit} niet van toeval te onderscheiden."
            if nl
            else f"The programme starts in {programme.start}. "
            f"With these areas an effect smaller than {size} {unit} cannot be told from chance."
        )
    if row["estimate"] is None:
        return (
            "Geen schatting: een aantal is te klein om te publiceren."
            if nl
            else "No estimate: a count is too small to publish."
        )
    unit = UNIT_WORDS[row["unit"]][0 if nl else 1]
    value, low, high = row["estimate"], row["ci_low"], row["ci_high"]
    title = (row["title"] if nl else row["title_en"]).lower()

    def f(x: float) -> str:
        text = f"{abs(x):.1f}"
        return text.replace(".", ",") if nl else text

    significant = low > 0 or high < 0
    if nl:
        word = "daalde" if value < 0 else "steeg"
        more = "meer" if significant else "meer (niet te onderscheiden van toeval)"
        return (
            f"Sinds de start in {programme.start} {word} {title} in de programmawijken met {f(value)} {unit} "
            f"{more} dan in vergelijkbare wijken (95 %-interval {'−' if low < 0 else ''}{f(low)} tot "
            f"{'−' if high < 0 else ''}{f(high)})."
        )
    word = "fell" if value < 0 else "rose"
    more = "more" if significant else "more (not distinguishable from chance)"
    return (
        f"Since the start in {programme.start}, {title} {word} by {f(value)} {unit} {more} in the programme "
        f"areas than in comparable areas (95 % interval {'−' if low < 0 else ''}{f(low)} to "
        f"{'−' if high < 0 else ''}{f(high)})."
    )


CAVEAT = {
    "nl": "Wat dit niet bewijst: het verschil is alleen aan het programma toe te schrijven als de programmawijken "
    "zich zonder programma net zo hadden ontwikkeld als de vergelijkingswijken (zie de controle op de trend vóór de "
    "start en de placebo). Het zegt niets over afzonderlijke gezinnen.",
    "en": "What this does not prove: the difference is due to the programme only if the programme areas would have "
    "developed like the comparison areas without it (see the pre-trend check and the placebo). It says nothing "
    "about individual families.",
}
