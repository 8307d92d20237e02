"""CBS conventions: padded codes, period codes and statistical symbols.

A StatLine cell is a number or a *symbol* explaining why there is none. Symbols are kept as typed missing values
(the value is null, a companion ``<column>__symbol`` says why) so that "secret" never turns into 0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

# CBS "verklaring van symbolen" (StatLine) and the odata4 ValueAttribute names.
SYMBOLS = {
    ".": "unknown",  # gegevens ontbreken / geheim of onbetrouwbaar: niet bekend
    "x": "secret",  # geheim
    "-": "nil",  # nihil
    "0": "less_than_half",  # (0 with a symbol column) minder dan de helft van de gekozen eenheid
    "?": "unreliable",  # cijfer onbetrouwbaar
    "*": "provisional",  # voorlopig cijfer
    "**": "revised_provisional",  # nader voorlopig cijfer
    "": "empty",  # een lege cel: niet van toepassing
}
VALUE_ATTRIBUTES = {  # odata4 Observations.ValueAttribute → our symbol names
    "None": None,
    "Missing": "unknown",
    "Impossible": "not_applicable",
    "Confidential": "secret",
    "Nil": "nil",
    "Unreliable": "unreliable",
    "Provisional": "provisional",
    "RevisedProvisional": "revised_provisional",
}

_PERIOD = re.compile(r"^(?P<year>\d{4})(?P<kind>JJ|KW|MM|G\d|X\d|HJ|SJ|SM)(?P<n>\d{2})$")


def strip_code(value: object) -> object:
    """``"GM0917    "`` → ``"GM0917"``; other values pass unchanged."""
    return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class Period:
    """A CBS period code with its calendar span (end exclusive)."""

    code: str
    kind: str  # year, quarter, month, multi_year, half_year, …
    year: int
    start: date
    end: date


def parse_period(code: str) -> Period:
    """``2019JJ00`` year, ``2020KW01`` quarter, ``2020MM01`` month, ``2019G300`` three years from 2019, ``2019X000``
    (a year range ending in 2019 in some tables) — anything else raises ValueError."""
    code = code.strip()
    found = _PERIOD.match(code)
    if not found:
        if re.fullmatch(r"\d{4}", code):
            year = int(code)
            return Period(code, "year", year, date(year, 1, 1), date(year + 1, 1, 1))
        raise ValueError(f"'{code}' is not a CBS period code (expected e.g. 2019JJ00, 2020KW01, 2020MM01)")
    year, kind, n = int(found["year"]), found["kind"], int(found["n"])
    if kind == "JJ":
        return Period(code, "year", year, date(year, 1, 1), date(year + 1, 1, 1))
    if kind == "KW" and 1 <= n <= 4:
        end = date(year, 3 * n + 1, 1) if n < 4 else date(year + 1, 1, 1)
        return Period(code, "quarter", year, date(year, 3 * n - 2, 1), end)
    if kind == "MM" and 1 <= n <= 12:
        return Period(code, "month", year, date(year, n, 1), date(year + n // 12, n % 12 + 1, 1))
    if kind in ("HJ", "SJ") and n in (1, 2):
        return Period(code, "half_year", year, date(year, 6 * n - 5, 1), date(year + n // 2, (6 * n) % 12 + 1, 1))
    if kind[0] == "G":  # GnNN: n years starting in `year`
        span = int(kind[1])
        return Period(code, "multi_year", year, date(year, 1, 1), date(year + span, 1, 1))
    if kind[0] == "X":  # XnNN: a span ending in `year`
        span = max(int(kind[1]), 1)
        return Period(code, "multi_year", year, date(year - span + 1, 1, 1), date(year + 1, 1, 1))
    raise ValueError(f"'{code}' is not a CBS period code (expected e.g. 2019JJ00, 2020KW01, 2020MM01)")


def parse_cell(text: str) -> tuple[float | None, str | None]:
    """A cell of a "CSV met statistische symbolen": (number, None) or (None, symbol name).

    Numbers use a decimal point in these downloads; padded with spaces. A bare ``0`` is a number.
    """
    raw = text.strip()
    if raw in SYMBOLS and raw != "0":
        return None, SYMBOLS[raw]
    try:
        return float(raw), None
    except ValueError:
        symbols = ", ".join(repr(s) for s in SYMBOLS)
        raise ValueError(f"'{raw}' is neither a number nor a CBS symbol ({symbols})") from None
