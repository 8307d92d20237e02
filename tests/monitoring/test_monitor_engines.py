"""A programme's monitor on two engines: every table it asks the gate for counted by DuckDB or by Spark gives the
same report — baselines, actuals, comparison areas, estimates and intervals."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import udc
from cli_runner import udc as run_udc
from two_engines import spark_jobs
from udc.monitoring.model import library

# the slow step, on the Spark standalone cluster the tests start (tests/conftest.py), in one worker's session
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("spark_cluster")]
XDIST_GROUP = "spark"


def test_the_monitor_is_identical_on_duckdb_and_spark(demo_store: Path, tmp_path: Path) -> None:
    programme = {
        **library()["kansrijk-van-start"].model_dump(mode="json", exclude_none=True),
        "id": "tweemotorig",
        "start": 2021,
        "baseline": [2019, 2020],
        "areas": [f"WK9901{i:02d}" for i in range(6)],  # pooled wide enough that the baseline is never withheld
        "indicators": [{"indicator": "jeugd_jeugdzorg", "direction": "down"}],
        "comparison": {"areas": [f"WK9901{i:02d}" for i in range(6, 16)]},
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(programme))
    run_udc("--store", str(demo_store), "monitor", "add", str(tmp_path / "p.yaml"))
    api = udc.open(demo_store)
    on_duckdb = api.monitor.report("tweemotorig")
    with spark_jobs() as ran:
        on_spark = api.monitor.report("tweemotorig", engine="spark")
    assert ran, "the Spark run did not go through Spark"
    (row,) = on_duckdb["indicators"]
    assert None not in (row["baseline"], row["actual"], row["comparison"])  # numbers to compare (the estimate of
    # so small a demo is withheld: a count below the threshold — the same on both engines)
    assert on_spark["indicators"] == on_duckdb["indicators"]
