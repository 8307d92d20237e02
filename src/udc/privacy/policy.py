"""The disclosure policy of a store: versioned, so every release names the rules it was checked against.

Defaults follow the CBS Remote Access output rules and ACRO's defaults: at least 10 units per cell, no dominance
(n=2, k=90 %), p %-rule with p=10 %, zeros not disclosive by default, ≥ 10 residual degrees of freedom for models.
Ad-hoc requests add a differencing guard: filters must leave at least ``min_population`` units (ABS TableBuilder
style), and every query has a time limit.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from typing import Any

from udc.errors import UdcError
from udc.privacy.actions import ensure
from udc.privacy.audit import AuditLog
from udc.privacy.principal import User, owner_account
from udc.store.db import Store


@dataclass(frozen=True)
class Policy:
    min_count: int = 10
    nk_n: int = 2
    nk_k: float = 0.90
    p_percent: float = 0.10
    zeros_disclosive: bool = False
    min_df: int = 10
    rounding_base: int | None = None
    cell_key_d: int = 2  # cell key: largest deviation
    cell_key_v: float = 1.0  # cell key: variance of the noise
    magnitude_m: float = 0.5  # cell key for sums: noise up to m × the cell's largest contribution (privacy/magnitude)
    min_population: int = 100  # differencing guard: a filtered request must leave at least this many units
    max_cells: int = 200_000  # a request whose full cross-product is larger is refused
    query_seconds: float = 60.0  # gate queries are stopped after this long
    version: int = 0

    def __post_init__(self) -> None:
        if self.min_count < 1 or not 0 < self.nk_k <= 1 or not 0 <= self.p_percent < 1 or self.nk_n < 1:
            raise UdcError(f"invalid policy {asdict(self)}: min_count ≥ 1, 0 < k ≤ 1, 0 ≤ p < 1, n ≥ 1")
        if self.cell_key_d < 0 or self.cell_key_v < 0:
            raise UdcError("cell key D and V must be ≥ 0")
        if not 0 < self.magnitude_m <= 1:
            raise UdcError("magnitude_m (noise on sums, × the largest contribution) must be in (0, 1]")
        if self.min_population < 0 or self.max_cells < 1 or self.query_seconds <= 0:
            raise UdcError("min_population ≥ 0, max_cells ≥ 1 and query_seconds > 0")


def _latest(store: Store) -> tuple[int, dict[str, Any]] | None:
    row = store.con.execute("SELECT version, policy FROM disclosure_policies ORDER BY version DESC LIMIT 1").fetchone()
    return (row[0], json.loads(row[1])) if row else None


def current(store: Store) -> Policy:
    """The newest policy of the store (version 1 with the defaults when none was set)."""
    latest = _latest(store)
    if latest is None:  # version 1 is the defaults: stored on the first write, used as such by a reader
        return Policy(version=1) if getattr(store, "read_only", False) else set_policy(store)
    return Policy(**{**latest[1], "version": latest[0]})


def set_policy(store: Store, *, audit: AuditLog | None = None, user: User | None = None, **changes: Any) -> Policy:
    """A new policy version (the old ones stay, so old releases remain explainable); by an admin (the store's own
    account when ``user`` is omitted), audited when a log is given."""
    with ensure(user or owner_account(), "policy.set", audit=audit, detail={"changes": changes}) as outcome:
        policy = _new_version(store, changes)
        outcome["version"] = policy.version
    return policy


def _new_version(store: Store, changes: dict[str, Any]) -> Policy:
    latest = _latest(store)
    base = latest[1] if latest else {}
    known = {f.name for f in fields(Policy)} - {"version"}
    unknown = set(changes) - known
    if unknown:
        raise UdcError(f"unknown policy setting(s) {sorted(unknown)}: expected {sorted(known)}")
    version = (latest[0] if latest else 0) + 1
    policy = Policy(**{**base, **changes, "version": version})
    body = {k: v for k, v in asdict(policy).items() if k != "version"}
    store.con.execute("INSERT INTO disclosure_policies (version, policy) VALUES (?, ?)", [version, json.dumps(body)])
    return policy
