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


def test_wijk_and_gemeente_of_a_code_in_python_and_in_ibis() -> None:
    import ibis
    import pandas as pd

    from udc.areas.codes import gemeente_expr, gemeente_of, wijk_expr, wijk_of

    codes = ["BU09170001", "WK091700", "GM0917", "ZZ_BUITENLAND", "Totaal"]
    assert [wijk_of(c) for c in codes] == ["WK091700", "WK091700", "GM0917", "ZZ_BUITENLAND", "Totaal"]
    assert [gemeente_of(c) for c in codes] == ["GM0917", "GM0917", "GM0917", "ZZ_BUITENLAND", "Totaal"]
    t = ibis.memtable(pd.DataFrame({"code": codes}))
    out = ibis.duckdb.connect().execute(t.select(wk=wijk_expr(t.code), gm=gemeente_expr(t.code)))
    assert list(out.wk) == [wijk_of(c) for c in codes] and list(out.gm) == [gemeente_of(c) for c in codes]


def test_periods_sort_by_their_last_year_then_their_first() -> None:
    from udc.areas.codes import is_span, period_key

    assert sorted(["2021-2021", "2019-2020", "2020-2021", "2020-2020"], key=period_key) == [
        "2019-2020",
        "2020-2020",
        "2020-2021",
        "2021-2021",
    ]
    assert is_span("2019-2020") and not is_span("2020-2020") and not is_span("2020")
