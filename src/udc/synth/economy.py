"""The demo's business register: establishments (vestigingen) with their sector (SBI section), jobs, and the year
they opened and closed — more shops and horeca in the centres, offices in the core city, industry at the edges.
Deterministic from the seed, drawn from a stream of its own; nothing here is a real business."""

from __future__ import annotations

import numpy as np
import pandas as pd

from udc.store.db import Store

# SBI sections: (share in a centre buurt, share elsewhere, mean jobs)
SECTORS = {
    "G": (0.38, 0.14, 5.0),  # handel
    "I": (0.20, 0.05, 6.0),  # horeca
    "M": (0.14, 0.18, 3.0),  # specialistische zakelijke diensten
    "N": (0.04, 0.08, 9.0),  # verhuur en overige zakelijke diensten
    "C": (0.02, 0.10, 25.0),  # industrie
    "F": (0.03, 0.14, 6.0),  # bouw
    "Q": (0.09, 0.11, 14.0),  # gezondheids- en welzijnszorg
    "P": (0.03, 0.06, 18.0),  # onderwijs
    "S": (0.07, 0.14, 2.0),  # overige dienstverlening
}


def establishments(store: Store, years: tuple[int, int], seed: int) -> pd.DataFrame:
    """About one establishment per eight dwellings, three times as many in a centre buurt; each opened some year
    (a share before the first year) and closes with 8 % a year."""
    rng = np.random.default_rng(seed + 8100)
    dwellings = store.query(
        "SELECT buurt_code::VARCHAR AS buurt_code, count(*) AS n FROM ds_synth_dwellings GROUP BY 1 ORDER BY 1"
    )
    centre = dwellings.buurt_code.str[6:8] == "00"
    counts = rng.poisson(dwellings.n / 8 * np.where(centre, 3.0, 1.0))
    buurt = np.repeat(dwellings.buurt_code.to_numpy(), counts)
    in_centre = np.repeat(centre.to_numpy(), counts)
    codes = list(SECTORS)
    sector = np.empty(len(buurt), dtype=object)
    for flag in (True, False):
        rows = np.flatnonzero(in_centre == flag)
        weights = np.array([SECTORS[c][0 if flag else 1] for c in codes])
        sector[rows] = rng.choice(codes, len(rows), p=weights / weights.sum())
    jobs = np.maximum(1, rng.poisson([SECTORS[s][2] for s in sector]))
    opened = np.where(rng.random(len(buurt)) < 0.7, years[0] - 1, rng.integers(years[0], years[1] + 1, len(buurt)))
    life = rng.geometric(0.08, len(buurt))
    closed = opened + life
    return pd.DataFrame(
        {
            "establishment_id": np.arange(len(buurt)),
            "buurt_code": buurt,
            "sector": sector,
            "jobs": jobs.astype(np.int32),
            "opened": opened.astype(np.int32),
            "closed": np.where(closed <= years[1], closed, -1).astype(np.int32),
        }
    )
