"""Benchmarking one area's indicator value: against the Netherlands (a reference table's NL01, else the total) and a
peer group — municipalities of the same CBS urbanisation class, of the same size class, the k most similar on a
profile of indicators, or a list — with its rank, percentile and whether the difference from the reference is
beyond the value's 95 % interval.

Peers outside the store's own areas come from catalogued reference tables (role ``indicator_reference``: indicator,
area_code, period, numerator, denominator; role ``indicator_peers``: area_code, naam, stedelijkheid, inwoners) —
the demo's fictional peers, or a real UDC's figures of other municipalities."""

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

SIZE_CLASSES = [
    (0, 20_000, "< 20 000"),
    (20_000, 50_000, "20 000 – 50 000"),
    (50_000, 100_000, "50 000 – 100 000"),
    (100_000, float("inf"), "≥ 100 000"),
]


def urbanisation(store: Store, dataset: str) -> dict[str, str]:
    """code → CBS urbanisation class (1 very strongly … 5 not urban), from a catalogued table that carries it."""
    frame = catalogue.read(store, dataset)
    column = next((c for c in frame.columns if c.lower().startswith("stedelijkheid")), None)
    if column is None:
        raise NotFound(
            f"'{dataset}' has no urbanisation class column (stedelijkheid…): import CBS Kerncijfers "
            "wijken en buurten for the municipalities"
        )
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


NETHERLANDS = "NL01"
PROFILE = [
    "bevolking_65plus",
    "huishoudens_eenpersoons",
    "armoede_laag_inkomen",
    "werk_werkzaam_15_74",
    "mobiliteit_zonder_auto",
    "wonen_koopwoningen",
]


def by_role(store: Store, role: str) -> str | None:
    """The catalogued dataset with this provenance role (the newest when there are several), if any."""
    found = [e["name"] for e in catalogue.entries(store, published=True) if e["provenance"].get("role") == role]
    return found[-1] if found else None


def reference_rows(store: Store, indicator: Indicator, years: list[int], ids: list[str] | None = None) -> pd.DataFrame:
    """Values of other municipalities (and NL01) from the reference table: figures of a statistics office, so
    without an interval of ours."""
    name = by_role(store, "indicator_reference")
    if name is None:
        return pd.DataFrame(columns=["indicator", "area_code", "period", "value"])
    frame = catalogue.read(store, name)
    frame = frame[frame.indicator.isin(ids or [indicator.id]) & frame.period.astype(str).isin([str(y) for y in years])]
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(frame.denominator > 0, frame.numerator / frame.denominator * indicator.scale, np.nan)
    return frame.assign(
        value=value,
        period=frame.period.astype(str),
        ci_low=np.nan,
        ci_high=np.nan,
        status="published",
        level="gemeente",
    )


def latest_year(store: Store, indicator: Indicator) -> int | None:
    """The newest year the reference table has for the indicator (a benchmark's default year)."""
    name = by_role(store, "indicator_reference")
    if name is None:
        return None
    frame = catalogue.read(store, name)
    periods = pd.to_numeric(frame[frame.indicator == indicator.id].period, errors="coerce").dropna()
    return int(periods.max()) if len(periods) else None


def peer_classes(store: Store, column: str) -> dict[str, str] | None:
    """code → class from the peers table (``stedelijkheid`` or a size class from ``inwoners``), if there is one."""
    name = by_role(store, "indicator_peers")
    if name is None:
        return None
    if column == "stedelijkheid":
        return urbanisation(store, name)
    frame = catalogue.read(store, name)
    return {
        str(r.area_code): next(label for low, high, label in SIZE_CLASSES if low <= r.inwoners < high)
        for r in frame.itertuples()
        if pd.notna(r.inwoners) and str(r.area_code).startswith("GM")
    }


def similar(profile: pd.DataFrame, area: str, k: int) -> list[str]:
    """The ``k`` municipalities nearest to ``area`` on a profile (rows: indicator, area_code, value), each
    indicator standardised over the municipalities that have all of them (Euclidean distance)."""
    table = (
        profile[profile.area_code.str.startswith("GM")]
        .pivot_table(index="area_code", columns="indicator", values="value")
        .dropna()
    )
    if area not in table.index:
        raise NotFound(f"{area} has no value for every profile indicator ({', '.join(table.columns)})")
    spread = table.std(ddof=0).replace(0, 1)
    z = (table - table.mean()) / spread
    distance = np.sqrt(((z - z.loc[area]) ** 2).sum(axis=1)).drop(area)
    return list(distance.nsmallest(k).index)


DECIMALS = {"percent": 1, "per_1000": 1, "per_10000": 1, "per_100000": 1, "mean": 1, "ratio": 2}


def rounded(result: dict[str, Any]) -> dict[str, Any]:
    """A benchmark as people and files read it: its values with the indicator's decimals (one for rates and
    percentages, two for ratios) — 40.6, not 40.5894519131334; the extra digits are the protection's noise, not
    precision. The Python result keeps them for further computation."""
    digits = DECIMALS.get(result["unit"], 1)
    keys = ("value", "ci_low", "ci_high", "reference_nl", "peer_median")
    return result | {k: None if result[k] is None else round(float(result[k]), digits) for k in keys}


def benchmark(
    values: pd.DataFrame,
    indicator: Indicator,
    area: str,
    peers: list[str] | dict[str, str],
    names: dict[str, str] | None = None,
) -> dict:
    """``values``: one period's computed rows (gemeente level and the total). ``peers``: a list of codes, or a class
    per code (the area's own class is its peer group). ``names``: code → name, for the named peers."""
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
    group = [code for code in group if code != NETHERLANDS]
    part = values[values.area_code.isin(group) & values.value.notna()]
    higher_first = indicator.polarity != "higher_is_worse"
    ranked = part.sort_values("value", ascending=not higher_first).reset_index(drop=True)
    rank = int(ranked.index[ranked.area_code == area][0]) + 1
    total = values[values.area_code == (NETHERLANDS if (values.area_code == NETHERLANDS).any() else TOTAL)]
    reference = float(total.value.iloc[0]) if len(total) and pd.notna(total.value.iloc[0]) else None
    low, high = row.ci_low, row.ci_high
    significant = None if reference is None or pd.isna(low) else bool(reference < low or reference > high)
    named = names or {}
    result: dict[str, Any] = {
        "area_code": area,
        "area_name": named.get(area),
        "indicator": indicator.id,
        "unit": indicator.unit,
        "period": row.period,
        "value": float(row.value),
        "ci_low": None if pd.isna(low) else float(low),
        "ci_high": None if pd.isna(high) else float(high),
        "reference_nl": reference,
        "peer_group": label,
        "peer_median": float(np.median(part.value)),
        "peer_rank": rank,
        "peer_count": len(part),
        "percentile": round(100 * (len(part) - rank) / max(len(part) - 1, 1)),
        "peers": list(part.area_code),
        "peer_names": [named.get(code, code) for code in part.area_code],
        "significant": significant,
    }
    return result
