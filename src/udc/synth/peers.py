"""Fictional peer municipalities for the demo's benchmarks: aggregate figures, not a simulation.

A benchmark against the region's own seven municipalities means little. This generator adds 24 municipalities
outside the region (GM9931–GM9954) of varied size and urbanisation, each with a numerator and denominator per
indicator and year drawn around the region's own released totals (an urbanisation gradient per indicator, some
noise, binomial or Poisson counts), and "Nederland (fictief)" (NL01) as the sum of the region's released total and
the peers. They
are open data of a fictional country, derived only from released totals; ``udc indicators benchmark`` finds them
by their catalogue role.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from udc.indicators.model import Indicator
from udc.store import catalogue
from udc.store.db import Store
from udc.synth.region import REGION

ATTRIBUTES = "synth_gemeenten"
REFERENCE = "synth_vergelijking"
NETHERLANDS = ("NL01", "Nederland (fictief)")
PEERS = [  # code, name, inhabitants (latest year), CBS urbanisation class (1 very strongly … 5 not urban)
    ("GM9931", "Havelaarstad", 182_000, 1),
    ("GM9932", "Bruggeveen", 64_000, 2),
    ("GM9933", "Kerkewaard", 23_500, 4),
    ("GM9934", "Lindenoord", 41_000, 3),
    ("GM9935", "Molendijk", 12_800, 5),
    ("GM9936", "Zandvoorde-Oost", 31_000, 3),
    ("GM9937", "Rivierstad", 128_000, 1),
    ("GM9938", "Heuvelrade", 17_400, 4),
    ("GM9939", "Polderwijk", 9_600, 5),
    ("GM9940", "Nieuw-Amstelland", 88_000, 2),
    ("GM9941", "Eikenburg", 52_000, 2),
    ("GM9942", "Duinhoven", 27_000, 3),
    ("GM9943", "Veenkolonie-Noord", 35_500, 4),
    ("GM9944", "Markeveld", 15_200, 5),
    ("GM9945", "Slotermeer", 71_000, 2),
    ("GM9946", "Wolderhorst", 44_500, 3),
    ("GM9947", "Baarlo-Heide", 21_000, 4),
    ("GM9948", "Stroomdal", 105_000, 1),
    ("GM9949", "Oudekerk", 11_200, 5),
    ("GM9950", "Grensmeer", 58_000, 3),
    ("GM9951", "Vennestein", 26_500, 4),
    ("GM9952", "Hofwijck", 152_000, 1),
    ("GM9953", "Klaverveld", 38_000, 3),
    ("GM9954", "Zuidergouw", 19_600, 4),
]


def _classes(own: dict[str, int]) -> dict[str, int]:
    """The region's municipalities ranked by size: the largest urban, the smallest not."""
    ranked = sorted(own, key=own.get, reverse=True)  # type: ignore[arg-type]
    steps = [2, 3, 3, 4, 4, 5, 5]
    return {code: steps[min(i, len(steps) - 1)] for i, code in enumerate(ranked)}


def generate(
    values: pd.DataFrame, indicators: list[Indicator], names: dict[str, str], seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``values``: the region's computed indicators (gemeente and total rows). Returns the attribute table (code,
    name, urbanisation, inhabitants, in the region or not) and the reference figures (indicator, area, period,
    numerator, denominator) of the peers and the fictional Netherlands."""
    rng = np.random.default_rng(seed + 9931)
    residents = values[(values.indicator == "bevolking_65plus") & values.area_code.str.startswith("GM")]
    latest = residents[residents.period == residents.period.max()]
    own = {r.area_code: int(r.denominator) for r in latest.itertuples() if pd.notna(r.denominator)}
    region_total = sum(own.values()) or 1
    classes = _classes(own)
    factor = region_total / sum(m.population for m in REGION)  # peers on the scale of the demo's population
    sizes = [max(500, round(size * factor)) for _, _, size, _ in PEERS]
    attributes = pd.DataFrame(
        [
            {"area_code": c, "naam": names.get(c, c), "stedelijkheid": classes[c], "inwoners": n, "regio": True}
            for c, n in own.items()
        ]
        + [
            {"area_code": c, "naam": n, "stedelijkheid": u, "inwoners": size, "regio": False}
            for (c, n, _, u), size in zip(PEERS, sizes, strict=True)
        ]
    )
    rows = []
    for indicator in indicators:
        gradient = rng.normal(0, 0.12)  # how much the indicator moves with urbanisation, fixed per indicator
        offsets = rng.normal(0, 0.12, len(PEERS))  # a peer's lasting difference
        totals = values[(values.indicator == indicator.id) & (values.area_code == "Totaal")]
        for total in totals.itertuples():
            if not (total.denominator > 0 and pd.notna(total.numerator)):
                continue
            rate = total.numerator / total.denominator
            for (code, _, _, urban), size, offset in zip(PEERS, sizes, offsets, strict=True):
                den = max(1, int(rng.poisson(total.denominator * size / region_total)))
                expected = rate * np.exp(gradient * (3 - urban) + offset + rng.normal(0, 0.03))
                if indicator.unit == "percent":
                    num = int(rng.binomial(den, min(expected, 0.98)))
                else:
                    num = int(rng.poisson(expected * den))
                rows.append(
                    {
                        "indicator": indicator.id,
                        "area_code": code,
                        "period": str(total.period),
                        "numerator": num,
                        "denominator": den,
                    }
                )
    reference = pd.DataFrame(rows, columns=["indicator", "area_code", "period", "numerator", "denominator"])
    region = values[(values.area_code == "Totaal") & values.numerator.notna() & values.denominator.notna()]
    region = region[
        region.set_index(["indicator", "period"]).index.isin(  # only where the peers have figures
            reference.set_index(["indicator", "period"]).index
        )
    ].astype({"period": str})
    everything = pd.concat([reference, region[reference.columns]], ignore_index=True)
    netherlands = everything.groupby(["indicator", "period"], as_index=False)[["numerator", "denominator"]].sum()
    reference = pd.concat([reference, netherlands.assign(area_code=NETHERLANDS[0])], ignore_index=True)
    attributes = pd.concat(
        [
            attributes,
            pd.DataFrame(
                [
                    {
                        "area_code": NETHERLANDS[0],
                        "naam": NETHERLANDS[1],
                        "stedelijkheid": None,
                        "inwoners": int(attributes.inwoners.sum()),
                        "regio": False,
                    }
                ]
            ),
        ],
        ignore_index=True,
    ).astype({"stedelijkheid": "Int64", "regio": bool})
    return attributes, reference


def save(store: Store, attributes: pd.DataFrame, reference: pd.DataFrame, *, seed: int, source: str) -> None:
    """Catalogue both tables as open, fictional data with the role benchmarks look for."""
    common = {"source": source, "sensitivity": "open", "licence": "CC0-1.0", "area_coverage": "Nederland (fictief)"}
    catalogue.save(
        store,
        catalogue.Dataset(
            name=ATTRIBUTES,
            title="Gemeenten voor vergelijking (fictief): stedelijkheid en inwoners",
            **common,
            provenance={"generator": "udc.synth.peers", "seed": seed, "role": "indicator_peers"},
        ),
        attributes,
        inputs=["indicatoren"],
    )
    catalogue.save(
        store,
        catalogue.Dataset(
            name=REFERENCE,
            title="Indicatoren van vergelijkbare gemeenten en Nederland (fictief)",
            **common,
            provenance={"generator": "udc.synth.peers", "seed": seed, "role": "indicator_reference"},
        ),
        reference,
        inputs=["indicatoren"],
    )
