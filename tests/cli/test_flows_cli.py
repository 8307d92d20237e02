"""`udc flows` end to end on a small demo store: formats, files, the one-pass study, releases, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from test_main import udc


@pytest.fixture(scope="module")
def demo(demo_store: Path) -> Path:
    """A copy of the session's published demo store (built once for all tests; `udc demo` itself is tested in
    tests/cli/test_main.py and the slow step)."""
    return demo_store


def test_balance_json_and_parquet_file(demo: Path, tmp_path: Path) -> None:
    rows = json.loads(udc(demo, "flows", "--region", "demoregio", "--format", "json").stdout)
    cells = {r["direction"]: r["count"] for r in rows}
    assert set(cells) == {"in", "out", "within", "Totaal"} and cells["within"] > cells["in"] > 0
    out = tmp_path / "dest.parquet"
    udc(demo, "flows", "--municipality", "GM9901", "--view", "destinations", "--format", "parquet", "--out", str(out))
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["other_class", "other_gm", "count", "status"]
    assert set(frame.status) <= {"perturbed", "suppressed"}
    bad = udc(demo, "flows", "--region", "demoregio", "--format", "parquet", check=False)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and "--out" in bad.stderr


def test_study_writes_every_view_and_release_is_catalogued(demo: Path, tmp_path: Path) -> None:
    result = udc(demo, "flows", "study", "--out", str(tmp_path / "s"), "--areas", "GM9901,demoregio", "-f", "csv")
    files = sorted(p.name for p in (tmp_path / "s").iterdir())
    assert files == sorted(
        f"{v}.csv" for v in ("balance", "destinations", "origins", "od", "triggers", "trend", "rates")
    )
    assert "rates:" in result.stdout
    rates = pd.read_csv(tmp_path / "s" / "rates.csv")
    assert set(rates.area) == {"GM9901", "demoregio"} and set(rates.measure) >= {"in", "out", "residents"}
    udc(demo, "flows", "study", "--out", str(tmp_path / "t"), "--areas", "GM9901", "-f", "csv", "--tails")
    short, full = (pd.read_csv(tmp_path / d / "destinations.csv") for d in ("s", "t"))
    tails = full[
        ~full.set_index(["area", "group", "other_class", "other_gm"]).index.isin(
            short.set_index(["area", "group", "other_class", "other_gm"]).index
        )
    ]
    assert len(tails) > 0 and (tails.status == "suppressed").all()  # --tails adds only withheld flows
    udc(demo, "flows", "--region", "demoregio", "--release", "verhuisbalans_demoregio")
    shown = json.loads(udc(demo, "catalog", "show", "verhuisbalans_demoregio", "--format", "json").stdout)[0]
    assert shown["sensitivity"] == "open" and shown["provenance"]["method"] == "cellkey"


def test_a_study_does_not_silently_replace_the_dashboards_release(demo: Path, tmp_path: Path) -> None:
    def columns(version: int | None = None) -> set[str]:
        out = tmp_path / "balance.csv"
        chosen = ["--version", str(version)] if version else []
        udc(demo, "export", "verhuisstromen_balance", "--out", str(out), *chosen)
        return set(pd.read_csv(out).columns)

    assert "period" in columns()  # the demo released several periods for the dashboards' filter
    study = ["flows", "study", "--out", str(tmp_path / "s"), "--areas", "GM9901", "--release", "verhuisstromen"]
    refused = udc(demo, *study, check=False)
    assert refused.returncode == 1 and refused.stderr.count("\n") == 1
    assert "verhuisstromen_balance (without period)" in refused.stderr and "--replace" in refused.stderr
    shown = json.loads(udc(demo, "catalog", "show", "verhuisstromen_balance", "--format", "json").stdout)[0]
    assert [v["version"] for v in shown["versions"]] == [1] and "period" in columns()  # nothing released
    udc(demo, *study, "--replace")
    shown = json.loads(udc(demo, "catalog", "show", "verhuisstromen_balance", "--format", "json").stdout)[0]
    assert [(v["version"], v["replaced_shape"]) for v in shown["versions"]] == [(1, False), (2, True)]
    assert "period" not in columns() and "period" in columns(1)  # the six-period version is still there
