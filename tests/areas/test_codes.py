import pytest

from udc.areas.codes import kind_of, normalise, parent_from_code
from udc.errors import UdcError


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("GM0917", "GM"),
        ("WK091700", "WK"),
        ("BU09170001", "BU"),
        ("PV31", "PV"),
        ("CR39", "CR"),
        ("LD04", "LD"),
        ("NL01", "NL"),
        ("parkstad", "region"),
        ("DEA2D", "nuts"),
        ("DE_05334002", "lau"),
    ],
)
def test_kinds(code: str, kind: str) -> None:
    assert kind_of(code) == kind


def test_padding_is_stripped() -> None:
    assert normalise("GM0917    ") == "GM0917"


def test_hierarchy_from_digits() -> None:
    assert parent_from_code("BU09170001") == "WK091700"
    assert parent_from_code("WK091700") == "GM0917"
    assert parent_from_code("PV31") == "LD04"


@pytest.mark.parametrize("bad", ["GM917", "BU0917", "gm 0917", "12345"])
def test_malformed_codes_are_rejected(bad: str) -> None:
    with pytest.raises(UdcError, match="not an area code"):
        kind_of(bad)
