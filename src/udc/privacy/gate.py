"""The disclosure gate: the only function through which a table derived from ``microdata`` becomes an output.

``crosstab`` aggregates a microdata table inside the store (DuckDB), builds every margin (categories → total,
buurt → wijk → gemeente → total), applies the primary rules and then protects the table — by deterministic
secondary suppression with an LP audit, or by cell-key perturbation — and returns a :class:`Protected` table with
per-cell metadata. ``release`` catalogues it as ``open`` + ``released``; the catalogue refuses any other way of
storing a non-microdata table made from microdata (it needs the gate's private capability).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from udc.errors import UdcError
from udc.privacy import cellkey, rules, suppress
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.policy import Policy, current
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store

TOTAL = "Totaal"
# Ethics guard: no person-level score, flag or label leaves, not even protected: only area-level aggregates.
PERSON_KEYS = {"person_id", "pseudonym", "household_id", "dwelling_id", "bsn", "record_key", "premise_id"}
_CAPABILITY = catalogue.GateCapability()  # the only instance: catalogue.save accepts released tables with it
# A cell's key needs only its record keys' sum modulo 2**32; summed exactly (HUGEINT) and reduced, the sum is the
# same whatever order or partial aggregates produced it — so every path to a cell gives it the same noise.
KEY_SUM = "(sum(record_key::HUGEINT) % 4294967296)::BIGINT"


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

    @property
    def suppressed(self) -> int:
        return int((self.cells.status == "suppressed").sum())


def _levels(values: list[str], area: bool) -> list[dict[str, str]]:
    """Per level of a dimension, leaf → node: leaves first, then (for buurt codes) wijk and gemeente, then Totaal."""
    leaves = sorted(values)
    levels = [{v: v for v in leaves}]
    if area and leaves and all(v.startswith("BU") and len(v) == 10 for v in leaves):
        levels.append({v: "WK" + v[2:8] for v in leaves})
        levels.append({v: "GM" + v[2:6] for v in leaves})
    levels.append({v: TOTAL for v in leaves})
    return levels


def _aggregate(
    store: Store, table: str, by: list[str], value: str | None, where: str | None, derived: dict[str, str] | None = None
) -> pd.DataFrame:
    """Counts (and magnitudes) per leaf cell, computed in DuckDB. ``derived``: extra columns as SQL expressions
    over the table (e.g. a flow's direction relative to the municipality asked about)."""
    derived = derived or {}
    columns = {r["column_name"] for r in store.rows(f'DESCRIBE "{table}"')} | set(derived)
    missing = [c for c in [*by, *([value] if value else [])] if c not in columns]
    if missing:
        raise UdcError(f"columns {missing} are not in the microdata table (it has {sorted(columns)})")
    extra = "".join(f', ({expr}) AS "{name}"' for name, expr in derived.items())
    source = f'(SELECT *{extra} FROM "{table}") AS t'
    cols = ", ".join(f'"{c}"' for c in by)
    key = KEY_SUM if "record_key" in columns else "NULL"
    magnitude = (
        f', sum("{value}")::DOUBLE AS total, list_sort(list("{value}"), \'DESC\') AS contributions' if value else ""
    )
    sql = (
        f"SELECT {cols}, count(*) AS count, {key} AS key_sum{magnitude} FROM {source} "
        f"{'WHERE ' + where if where else ''} GROUP BY {cols}"
    )
    frame = store.query(sql)
    if value:
        frame["top1"] = frame.contributions.map(lambda c: float(c[0]) if len(c) > 0 else 0.0)
        frame["top2"] = frame.contributions.map(lambda c: float(c[1]) if len(c) > 1 else 0.0)
        frame = frame.drop(columns="contributions")
        if (frame.top1 < 0).any():
            raise UdcError(f"'{value}' has negative contributions: dominance rules are not defined for them")
    return frame


def _cells(
    base: pd.DataFrame, by: list[str], area: str | None, value: str | None
) -> tuple[pd.DataFrame, list[tuple[int, list[int]]]]:
    """All cells (leaves and every margin) by group-bys per combination of levels, and the additive equations."""
    base = base.copy()
    for d in by:
        base[d] = base[d].astype(str)
    levels = {d: _levels(sorted(base[d].unique()), d == area) for d in by}
    # (level, node) → the node one level up, found through any leaf under it
    parents = {
        d: {(lv, lvl[leaf]): levels[d][lv + 1][leaf] for lv, lvl in enumerate(levels[d][:-1]) for leaf in lvl}
        for d in by
    }
    parts = []
    for combo in itertools.product(*[range(len(levels[d])) for d in by]):
        frame = base.copy()
        for d, level in zip(by, combo, strict=True):
            frame[d] = frame[d].map(levels[d][level])
        agg = {"count": ("count", "sum"), "key_sum": ("key_sum", "sum")}
        if value:
            agg |= {"total": ("total", "sum"), "top1": ("top1", "max")}
        grouped = frame.groupby(by, sort=True).agg(**agg).reset_index()
        if value:  # second largest contribution of the union = 2nd of all top1 and top2 values
            stacked = pd.concat(
                [frame[[*by, "top1"]].rename(columns={"top1": "v"}), frame[[*by, "top2"]].rename(columns={"top2": "v"})]
            )
            second = stacked.sort_values("v", ascending=False).groupby(by, sort=True).nth(1).set_index(by)["v"]
            grouped["top2"] = grouped.set_index(by).index.map(second).fillna(0.0).to_numpy()
        for d, level in zip(by, combo, strict=True):
            grouped[f"_level_{d}"] = level
        parts.append(grouped)
    grid = pd.concat(parts, ignore_index=True)
    keys = list(zip(*[grid[d] for d in by], *[grid[f"_level_{d}"] for d in by], strict=True))
    index = {k: i for i, k in enumerate(keys)}
    n = len(by)
    equations: dict[int, list[int]] = {}
    children: dict[tuple[int, int], list[int]] = {}
    for i, key in enumerate(keys):
        nodes, lv = key[:n], key[n:]
        for k, d in enumerate(by):
            if lv[k] + 1 < len(levels[d]):
                parent_node = parents[d][(lv[k], nodes[k])]
                parent = index.get((*nodes[:k], parent_node, *nodes[k + 1 :], *lv[:k], lv[k] + 1, *lv[k + 1 :]))
                if parent is not None:
                    children.setdefault((parent, k), []).append(i)
    for (parent, _k), kids in sorted(children.items()):
        equations[len(equations)] = (parent, kids)  # type: ignore[assignment]
    grid = grid.drop(columns=[f"_level_{d}" for d in by])
    return grid, list(equations.values())  # type: ignore[arg-type]


def _admit(store: Store, dataset: str, by: list[str], user: User, audit: AuditLog) -> Dataset:
    """Who may ask, of what, by which keys — refusals are audited. Returns the catalogue entry."""
    if user.role not in ("researcher", "admin"):
        audit.append(user.name, "gate.refused", {"dataset": dataset, "why": f"role {user.role} has no microdata"})
        raise UdcError(f"user '{user.name}' ({user.role}) may not query microdata; researchers may")
    entry = catalogue.get(store, dataset)
    if entry.sensitivity != "microdata":
        raise UdcError(f"dataset '{dataset}' is {entry.sensitivity}, not microdata: it needs no gate")
    person_level = [c for c in by if c.lower() in PERSON_KEYS or c.lower().endswith(("_id", "_pseudonym"))]
    if person_level:
        audit.append(
            user.name, "gate.refused", {"dataset": dataset, "by": by, "why": f"person-level key {person_level}"}
        )
        raise UdcError(
            f"{', '.join(person_level)} identifies persons or households: the gate releases only "
            "aggregates over areas and categories, never a per-person score or flag"
        )
    return entry


def _refuse_single_units(base: pd.DataFrame, dataset: str, by: list[str], user: User, audit: AuditLog) -> None:
    """Ethics guard: many cells of one unit each is a per-person table (a score under an innocent name)."""
    if len(base) >= 20 and (base["count"] == 1).mean() > 0.5:
        audit.append(user.name, "gate.refused", {"dataset": dataset, "by": by, "why": "mostly single-unit cells"})
        raise UdcError(f"most cells of {by} hold a single unit: that is a person-level table, not an aggregate")


def perturbed(counts: Any, key_sums: Any, small: Any, policy: Policy) -> tuple[np.ndarray, np.ndarray]:
    """Cell-key publication: the perturbed count, withheld (NaN) wherever it would show under the threshold — a
    small cell, or a cell whose noise took it below (no published count lies between 0 and the threshold)."""
    keys = np.mod(np.nan_to_num(np.asarray(key_sums, dtype=float)) / 2**32, 1.0)  # empty cell: key 0
    published = cellkey.perturb(np.asarray(counts).astype(int), keys, policy.cell_key_d, policy.cell_key_v)
    under = (published < policy.min_count) & ((published > 0) | np.asarray(small, dtype=bool))
    shown = np.where(under, np.nan, published)
    return shown, np.where(np.isnan(shown), "suppressed", "perturbed")


def crosstab(
    store: Store,
    dataset: str,
    by: list[str],
    *,
    user: User,
    audit: AuditLog,
    value: str | None = None,
    where: str | None = None,
    method: str = "suppress",
    area: str | None = None,
    derived: dict[str, str] | None = None,
) -> Protected:
    """A protected crosstab of a microdata dataset (see the module docstring)."""
    if method not in ("suppress", "cellkey"):
        raise UdcError(f"unknown method '{method}': expected suppress or cellkey")
    entry = _admit(store, dataset, by, user, audit)
    policy = current(store)
    base = _aggregate(store, entry.table_name, by, value, where, derived)
    _refuse_single_units(base, dataset, by, user, audit)
    grid, equations = _cells(base, by, area, value)
    flags = rules.primary(
        grid,
        policy,
        total="total" if value else None,
        top1="top1" if value else None,
        top2="top2" if value else None,
        source=dataset,
    )
    cells = grid[by].copy()
    hit = flags[["threshold", "nk", "p_percent"]]
    cells["rules"] = [",".join(c for c in hit.columns if r[c]) for _, r in hit.iterrows()]
    audited = 0
    if method == "suppress":
        table = suppress.Table(grid["count"].to_numpy(float), equations)
        required = np.maximum(1.0, np.ceil(policy.p_percent * grid["count"].to_numpy(float)))
        pattern, results = suppress.protect(table, ~flags.safe.to_numpy(), required)
        audited = len(results)
        cells["count"] = np.where(pattern, np.nan, grid["count"])
        if value:
            cells[value] = np.where(pattern, np.nan, grid["total"])
        cells["status"] = np.where(~flags.safe, "suppressed", np.where(pattern, "suppressed", "published"))
        cells.loc[pattern & flags.safe.to_numpy(), "rules"] = "secondary"
    else:
        if "record_key" not in {r["column_name"] for r in store.rows(f'DESCRIBE "{entry.table_name}"')}:
            raise UdcError(f"dataset '{dataset}' has no record_key column: cell-key perturbation needs one")
        cells["count"], cells["status"] = perturbed(grid["count"], grid["key_sum"], flags.threshold, policy)
        if value:  # magnitudes of dominated cells are not published; the rest as they are
            cells[value] = np.where(flags.safe, grid["total"], np.nan)
    if policy.rounding_base and method == "suppress":
        base_ = policy.rounding_base
        cells["count"] = (np.round(cells["count"] / base_) * base_).where(cells["count"].notna())
    protected = Protected(cells.reset_index(drop=True), method, policy, dataset, by, audited)
    audit.append(
        user.name,
        "gate.crosstab",
        {
            "dataset": dataset,
            "by": by,
            "value": value,
            "where": where,
            "method": method,
            "policy": policy.version,
            "cells": len(cells),
            "suppressed": protected.suppressed,
        },
    )
    return protected


def linked_crosstabs(
    store: Store,
    dataset: str,
    tables: list[list[str]],
    *,
    user: User,
    audit: AuditLog,
    where: str | None = None,
    area: str | None = None,
) -> list[Protected]:
    """Several count tables of one microdata dataset protected *together*: cells they share (e.g. the buurt
    totals of buurt × education and buurt × role) get one status, and the LP audit sees all tables at once —
    publishing them side by side cannot reveal what either suppresses."""
    entry = _admit(store, dataset, [d for t in tables for d in t], user, audit)
    dims = list(dict.fromkeys(d for t in tables for d in t))
    base = _aggregate(store, entry.table_name, dims, None, where)
    for by in tables:
        _refuse_single_units(base.groupby(by, as_index=False)["count"].sum(), dataset, by, user, audit)
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
    policy = current(store)
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
        cells["rules"] = np.where(primary_flags[idx], "threshold", np.where(pattern[idx], "secondary", ""))
        cells["status"] = np.where(pattern[idx], "suppressed", "published")
        out.append(
            Protected(
                cells.reset_index(drop=True),
                "suppress",
                policy,
                dataset,
                by,
                len(results),
                [f"protected jointly with {len(tables) - 1} linked table(s)"],
            )
        )
    audit.append(
        user.name,
        "gate.linked",
        {"dataset": dataset, "tables": tables, "where": where, "cells": len(values), "suppressed": int(pattern.sum())},
    )
    return out


def release(store: Store, protected: Protected, name: str, *, title: str, user: User, audit: AuditLog) -> Dataset:
    """Catalogue a protected table as released open data with its protection metadata."""
    if protected.cells.get("status") is None:
        raise UdcError("only a table protected by the gate can be released")
    if user.role not in ("researcher", "admin"):
        audit.append(user.name, "release.refused", {"name": name, "why": f"role {user.role}"})
        raise UdcError(f"user '{user.name}' ({user.role}) may not release tables")
    suppressed_cells = protected.cells[protected.cells.status == "suppressed"][protected.keys].to_dict("records")
    protection = {
        "method": protected.method,
        "policy_version": protected.policy.version,
        "policy": protected.policy.__dict__,
        "suppressed": len(suppressed_cells),
        "lp_audited_cells": protected.audit_intervals,
    }
    dataset = Dataset(
        name=name,
        title=title,
        source=f"udc gate: {protected.source}",
        sensitivity="open",
        licence="CC BY 4.0",
        provenance={"released_by": user.name, **protection},
    )
    cells = protected.cells.copy()
    for column in cells.select_dtypes("string").columns:  # Arrow-backed labels (the cube's) as plain strings
        cells[column] = cells[column].astype(object)
    catalogue.save(
        store,
        dataset,
        cells,
        inputs=[protected.source],
        released=protection,
        capability=_CAPABILITY,
        columns=[ColumnInfo(k, "dimension") for k in protected.keys]
        + [ColumnInfo("count", "value", "Aantal"), ColumnInfo("status", "label"), ColumnInfo("rules", "label")],
    )
    audit.append(
        user.name,
        "gate.release",
        {"name": name, "source": protected.source, **protection, "suppressed_cells": suppressed_cells[:200]},
    )
    return dataset


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
