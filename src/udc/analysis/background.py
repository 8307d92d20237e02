"""Background analyses through the gate: which household characteristics go with an outcome (youth care, income
support, debt help), and which areas have more or less of it than their composition predicts.

A crude ranking of wijken confuses composition with practice: a wijk of many low-income single-parent households
*should* have more youth care. Two answers, each computed only from cells the gate published (cell key; withheld
cells are left out and say so), never from person rows, and never a prediction for a person:

* **Determinants** — relative risks per factor level against a reference level, from a Poisson model with the
  exposure as offset (statsmodels' GLM) on the protected cells factor × factor × year; its residual degrees of
  freedom are checked by the gate's model rule (:func:`udc.privacy.rules.model_output`) before any coefficient
  leaves.
* **Expected versus observed** — indirect standardisation: each area's expected count is its published exposure per
  stratum (the study's composition factors) times the whole population's stratum rates; observed ÷ expected with the
  exact Poisson 95 % interval of the observed count, and a flag when the interval lies above or below 1.

What a study counts is a definition file (``library/*.yaml``): the dataset, the event column, the factors with their
reference levels, the composition factors. Rows that add up over years (person-years: the youth-care risk table) are
counted over the whole span in one request; yearly snapshots (households on 1 January) one year at a time, the
published counts then added (a sum of published values is itself published).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from udc import yamltext
from udc.areas import registry
from udc.errors import UdcError
from udc.indicators.intervals import poisson
from udc.privacy import rules, snapshots
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import TOTAL, Definition, Protected, crosstab, release_derived, run_defined
from udc.privacy.policy import current
from udc.privacy.request import Filter, TableRequest, first_error
from udc.store import Store, catalogue
from udc.store.catalogue import ColumnInfo

LEVEL_PREFIX = {"buurt": "BU", "wijk": "WK", "gemeente": "GM"}
Z = 1.959963984540054
FLAGS = ("above", "as_expected", "below")


class Study(BaseModel):
    """A background study's definition: what is counted (``dataset``, the boolean ``event``), by which household
    characteristics (``factors``: name → reference level) and which of them make an area's composition."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    title: dict[str, str]
    outcome: dict[str, str]
    unit: dict[str, str]
    theme: str  # the theme page that shows its expected-versus-observed table
    dataset: str
    event: str
    area: str = "buurt_code"
    year: str = "year"
    factors: dict[str, str] = Field(min_length=1, max_length=4)
    standard: list[str] = Field(min_length=1, max_length=2)

    def model_post_init(self, _context: Any) -> None:
        unknown = [f for f in self.standard if f not in self.factors]
        if unknown:
            raise ValueError(f"standard factor(s) {', '.join(unknown)} are not among the factors")


@lru_cache(maxsize=1)
def library() -> dict[str, Study]:
    """The shipped study definitions, by id."""
    found: dict[str, Study] = {}
    for item in sorted(resources.files("udc.analysis").joinpath("library").iterdir(), key=lambda p: p.name):
        if not item.name.endswith(".yaml"):
            continue
        try:
            study = Study(**yamltext.safe_load(item.read_text(encoding="utf-8")))
        except ValidationError as exc:
            raise UdcError(f"study definition {item.name}: {first_error(exc)}") from None
        found[study.id] = study
    return found


def get(study_id: str) -> Study:
    """One study by id (``youth_care``, ``bijstand``, ``debt_help``)."""
    studies = library()
    if study_id not in studies:
        raise UdcError(f"unknown outcome '{study_id}': expected one of {', '.join(sorted(studies))}")
    return studies[study_id]


@dataclass
class Result:
    """A study's rows and the protected tables they were computed from (for a derived release and the audit)."""

    rows: pd.DataFrame
    tables: list[Protected] = field(default_factory=list)
    years: tuple[int, int] | None = None
    notes: list[str] = field(default_factory=list)


class _Counter:
    """Protected counts of one study's dataset, each request through the gate as ``user`` (audited there)."""

    def __init__(
        self, store: Store, study: Study, years: tuple[int, int], within: str | None, user: User, audit: AuditLog
    ):
        self.store, self.study, self.years, self.user, self.audit = store, study, years, user, audit
        self.snapshot = snapshots.column(store, study.dataset) is not None
        self.base = [Filter(column=study.area, prefix="BU" + checked_area(store, within)[2:])] if within else []
        self.tables: list[Protected] = []

    def counts(self, dims: list[str], *, events: bool) -> pd.DataFrame:
        """Counts by ``dims`` over the span (persons, or those with the event). A yearly snapshot is asked one year
        at a time with the event as a dimension (no filter that would leave too few units for the gate's minimum
        population), the years' published cells then added — withheld in any year: withheld; each year is one fixed
        cell, so spans of different lengths cannot be averaged into a year's true count. Rows that add up over
        years are asked over the span in one request."""
        year, event = self.study.year, self.study.event
        area = self.study.area if self.study.area in dims else None
        if not self.snapshot:
            extra = [Filter(column=event, values=["true"])] if events else []
            return self._ask(dims, [*self.base, Filter(column=year, between=self.years), *extra], area)
        asked = [d for d in dims if d != year]
        frames = []
        for y in range(self.years[0], self.years[1] + 1):
            filters = [*self.base, Filter(column=year, values=[y])]
            if events:
                cells = self._ask([*asked, event], filters, area)
                cells = cells[cells[event].astype(str) == "true"].drop(columns=event)
            else:
                cells = self._ask(asked, filters, area)
            frames.append(cells.assign(**{year: str(y)}))
        stacked = pd.concat(frames, ignore_index=True)
        if year in dims:
            return stacked[[*dims, "count"]]
        return stacked.groupby(dims, dropna=False, sort=False)["count"].sum(min_count=len(frames)).reset_index()

    def _ask(self, dims: list[str], filters: list[Filter], area: str | None) -> pd.DataFrame:
        request = TableRequest(dataset=self.study.dataset, dimensions=dims, filters=filters, area=area)
        protected = crosstab(self.store, request, user=self.user, audit=self.audit)
        self.tables.append(protected)
        cells = protected.cells[[*dims, "count"]].copy()
        cells["count"] = cells["count"].astype("Float64")
        return cells


WITHIN = re.compile(r"^(GM\d{4}|WK\d{6})$")


def checked_area(store: Store, code: str) -> str:
    """``--area``: a registered gemeente (GM + 4 digits) or wijk (WK + 6 digits), or a one-line error."""
    if not WITHIN.match(code):
        raise UdcError(f"--area {code[:40]!r}: expected a gemeente (GM0917) or wijk (WK091701) code")
    if code not in registry.names(store):
        raise UdcError(f"--area {code}: not an area in this store's registry")
    return code


def span_of(store: Store, study: Study, years: tuple[int, int] | None) -> tuple[int, int]:
    """The years asked, else the dataset's catalogued period, both ends included (the demo's 2015-2024 population has
    its 1 January 2025 snapshot, and youth care starting in 2025 drawn from it)."""
    if years is not None:
        return years
    entry = catalogue.get(store, study.dataset)
    try:
        first, end = int(str(entry.period_start)[:4]), int(str(entry.period_end)[:4])
    except (TypeError, ValueError):
        raise UdcError(f"'{study.dataset}' has no catalogued period: give --years (e.g. 2019-2021)") from None
    return first, max(first, end)


def _leaves(frame: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    """The cells without a total in any dimension."""
    keep = np.ones(len(frame), bool)
    for d in dims:
        keep &= frame[d].astype(str).ne(TOTAL).to_numpy()
    return frame[keep]


def determinants(
    store: Store,
    study: Study,
    *,
    by: list[str] | None = None,
    years: tuple[int, int] | None = None,
    within: str | None = None,
    user: User,
    audit: AuditLog,
) -> Result:
    """Relative risks of the study's event per level of each factor in ``by`` (default: all the study's factors)
    against its reference level, adjusted for the others (and for the year where ``by`` has at most two factors),
    from a Poisson GLM with log exposure as offset on the gate's published cells. Rows: factor, level, reference,
    rr, ci_low, ci_high, events, exposure (the published cells of that level, added)."""
    factors = list(study.factors) if by is None else list(by)
    unknown = [f for f in factors if f not in study.factors] or ([] if factors else ["(none)"])
    if unknown or len(set(factors)) != len(factors):
        raise UdcError(
            f"--by {','.join(factors)}: factors are distinct and among {', '.join(study.factors)} for '{study.id}'"
        )
    span = span_of(store, study, years)
    counter = _Counter(store, study, span, within, user, audit)
    if counter.snapshot and len(factors) > 2:
        raise UdcError(f"--by {','.join(factors)}: at most two factors for '{study.id}' (a table has three dimensions)")
    dims = [*factors, study.year] if len(factors) <= 2 else factors
    exposure = counter.counts(dims, events=False).rename(columns={"count": "exposure"})
    events = counter.counts(dims, events=True).rename(columns={"count": "events"})
    cells = _leaves(exposure.merge(events, on=dims, how="left"), dims)
    used = cells[cells.exposure.notna() & cells.events.notna() & (cells.exposure > 0)].copy()
    for d in dims:
        used[d] = used[d].astype(str)
    present = {f: sorted(set(used[f]) - {study.factors[f]}) for f in factors}
    missing_reference = [f for f in factors if study.factors[f] not in set(used[f])]
    if missing_reference:
        raise UdcError(
            f"the reference level of {', '.join(missing_reference)} has no published cell: the gate withheld them all"
        )
    design = _design(used, factors, present, study.year if study.year in dims else None)
    rules.model_output(len(used), design.shape[1], current(store))
    fit = sm.GLM(
        used.events.to_numpy(float),
        design.to_numpy(float),
        family=sm.families.Poisson(),
        offset=np.log(used.exposure.to_numpy(float)),
    ).fit()
    coefficients = dict(zip(design.columns, fit.params, strict=True))
    errors = dict(zip(design.columns, fit.bse, strict=True))
    rows = []
    for f in factors:
        for level in [study.factors[f], *present[f]]:
            mine = used[used[f] == level]
            row: dict[str, Any] = {
                "factor": f,
                "level": level,
                "reference": level == study.factors[f],
                "events": int(mine.events.sum()),
                "exposure": int(mine.exposure.sum()),
            }
            if level == study.factors[f]:
                row |= {"rr": 1.0, "ci_low": None, "ci_high": None}
            else:
                b, se = coefficients[f"{f}={level}"], errors[f"{f}={level}"]
                row |= {
                    "rr": round(float(np.exp(b)), 3),
                    "ci_low": round(float(np.exp(b - Z * se)), 3),
                    "ci_high": round(float(np.exp(b + Z * se)), 3),
                }
            rows.append(row)
    left_out = len(cells) - len(used)
    notes = [f"{left_out} of {len(cells)} cells withheld by the gate (fewer than the threshold) are not in the model"]
    return Result(pd.DataFrame(rows), counter.tables, span, notes)


def _design(used: pd.DataFrame, factors: list[str], present: dict[str, list[str]], year: str | None) -> pd.DataFrame:
    """Intercept, one indicator per non-reference level, and one per year but the first."""
    columns = {"intercept": np.ones(len(used))}
    for f in factors:
        for level in present[f]:
            columns[f"{f}={level}"] = (used[f] == level).to_numpy(float)
    if year is not None:
        for y in sorted(set(used[year]))[1:]:
            columns[f"{year}={y}"] = (used[year] == y).to_numpy(float)
    design = pd.DataFrame(columns, index=used.index)
    return design.loc[:, (design != 0).any(axis=0)]


def expected(
    store: Store,
    study: Study,
    *,
    level: str = "wijk",
    years: tuple[int, int] | None = None,
    within: str | None = None,
    user: User,
    audit: AuditLog,
) -> Result:
    """Each area of ``level`` (buurt, wijk, gemeente) against the whole population's rates by the study's
    composition factors (indirect standardisation): observed (published), expected, their ratio, the exact Poisson
    95 % interval of the observed count divided by the expected, and a flag (above, as_expected, below)."""
    if level not in LEVEL_PREFIX:
        raise UdcError(f"--level {level}: expected one of {', '.join(LEVEL_PREFIX)}")
    span = span_of(store, study, years)
    counter = _Counter(store, study, span, within, user, audit)
    strata = list(study.standard)
    # one table of persons by area × strata gives the composition and, in its margins, each area's total and each
    # stratum's population (the same cells as asking for them apart: same records, same published value)
    whole = counter.counts([study.area, *strata], events=False).rename(columns={"count": "n"})
    all_strata = np.logical_and.reduce([whole[s].astype(str).eq(TOTAL).to_numpy() for s in strata])
    totals = whole.loc[all_strata, [study.area, "n"]]
    population = _leaves(whole[whole[study.area].astype(str).eq(TOTAL)].drop(columns=study.area), strata)
    composition = _leaves(whole, strata).rename(columns={"n": "count"})
    reference = population.merge(counter.counts(strata, events=True).rename(columns={"count": "k"}), on=strata)
    observed = counter.counts([study.area], events=True).rename(columns={"count": "observed"})
    overall = _overall(totals, observed, study.area)
    reference = reference[reference.n.notna() & reference.k.notna() & (reference.n > 0)]
    rates = {tuple(str(r[s]) for s in strata): float(r.k) / float(r.n) for _, r in reference.iterrows()}
    prefix = LEVEL_PREFIX[level]
    rows = []
    for _, area_row in totals[totals[study.area].astype(str).str.startswith(prefix)].iterrows():
        code = str(area_row[study.area])
        mine = composition[(composition[study.area].astype(str) == code) & composition["count"].notna()]
        n_area = area_row.n
        known = sum(float(r["count"]) for _, r in mine.iterrows() if tuple(str(r[s]) for s in strata) in rates)
        if pd.isna(n_area) or overall is None:
            expect = None
        else:
            expect = (
                sum(
                    float(r["count"]) * rates[key]
                    for _, r in mine.iterrows()
                    if (key := tuple(str(r[s]) for s in strata)) in rates
                )
                + max(float(n_area) - known, 0.0) * overall
            )
        seen = observed.loc[observed[study.area].astype(str) == code, "observed"]
        k = None if seen.empty or pd.isna(seen.iloc[0]) else int(seen.iloc[0])
        rows.append(_compare(code, k, expect))
    notes = [
        f"composition: {', '.join(strata)}; standard: the whole population counted"
        + (f" within {within}" if within else ""),
        "strata withheld in an area (fewer than the threshold) are expected at the overall rate",
    ]
    return Result(pd.DataFrame(rows, columns=_COLUMNS), counter.tables, span, notes)


_COLUMNS = ["area_code", "observed", "expected", "ratio", "ci_low", "ci_high", "flag"]


def _overall(totals: pd.DataFrame, observed: pd.DataFrame, area: str) -> float | None:
    """The whole population's rate (the totals' Totaal row)."""
    n = totals.loc[totals[area].astype(str) == TOTAL, "n"]
    k = observed.loc[observed[area].astype(str) == TOTAL, "observed"]
    if n.empty or k.empty or pd.isna(n.iloc[0]) or pd.isna(k.iloc[0]) or float(n.iloc[0]) <= 0:
        return None
    return float(k.iloc[0]) / float(n.iloc[0])


def _compare(code: str, k: int | None, expect: float | None) -> dict[str, Any]:
    """One area's row: the ratio and its interval, or nulls where the observed count was withheld."""
    row: dict[str, Any] = {"area_code": code, "observed": k, "expected": None, "ratio": None}
    row |= {"ci_low": None, "ci_high": None, "flag": None}
    if expect is None or expect <= 0:
        return row
    row["expected"] = round(expect, 1)
    if k is None:
        return row
    low, high = poisson(np.array([k]))
    row |= {
        "ratio": round(k / expect, 3),
        "ci_low": round(float(low[0]) / expect, 3),
        "ci_high": round(float(high[0]) / expect, 3),
    }
    row["flag"] = "above" if row["ci_low"] > 1 else "below" if row["ci_high"] < 1 else "as_expected"
    return row


def release(store: Store, study: Study, result: Result, name: str, *, user: User, audit: AuditLog) -> int:
    """An expected-versus-observed result as open data: a derived release of the protected tables it was computed
    from (a new version each time); rows gain the outcome and the span of years as ``period``. Returns the version."""
    frame = result.rows.copy()
    frame.insert(0, "outcome", study.id)
    frame.insert(2, "period", f"{result.years[0]}-{result.years[1]}" if result.years else "")
    return release_derived(
        store,
        frame,
        name,
        title=f"Verwacht en werkelijk: {study.title['nl']}",
        inputs=[study.dataset],
        derived_from=result.tables,
        columns=[ColumnInfo("area_code", "area"), ColumnInfo("period", "period")],
        user=user,
        audit=audit,
        definition={"study": study.id, "kind": "expected", "notes": result.notes},
    )


def release_name(study: Study) -> str:
    """The name the demo releases a study's expected-versus-observed table under."""
    return f"verwacht_{study.id}"


def sentence(row: dict[str, Any], name: str, study: Study, language: str = "nl") -> str | None:
    """One area's result in plain words — "Kernstad wijk 07 heeft 1,6 keer zoveel jeugdhulp als verwacht bij zijn
    samenstelling (95 %: 1,2–2,0)." — or None where the observed count was withheld. Association, never a label on
    the area's residents: the sentence names the area and the comparison, nothing about a person."""
    if row.get("ratio") is None or pd.isna(row["ratio"]):
        return None

    def num(x: float) -> str:
        text = f"{x:.1f}"
        return text.replace(".", ",") if language == "nl" else text

    ratio, low, high = num(row["ratio"]), num(row["ci_low"]), num(row["ci_high"])
    outcome = study.outcome[language]
    if language == "nl":
        return (
            f"{name} heeft {ratio} keer zoveel {outcome} als verwacht bij de samenstelling van de huishoudens "
            f"(95 %: {low}–{high})."
        )
    return (
        f"{name} has {ratio} times as much {outcome} as expected from its households' composition (95 %: {low}–{high})."
    )


STACKING_DATASET = "synth_household_support"


def stacking(
    store: Store,
    *,
    year: int | None = None,
    level: str = "wijk",
    within: str | None = None,
    dataset: str = STACKING_DATASET,
    user: User,
    audit: AuditLog,
) -> Result:
    """Households by how many of bijstand, debt help and youth care they have (0, 1, 2 or more), per wijk or
    gemeente, and the share with two or more. One table per year — wijken × supports, defined in advance, under
    secondary suppression, run by an admin — is the only table asked: a gemeente's figures are sums of its wijken's
    published cells (withheld if any is), and ``within`` only selects rows of it. Separately suppressed tables of
    other levels or selections could be differenced against each other (a reviewer recovered withheld cells of 9
    and 2 that way); slices of one checked pattern cannot. Area level only: nothing about which household."""
    if level not in ("wijk", "gemeente"):
        raise UdcError(f"--level {level}: expected wijk or gemeente (buurten would be a second table to difference)")
    prefix = "BU" + checked_area(store, within)[2:] if within else None
    filters = [Filter(column="year", values=[year])] if year is not None else []
    request = TableRequest(dataset=dataset, dimensions=["wijk_code", "supports"], filters=filters)
    definition = Definition(name="stapeling", title="Stapeling van voorzieningen per wijk", request=request)
    protected = run_defined(store, definition, user=user, audit=audit)
    cells = protected.cells[protected.cells.wijk_code.astype(str).str.startswith("WK")].copy()
    cells["area_code"] = cells.wijk_code.astype(str) if level == "wijk" else "GM" + cells.wijk_code.str[2:6]
    if prefix is not None:
        cells = cells[("BU" + cells.wijk_code.str[2:]).str.startswith(prefix)]
    rows = []
    for code, part in cells.groupby("area_code", sort=True):
        counts = part.groupby(part.supports.astype(str))["count"].sum(min_count=1)
        complete = part.groupby(part.supports.astype(str))["count"].apply(lambda c: c.notna().all())
        value = {k: (_whole(counts[k]) if complete.get(k, False) else None) for k in counts.index}
        row: dict[str, Any] = {"area_code": str(code), "households": value.get(TOTAL)}
        row |= {"with_0": value.get("0"), "with_1": value.get("1"), "with_2_or_more": value.get("2+")}
        stacked, households = row["with_2_or_more"], row["households"]
        row["share_two_or_more"] = round(100 * stacked / households, 1) if stacked is not None and households else None
        rows.append(row)
    forced = protected.forced
    chosen = int(forced[1]) if forced else year
    notes = [f"year {chosen}: households on 1 January"] if chosen else []
    return Result(pd.DataFrame(rows), [protected], (chosen, chosen) if chosen else None, notes)


def _whole(value: Any) -> int | None:
    return None if value is None or pd.isna(value) else int(value)
