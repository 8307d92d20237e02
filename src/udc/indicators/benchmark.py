"""Benchmarking one area's indicator value: against the Netherlands (the total) and a peer group — municipalities
of the same CBS urbanisation class, of the same size class, or a list — with its rank, percentile and whether the
difference from the reference is beyond the value's 95 % interval."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from udc.areas import registry
from udc.errors import NotFound, UdcError
from udc.indicators.model import Indicator
from udc.privacy.gate import TOTAL
from udc.store import catalogue
from udc.store.db import Store

SIZE_CLASSES = [(0, 20_000, "< 20 000"), (20_000, 50_000, "20 000 – 50 000"), (50_000, 100_000, "50 000 – 100 000"),
                (100_000, float("inf"), "≥ 100 000")]  # fmt: skip


def urbanisation(store: Store, dataset: str) -> dict[str, str]:
    """code → CBS urbanisation class (1 very strongly … 5 not urban), from a catalogued table that carries it."""
    frame = catalogue.read(store, dataset)
    column = next((c for c in frame.columns if c.lower().startswith("stedelijkheid")), None)
    if column is None:
        raise NotFound(f"'{dataset}' has no urbanisation class column (stedelijkheid…): import CBS Kerncijfers "
                       "wijken en buurten for the municipalities")  # fmt: skip
    area = "area_code" if "area_code" in frame.columns else frame.columns[0]
    def label(value: object) -> str:
        number = pd.to_numeric(value, errors="coerce")
        return str(int(number)) if pd.notna(number) and float(number).is_integer() else str(value)

    return {str(r[area]): label(r[column]) for _, r in frame.dropna(subset=[column]).iterrows()}


def size_classes(store: Store, year: int) -> dict[str, str]:
    """code → population size class of every municipality with inhabitants known for ``year``."""
    found = registry.sizes(store, "GM", year)
    if not found:
        raise NotFound(f"no inhabitants per municipality for {year}: import CBS key figures with the geometry")
    return {code: next(label for low, high, label in SIZE_CLASSES if low <= n < high) for code, n in found.items()}


def benchmark(values: pd.DataFrame, indicator: Indicator, area: str, peers: list[str] | dict[str, str]) -> dict:
    """``values``: one period's computed rows (gemeente level and the total). ``peers``: a list of codes, or a class
    per code (the area's own class is its peer group)."""
    own = values[values.area_code == area]
    if own.empty or own.value.isna().all():
        raise NotFound(f"no value of {indicator.id} for {area} in this period")
    row = own.iloc[0]
    if isinstance(peers, dict):
        if area not in peers:
            raise UdcError(f"{area} has no peer class")
        group = sorted(code for code, cls in peers.items() if cls == peers[area])
        label = peers[area]
    else:
        group, label = sorted(set(peers) | {area}), "chosen"
    part = values[values.area_code.isin(group) & values.value.notna()]
    higher_first = indicator.polarity != "higher_is_worse"
    ranked = part.sort_values("value", ascending=not higher_first).reset_index(drop=True)
    rank = int(ranked.index[ranked.area_code == area][0]) + 1
    total = values[values.area_code == TOTAL]
    reference = float(total.value.iloc[0]) if len(total) and pd.notna(total.value.iloc[0]) else None
    low, high = row.ci_low, row.ci_high
    significant = None if reference is None or pd.isna(low) else bool(reference < low or reference > high)
    result: dict[str, Any] = {
        "area_code": area, "indicator": indicator.id, "period": row.period, "value": float(row.value),
        "reference_nl": reference, "peer_group": label, "peer_median": float(np.median(part.value)),
        "peer_rank": rank, "peer_count": len(part),
        "percentile": round(100 * (len(part) - rank) / max(len(part) - 1, 1)),
        "peers": list(part.area_code), "significant": significant,
    }  # fmt: skip
    return result
