"""Laadpalen in de woonwijken: where the next public chargers go — demand per buurt from the registers (through the
gate), present points from open data, a prognosis per scenario and the gap; and the NAL check per CBS 500 m cell.

1. **Demand** (protected): per buurt and year the households by dwelling type (a single-family house has a driveway,
   an apartment not — the proxy for private parking), their cars and electric cars, and households by income class;
   all ad-hoc gate tables (cell key), each year its own request.
2. **Adoption propensity**: a Poisson regression of a buurt's electric cars on its cars × the region's electric
   share of the year (offset), with the shares of low and high incomes, cars per household and the share of
   apartments; each buurt's own record over the fitted years pulls it off the regression, shrunk by
   ``prior_strength`` (a buurt of few cars keeps the regression's value).
3. **Prognosis**: electric cars in a target year = the buurt's cars in the last observed year × the region's
   electric share then × its propensity; the region's share follows the scenario (``data/ev_scenarios.yaml``) from
   its own last observed share. Cars are held at the last year's.
4. **Needed public connectors** (named after the NKL laadprognose): electric cars of households without private
   parking, plus ``public_share_with_private_parking`` of the others, divided by ``evs_per_public_connector``.
   **Present**: public connectors in the buurt plus ``semi_public_weight`` × semi-public ones. **Gap** = needed −
   present (negative: room to spare).

Every number out is a function of protected counts, the scenario, the parameters and open data (the points).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd
import statsmodels.api as sm
import yaml
from pydantic import BaseModel, ConfigDict, Field

from udc.areas import registry
from udc.areas.geometry import RD_NEW, WGS84, _transformer
from udc.errors import UdcError
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import Protected, crosstab, release_derived
from udc.privacy.request import Filter, TableRequest
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo
from udc.store.db import Store, quote

HOUSEHOLDS = "synth_households"
POINTS = "laadpunten"


class Parameters(BaseModel):
    """The prognosis's assumptions, named after the NKL laadprognose and the NAL; every one editable and recorded
    with a release."""

    model_config = ConfigDict(extra="forbid")
    evs_per_public_connector: float = Field(8.0, gt=0, le=100, description="electric cars sharing one public connector")
    public_share_with_private_parking: float = Field(
        0.1, ge=0, le=1, description="share of electric cars with a driveway that still charge in public"
    )
    semi_public_weight: float = Field(0.5, ge=0, le=1, description="a semi-public connector counts as this part")
    prior_strength: float = Field(
        20.0, ge=0, le=10_000, description="expected electric cars a buurt's own record needs to outweigh the model"
    )
    nal_households: int = Field(125, ge=1, le=10_000, description="NAL: households in a 500 m cell that need a point")
    nal_distance_m: float = Field(
        400.0, gt=0, le=5_000, description="NAL: metres from a cell's centre to a public point"
    )


@functools.cache
def scenarios() -> dict[str, dict[int, float]]:
    """The built-in scenarios: name → {year: national electric share}."""
    text = (resources.files("udc.analysis") / "data" / "ev_scenarios.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    return {name: {int(y): float(v) for y, v in years.items()} for name, years in data["scenarios"].items()}


def share(scenario: str, year: int) -> float:
    """A scenario's national electric share in ``year`` (linear between the given years; flat beyond them)."""
    known = scenarios().get(scenario)
    if known is None:
        raise UdcError(f"unknown scenario '{scenario}': expected {', '.join(scenarios())}")
    years = sorted(known)
    return float(np.interp(year, years, [known[y] for y in years]))


@dataclass
class Demand:
    """Protected counts per buurt and year (``frame``) and the gate tables they came from (``tables``)."""

    frame: pd.DataFrame  # buurt_code, year, households, apartments, cars, evs, low, high
    tables: list[Protected] = field(default_factory=list)


def buurten_of(store: Store, area: str) -> list[str]:
    """The buurten of a gemeente or of a region's member gemeenten (registry)."""
    members = [area] if area.startswith("GM") else registry.region_members(store, area)
    gemeenten = [m for m in members if m.startswith("GM")]
    if not gemeenten:
        raise UdcError(f"'{area}' has no Dutch gemeente: the registers know Dutch buurten only")
    found = sorted(a["code"] for a in registry.current(store, "BU") if a["code"][2:6] in {g[2:] for g in gemeenten})
    if not found:
        raise UdcError(f"no buurten of {area} in the area registry (udc areas import)")
    return found


def _within(buurten: list[str]) -> Filter:
    """The buurten asked about: by name up to a filter's 200 values, else every buurt (the rows kept afterwards are
    ours; a larger table asked of the gate, never a smaller one)."""
    return (
        Filter(column="buurt_code", values=buurten) if len(buurten) <= 200 else Filter(column="buurt_code", prefix="BU")
    )


def _ask(store: Store, dims: list[str], filters: list[Filter], measure: str | None, user: User, audit: AuditLog,
         dataset: str) -> tuple[pd.DataFrame, Protected]:  # fmt: skip
    area = "buurt_code" if "buurt_code" in dims else None
    request = TableRequest(dataset=dataset, dimensions=dims, filters=filters, measure=measure, area=area)
    protected = crosstab(store, request, user=user, audit=audit)
    cells = protected.cells
    value = cells[measure] if measure else cells["count"]
    usable = cells["status"].ne("suppressed") & value.notna()
    out = cells[dims].astype(str).assign(value=np.where(usable, value.astype(float), np.nan))
    return out[(out[dims] != "Totaal").all(axis=1)], protected


def demand(
    store: Store, buurten: list[str], years: list[int], *, user: User, audit: AuditLog, dataset: str = HOUSEHOLDS
) -> Demand:
    """The protected counts per buurt and year (each year its own requests: the yearly snapshots)."""
    frames, tables = [], []
    for year in years:
        where = [Filter(column="year", values=[year]), _within(buurten)]
        by_type, t1 = _ask(store, ["buurt_code", "dwelling_type"], where, None, user, audit, dataset)
        cars, t2 = _ask(store, ["buurt_code"], where, "cars", user, audit, dataset)
        evs, t3 = _ask(store, ["buurt_code"], where, "electric_cars", user, audit, dataset)
        income, t4 = _ask(store, ["buurt_code", "income_class"], where, None, user, audit, dataset)
        tables += [t1, t2, t3, t4]
        kind = by_type.pivot_table(index="buurt_code", columns="dwelling_type", values="value", aggfunc="first")
        klass = income.pivot_table(index="buurt_code", columns="income_class", values="value", aggfunc="first")
        frame = pd.DataFrame(index=pd.Index(buurten, name="buurt_code"))
        frame["households"] = kind.sum(axis=1, min_count=kind.shape[1]) if len(kind.columns) else np.nan
        frame["apartments"] = kind.get("apartment")
        frame["cars"] = cars.set_index("buurt_code").value
        frame["evs"] = evs.set_index("buurt_code").value
        frame["low"] = klass.get("low")
        frame["high"] = klass.get("high")
        frames.append(frame.reset_index().assign(year=year))
    return Demand(pd.concat(frames, ignore_index=True), tables)


COVARIATES = ["low_share", "high_share", "cars_per_household", "apartment_share"]


def _covariates(frame: pd.DataFrame) -> pd.DataFrame:
    with np.errstate(invalid="ignore", divide="ignore"):
        return pd.DataFrame(
            {
                "low_share": frame.low / frame.households,
                "high_share": frame.high / frame.households,
                "cars_per_household": frame.cars / frame.households,
                "apartment_share": frame.apartments / frame.households,
            },
            index=frame.index,
        )


def propensity(fit: pd.DataFrame, prior_strength: float) -> pd.Series:
    """Per buurt its electric adoption relative to the region (1 = the region's share), from the fitted years: the
    Poisson regression's value, moved towards the buurt's own record by its weight (shrinkage)."""
    usable = fit.dropna(subset=["evs", "cars", "households", "low", "high", "apartments"])
    usable = usable[(usable.cars > 0) & (usable.households > 0)]
    if usable.empty:
        raise UdcError("no buurt has published cars and electric cars in the fitted years: nothing to fit")
    region = usable.groupby("year").agg(evs=("evs", "sum"), cars=("cars", "sum"))
    rate = (region.evs / region.cars).rename("rate")
    usable = usable.join(rate, on="year")
    usable = usable[usable.rate > 0]
    x = sm.add_constant(_covariates(usable)[COVARIATES].astype(float), has_constant="add")
    offset = np.log(usable.cars * usable.rate)
    model = sm.GLM(usable.evs.astype(float), x, family=sm.families.Poisson(), offset=offset).fit()
    per = usable.assign(expected=model.predict(x, offset=offset), base=model.predict(x, offset=np.zeros(len(x))))
    grouped = per.groupby("buurt_code").agg(evs=("evs", "sum"), expected=("expected", "sum"), base=("base", "mean"))
    return grouped.base * (grouped.evs + prior_strength) / (grouped.expected + prior_strength)


def _present(store: Store, buurten: list[str], dataset: str, weight: float) -> pd.DataFrame:
    """Public and semi-public connectors per buurt from the imported points (open data)."""
    if not catalogue.exists(store, dataset):
        raise UdcError(f"no '{dataset}' table: import charging points first (udc laden import FILE)")
    table = catalogue.get(store, dataset).table_name or ""
    found = store.query(
        f"SELECT buurt_code, access, sum(connectors) AS n FROM {quote(table)} "
        "WHERE buurt_code IN (SELECT unnest(?::VARCHAR[])) GROUP BY ALL",
        [buurten],
    )
    pivot = found.pivot_table(index="buurt_code", columns="access", values="n", aggfunc="sum").reindex(buurten)
    public = pivot.get("public", pd.Series(0.0, index=pivot.index)).fillna(0)
    semi = pivot.get("semi_public", pd.Series(0.0, index=pivot.index)).fillna(0)
    return pd.DataFrame({"public": public, "semi_public": semi, "present": (public + weight * semi).round()})


@dataclass
class Prognosis:
    rows: pd.DataFrame  # area_code, evs, needed, present, gap, … per buurt
    nal: pd.DataFrame  # cell, households, nearest_m, flagged
    definition: dict
    tables: list[Protected]


@dataclass
class Study:
    """One area's protected demand, fitted propensities, present points and NAL cells: asked of the gate once, then
    any year and scenario computed from them (:meth:`prognosis`)."""

    area: str
    buurten: list[str]
    counts: Demand
    propensity: pd.Series
    present: pd.DataFrame
    nal: pd.DataFrame
    parameters: Parameters
    names: dict[str, str]
    tables: list[Protected]

    @property
    def last(self) -> int:
        return int(self.counts.frame.year.max())

    def prognosis(self, year: int, scenario: str) -> Prognosis:
        """Electric cars, needed and present connectors and the gap per buurt in ``year`` under ``scenario``."""
        p, last, buurten = self.parameters, self.last, self.buurten
        share(scenario, year)  # a known scenario, or a one-line error
        frame = self.counts.frame
        observed = set(frame.year)
        if year < int(frame.year.min()):
            raise UdcError(f"--year {year}: before the first observed year {int(frame.year.min())}")
        base = year if year in observed else last  # an observed year: its own protected counts
        now = frame[frame.year == base].set_index("buurt_code").reindex(buurten)
        usable = now.dropna(subset=["cars", "evs"])
        region_share = usable.evs.sum() / usable.cars.sum() if usable.cars.sum() else np.nan
        if year not in observed:
            evs = (
                now.cars
                * region_share
                * share(scenario, year)
                / share(scenario, last)
                * self.propensity.reindex(buurten)
            )
        else:
            evs = now.evs  # a year already observed: the protected count itself
        apartments = (now.apartments / now.households).clip(0, 1)
        public_demand = evs * (apartments + p.public_share_with_private_parking * (1 - apartments))
        needed = (public_demand / p.evs_per_public_connector).round()
        rows = pd.DataFrame(
            {
                "area_code": buurten,
                "name": [self.names.get(b, b) for b in buurten],
                "evs": evs.round().to_numpy(),
                "needed": needed.to_numpy(),
                "present": self.present.present.to_numpy(),
                "public": self.present.public.to_numpy(),
                "semi_public": self.present.semi_public.to_numpy(),
            }
        )
        rows["gap"] = rows.needed - rows.present
        rows["scenario"], rows["year"] = scenario, year
        definition = {
            "area": self.area,
            "year": year,
            "scenario": scenario,
            "scenario_shares": scenarios()[scenario],
            "observed": [int(frame.year.min()), last],
            "parameters": p.model_dump(),
        }
        return Prognosis(rows, self.nal, definition, self.tables)


def study(
    store: Store,
    area: str,
    *,
    user: User,
    audit: AuditLog,
    parameters: Parameters | None = None,
    dataset: str = HOUSEHOLDS,
    points: str = POINTS,
) -> Study:
    """Ask the gate for every observed year's demand of ``area`` and the NAL cells; fit the propensities."""
    p = parameters or Parameters()
    buurten = buurten_of(store, area)
    counts = demand(store, buurten, _years(store, dataset), user=user, audit=audit, dataset=dataset)
    r = propensity(counts.frame, p.prior_strength)
    present = _present(store, buurten, points, p.semi_public_weight)
    last = int(counts.frame.year.max())
    cells, nal_tables = nal(store, buurten, last, p, user=user, audit=audit, dataset=dataset, points=points)
    return Study(area, buurten, counts, r, present, cells, p, registry.names(store), [*counts.tables, *nal_tables])


def prognose(
    store: Store,
    area: str,
    *,
    year: int,
    scenario: str,
    user: User,
    audit: AuditLog,
    parameters: Parameters | None = None,
    dataset: str = HOUSEHOLDS,
    points: str = POINTS,
) -> Prognosis:
    """The prognosis for every buurt of ``area`` in ``year`` under ``scenario`` (see the module), and the NAL check."""
    share(scenario, year)
    found = study(store, area, user=user, audit=audit, parameters=parameters, dataset=dataset, points=points)
    return found.prognosis(year, scenario)


def digest(definition: dict) -> str:
    """The hash a release records: scenario, its shares and every parameter."""
    return hashlib.sha256(json.dumps(definition, sort_keys=True, default=str).encode()).hexdigest()[:16]


def _years(store: Store, dataset: str) -> list[int]:
    table = catalogue.get(store, dataset).table_name or ""
    return [int(r["year"]) for r in store.rows(f"SELECT DISTINCT year FROM {quote(table)} ORDER BY 1")]


def nal(
    store: Store,
    buurten: list[str],
    year: int,
    p: Parameters,
    *,
    user: User,
    audit: AuditLog,
    dataset: str = HOUSEHOLDS,
    points: str = POINTS,
) -> tuple[pd.DataFrame, list[Protected]]:
    """The NAL check: every 500 m cell with at least ``nal_households`` households (protected count) and no public
    point within ``nal_distance_m`` of its centre is flagged. The distance is between a cell's centre and open
    points: a function of public data only."""
    parts, tables = [], []
    for gemeente in sorted({b[2:6] for b in buurten}):  # one table per gemeente: the cells of its buurten only
        where = [Filter(column="year", values=[year]), Filter(column="buurt_code", prefix=f"BU{gemeente}")]
        part, table = _ask(store, ["cell_500m"], where, None, user, audit, dataset)
        parts.append(part)
        tables.append(table)
    found = pd.concat(parts, ignore_index=True).rename(columns={"cell_500m": "cell", "value": "households"})
    found = found[found.cell.str.fullmatch(r"E\d{4}N\d{4}")]  # cells, not a margin the gate grouped rare ones in
    # Each gemeente's table lists every cell (the gate lists every category, asked or not): a cell's households are
    # the sum of its published parts; a part withheld is small (under the gate's threshold) or nothing at all.
    cells = found.groupby("cell", as_index=False).households.sum(min_count=1)
    entry = catalogue.get(store, points).table_name or ""
    public = store.query(f"SELECT lon, lat FROM {quote(entry)} WHERE access = 'public' AND NOT outside")
    px, py = _transformer(WGS84, RD_NEW).transform(public.lon.to_numpy(float), public.lat.to_numpy(float))
    centres = np.array([(int(c[1:5]) * 100 + 250, int(c[6:10]) * 100 + 250) for c in cells.cell]).reshape(-1, 2)
    if len(px) and len(centres):
        nearest = np.hypot(centres[:, 0, None] - px[None, :], centres[:, 1, None] - py[None, :]).min(axis=1)
    else:
        nearest = np.full(len(centres), np.inf)
    cells["nearest_m"] = np.where(np.isfinite(nearest), np.round(nearest), np.nan)
    cells["flagged"] = (cells.households >= p.nal_households) & ~(nearest <= p.nal_distance_m)
    cells["year"] = year
    return cells.sort_values("cell").reset_index(drop=True), tables


def backtest(
    store: Store,
    area: str,
    *,
    fit: tuple[int, int],
    target: int,
    user: User,
    audit: AuditLog,
    parameters: Parameters | None = None,
    dataset: str = HOUSEHOLDS,
) -> pd.DataFrame:
    """The prognosis checked against a year it did not see: propensities fitted on ``fit``, electric cars per buurt
    in ``target`` predicted from that year's cars and the region's electric share (both protected counts, known in
    hindsight — so only how the cars spread over buurten is tested), beside the naive prognosis (the region's
    share × cars). Returns ``buurt_code, cars, model, naive, observed`` (observed: the gate's protected count)."""
    p = parameters or Parameters()
    buurten = buurten_of(store, area)
    fitted = demand(store, buurten, list(range(fit[0], fit[1] + 1)), user=user, audit=audit, dataset=dataset)
    r = propensity(fitted.frame, p.prior_strength)
    now = demand(store, buurten, [target], user=user, audit=audit, dataset=dataset).frame.set_index("buurt_code")
    usable = now.dropna(subset=["cars", "evs"])
    rate = usable.evs.sum() / usable.cars.sum()
    return pd.DataFrame(
        {
            "buurt_code": buurten,
            "cars": now.cars.reindex(buurten).to_numpy(),
            "model": (now.cars * rate * r.reindex(buurten)).reindex(buurten).to_numpy(),
            "naive": (now.cars * rate).reindex(buurten).to_numpy(),
            "observed": now.evs.reindex(buurten).to_numpy(),
        }
    )


PARAMETER_COLUMNS = ("evs_per_public_connector", "public_share_with_private_parking", "semi_public_weight")
NAL_COLUMNS = [
    ColumnInfo("cell", "dimension", "Vierkant (500 m)"),
    ColumnInfo("households", "value", "Huishoudens"),
    ColumnInfo("nearest_m", "value", "Afstand tot het dichtstbijzijnde publieke laadpunt (m)"),
    ColumnInfo("flagged", "label", "Zonder laadpunt binnen bereik"),
    ColumnInfo("year", "period", "Jaar"),
]
RELEASE_COLUMNS = [
    ColumnInfo("area_code", "area", "Buurt"),
    ColumnInfo("scenario", "dimension", "Scenario"),
    ColumnInfo("year", "period", "Jaar"),
    ColumnInfo("evs", "value", "Elektrische auto's"),
    ColumnInfo("needed", "value", "Nodige publieke aansluitingen"),
    ColumnInfo("present", "value", "Aanwezig"),
    ColumnInfo("gap", "value", "Tekort"),
]


def release(
    store: Store,
    found: Study,
    name: str,
    *,
    years: list[int],
    scenarios_: list[str],
    user: User,
    audit: AuditLog,
    points: str = POINTS,
) -> int:
    """Every scenario and year of a study as one open table, derived by the gate from the protected tables the study
    asked for; the definition (each scenario's shares, every parameter) and its hash recorded. Returns the version."""
    frames, definitions = [], {}
    for scenario in scenarios_:
        for year in years:
            result = found.prognosis(year, scenario)
            frames.append(result.rows)
            definitions[f"{scenario}:{year}"] = result.definition
    rows = pd.concat(frames, ignore_index=True).drop(columns=["name"])
    for key in PARAMETER_COLUMNS:  # the assumptions beside every row: a reader of the table has them
        rows[key] = getattr(found.parameters, key)
    cells = found.nal.copy()
    release_derived(
        store,
        cells,
        f"{name}_nal",
        title="Laadpalen: vierkanten van 500 m met huishoudens en het dichtstbijzijnde publieke laadpunt (NAL)",
        inputs=[HOUSEHOLDS, points],
        derived_from=found.tables,
        columns=NAL_COLUMNS,
        user=user,
        audit=audit,
        definition={"parameters": found.parameters.model_dump(), "year": found.last},
    )
    return release_derived(
        store,
        rows,
        name,
        title="Laadprognose per buurt: elektrische auto's, nodige en aanwezige publieke aansluitingen",
        inputs=[HOUSEHOLDS, points],
        derived_from=found.tables,
        columns=RELEASE_COLUMNS,
        user=user,
        audit=audit,
        definition={"digest": digest(definitions), **definitions},
    )


def nal_only(
    store: Store, area: str, *, user: User, audit: AuditLog, parameters: Parameters | None = None
) -> pd.DataFrame:
    """The NAL check alone (the last observed year's households per cell): one gate table, no prognosis."""
    buurten = buurten_of(store, area)
    last = _years(store, HOUSEHOLDS)[-1]
    cells, _ = nal(store, buurten, last, parameters or Parameters(), user=user, audit=audit)
    return cells
