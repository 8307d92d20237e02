"""Known-answer tables for the primary rules (computed by hand in the comments)."""

import pandas as pd
import pytest

from udc.errors import InputError
from udc.privacy.gate import check_table
from udc.privacy.policy import Policy
from udc.privacy.rules import primary

TABLE = pd.DataFrame(
    {
        "cell": ["A", "B", "C", "D", "E", "F"],
        "count": [5, 20, 30, 12, 0, 10],
        "total": [100, 1000, 1000, 500, 0, 100],
        "top1": [50, 950, 400, 300, 0, 50],
        "top2": [20, 20, 300, 190, 0, 40],
    }
)
# A: 5 < 10 → threshold.                         B: (950+20)/1000 = .97 ≥ .9 → nk; (1000-970)/950 = .03 < .1 → p %.
# C: .70 < .9; (1000-700)/400 = .75 → safe.      D: 490/500 = .98 → nk; 10/300 = .033 → p %.
# E: an empty cell, zeros not disclosive → safe.  F: 90/100 = .90 ≥ .9 → nk (ACRO's ≥); 10/50 = .2 → p % passes.


def test_known_answers() -> None:
    flags = primary(TABLE, Policy(), total="total", top1="top1", top2="top2")
    assert flags.threshold.tolist() == [True, False, False, False, False, False]
    assert flags.nk.tolist() == [False, True, False, True, False, True]
    assert flags.p_percent.tolist() == [False, True, False, True, False, False]
    assert flags.safe.tolist() == [False, False, True, False, True, False]


def test_zeros_can_be_declared_disclosive() -> None:
    flags = primary(TABLE, Policy(zeros_disclosive=True))
    assert flags.threshold.tolist() == [True, False, False, False, True, False]


def test_check_output_is_acro_style() -> None:
    results = check_table(TABLE, Policy(), total="total")
    assert results[1] == {"cell": "B", "rules_failed": ["nk", "p_percent"], "verdict": "fail"}
    assert results[2]["verdict"] == "pass"


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (pd.DataFrame({"cell": ["A"], "n": [3]}), "no 'count' column"),
        (pd.DataFrame({"cell": ["A"], "count": [-1]}), "row 2, field 'count': '-1' is not a count"),
        (
            pd.DataFrame({"cell": ["A"], "count": [20], "total": [10], "top1": [8], "top2": [9]}),
            "inconsistent contributions",
        ),
    ],
)
def test_bad_tables(frame: pd.DataFrame, message: str) -> None:
    with pytest.raises(InputError, match=message):
        primary(
            frame,
            Policy(),
            total="total" if "total" in frame else None,
            top1="top1" if "total" in frame else None,
            top2="top2" if "total" in frame else None,
        )


def test_model_degrees_of_freedom() -> None:
    from udc.errors import UdcError
    from udc.privacy.rules import model_output

    model_output(40, 5, Policy())
    with pytest.raises(UdcError, match="residual degrees of freedom 9 < 10"):
        model_output(14, 5, Policy())
