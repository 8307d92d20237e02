import pandas as pd
import pytest

from udc.areas.harmonise import harmonise, parse_rates
from udc.errors import InputError, UdcError
from udc.store import Store

SERIES_2018 = pd.DataFrame(
    {
        "area_code": ["GM0951", "GM0881", "GM0962", "GM0917"],
        "year": [2018] * 4,
        "inwoners": [15187, 7782, 12758, 86762],
        "bijstand_pct": [3.0, 2.0, 4.0, 9.0],
    }
)


def test_2018_to_2019_and_back(registry_store: Store) -> None:
    forward = harmonise(registry_store, SERIES_2018, 2019, rates={"bijstand_pct": "inwoners"})
    beek = forward.table.set_index("area_code").loc["GM1954"]
    assert beek.inwoners == 15187 + 7782 + 12758
    assert beek.bijstand_pct == pytest.approx((3.0 * 15187 + 2.0 * 7782 + 4.0 * 12758) / 35727)
    assert forward.table.set_index("area_code").loc["GM0917"].inwoners == 86762
    report = forward.report.set_index("area_code")
    assert report.loc["GM1954", "method"] == "merged" and report.loc["GM0917", "method"] == "unchanged"

    back = harmonise(registry_store, forward.table, 2018, boundary_year=2019, rates={"bijstand_pct": "inwoners"})
    b = back.table.set_index("area_code")
    assert b.loc["GM0951", "inwoners"] == 15187 and b.loc["GM0881", "inwoners"] == 7782
    assert b.loc["GM0917", "inwoners"] == 86762
    assert b.loc["GM0962", "bijstand_pct"] == pytest.approx(beek.bijstand_pct)  # a rate splits unchanged
    assert back.report.set_index("area_code").loc["GM0951", "method"] == "split"


def test_missing_source_value_makes_the_target_missing(registry_store: Store) -> None:
    data = SERIES_2018.copy()
    data.loc[1, "inwoners"] = None
    out = harmonise(registry_store, data, 2019).table.set_index("area_code")
    assert pd.isna(out.loc["GM1954", "inwoners"]) and out.loc["GM0917", "inwoners"] == 86762


def test_code_on_the_wrong_boundaries_is_an_error(registry_store: Store) -> None:
    data = pd.DataFrame({"area_code": ["GM1954"], "year": [2018], "n": [1]})
    with pytest.raises(InputError, match="row 2, field 'area_code': GM1954 did not exist on 2018-01-01"):
        harmonise(registry_store, data, 2019, source="f.csv")


def test_unknown_code_and_bad_value(registry_store: Store) -> None:
    with pytest.raises(InputError, match="unknown area code 'GM9999'"):
        harmonise(registry_store, pd.DataFrame({"area_code": ["GM9999"], "year": [2018], "n": [1]}), 2019)
    with pytest.raises(InputError, match="row 2, field 'n': value 'veel' is not a number"):
        harmonise(registry_store, pd.DataFrame({"area_code": ["GM0917"], "year": [2018], "n": ["veel"]}), 2019)


def test_rates_need_a_count_denominator(registry_store: Store) -> None:
    with pytest.raises(InputError, match="denominator 'huishoudens'"):
        harmonise(registry_store, SERIES_2018, 2019, rates={"bijstand_pct": "huishoudens"})
    with pytest.raises(UdcError, match="COLUMN:DENOMINATOR"):
        parse_rates(["bijstand_pct"])
