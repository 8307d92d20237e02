"""Numbers as a reader of the page's language writes them (nl 1.234 and 12,5; en 1,234 and 12.5) — one formatter
for templates, chart labels and hover texts, so a map's hover and its table agree."""

from __future__ import annotations


def fmt(value: object, language: str = "nl", decimals: int | None = None) -> str:
    """Whole numbers without decimals, others with ``decimals`` (default one, two below 1: cars per inhabitant
    0,52 is not 0,5); missing or withheld as an en dash."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if isinstance(value, bool) or not isinstance(value, int | float):
        try:
            value = float(value)  # numpy scalars
        except (TypeError, ValueError):
            return str(value)
    whole = float(value).is_integer() and decimals is None
    if decimals is None and abs(float(value)) < 1:
        decimals = 2
    text = f"{int(value):,}" if whole else f"{value:,.{1 if decimals is None else decimals}f}"
    return text if language == "en" else text.replace(",", "_").replace(".", ",").replace("_", ".")
