"""Attacks on the gate's whole-dataset cache (:func:`udc.privacy.engine.whole`) and on its stacked margins
(:func:`udc.privacy.gate._grid`).

The cache keeps figures over the whole dataset — units per value (which categories may be listed), distinct counts
(the identifier guard), a measure's profile (whether dominance rules apply, the noise floor) — keyed by the store's
path and :func:`udc.store.catalogue.generation`. It is only as safe as that generation: any replacement of a
microdata dataset that leaves the generation unchanged makes a long-running reader (``udc serve`` opens the store
read-only per request; an import runs in another process) protect the new data with the old figures.

``generation`` is ``count(*)`` and ``max(created_at)`` of the catalogue, and ``created_at`` is DuckDB's
``current_timestamp`` stored in a ``TIMESTAMP`` column: the *writing process's local wall-clock time*. A writer whose
clock reads earlier than the newest entry's — another time zone (a cron job or container in UTC beside an admin shell
in Europe/Amsterdam), the hour after the autumn DST change, an NTP step back — replaces a dataset without changing the
generation.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from udc.areas.codes import gemeente_of, wijk_of
from udc.errors import UdcError
from udc.privacy.access import User
from udc.privacy.audit import AuditLog, engine_for
from udc.privacy.gate import TOTAL, _cells, crosstab
from udc.privacy.request import TableRequest
from udc.store import Store, catalogue

RESEARCHER = User("onderzoeker", "researcher")

# A writer process: the store at argv[1], rows built from a seed, saved as microdata 'inkomens'; then (optionally) an
# unrelated open table, so the newest catalogue entry is not the microdata's own.
_WRITER = textwrap.dedent(
    """
    import sys
    import numpy as np, pandas as pd
    from udc.store import Dataset, Store, catalogue

    path, kind, other = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
    rng = np.random.default_rng(7)
    n = 400
    buurt = np.where(np.arange(n) < 40, "BU99010001", "BU99010000")
    if kind == "classes":  # first delivery: income as a decile class 1..10, a personal score as one of 5 bands
        income = rng.integers(1, 11, n).astype(float)
        score = rng.integers(0, 5, n)
    else:  # re-delivery of the same register: income in euros (one dominant earner), the score exact per person
        income = rng.normal(30_000, 3_000, n).round()
        income[0] = 20_000_000.0  # lives in BU99010001: dominates that buurt (p % and nk rules fail)
        score = rng.permutation(n) * 17 + 3
    rows = pd.DataFrame(
        {"buurt": buurt, "inkomen": income, "score": score, "record_key": rng.integers(0, 2**31, n)}
    )
    with Store(path) as store:
        catalogue.save(store, Dataset(name="inkomens", title="i", source="register", sensitivity="microdata"), rows)
        if other:
            catalogue.save(store, Dataset(name="kaart", title="k", source="cbs", sensitivity="open"),
                           pd.DataFrame({"n": [1]}))
    """
)


def write(path: Path, tz: str, kind: str, *, other: bool = False) -> None:
    """Run the writer in its own process with time zone ``tz`` (as an import from a shell, cron or container)."""
    env = {**os.environ, "TZ": tz}
    subprocess.run(
        [sys.executable, "-c", _WRITER, str(path), kind, "1" if other else "0"], env=env, check=True, timeout=120
    )


def generation(path: Path) -> str:
    with Store(path, read_only=True) as store:
        return catalogue.generation(store)


def serve(path: Path, request: TableRequest, audit: AuditLog) -> pd.DataFrame:
    """One request the way ``udc serve`` answers it: the store opened read-only for the request only."""
    with Store(path, read_only=True) as store:
        return crosstab(store, request, user=RESEARCHER, audit=audit).cells


@pytest.fixture
def audit(tmp_path: Path) -> AuditLog:
    return AuditLog(engine_for(f"sqlite:///{tmp_path / 'op.sqlite'}"), b"c" * 32, tmp_path / "anchor")


@pytest.fixture
def delivered(tmp_path: Path) -> Path:
    """A store whose microdata came from an admin shell in Europe/Amsterdam (plus a map table written after it)."""
    path = tmp_path / "store"
    write(path, "Europe/Amsterdam", "classes", other=True)
    return path


def test_replacing_microdata_from_a_process_in_another_time_zone_changes_the_generation(delivered: Path) -> None:
    """The root cause. The re-delivery runs in a process in UTC (a cron job, a container), within an hour or two of
    the last write from the Amsterdam shell: its ``created_at`` (local wall time, UTC) is older than the map table's
    (local wall time, CET/CEST), the count is unchanged — and so is the generation every cache keys on."""
    before = generation(delivered)
    write(delivered, "UTC", "euros")
    assert generation(delivered) != before, "a replaced microdata dataset left the catalogue generation unchanged"


def test_a_stale_profile_never_publishes_a_dominated_sum(delivered: Path, audit: AuditLog) -> None:
    """The server answers a table of ``inkomen`` by buurt while income is a decile class (a measure of few values:
    sums are counts in disguise, no dominance rule). Income is re-delivered in euros, one earner of 20 million in
    BU99010001. A fresh process withholds that buurt's sum (p % and nk fail); the server, with the cached profile
    ("few values"), publishes it: the p % and nk rules are skipped for a sum one person makes 94 % of."""
    request = TableRequest(dataset="inkomens", dimensions=["buurt"], measure="inkomen")
    serve(delivered, request, audit)  # caches the profile: inkomen has 10 distinct values
    write(delivered, "UTC", "euros")
    cells = serve(delivered, request, audit).set_index("buurt")
    assert np.isnan(cells.loc["BU99010001", "inkomen"]), (
        f"dominated sum published: {cells.loc['BU99010001', 'inkomen']:.0f} (true total about 21.2 million, of which "
        "20 million one person's)"
    )


def test_a_stale_distinct_count_never_skips_the_identifier_guard(delivered: Path, audit: AuditLog) -> None:
    """``score`` had 5 values; the re-delivery holds it exactly per person (an identifier under an innocent name).
    A fresh process refuses a table by it; the server, with the cached distinct count, answers."""
    request = TableRequest(dataset="inkomens", dimensions=["buurt", "score"])
    serve(delivered, request, audit)
    write(delivered, "UTC", "euros")
    with pytest.raises(UdcError, match="different value for almost every record"):
        serve(delivered, request, audit)


def test_a_fresh_process_refuses_and_withholds(tmp_path: Path, audit: AuditLog) -> None:
    """Control for the two tests above: the same re-delivered data, asked first (no cached figure), is protected —
    so what they show is the cache's staleness, not the rules."""
    path = tmp_path / "fresh"
    write(path, "UTC", "euros")
    cells = serve(path, TableRequest(dataset="inkomens", dimensions=["buurt"], measure="inkomen"), audit)
    assert np.isnan(cells.set_index("buurt").loc["BU99010001", "inkomen"])
    with pytest.raises(UdcError, match="different value for almost every record"):
        serve(path, TableRequest(dataset="inkomens", dimensions=["buurt", "score"]), audit)


# -- the stacked group-by: every margin equals its union of records --------------------------------------------------
BUURTEN = ["BU99010000", "BU99010001", "BU99010100", "BU99020000", "BU99020001", "BU99020100", "BU99020101"]
DOMAINS = {"buurt": BUURTEN, "a": ["x", "y", "z"], "b": ["p", "q"]}
VALUES = [0.0, 1.0, 2.0, 5.0, 7.0, 7.0, 100.0, 3.5]  # repeats: ties for top1 within a leaf and across leaves


def _second(values: list[float]) -> float:
    ordered = sorted(values, reverse=True)
    return ordered[1] if len(ordered) > 1 else 0.0


def _leaves(records: pd.DataFrame, by: list[str], value: bool) -> pd.DataFrame:
    """The leaf cells as the gate's aggregate gives them: the full cross-product, empty leaves zero."""
    groups = records.groupby(by)
    base = groups.size().rename("count").to_frame()
    base["key_sum"] = groups["record_key"].sum() % 2**32
    if value:
        base["total"] = groups["v"].sum()
        base["top1"] = groups["v"].max()
        base["top2"] = groups["v"].agg(lambda s: _second(list(s)))
    full = (
        pd.MultiIndex.from_product([DOMAINS[d] for d in by], names=by)
        if len(by) > 1
        else pd.Index(DOMAINS[by[0]], name=by[0])
    )
    base = base.reindex(full, fill_value=0).reset_index()
    if value:
        base[["total", "top1", "top2"]] = base[["total", "top1", "top2"]].astype(float)
    return base


def _reference(records: pd.DataFrame, by: list[str], value: bool) -> dict[tuple[str, ...], tuple]:
    """Per cell of every combination of levels, from the records themselves (one group-by per combination)."""

    def total(_code: str) -> str:
        return TOTAL

    ladders = {d: [str, wijk_of, gemeente_of, total] if d == "buurt" else [str, total] for d in by}
    out: dict[tuple[str, ...], tuple] = {}
    for combo in itertools.product(*[range(len(ladders[d])) for d in by]):
        keyed = records.assign(**{d: records[d].map(ladders[d][lv]) for d, lv in zip(by, combo, strict=True)})
        for key, part in keyed.groupby(by):
            values = [float(v) for v in part["v"]]
            out[tuple(map(str, key))] = (
                len(part),
                int(part["record_key"].sum()) % 2**32,
                sum(values) if value else 0.0,
                max(values) if value else 0.0,
                _second(values) if value else 0.0,
            )
    return out


@settings(max_examples=50, deadline=None)
@given(
    seed=st.integers(0, 2**31),
    dims=st.integers(1, 3),
    n=st.integers(1, 60),
    value=st.booleans(),
    equations=st.booleans(),
    reorder=st.booleans(),
)
def test_stacked_margins_equal_their_records(
    seed: int, dims: int, n: int, value: bool, equations: bool, reorder: bool
) -> None:
    """Counts, key sums (cell-key noise), totals, top1 and top2 (dominance rules) of every margin — buurt → wijk →
    gemeente → Totaal crossed with 0–2 flat dimensions — equal a per-combination computation from the records, with
    ties, single-record cells and empty leaves; whatever order the leaves arrive in."""
    rng = np.random.default_rng(seed)
    by = ["buurt", "a", "b"][:dims]
    records = pd.DataFrame({d: rng.choice(DOMAINS[d][: rng.integers(1, len(DOMAINS[d]) + 1)], n) for d in by})
    records["record_key"] = rng.integers(0, 2**32, n)
    records["v"] = rng.choice(VALUES, n)
    base = _leaves(records, by, value)
    if reorder:
        base = base.sample(frac=1.0, random_state=seed % 2**32).reset_index(drop=True)
    grid, _ = _cells(base, by, "buurt", "v" if value else None, equations=equations)
    reference = _reference(records, by, value)
    keys = list(zip(*[grid[d].astype(str) for d in by], strict=True))
    assert len(set(keys)) == len(keys) and set(reference) <= set(keys)
    empty = (0, 0, 0.0, 0.0, 0.0)
    expected = pd.DataFrame([reference.get(k, empty) for k in keys], columns=["c", "k", "t", "t1", "t2"])
    assert (grid["count"].to_numpy() == expected.c.to_numpy()).all()
    assert (grid["key_sum"].to_numpy().astype(np.int64) % 2**32 == expected.k.to_numpy()).all()
    if value:
        assert np.allclose(grid["total"].to_numpy(), expected.t.to_numpy())
        assert (grid["top1"].to_numpy() == expected.t1.to_numpy()).all()
        assert (grid["top2"].to_numpy() == expected.t2.to_numpy()).all()
