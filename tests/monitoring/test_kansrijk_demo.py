"""The issue's own check, on a fresh default demo (250 000 residents, 2015-2024): the monitor recovers the planted
effect of Kansrijk van Start (−4 percentage points of preterm births from 2019 in three central wijken of Kernstad)
within its 95 % interval, finds none in the placebo programme, and the web page and the PDF say so."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from udc.synth.params import Params
from udc.web.app import create_app

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    store = tmp_path_factory.mktemp("kvs") / "store"
    subprocess.run(
        [sys.executable, "-m", "udc", "--store", str(store), "demo", "--quiet"],
        check=True,
        capture_output=True,
        timeout=900,
    )
    return store


def report(store: Path, programme: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "udc", "--store", str(store), "monitor", "report", programme, "--format", "json"],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)[0]


def test_the_planted_effect_is_recovered_and_the_placebo_shows_none(demo: Path) -> None:
    planted = -100 * Params().kvs_effect
    preterm = next(
        r for r in report(demo, "kansrijk-van-start")["indicators"] if r["indicator"] == "jeugd_vroeggeboorte"
    )
    assert preterm["ci_low"] <= planted <= preterm["ci_high"] and preterm["ci_high"] < 0
    assert preterm["pre_trend"]["ci_low"] <= 0 <= preterm["pre_trend"]["ci_high"]  # parallel before the start
    assert preterm["placebo_time"]["ci_low"] <= 0 <= preterm["placebo_time"]["ci_high"]
    assert set(preterm) >= {
        "baseline",
        "actual",
        "target",
        "comparison",
        "estimate",
        "ci_low",
        "ci_high",
        "p_value",
        "method",
    }
    placebo = report(demo, "placebo-kansrijk")["indicators"][0]
    assert placebo["ci_low"] <= 0 <= placebo["ci_high"]


def test_the_page_and_the_pdf_show_it(demo: Path) -> None:
    with TestClient(create_app(demo)) as client:
        page = client.get("/monitor/kansrijk-van-start").text
        english = client.get("/monitor/kansrijk-van-start?lang=en").text
        pdf = client.get("/monitor/kansrijk-van-start/rapport.pdf")
    assert "Sinds de start in 2019 daalde vroeggeboorte in de programmawijken met" in page
    assert "Wat dit niet bewijst" in page and "What this does not prove" in english
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF") and len(pdf.content) > 10_000
