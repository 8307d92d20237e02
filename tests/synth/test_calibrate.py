"""The initial population's template: rebuilt by the model itself, and well-formed as shipped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from udc.synth.calibrate import calibrate, main
from udc.synth.population import CODES, PULL, ROLES, TEMPLATE


def _well_formed(frame: pd.DataFrame, pull: pd.DataFrame) -> None:
    assert list(frame.columns) == ["household", "municipality", "role", "age", "sex"]
    assert set(frame["municipality"]) == set(CODES) and set(frame["role"]) <= set(ROLES)
    refs = frame[frame["role"] == "reference"].groupby("household").size()
    assert (refs == 1).all() and len(refs) == frame["household"].nunique()  # one reference per household
    assert frame.groupby("household")["municipality"].nunique().max() == 1
    assert frame["age"].between(0, 120).all() and set(frame["sex"]) <= {0, 1}
    children = frame[frame["age"] < 16]
    assert (children["role"] == "child").all()  # a child is never the reference person or a partner
    assert list(pull["municipality"]) == list(CODES) and np.isclose(pull["pull"].mean(), 1, atol=1e-3)


def test_the_shipped_template_is_well_formed() -> None:
    _well_formed(pd.read_csv(TEMPLATE), pd.read_csv(PULL))


def test_calibration_writes_a_template_from_a_run_of_the_model(tmp_path: Path, capsys) -> None:
    frame, pull = calibrate(persons=3_000, years=3, households=400)
    _well_formed(frame, pull)
    assert frame["household"].nunique() == 400
    main(["--persons", "3000", "--years", "2", "--households", "300", "--out", str(tmp_path / "households.csv")])
    written = pd.read_csv(tmp_path / "households.csv")
    _well_formed(written, pd.read_csv(tmp_path / PULL.name))
    assert "300 households" in capsys.readouterr().out
