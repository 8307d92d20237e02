"""The disclosure gate: the only function through which a table derived from ``microdata`` becomes an output.

``crosstab`` answers a typed :class:`~udc.privacy.request.TableRequest` (never SQL): it aggregates a microdata table
inside the store (Ibis-compiled, checked, time-limited queries — :mod:`udc.privacy.engine`), lists the full
cross-product of the requested categories, builds every margin (categories → total, buurt → wijk → gemeente → total),
applies the primary rules and protects the table by cell-key perturbation. Secondary suppression with an LP audit is
for tables defined in advance (:class:`Definition`, run by an admin): its exact small counts could be differenced
between two ad-hoc requests. ``release`` catalogues a protected table as ``open`` + ``released``; the catalogue
refuses any other way of storing a non-microdata table made from microdata (it needs the gate's private capability).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from udc.areas.codes import gemeente_of, wijk_of
from udc.errors import Forbidden, UdcError
from udc.privacy import categories, cellkey, engine, magnitude, rules, snapshots, suppress
from udc.privacy.access import User
from udc.privacy.actions import agreement_for, ensure, refusal
from udc.privacy.audit import AuditLog
from udc.privacy.dimensions import available
from udc.privacy.policy import Policy, current
from udc.privacy.request import KEY_MODULUS, Compiled, Filter, Name, TableRequest, first_error
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store
from udc.store.frames import whole_numbers

TOTAL = "Totaal"
_CAPABILITY = catalogue.GateCapability()  # the only instance: catalogue.save accepts released tables with it
# A cell's key needs only its record keys' sum modulo 2**32; summed exactly (HUGEINT) and reduced, the sum is the
# same whatever order or partial aggregates produced it — so every path to a cell gives it the same noise.


@dataclass
class Protected:
    """A protected crosstab: keys, published values, per-cell status and the rules that hit each cell."""

    cells: pd.DataFrame
    method: str
    policy: Policy
    source: str
    keys: list[str]
    audit_intervals: int = 0
    notes: list[str] = field(default_factory=list)
    # Which cells failed a primary rule (judged on true values): for the gate's own audit and tests, never an output —
    # a published reason would tell a true 0 from 1–9, or a perturbed 10 from a true 8.
    primary: np.ndarray | None = field(default=None, repr=False)
    # A request over yearly snapshots without the period was answered for one period only (column, value): pages say
    # so in their language (udc.privacy.snapshots); None when the request chose its periods itself.
    forced: tuple[str, Any] | None = None

    def __post_init__(self) -> None:
        self.cells = whole_numbers(self.cells, ["count"])  # a count is whole; a withheld one <NA>

    @property
    def suppressed(self) -> int:
        return int((self.cells.status == "suppressed").sum())

    def summary(self) -> dict[str, int]:
        """What the audit log records of an output."""
        return {"policy": self.policy.version, "cells": len(self.cells), "suppressed": self.suppressed}


def outside(protected: Protected) -> Protected:
    """A protected table as it leaves the library (the facade's doors): without :attr:`Protected.primary`, which
    cells failed a rule on their true counts — published, it would tell a true 0 from 1–9."""
    return dataclasses.replace(protected, primary=None)


def _levels(values: list[str], area: bool) -> list[dict[str, str]]:
    """Per level of a dimension, leaf → node: leaves first, then (for buurt codes) wijk and gemeente, then Totaal."""
    leaves = sorted(values)
    levels = [{v: v for v in leaves}]
    if area and leaves and all(v.startswith("BU") and len(v) == 10 for v in leaves):
        levels.append({v: wijk_of(v) for v in leaves})
        levels.append({v: gemeente_of(v) for v in leaves})
    levels.append({v: TOTAL for v in leaves})
    return levels


class TooFew(Forbidden):
    """The filters leave fewer units than the policy's minimum population (a page words it in its language)."""

    def __init__(self, minimum: int, message: str) -> None:
        self.minimum = minimum
        super().__init__(message)


class TooDetailed(Forbidden):
    """A dimension is (nearly) unique per record: the table would list people (refused, whoever asks)."""


def _whole_dataset(store: Store, compiled: Compiled, table: str, policy: Policy) -> None:
    """One pass over the whole dataset (never the selection, so nothing here depends on what a filter keeps): the
    ethics guard — a dimension (nearly) unique per record is an identifier under an innocent name (a per-person
    score, an exact timestamp), and a table by it a list of people — and a measure's profile for its noise
    (:class:`udc.privacy.magnitude.Profile`); a measure with negative values is refused."""
    t = compiled.base
    measure = compiled.request.measure
    own = [d for d in compiled.request.dimensions if d in compiled.columns]  # stored columns, not derived bands
    if not own and measure is None:
        return
    metrics = {f"_d_{d}": t[d].nunique() for d in own} | (magnitude.metrics(t, measure) if measure else {})
    what = f"profile:{','.join(sorted(own))}:{measure or ''}"
    row = engine.whole(
        store,
        table,
        what,
        lambda: engine.run(store, t.aggregate(_rows=t.count(), **metrics), table, policy.query_seconds).iloc[0],
    )
    for d in own:
        distinct = int(row[f"_d_{d}"])
        if distinct >= 20 and distinct > 0.5 * int(row["_rows"]):
            raise TooDetailed(  # no counts in the words: the dataset's size is microdata too
                f"dimension '{d}' has a different value for almost every record: that is an identifier, and a "
                "table by it a per-person table, not an aggregate"
            )
    if measure is not None:
        compiled.profile = magnitude.profile(row)
        if compiled.profile.lowest < 0:
            raise UdcError(f"'{measure}' has negative values: dominance rules are not defined for them")


def _enough(store: Store, compiled: Compiled, table: str, leaves: pd.DataFrame, policy: Policy) -> None:
    """The differencing guard: a filtered table is answered only when its population — per snapshot period when
    the periods are a dimension, so person-years never make up for too few people — reaches the policy's
    minimum. Judged on the cell-key count, a protected value like the table's own total: a verdict on the true
    count was a one-bit oracle that, asked for a union of buurten padded to just under the minimum, told whether
    one more buurt held two people of an age. The population is summed from the table's leaf cells (each
    filtered unit lies in exactly one; no query of its own) unless rare periods were lumped together; nothing of
    the table leaves before the guard passed."""
    period = snapshots.column(store, compiled.request.dataset)
    by = period if period in compiled.request.dimensions else None
    if by in compiled.lumped:
        found = engine.run(store, compiled.population(by), table, policy.query_seconds)
    else:
        found = _population(leaves, by)
    counts = found["units"].to_numpy() if len(found) else np.zeros(1)
    keys = found["key_sum"].to_numpy() if len(found) else np.zeros(1)
    if _noisy(counts, keys, policy).min() < policy.min_population:
        raise TooFew(
            policy.min_population,
            f"the filters leave fewer than {policy.min_population} units"
            + (f" in a {period}" if by else "")
            + ": a table of so few could single out people (compare it with an unfiltered one); widen the filters",
        )


def _population(leaves: pd.DataFrame, by: str | None) -> pd.DataFrame:
    """Units and their record-key sum (modulo the key modulus, as one query over the units gives it) from leaf
    cells: in all, or per value of ``by``. A leaf of records without a key (a mover in neither snapshot) has a NULL
    key sum: it adds 0, as SQL's sum skips it — an error here, before the guard, told whether a tiny selection
    held such a record."""
    keys = leaves["key_sum"].fillna(0).astype("int64")
    frame = pd.DataFrame({"units": leaves["count"].astype("int64"), "key_sum": keys})
    if leaves.empty:
        return frame
    frame = frame.groupby(leaves[by], dropna=False).sum() if by else frame.sum().to_frame().T
    frame["key_sum"] = np.mod(frame["key_sum"].to_numpy(), KEY_MODULUS)
    return frame


def _aggregate(store: Store, compiled: Compiled, table: str, policy: Policy, *, ad_hoc: bool) -> pd.DataFrame:
    """Counts (and magnitudes) per leaf cell of the full cross-product of the requested categories."""
    request = compiled.request
    seconds = policy.query_seconds
    for f in request.filters if ad_hoc else []:
        categories.check_filter(store, compiled, table, f, policy)
    _whole_dataset(store, compiled, table, policy)
    by = list(request.dimensions)
    domains = {d: categories.domain(store, compiled, table, d, policy) for d in by}
    size = math.prod(len(v) * (3 if d == request.area else 1) + 1 for d, v in domains.items())
    if size > policy.max_cells:
        raise UdcError(f"the table would have about {size:,} cells (at most {policy.max_cells:,}): fewer dimensions")
    base = engine.run(store, compiled.aggregate(), table, seconds)
    if request.filters and ad_hoc:
        _enough(store, compiled, table, base, policy)
    if "key_sum" not in base:
        base["key_sum"] = 0
    full = (
        pd.MultiIndex.from_product([domains[d] for d in by], names=by)
        if len(by) > 1
        else pd.Index(domains[by[0]], name=by[0])
    )
    base = base.set_index(by).reindex(full, fill_value=0).reset_index()
    if request.measure is not None:
        base[["total", "top1", "top2"]] = base[["total", "top1", "top2"]].fillna(0.0)
    return base


def _cells(
    base: pd.DataFrame, by: list[str], area: str | None, value: str | None, *, equations: bool = True
) -> tuple[pd.DataFrame, list[tuple[int, list[int]]]]:
    """All cells (leaves and every margin, see :func:`_grid`) and the additive equations (only the LP audit of
    suppression needs them: ``equations=False`` skips their per-cell loop for cell-key tables)."""
    base = base.sort_values("top1", ascending=False, kind="stable") if value else base.copy()
    for d in by:
        base[d] = base[d].astype(str)
    levels = {d: _levels(sorted(base[d].unique()), d == area) for d in by}
    grid = _grid(base, by, levels, value)
    if not equations:
        return grid.drop(columns=[f"_level_{d}" for d in by]), []
    # (level, node) → the node one level up, found through any leaf under it
    parents = {
        d: {(lv, lvl[leaf]): levels[d][lv + 1][leaf] for lv, lvl in enumerate(levels[d][:-1]) for leaf in lvl}
        for d in by
    }
    keys = list(zip(*[grid[d] for d in by], *[grid[f"_level_{d}"] for d in by], strict=True))
    index = {k: i for i, k in enumerate(keys)}
    n = len(by)
    children: dict[tuple[int, int], list[int]] = {}
    for i, key in enumerate(keys):
        nodes, lv = key[:n], key[n:]
        for k, d in enumerate(by):
            if lv[k] + 1 < len(levels[d]):
                parent_node = parents[d][(lv[k], nodes[k])]
                parent = index.get((*nodes[:k], parent_node, *nodes[k + 1 :], *lv[:k], lv[k] + 1, *lv[k + 1 :]))
                if parent is not None:
                    children.setdefault((parent, k), []).append(i)
    grid = grid.drop(columns=[f"_level_{d}" for d in by])
    return grid, [(parent, kids) for (parent, _k), kids in sorted(children.items())]


def _grid(
    base: pd.DataFrame, by: list[str], levels: dict[str, list[dict[str, str]]], value: str | None
) -> pd.DataFrame:
    """Every cell of every combination of levels in one group-by: the leaves stacked once per level of each
    dimension (with ``_level_<d>`` saying which), ordered by levels, then by category. A group-by per combination
    cost a few milliseconds of fixed pandas work each — most of a small table's protection."""
    frame = base
    for d in by:
        frame = pd.concat(
            [frame.assign(**{d: frame[d].map(m), f"_level_{d}": lv}) for lv, m in enumerate(levels[d])],
            ignore_index=True,
        )
    keys = [*(f"_level_{d}" for d in by), *by]
    groups = frame.groupby(keys, sort=True)
    grouped = groups[["count", "key_sum", "total"] if value else ["count", "key_sum"]].sum()
    if value:
        grouped["top1"] = groups["top1"].max()
    grouped = grouped.reset_index()  # plain sum and max: pandas' named aggregation took twice as long
    if value:  # second largest of the union: the top leaf's own second, or the runner-up leaf's largest
        rank = groups.cumcount().to_numpy()  # leaves come largest top1 first: one rank-0 and one rank-1 each
        index = pd.MultiIndex.from_frame(grouped[keys])
        lead = frame.loc[rank == 0, [*keys, "top2"]].set_index(keys)["top2"].reindex(index).fillna(0.0).to_numpy()
        runner = frame.loc[rank == 1, [*keys, "top1"]].set_index(keys)["top1"].reindex(index).fillna(0.0).to_numpy()
        grouped["top2"] = np.maximum(lead, runner)
    return grouped[[*by, *[c for c in grouped.columns if c not in keys], *(f"_level_{d}" for d in by)]]


def _admit(store: Store, dataset: str) -> Dataset:
    """What may be asked through the gate: microdata (who may ask is the rulebook's: :mod:`udc.privacy.actions`).
    Returns the catalogue entry."""
    entry = catalogue.get(store, dataset)
    if entry.sensitivity != "microdata":
        raise UdcError(f"dataset '{dataset}' is {entry.sensitivity}, not microdata: it needs no gate")
    return entry


def offered(store: Store, dataset: str, *, most: int = 60) -> list[str]:
    """The dimensions a table builder offers for a microdata dataset: its non-identifying text, yes/no and integer
    columns whose categories the gate would list (a declared domain, area codes, or values none of which is rare —
    :mod:`udc.privacy.categories`) with 2 to ``most`` of them (any number for area codes), then the derived
    dimensions it has inputs for."""
    entry = catalogue.get(store, dataset)
    table = engine.table(store, entry.table_name or "")
    roles = catalogue.roles(store, dataset)
    schema = table.schema()
    columns = {name: str(dtype) for name, dtype in schema.items()}
    policy = current(store)
    out = []
    for name in available(columns, roles):
        dtype = schema[name] if name in columns else None
        if dtype is not None and not (dtype.is_string() or dtype.is_boolean() or dtype.is_integer()):
            continue
        compiled = Compiled(table, TableRequest(dataset=dataset, dimensions=[name]), roles)
        try:
            found = categories.domain(store, compiled, entry.table_name or "", name, policy)
        except Forbidden:
            continue
        if dtype is None or 1 < len(found) <= most or name in catalogue.AREA_COLUMNS or name.endswith("_gm"):
            out.append(name)
    return out


def choices(store: Store, dataset: str, dimension: str) -> list[str]:
    """The categories the gate lists for one dimension (declared domain, area codes, common values): what a form may
    offer as a filter — the list a table by that dimension shows anyway, so it tells nothing more."""
    entry = catalogue.get(store, dataset)
    table = engine.table(store, entry.table_name or "")
    compiled = Compiled(table, TableRequest(dataset=dataset, dimensions=[dimension]), catalogue.roles(store, dataset))
    return categories.domain(store, compiled, entry.table_name or "", dimension, current(store))


def _noisy(counts: Any, key_sums: Any, policy: Policy) -> np.ndarray:
    """The cell-key counts of cells with these exact counts and record-key sums (an empty cell: key 0)."""
    keys = np.mod(np.nan_to_num(np.asarray(key_sums, dtype=float)) / 2**32, 1.0)
    return cellkey.perturb(np.asarray(counts).astype(int), keys, policy.cell_key_d, policy.cell_key_v)


def perturbed(counts: Any, key_sums: Any, small: Any, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """Cell-key publication: the perturbed count, withheld (NaN) wherever it would show under the threshold — a
    small cell, or a cell whose noise took it below (no published count lies between 0 and the threshold)."""
    published = _noisy(counts, key_sums, policy)
    under = (published < policy.min_count) & ((published > 0) | np.asarray(small, dtype=bool))
    shown = np.where(under, np.nan, published)
    return shown, np.where(np.isnan(shown), "suppressed", "perturbed")


class Definition(BaseModel):
    """A table defined in advance (a file an admin reviews): the only way to ask for secondary suppression, whose
    exact small counts could otherwise be differenced between two ad-hoc requests."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name = Field(description="Catalogue name of the released table")
    title: str = Field(max_length=200)
    request: TableRequest
    method: Literal["suppress", "cellkey"] = "suppress"

    @classmethod
    def from_file(cls, path: Path) -> Definition:
        try:
            return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UdcError(f"{path}: not a readable JSON release definition ({exc})") from None
        except ValidationError as exc:
            raise UdcError(f"{path}: {first_error(exc)}") from None


def crosstab(store: Store, request: TableRequest, *, user: User, audit: AuditLog) -> Protected:
    """An ad-hoc protected table (cell key; every requested category listed; filters must leave at least the
    policy's minimum population). Audited before and after, refusals and failures included."""
    detail = {**request.summary(), "method": "cellkey"}
    level = _level(request)
    with ensure(user, "gate.crosstab", request.dataset, audit=audit, detail=detail, level=level) as outcome:
        agreement = agreement_for(user, "gate.crosstab", request.dataset)
        floor = agreement.min_count if agreement is not None else None
        asked, forced = snapshots.one_period(store, request, ad_hoc=True)
        protected = _no_period_totals(store, asked, _protect(store, asked, "cellkey", user, ad_hoc=True, floor=floor))
        outcome |= protected.summary() | _forced(protected, forced)
    return protected


def _no_period_totals(store: Store, request: TableRequest, protected: Protected) -> Protected:
    """An ad-hoc table over yearly snapshots lists each period on its own, never their 'Totaal': that margin would
    sum a unit once per period, and — its own cell with its own noise for every subset of periods a filter picks —
    many subsets averaged by least squares gave one year's withheld count exactly (a reviewer's attack)."""
    column = snapshots.column(store, request.dataset)
    if column is None or column not in request.dimensions:
        return protected
    keep = protected.cells[column].astype(str).ne(TOTAL).to_numpy()
    primary = protected.primary[keep] if protected.primary is not None else None
    return dataclasses.replace(protected, cells=protected.cells[keep].reset_index(drop=True), primary=primary)


def _forced(protected: Protected, forced: tuple[str, Any] | None) -> dict[str, Any]:
    """Record on the output (and return for the audit) that a snapshot request was answered for one period."""
    if forced is None:
        return {}
    protected.forced = forced
    protected.notes.append(f"counted for {forced[0]} = {forced[1]} only: a snapshot table is never summed over periods")
    return {"forced": f"{forced[0]}={forced[1]}"}


def run_defined(store: Store, definition: Definition, *, user: User, audit: AuditLog) -> Protected:
    """A table defined in advance, by an admin: cell key or secondary suppression with an LP audit."""
    detail = {**definition.request.summary(), "definition": definition.name, "method": definition.method}
    with ensure(user, "gate.defined", definition.request.dataset, audit=audit, detail=detail) as outcome:
        asked, forced = snapshots.one_period(store, definition.request, ad_hoc=False, method=definition.method)
        protected = _protect(store, asked, definition.method, user, ad_hoc=False)
        outcome |= protected.summary() | _forced(protected, forced)
    return protected


def _level(request: TableRequest) -> str | None:
    """The finest area level a request publishes (an agreement may cover only some levels): an area dimension, or
    a filter that narrows the table to one wijk or buurt (``buurt_code`` starting with one wijk's digits publishes
    that wijk's table, however few its dimensions) — judged by the codes, whatever the column is called."""
    if request.area is not None:
        return "buurt"
    found = [kind for column, kind in _LEVELS.items() if column in request.dimensions]
    found += [kind for f in request.filters if (kind := _filtered_level(f)) is not None]
    return min(found, key=_RANK.index) if found else None


def _filtered_level(f: Filter) -> str | None:
    """The area level a filter on area codes narrows a table to (None: no area codes, or wider than one gemeente):
    more digits than a gemeente's 4 reach into its wijken, more than a wijk's 6 into its buurten."""
    codes = [f.prefix] if f.prefix is not None else [str(v) for v in f.values or []]
    if any(_CELL.match(c.strip().upper()) for c in codes):  # a 500 m or 100 m grid cell: as fine as a buurt
        return "buurt"
    digits = [
        len(code) - 2
        for code in (c.strip().upper() for c in codes)
        if len(code) > 2 and code[:2] in ("BU", "WK", "GM") and code[2:].isdigit()
    ]
    if not digits:
        return None
    finest = max(digits)
    return "buurt" if finest > 6 else "wijk" if finest > 4 else "gemeente" if finest == 4 else None


# Area dimensions by name: the contract's own and the flows' origins and destinations (buurt, wijk, gemeente codes)
_LEVELS = {
    "buurt_code": "buurt",
    "from_area": "buurt",
    "to_area": "buurt",
    "wijk_code": "wijk",
    "from_wk": "wijk",
    "to_wk": "wijk",
    "gemeente_code": "gemeente",
    "from_gm": "gemeente",
    "to_gm": "gemeente",
    # CBS grid cells (E0390N5195): an agreement names no finer level than buurt, and a cell in a town is finer
    "cell_500m": "buurt",
    "cell_100m": "buurt",
    "cell": "buurt",
}
_CELL = re.compile(r"^E\d{4}N\d{4}$")
_RANK = ["buurt", "wijk", "gemeente"]


def _protect(
    store: Store, request: TableRequest, method: str, user: User, *, ad_hoc: bool, floor: int | None = None
) -> Protected:
    """``floor``: a stricter minimum count than the store's policy (an agreement's, for a party that gets one)."""
    entry = _admit(store, request.dataset)
    table = entry.table_name or ""
    policy = current(store)
    if floor is not None and floor > policy.min_count:
        policy = dataclasses.replace(policy, min_count=floor)
    compiled = Compiled(engine.table(store, table), request, catalogue.roles(store, request.dataset))
    if method == "cellkey" and not compiled.has_key:
        raise UdcError(f"dataset '{request.dataset}' has no record_key column: cell-key perturbation needs one")
    by, value = list(request.dimensions), request.measure
    base = _aggregate(store, compiled, table, policy, ad_hoc=ad_hoc)
    grid, equations = _cells(base, by, request.area, value, equations=method == "suppress")
    flags = rules.primary(
        grid,
        policy,
        total="total" if value else None,
        top1="top1" if value else None,
        top2="top2" if value else None,
        source=request.dataset,
    )
    cells = grid[by].copy()
    audited_cells = 0
    if method == "suppress":
        pattern, audited_cells = _suppression(grid, equations, flags, policy, value)
        cells["count"] = np.where(pattern, np.nan, grid["count"])
        if value:
            cells[value] = np.where(pattern, np.nan, grid["total"])
            cells[f"{value}_mean"] = cells[value] / cells["count"]
        cells["status"] = np.where(pattern, "suppressed", "published")
        if policy.rounding_base:
            base_ = policy.rounding_base
            cells["count"] = (np.round(cells["count"] / base_) * base_).where(cells["count"].notna())
    else:
        # ad hoc, an empty cell looks like a suppressed one: listing it as 0 would tell "nobody" from "a few"
        small = flags.threshold.to_numpy() | ((grid["count"].to_numpy() == 0) & ad_hoc)
        cells["count"], cells["status"] = perturbed(grid["count"], grid["key_sum"], small, policy)
        if value:
            cells[value], cells[f"{value}_mean"] = perturbed_sums(grid, cells["count"], flags, policy, compiled.profile)
    primary = ~flags.safe.to_numpy()
    return Protected(cells.reset_index(drop=True), method, policy, request.dataset, by, audited_cells, primary=primary)


def _suppression(
    grid: pd.DataFrame, equations: list[tuple[int, list[int]]], flags: pd.DataFrame, policy: Policy, value: str | None
) -> tuple[np.ndarray, int]:
    """The suppression pattern of a table defined in advance: the counts' LP audit and, for a magnitude table, the
    sums' own LP audit (a margin minus its published children must not give a withheld sum either); the union of
    two safe patterns is safe for both (withholding more only widens an attacker's intervals)."""
    primary = ~flags.safe.to_numpy()
    counts = grid["count"].to_numpy(float)
    required = np.maximum(1.0, np.ceil(policy.p_percent * counts))
    pattern, results = suppress.protect(suppress.Table(counts, equations), primary, required)
    audited = len(results)
    if value:
        sums = grid["total"].to_numpy(float)
        needed = np.where(sums > 0, np.maximum(1.0, policy.p_percent * sums), 0.0)  # a zero sum: every value 0
        sum_pattern, sum_results = suppress.protect(suppress.Table(sums, equations), primary, needed)
        pattern, audited = pattern | sum_pattern, audited + len(sum_results)
    return pattern, audited


def perturbed_sums(
    grid: pd.DataFrame, counts: pd.Series, flags: pd.DataFrame, policy: Policy, profile: magnitude.Profile
) -> tuple[np.ndarray, np.ndarray]:
    """Cell-key magnitudes (:mod:`udc.privacy.magnitude`): the sum perturbed by the cell's record keys, published
    where the count is shown and the sum passes its rules — for a measure of few values (a flag, a number of cars: a
    count in disguise) at least the threshold in units; for a magnitude not zero and not dominated (nk, p %), so a
    withheld sum never tells a zero from one or two contributors. The mean is the published sum over the published
    count. Whether a sum is shown depends on true values only through these rules, and never says which one."""
    total = grid["total"].to_numpy(float)
    if profile.few:
        passes = total >= policy.min_count * profile.unit
    else:
        passes = (total > 0) & ~(flags.nk.to_numpy() | flags.p_percent.to_numpy())
    shown = counts.notna().to_numpy() & passes
    spread = np.maximum(policy.magnitude_m * grid["top1"].to_numpy(float), profile.floor(policy))
    sums = magnitude.perturb(total, grid["count"], counts, spread, grid["key_sum"])
    sums = np.where(shown, sums, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        means = np.where(shown, sums / counts.to_numpy(float), np.nan)
    return sums, np.round(means, 2)


def linked_crosstabs(
    store: Store, request: TableRequest, tables: list[list[str]], *, user: User, audit: AuditLog
) -> list[Protected]:
    """Several count tables of one microdata dataset protected *together* (a release defined in advance, by an
    admin): cells they share (e.g. the buurt totals of buurt × education and buurt × role) get one status, and the LP
    audit sees all tables at once — publishing them side by side cannot reveal what either suppresses.
    ``request.dimensions`` is the union of the tables' dimensions."""
    dims = list(request.dimensions)
    detail = {**request.summary(), "tables": tables, "method": "suppress"}
    with ensure(user, "gate.linked", request.dataset, audit=audit, detail=detail) as outcome:
        if any(d not in dims for t in tables for d in t):
            raise UdcError(f"every table's dimensions must be among the request's {dims}")
        entry = _admit(store, request.dataset)
        request, forced = snapshots.one_period(store, request, ad_hoc=False, method="suppress")
        outcome |= {"forced": f"{forced[0]}={forced[1]}"} if forced else {}
        policy = current(store)
        table = entry.table_name or ""
        compiled = Compiled(engine.table(store, table), request, catalogue.roles(store, request.dataset))
        base = _aggregate(store, compiled, table, policy, ad_hoc=False)
        out, values, pattern = _linked(base, dims, tables, request.area, policy)
        outcome |= {"cells": len(values), "suppressed": int(pattern.sum())}
    return [Protected(p.cells, p.method, policy, request.dataset, p.keys, p.audit_intervals, p.notes) for p in out]


def _linked(
    base: pd.DataFrame, dims: list[str], tables: list[list[str]], area: str | None, policy: Policy
) -> tuple[list[Protected], list[float], np.ndarray]:
    cells_by_key: dict[tuple, int] = {}
    values: list[float] = []
    equations: list[tuple[int, list[int]]] = []
    grids = []
    for by in tables:
        part = base.groupby(by, as_index=False)[["count", "key_sum"]].sum()
        grid, eqs = _cells(part, by, area, None)
        ids = []
        for row in grid[by].itertuples(index=False, name=None):
            full = tuple(row[by.index(d)] if d in by else TOTAL for d in dims)
            if full not in cells_by_key:
                cells_by_key[full] = len(values)
                values.append(float(grid["count"].iloc[len(ids)]))
            ids.append(cells_by_key[full])
        equations += [(ids[t], [ids[p] for p in parts]) for t, parts in eqs]
        grids.append((by, grid, ids))
    table = suppress.Table(np.array(values), equations)
    counts = table.values
    primary_flags = (counts < policy.min_count) & ((counts > 0) | policy.zeros_disclosive)
    required = np.maximum(1.0, np.ceil(policy.p_percent * counts))
    pattern, results = suppress.protect(table, primary_flags, required)
    out = []
    for by, grid, ids in grids:
        cells = grid[by].copy()
        idx = np.array(ids)
        cells["count"] = np.where(pattern[idx], np.nan, counts[idx])
        cells["status"] = np.where(pattern[idx], "suppressed", "published")
        note = f"protected jointly with {len(tables) - 1} linked table(s)"
        out.append(
            Protected(
                cells.reset_index(drop=True),
                "suppress",
                policy,
                "",
                by,
                len(results),
                [note],
                primary=primary_flags[idx],
            )
        )
    return out, values, pattern


def definition_hash(definition: Any) -> str:
    """A short, stable hash of what defined a table (a request, a definition file, a study's parameters)."""
    if hasattr(definition, "model_dump"):
        definition = definition.model_dump(mode="json")
    body = json.dumps(definition, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def _open_dataset(name: str, title: str, source: str, user: User, protection: dict[str, Any]) -> Dataset:
    """The catalogue entry of a release: open data under CC BY 4.0, with who released it and how it was protected."""
    return Dataset(
        name=name,
        title=title,
        source=f"udc gate: {source}",
        sensitivity="open",
        licence="CC BY 4.0",
        provenance={"released_by": user.name, **protection},
    )


def release(
    store: Store,
    protected: Protected,
    name: str,
    *,
    title: str,
    user: User,
    audit: AuditLog,
    definition: Any = None,
    replace: bool = False,
) -> Dataset:
    """Catalogue a protected table as released open data with its protection metadata, as a new version of ``name``
    (older versions stay readable). A version with other columns than the current one needs ``replace``, which is
    audited. A release never replaces a table that is not a release (an import, microdata)."""
    detail = {
        "name": name,
        "source": protected.source,
        "method": protected.method,
        "policy": protected.policy.version,
        "replace": replace,
    }
    with ensure(user, "gate.release", protected.source, audit=audit, detail=detail) as outcome:
        if protected.cells.get("status") is None:
            raise UdcError("only a table protected by the gate can be released")
        if catalogue.exists(store, name) and not catalogue.is_released(store, name):
            raise Forbidden(f"'{name}' is a catalogued dataset that is not a release: choose another name")
        suppressed_cells = protected.cells[protected.cells.status == "suppressed"][protected.keys].to_dict("records")
        protection = {
            "method": protected.method,
            "policy_version": protected.policy.version,
            "policy": protected.policy.__dict__,
            "suppressed": len(suppressed_cells),
            "lp_audited_cells": protected.audit_intervals,
        }
        dataset = _open_dataset(name, title, protected.source, user, protection)
        cells = protected.cells.copy()
        for column in cells.select_dtypes("string").columns:  # Arrow-backed labels (the cube's) as plain strings
            cells[column] = cells[column].astype(object)
        version = catalogue.save_release(
            store,
            dataset,
            cells,
            inputs=[protected.source],
            protection=protection,
            capability=_CAPABILITY,
            definition_hash=definition_hash(definition) if definition is not None else None,
            replace=replace,
            columns=[ColumnInfo(k, "dimension") for k in protected.keys]
            + [ColumnInfo("count", "value", "Aantal", decimals=0), ColumnInfo("status", "label")],
        )
        outcome |= {"version": version, "suppressed": len(suppressed_cells), "suppressed_cells": suppressed_cells[:50]}
    return dataset


def release_derived(
    store: Store,
    frame: pd.DataFrame,
    name: str,
    *,
    title: str,
    inputs: list[str],
    derived_from: list[Protected],
    columns: list[ColumnInfo],
    user: User,
    audit: AuditLog,
    definition: Any = None,
) -> int:
    """Release a table computed from gate outputs and open or internal tables (indicator ratios and intervals from
    their numerators and denominators). ``inputs`` are every dataset the values come from; each microdata input
    must be the source of one of ``derived_from`` — the protected tables, the proof the gate ran — whose protection
    is recorded with the release. Same roles, audit and versioning as :func:`release`; a new version replaces the
    shape (a library that grew is not a mistake). Returns the version."""
    sources = sorted(set(inputs))
    detail = {"name": name, "inputs": sources, "rows": len(frame)}
    with ensure(user, "gate.release_derived", audit=audit, detail=detail) as outcome:
        if catalogue.exists(store, name) and not catalogue.is_released(store, name):
            raise Forbidden(f"'{name}' is a catalogued dataset that is not a release: choose another name")
        for d in sources:  # each non-open input must be covered by the party's agreement (the target is a list)
            if catalogue.get(store, d).sensitivity != "open":
                message = refusal(user, "gate.release_derived", d)[1]
                if message is not None:
                    raise Forbidden(message)
        protected = {p.source for p in derived_from if p.cells.get("status") is not None}
        bare = [d for d in sources if catalogue.get(store, d).sensitivity == "microdata" and d not in protected]
        if bare:
            raise UdcError(
                f"{', '.join(bare)} is microdata: a derived release needs the protected tables computed from it"
            )
        policy = derived_from[0].policy if derived_from else current(store)
        protection = {
            "method": "derived",
            "methods": sorted({p.method for p in derived_from}),
            "policy_version": policy.version,
            "policy": policy.__dict__,
            "suppressed": sum(p.suppressed for p in derived_from),
            "derived_from": len(derived_from),
        }
        dataset = _open_dataset(name, title, ", ".join(sources), user, protection)
        version = catalogue.save_release(
            store,
            dataset,
            frame,
            inputs=sources,
            protection=protection,
            capability=_CAPABILITY,
            definition_hash=definition_hash(definition) if definition is not None else None,
            replace=True,
            columns=columns,
        )
        outcome |= {"version": version, "suppressed": protection["suppressed"]}
    return version


def check_table(
    frame: pd.DataFrame,
    policy: Policy,
    *,
    count: str = "count",
    total: str | None = None,
    top1: str = "top1",
    top2: str = "top2",
    source: str = "table",
) -> list[dict[str, Any]]:
    """``udc check``: per cell its keys, the rules it fails and the verdict (ACRO-style)."""
    has_magnitude = total is not None or "total" in frame.columns
    total = total or ("total" if has_magnitude else None)
    flags = rules.primary(
        frame,
        policy,
        count=count,
        total=total,
        top1=top1 if has_magnitude else None,
        top2=top2 if has_magnitude else None,
        source=source,
    )
    keys = [c for c in frame.columns if c not in {count, total, top1, top2}]
    out = []
    for i, row in frame.iterrows():
        failed = [r for r in ("threshold", "nk", "p_percent") if flags.loc[i, r]]
        out.append({**{k: row[k] for k in keys}, "rules_failed": failed, "verdict": "fail" if failed else "pass"})
    return out
