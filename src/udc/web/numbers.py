"""Numbers as a reader of the page's language writes them (nl 1.234 and 12,5; en 1,234 and 12.5) — one formatter
for templates, chart labels and hover texts, so a map's hover and its table agree."""

from __future__ import annotations

import math


def fmt(value: object, language: str = "nl", decimals: int | None = None) -> str:
    """Whole numbers without decimals, others with ``decimals`` (default one; below 1 two significant digits, at
    least two decimals: cars per inhabitant 0,52 is not 0,5, motorcycles per inhabitant 0,038 is not 0,04); missing
    or withheld as an en dash."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)  # numpy scalars
        except (TypeError, ValueError):
            return str(value)
    whole = float(value).is_integer() and decimals is None
    if decimals is None and 0 < abs(float(value)) < 1:
        decimals = max(2, 1 - math.floor(math.log10(abs(float(value)))))
    elif decimals is None and value == 0:
        decimals = 2
    text = f"{int(value):,}" if whole else f"{value:,.{1 if decimals is None else decimals}f}"
    return text if language == "en" else text.replace(",", "_").replace(".", ",").replace("_", ".")
