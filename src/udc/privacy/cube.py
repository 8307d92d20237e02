"""Aggregate once, protect many tables: the gate's engine for studies that publish thousands of related tables.

A study such as verhuisstromen asks the same microdata for every municipality × target group × view. Calling
``gate.crosstab`` per table scans the microdata each time; a :class:`Cube` counts the microdata *once* by the
dimensions the study needs (count and exact record-key sum, both additive), held on the store's gate engine, and
then derives every table from it: leaf cells per batch (e.g. area × group) plus all margins (every subset of the
table's dimensions, as GROUPING SETS would give them), cell-key perturbation vectorised over all cells at once.
Because the key sum is exact modulo 2**32, a cell gets the same published value here as through ``gate.crosstab`` —
one flow, one number, whichever path.

The count, the study's relations over it and the margins are Ibis expressions compiled by the engine the store's gate
runs on (:func:`udc.privacy.engine.using`: the embedded DuckDB or Spark), so on Spark everything up to the table's
cells runs there; only the cells (area × group × category, with count and key sum) come back, and the protection
afterwards is the same Python code on either engine. The cube's counted rows never leave it: the only output is
:class:`~udc.privacy.gate.Protected`, and every build and derivation is audited like a crosstab. A cube's dimensions
and relations are Ibis expressions written by udc's own studies (e.g. :mod:`udc.analysis.flows`, from its fixed
target groups and validated area codes) — never text from a caller; the interfaces reach it only through those
studies' typed parameters. A sparse table (most cells suppressed) is a valid answer: identifiers cannot be
dimensions, so no cube table is a list of people.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from udc.errors import Forbidden, UdcError
from udc.privacy import engine, gate
from udc.privacy.access import User
from udc.privacy.actions import ensure, record
from udc.privacy.audit import AuditLog
from udc.privacy.dimensions import identifying
from udc.privacy.policy import current
from udc.privacy.request import KEY_MODULUS
from udc.store.db import Store, quote

Dimension = Callable[[ir.Table], ir.Value]
Condition = Callable[[ir.Table], ir.BooleanValue]
STUDY_SECONDS = 3_600.0  # a study is a batch job: the count on Spark may take long, but not forever


class Cube:
    """Microdata counted once by ``dims`` (name → Ibis expression over the dataset), held on the gate's engine.

    The count runs on the store's gate engine (:func:`udc.privacy.engine.using`) and stays there — a temporary table
    of the embedded DuckDB, or a cached Spark DataFrame — as :attr:`counted`; the study's relations over it and the
    tables' margins are Ibis expressions on the same engine, and the protection is the same code on either, so both
    publish identical cells."""

    counted: ir.Table
    """The counted rows (the dims, ``n``, ``k``) as an Ibis table: for building relations, never a result."""

    def __init__(
        self,
        store: Store,
        dataset: str,
        dims: dict[str, Dimension],
        *,
        user: User,
        audit: AuditLog,
        where: Condition | None = None,
    ) -> None:
        detail = {"dataset": dataset, "dims": list(dims), "engine": engine.current(store)}
        with ensure(user, "gate.cube", dataset, audit=audit, detail=detail):
            entry = gate._admit(store, dataset)
            people = [d for d in dims if identifying(d)]
            if people:
                raise Forbidden(f"{', '.join(people)} identifies persons: never a dimension of a gate table")
            self._build(store, entry, dataset, dims, user, audit, where)

    def _build(
        self,
        store: Store,
        entry: Any,
        dataset: str,
        dims: dict[str, Dimension],
        user: User,
        audit: AuditLog,
        where: Condition | None,
    ) -> None:
        source = engine.table(store, entry.table_name)
        if "record_key" not in source.columns:
            raise UdcError(f"dataset '{dataset}' has no record_key column: cell-key perturbation needs one")
        self.store, self.dataset, self.user, self.audit = store, dataset, user, audit
        self.dims = list(dims)
        self.engine = engine.current(store)  # the cube's tables live there until close(), whatever comes after
        self._drop: Callable[[], object] | None = None  # how close() drops the count from the engine
        rows = source.filter(where(source)) if where is not None else source
        # each key reduced first, then summed as a 64-bit integer: congruent to the exact sum modulo 2**32 (all the
        # cell key reads) and exact below 2**31 records per counted row; Spark sums DECIMAL(38) in BigDecimal, which
        # took half the time of a national count
        key_sum = ((rows.record_key % KEY_MODULUS).sum() % KEY_MODULUS).cast("int64")
        counted = rows.group_by([make(rows).name(name) for name, make in dims.items()]).aggregate(
            n=rows.count(), k=key_sum
        )
        self.counted = self._cache(counted)

    def __enter__(self) -> Cube:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Drop the count from the engine (a temporary table, an unpersisted DataFrame)."""
        drop, self._drop = self._drop, None
        if drop is not None:
            drop()

    def _cache(self, expr: ir.Table) -> ir.Table:
        """Materialise ``expr`` on the cube's engine until :meth:`close`: a temporary table of the store (dropped by
        name: Ibis 11's own cache cannot drop one with the pinned sqlglot), or a cached Spark DataFrame (computed at
        its first use)."""
        if self.engine == "spark":
            from udc.store import spark

            cached = spark.cache(expr)
            self._drop = cached.release
            return cached
        name = f"_gate_cube_{uuid.uuid4().hex[:12]}"
        cached = self.store.ibis.create_table(name, expr, temp=True)
        self._drop = lambda: self.store.con.execute(f"DROP TABLE IF EXISTS {quote(name)}")
        return cached

    def tables(
        self,
        relation: ir.Table,
        batch: list[str],
        by: list[str],
        *,
        name: str = "table",
        tails: tuple[str, ...] = (),
        domains: Mapping[str, Sequence[str]] | None = None,
        sparse: tuple[str, ...] = (),
    ) -> gate.Protected:
        """Protected tables, one per ``batch`` value: ``relation`` is an Ibis table over :attr:`counted` with
        columns ``batch``, ``by``, ``n`` and ``k`` — rows may repeat cube rows (an area and its region), never scale
        ``n``. Every combination of ``by`` and Totaal is a cell, as in ``gate.crosstab``.

        ``tails``: detail dimensions (e.g. the other municipality of a flow) whose withheld cells are not listed —
        the long tail of one- and two-person flows that could only ever be published as "withheld". A cell is left
        out only when it is withheld (the query drops cells the noise cannot lift to the threshold, the rest go
        after perturbation), so an absent cell says exactly what a listed withheld cell says; its units stay in
        every margin.

        ``domains``: the declared categories of a batch or ``by`` column (the study's areas and groups, the trigger
        list): every one is listed, found in the moves or not; other columns list the categories the count holds.
        ``sparse``: detail dimensions never completed (every municipality × every municipality nationally is
        hundreds of millions of cells) — with ``tails`` their withheld cells are left out, so an absent one says
        what a withheld one says; listed anyway (no ``tails``), an absent detail cell is a zero."""
        policy = current(self.store)
        reach = int(policy.min_count) - int(policy.cell_key_d)  # fewer units can never be perturbed to a shown count
        frame = self._margins(relation, batch, by, tails, reach)
        frame = _complete(frame, batch, by, tuple(dict.fromkeys([*tails, *sparse])), domains or {})
        frame = frame.sort_values([*batch, *by], kind="stable", ignore_index=True) if len(frame) < 100_000 else frame
        counts = frame["count"].to_numpy()
        small = counts < policy.min_count  # an empty cell looks like a withheld one, as in an ad-hoc table
        published, status = gate.perturbed(counts, frame["key_sum"].to_numpy(), small, policy)
        cells = frame[[*batch, *by]]
        cells.insert(len(cells.columns), "count", published)
        cells.insert(len(cells.columns), "status", status)
        notes = []
        if tails:
            listed = (cells[list(tails)] == gate.TOTAL).all(axis=1).to_numpy() | (status != "suppressed")
            cells = cells[listed].reset_index(drop=True)
            notes.append("withheld detail cells are not listed; their units are in the totals")
        protected = gate.Protected(cells, "cellkey", policy, self.dataset, [*batch, *by], notes=notes)
        detail = {"dataset": self.dataset, "name": name, "batch": batch, "by": by, **protected.summary()}
        record(self.user, "gate.cube_tables", detail, audit=self.audit)
        return protected

    def _margins(
        self, relation: ir.Table, batch: list[str], by: list[str], tails: tuple[str, ...], reach: int
    ) -> pd.DataFrame:
        """The leaf cells and every margin (each subset of ``by`` summed, its labels Totaal) with their count and key
        sum mod 2**32, computed on the engine in one query: the relation summed to its leaves, each leaf repeated once
        per subset (as GROUPING SETS expands rows) with the dimensions outside the subset labelled Totaal, and summed
        again — one pass where a union of one aggregation per subset was a job (and a cached table) each on Spark.
        Cells keeping a tail dimension are dropped when fewer units than ``reach`` are in them: no noise could lift
        them to a shown count."""
        leaves = relation.group_by([*batch, *by]).aggregate(n=relation.n.sum(), k=relation.k.sum())
        subsets = [kept for r in range(len(by), -1, -1) for kept in itertools.combinations(by, r)]
        return _fetch(self.store, self.engine, _grouping_sets(leaves, batch, by, subsets, tails, reach))


def _grouping_sets(
    leaves: ir.Table,
    batch: list[str],
    by: list[str],
    subsets: list[tuple[str, ...]],
    tails: tuple[str, ...],
    reach: int,
) -> ir.Table:
    """GROUPING SETS over the leaves: each subset of ``by`` kept as it is (labels as strings), the rest Totaal; the
    count and the key sum reduced mod 2**32; a subset is told apart by its number, so a category spelled like Totaal
    never merges with a margin."""
    expanded = leaves.mutate(subset=ibis.array(list(range(len(subsets)))).unnest())
    labels = {
        d: ibis.ifelse(
            expanded.subset.isin([i for i, kept in enumerate(subsets) if d in kept]),
            expanded[d].cast("string"),
            ibis.literal(gate.TOTAL, type="string"),
        )
        for d in by
    }
    grouped = expanded.group_by([*batch, *(labels[d].name(d) for d in by), "subset"]).aggregate(
        count=expanded.n.sum().cast("int64"), key_sum=(expanded.k.sum() % KEY_MODULUS).cast("int64")
    )
    thin = [i for i, kept in enumerate(subsets) if set(kept) & set(tails)]
    if thin:
        grouped = grouped.filter(~grouped.subset.isin(thin) | (grouped["count"] >= reach))
    return grouped.select(*batch, *by, "count", "key_sum")


def _fetch(store: Store, on: str, expr: ir.Table) -> pd.DataFrame:
    """A table's cells from the engine → pandas with Arrow-backed strings: millions of cells without a Python object
    per label. On Spark under the study's time limit."""
    if on == "spark":
        from udc.store import spark

        table = pa.Table.from_pandas(spark.execute(expr, STUDY_SECONDS), preserve_index=False)
    else:
        table = store.ibis.to_pyarrow(expr)
    strings = {pa.string(), pa.large_string(), pa.string_view()}
    return table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if t in strings else None)


def _complete(
    frame: pd.DataFrame, batch: list[str], by: list[str], tails: tuple[str, ...], domains: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Every combination of the batch values and of each listed dimension's categories (Totaal included), an absent
    one counted as 0: GROUPING SETS over the data yields only combinations somebody is in, so a missing row would say
    "nobody" where a listed withheld row says "a few". Tail dimensions stay as they are (their withheld cells are
    left out anyway, so an absent tail cell says what a withheld one says); only their Totaal rows are completed.
    With nobody counted at all the declared categories are still listed (withheld, as a few would be); only a batch
    column without declared values then has nothing to list."""
    full = [d for d in by if d not in tails]
    keys = [*batch, *by]
    if not keys:
        return frame if len(frame) else pd.DataFrame({"count": [0], "key_sum": [0]})
    values = []
    for c in [*batch, *full]:
        if c in domains:
            values.append([*domains[c], *([gate.TOTAL] if c in by else [])])
        elif not frame.empty:
            values.append(frame[c].dropna().unique())
        elif c in by:
            values.append([gate.TOTAL])  # categories nobody is in are unknown; their total is a cell
        else:
            return frame
    grid = pd.MultiIndex.from_product(values, names=[*batch, *full]).to_frame(index=False)
    for d in tails:
        grid[d] = gate.TOTAL
    margins = (frame[list(tails)] == gate.TOTAL).all(axis=1) if tails else pd.Series(True, index=frame.index)
    grid = grid.astype({c: frame[c].dtype for c in keys})
    completed = grid.merge(frame[margins.to_numpy()], on=keys, how="left")
    completed[["count", "key_sum"]] = completed[["count", "key_sum"]].fillna(0).astype("int64")
    return pd.concat([completed, frame[~margins.to_numpy()]], ignore_index=True)


def one(protected: gate.Protected, **batch: str) -> gate.Protected:
    """The table of one batch value (e.g. ``area='GM9901', group='adults'``), without the batch columns."""
    cells = protected.cells
    mask = np.ones(len(cells), dtype=bool)
    for column, value in batch.items():
        mask &= (cells[column] == value).to_numpy()
    keys = [k for k in protected.keys if k not in batch]
    part = cells.loc[mask, [c for c in cells.columns if c not in batch]]
    part = part.sort_values(keys, kind="stable", ignore_index=True)
    return gate.Protected(part, protected.method, protected.policy, protected.source, keys, notes=protected.notes)
