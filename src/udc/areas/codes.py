"""Area codes: what kind of area a code names and which parent its digits imply.

CBS codes carry their hierarchy: ``BU09170001`` lies in wijk ``WK091700`` of gemeente ``GM0917``.
Regions are user-defined names (``parkstad``); foreign areas use NUTS (``DEA2D``) or LAU codes.
"""

from __future__ import annotations

import re
from typing import Any

from udc.errors import UdcError

KINDS = {
    "NL": "land",
    "LD": "landsdeel",
    "PV": "provincie",
    "CR": "corop",
    "GM": "gemeente",
    "WK": "wijk",
    "BU": "buurt",
    "region": "regio",
    "nuts": "NUTS-gebied (buitenland)",
    "lau": "LAU-gemeente (buitenland)",
    "kreis": "Kreis (Duitsland)",
}
# CLI names (Dutch, as analysts say them) → kind prefix.
KIND_NAMES = {
    "land": "NL",
    "landsdeel": "LD",
    "provincie": "PV",
    "corop": "CR",
    "gemeente": "GM",
    "wijk": "WK",
    "buurt": "BU",
    "regio": "region",
    "region": "region",
    "nuts": "nuts",
    "lau": "lau",
    "kreis": "kreis",
}

_PATTERNS = {
    "NL": re.compile(r"^NL\d{2}$"),
    "LD": re.compile(r"^LD\d{2}$"),
    "PV": re.compile(r"^PV\d{2}$"),
    "CR": re.compile(r"^CR\d{2}$"),
    "GM": re.compile(r"^GM\d{4}$"),
    "WK": re.compile(r"^WK\d{6}$"),
    "BU": re.compile(r"^BU\d{8}$"),
}
_NUTS = re.compile(r"^[A-Z]{2}[A-Z0-9]{1,3}$")
_KREIS = re.compile(r"^DE_\d{5}$")  # a German Kreis by its 5-digit AGS (DE_05334); its Gemeinden have 8 digits
_LAU = re.compile(r"^[A-Z]{2}_[A-Z0-9]{3,12}$")  # e.g. DE_05334002 (country + national code)
_REGION = re.compile(r"^[a-z][a-z0-9_-]{1,40}$")

# Provinces per landsdeel (CBS: "Regionale groepering van provincies").
LANDSDEEL = {
    "PV20": "LD01",
    "PV21": "LD01",
    "PV22": "LD01",
    "PV23": "LD02",
    "PV24": "LD02",
    "PV25": "LD02",
    "PV26": "LD03",
    "PV27": "LD03",
    "PV28": "LD03",
    "PV29": "LD03",
    "PV30": "LD04",
    "PV31": "LD04",
}


def normalise(code: str) -> str:
    """Strip CBS padding (``"GM0917    "``) and upper-case CBS prefixes; region names stay lower case."""
    code = code.strip()
    return code.upper() if code[:2].upper() in _PATTERNS else code


def kind_of(code: str) -> str:
    """The kind of an area code, or a UdcError saying what a valid code looks like."""
    code = normalise(code)
    for kind, pattern in _PATTERNS.items():
        if pattern.match(code):
            return kind
    if _KREIS.match(code):
        return "kreis"
    if _LAU.match(code):
        return "lau"
    if _REGION.match(code):
        return "region"
    if _NUTS.match(code) and not code.startswith(tuple(_PATTERNS)):
        return "nuts"
    raise UdcError(
        f"'{code}' is not an area code: expected e.g. GM0917, WK091700, BU09170001, PV31, "
        "a region name (parkstad) or a NUTS/LAU code (DEA2D, DE_05334002)"
    )


def kind_from_name(name: str) -> str:
    """Map a CLI kind (``gemeente``, ``GM``, …) to the kind prefix."""
    if name in KINDS:
        return name
    if name.upper() in _PATTERNS:
        return name.upper()
    try:
        return KIND_NAMES[name.lower()]
    except KeyError:
        raise UdcError(f"unknown area kind '{name}': expected one of {', '.join(KIND_NAMES)}") from None


def parent_from_code(code: str) -> str | None:
    """The parent implied by the digits: BU→WK, WK→GM, PV→LD; None where digits say nothing."""
    kind = kind_of(code)
    if kind == "BU":
        return "WK" + code[2:8]
    if kind == "WK":
        return "GM" + code[2:6]
    if kind == "PV":
        return LANDSDEEL.get(code)
    if kind == "LD":
        return "NL01"
    return None


def wijk_of(code: str) -> str:
    """The wijk of a buurt code (BU09170001 → WK091700); other codes unchanged."""
    return "WK" + code[2:8] if code.startswith("BU") and len(code) == 10 else code


def gemeente_of(code: str) -> str:
    """The gemeente of a buurt or wijk code (BU09170001, WK091700 → GM0917); other codes unchanged."""
    return "GM" + code[2:6] if code.startswith(("BU", "WK")) and len(code) in (8, 10) else code


def wijk_expr(code: Any) -> Any:
    """:func:`wijk_of` as an Ibis expression on a string column (runs on any engine Ibis compiles to)."""
    import ibis

    return ibis.cases((code.startswith("BU"), "WK" + code.substr(2, 6)), else_=code)


def gemeente_expr(code: Any) -> Any:
    """:func:`gemeente_of` as an Ibis expression on a string column."""
    import ibis

    return ibis.cases((code.startswith("BU") | code.startswith("WK"), "GM" + code.substr(2, 4)), else_=code)


def period_key(period: str) -> tuple[str, str]:
    """Sort key of a period 'first-last' (or a year): by its last year, then its first."""
    parts = str(period).split("-")
    return parts[-1], parts[0]


def is_span(period: str) -> bool:
    """Whether a period covers more than one year ('2019-2020')."""
    parts = str(period).split("-")
    return parts[0] != parts[-1]
