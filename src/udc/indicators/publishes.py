"""What an indicator definition would publish, and how each number is protected — checked before it is used.

A definition file is a request written in advance: ``numerator.measure: birth_weight`` asks for sums of a microdata
value, released as open data. So ``udc indicators add``, ``udc definitions verify`` and ``udc definitions import``
say, per definition and part, what it counts or sums and which protection the gate applies to it in *this* store, and
refuse a definition whose numbers could not be protected (a measure that identifies people or is not a number).
"""

from __future__ import annotations

from typing import Any

from udc.errors import Forbidden
from udc.indicators.model import Count, Indicator
from udc.privacy.dimensions import identifying
from udc.privacy.policy import current
from udc.store import catalogue
from udc.store.db import Store


def publishes(store: Store, indicator: Indicator) -> list[dict[str, Any]]:
    """Per part of ``indicator`` what it publishes and how it is protected here; raises :class:`Forbidden` when a
    part cannot be protected."""
    if indicator.weighted is not None:
        return [_open_series(store, indicator)]
    rows = [
        _part(store, indicator, name, count)
        for name, count in zip(("numerator", "denominator"), indicator.counts, strict=True)
    ]
    rows.append(
        {
            "indicator": indicator.id,
            "part": "value, ci_low, ci_high",
            "what": "ratio and 95 % interval",
            "protection": "computed from the protected numerator and denominator only",
        }
    )
    return rows


def _open_series(store: Store, indicator: Indicator) -> dict[str, Any]:
    """A rate, mean or pair of counts an open series publishes: its own figures, rolled up — refused outright over
    microdata (those numbers would leave without the gate)."""
    spec = indicator.weighted
    assert spec is not None
    row = {"indicator": indicator.id, "part": "value", "what": f"published figures of {spec.dataset}, rolled up"}
    if not catalogue.exists(store, spec.dataset):
        return row | {"protection": "dataset not in this store: checked again when the definition is run"}
    sensitivity = catalogue.get(store, spec.dataset).sensitivity
    if sensitivity == "microdata":
        raise Forbidden(
            f"{indicator.id}: '{spec.dataset}' is microdata; rates, means and quotients are rolled up from published "
            "figures only (count microdata with a numerator and a denominator)"
        )
    return row | {"protection": f"{sensitivity} table: its own figures (not microdata)"}


def _part(store: Store, indicator: Indicator, part: str, count: Count) -> dict[str, Any]:
    what = f"sum of {count.measure} in {count.dataset}" if count.measure else f"rows of {count.dataset}"
    row = {"indicator": indicator.id, "part": part, "what": what}
    if count.measure and identifying(count.measure):
        raise Forbidden(f"{indicator.id}: {part}.measure '{count.measure}' identifies people; it is never summed")
    if not catalogue.exists(store, count.dataset):
        return row | {"protection": "dataset not in this store: checked again when the definition is run"}
    entry = catalogue.get(store, count.dataset)
    columns = store.columns(entry.table_name or "")
    if count.measure and count.measure not in columns:
        raise Forbidden(f"{indicator.id}: {part}.measure '{count.measure}' is not a column of {count.dataset}")
    if entry.sensitivity != "microdata":
        return row | {"protection": f"{entry.sensitivity} table: its own figures (not microdata)"}
    policy = current(store)
    if "record_key" in columns:
        text = f"cell key on the counts (D={policy.cell_key_d}, V={policy.cell_key_v:g})"
        if count.measure:
            text += (
                f" and on the sums (noise up to {policy.magnitude_m:g} × the cell's largest contribution, "
                "withheld under the threshold or a dominance rule)"
            )
    else:
        text = "secondary suppression with an LP audit" + (" of counts and sums" if count.measure else "")
    return row | {"protection": text}
