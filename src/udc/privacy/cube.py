"""Aggregate once, protect many tables: the gate's engine for studies that publish thousands of related tables.

A study such as verhuisstromen asks the same microdata for every municipality × target group × view. Calling
``gate.crosstab`` per table scans the microdata each time; a :class:`Cube` counts the microdata *once* by the
dimensions the study needs (count and exact record-key sum, both additive) into a temporary table inside the store,
and then derives every table from it in SQL: leaf cells per batch (e.g. area × group) plus all margins by
GROUPING SETS, cell-key perturbation vectorised over all cells at once. Because the key sum is exact modulo 2**32,
a cell gets the same published value here as through ``gate.crosstab`` — one flow, one number, whichever path.

The count is an Ibis expression, so it runs on DuckDB or Spark (``--engine``); the tables are then derived from
the counted rows in the embedded DuckDB either way. The cube's table is never returned: the only output is
:class:`~udc.privacy.gate.Protected`, and every build and derivation is audited like a crosstab. A cube's dimensions
are Ibis expressions and its relations SQL over the counted rows, both written by udc's own studies (e.g.
:mod:`udc.analysis.flows`, from its fixed target groups and validated area codes) — never text from a caller; the
interfaces reach it only through those studies' typed parameters. A sparse table (most cells suppressed) is a valid
answer: identifiers cannot be dimensions, so no cube table is a list of people.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Callable, Mapping, Sequence
from types import TracebackType
from typing import Any

import ibis.expr.types as ir
import numpy as np
import pandas as pd
import pyarrow as pa

from udc.errors import Forbidden, UdcError
from udc.privacy import engine, gate
from udc.privacy.access import User
from udc.privacy.audit import AuditLog, audited
from udc.privacy.dimensions import identifying
from udc.privacy.policy import current
from udc.privacy.request import KEY_MODULUS
from udc.store.db import Store, quote

Dimension = Callable[[ir.Table], ir.Value]
Condition = Callable[[ir.Table], ir.BooleanValue]
STUDY_SECONDS = 3_600.0  # a study is a batch job: the count on Spark may take long, but not forever


class Cube:
    """Microdata counted once by ``dims`` (name → Ibis expression over the dataset), held inside the store.

    The count runs on the store's gate engine (:func:`udc.privacy.engine.using`): DuckDB into a temporary table, or
    Spark — whose counted rows (aggregates, not persons) come back into a temporary table of the embedded store. The
    tables are derived from that count by the same code on either engine, so both publish identical cells."""

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
        with audited(audit, user.name, "gate.cube", detail):
            entry = gate._admit(store, dataset, user)
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
        self._table = f"_gate_cube_{uuid.uuid4().hex[:12]}"
        self._stages: dict[str, str] = {}
        rows = source.filter(where(source)) if where is not None else source
        key_sum = (rows.record_key.cast("decimal(38, 0)").sum() % KEY_MODULUS).cast("int64")
        counted = rows.group_by([make(rows).name(name) for name, make in dims.items()]).aggregate(
            n=rows.count(), k=key_sum
        )
        if engine.current(store) == "spark":
            from udc.store import spark

            frame = spark.execute(counted, STUDY_SECONDS)
            store.con.register("_udc_counted", frame)
            try:
                store.con.execute(f"CREATE TEMP TABLE {quote(self._table)} AS SELECT * FROM _udc_counted")
            finally:
                store.con.unregister("_udc_counted")
        else:  # the SQL Ibis compiled from the expression above, materialised where it is
            store.con.execute(f"CREATE TEMP TABLE {quote(self._table)} AS {store.ibis.compile(counted)}")

    def __enter__(self) -> Cube:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        for table in [*self._stages.values(), self._table]:
            self.store.con.execute(f"DROP TABLE IF EXISTS {quote(table)}")

    def stage(self, relation: str) -> str:
        """Materialise a relation over ``{cube}`` that several tables share (e.g. rows tagged with their area);
        returns the placeholder to use in :meth:`tables`. Dropped with the cube."""
        token = f"{{stage{len(self._stages)}}}"
        table = f"{self._table}_s{len(self._stages)}"
        self.store.con.execute(f"CREATE TEMP TABLE {quote(table)} AS {self._resolve(relation)}")
        self._stages[token] = table
        return token

    def _resolve(self, relation: str) -> str:
        for token, table in [("{cube}", self._table), *self._stages.items()]:
            relation = relation.replace(token, f"{quote(table)}")
        return relation

    def tables(
        self,
        relation: str,
        batch: list[str],
        by: list[str],
        *,
        name: str = "table",
        tails: tuple[str, ...] = (),
        domains: Mapping[str, Sequence[str]] | None = None,
        sparse: tuple[str, ...] = (),
    ) -> gate.Protected:
        """Protected tables, one per ``batch`` value: ``relation`` is SQL over ``{cube}`` (its columns, ``n``,
        ``k``) that yields ``batch``, ``by``, ``n`` and ``k`` — rows may repeat cube rows (an area and its region),
        never scale ``n``. Every combination of ``by`` and Totaal is a cell, as in ``gate.crosstab``.

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
        quoted = [f"{quote(c)}" for c in batch]
        sets = ", ".join(
            "(" + ", ".join([*quoted, *(f"{quote(c)}" for c in subset)]) + ")"
            for r in range(len(by), -1, -1)
            for subset in itertools.combinations(by, r)
        )
        labels = "".join(
            f", CASE WHEN GROUPING({quote(d)}) = 1 THEN '{gate.TOTAL}' ELSE CAST({quote(d)} AS VARCHAR) END "
            f"AS {quote(d)}"
            for d in by
        )
        frame = _frame(
            self.store,
            f"SELECT {', '.join(quoted) + ',' if batch else ''} {labels.lstrip(', ')}{',' if by else ''} "
            f"sum(n)::BIGINT AS count, (sum(k) % 4294967296)::BIGINT AS key_sum "
            f"FROM ({self._resolve(relation)}) AS r GROUP BY GROUPING SETS ({sets})"
            + (f" HAVING sum(n) >= {reach} OR ({detail}) = 0" if (detail := _detail(tails)) else ""),
        )
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
        self.audit.append(
            self.user.name,
            "gate.cube_tables",
            {"dataset": self.dataset, "name": name, "batch": batch, "by": by, **protected.summary()},
        )
        return protected


def _complete(
    frame: pd.DataFrame, batch: list[str], by: list[str], tails: tuple[str, ...], domains: Mapping[str, Sequence[str]]
) -> pd.DataFrame:
    """Every combination of the batch values and of each listed dimension's categories (Totaal included), an absent
    one counted as 0: GROUPING SETS over the data yields only combinations somebody is in, so a missing row would say
    "nobody" where a listed withheld row says "a few". Tail dimensions stay as they are (their withheld cells are
    left out anyway, so an absent tail cell says what a withheld one says); only their Totaal rows are completed."""
    full = [d for d in by if d not in tails]
    keys = [*batch, *by]
    if not keys or frame.empty:
        return frame
    values = [
        [*domains[c], *([gate.TOTAL] if c in by else [])] if c in domains else frame[c].dropna().unique()
        for c in [*batch, *full]
    ]
    grid = pd.MultiIndex.from_product(values, names=[*batch, *full]).to_frame(index=False)
    for d in tails:
        grid[d] = gate.TOTAL
    margins = (frame[list(tails)] == gate.TOTAL).all(axis=1) if tails else pd.Series(True, index=frame.index)
    grid = grid.astype({c: frame[c].dtype for c in keys})
    completed = grid.merge(frame[margins.to_numpy()], on=keys, how="left")
    completed[["count", "key_sum"]] = completed[["count", "key_sum"]].fillna(0).astype("int64")
    return pd.concat([completed, frame[~margins.to_numpy()]], ignore_index=True)


def _detail(tails: tuple[str, ...]) -> str:
    """SQL counting the tail dimensions a grouping set keeps (0: a margin over all of them)."""
    return " + ".join(f"(1 - GROUPING({quote(d)}))" for d in tails)


def _frame(store: Store, sql: str) -> pd.DataFrame:
    """Query → pandas with Arrow-backed strings: millions of cells without a Python object per label."""
    table = store.con.execute(sql).fetch_arrow_table()
    strings = {pa.string(), pa.large_string(), pa.string_view()}
    return table.to_pandas(types_mapper=lambda t: pd.StringDtype("pyarrow") if t in strings else None)


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
