"""Primary disclosure rules per cell, with the same definitions as ACRO (so results can be compared).

- threshold: fewer than ``min_count`` units (a zero only when zeros are declared disclosive);
- nk-dominance: the ``n`` largest contributions make up ``k`` or more of the cell total;
- p %-rule: the rest of the total (total − top1 − top2) is less than ``p`` × top1, so the second-largest
  contributor could estimate the largest within p %.
Magnitude rules need each cell's total and its two largest contributions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from udc.errors import InputError, UdcError
from udc.privacy.policy import Policy


def primary(
    table: pd.DataFrame,
    policy: Policy,
    *,
    count: str = "count",
    total: str | None = None,
    top1: str | None = None,
    top2: str | None = None,
    source: str = "table",
) -> pd.DataFrame:
    """Boolean columns ``threshold``, ``nk``, ``p_percent`` (True = the rule fails) and ``safe``."""
    if count not in table.columns:
        raise InputError(f"no '{count}' column: a crosstab needs the number of units per cell", file=source)
    counts = pd.to_numeric(table[count], errors="coerce")
    bad = counts.isna() | (counts < 0) | (counts % 1 != 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise InputError(
            f"'{table[count].iloc[i]}' is not a count (a whole number ≥ 0)", file=source, row=i + 2, field=count
        )
    out = pd.DataFrame(index=table.index)
    small = (counts < policy.min_count) & ((counts > 0) | policy.zeros_disclosive)
    out["threshold"] = small
    out["nk"] = False
    out["p_percent"] = False
    if total is not None:
        for column in (total, top1, top2):
            if column is None or column not in table.columns:
                raise InputError(f"a magnitude table needs '{total}', '{top1}' and '{top2}' columns", file=source)
        t = pd.to_numeric(table[total], errors="coerce").astype(float)
        a = pd.to_numeric(table[top1], errors="coerce").fillna(0).astype(float)
        b = pd.to_numeric(table[top2], errors="coerce").fillna(0).astype(float)
        if ((a < b) | (a > t + 1e-9) | (a + b > t + 1e-9)).any():
            i = int(np.flatnonzero(((a < b) | (a > t + 1e-9) | (a + b > t + 1e-9)).to_numpy())[0])
            raise InputError(
                "inconsistent contributions: need top1 ≥ top2 and top1 + top2 ≤ total", file=source, row=i + 2
            )
        with np.errstate(divide="ignore", invalid="ignore"):
            top_n = a + b if policy.nk_n >= 2 else a
            out["nk"] = (t > 0) & (top_n / t >= policy.nk_k)  # ≥, as ACRO
            out["p_percent"] = (a > 0) & ((t - a - b) < policy.p_percent * a)
    out["safe"] = ~(out.threshold | out.nk | out.p_percent)
    return out


def model_output(n_observations: int, n_parameters: int, policy: Policy) -> None:
    """A model's coefficients may leave only with enough residual degrees of freedom (CBS/ACRO: ≥ 10)."""
    dof = n_observations - n_parameters
    if dof < policy.min_df:
        raise UdcError(f"residual degrees of freedom {dof} < {policy.min_df}: the model's output is disclosive")
