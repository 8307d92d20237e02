"""Programme definitions: the built-in Kansrijk van Start matches the synthetic population's planted programme, a
programme file is checked with a one-line error naming the file and field, and the CLI lists, shows and adds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cli_runner import udc
from udc.monitoring.model import library
from udc.synth.params import Params

KVS = library()["kansrijk-van-start"]


def test_the_demo_programme_is_where_the_population_has_it() -> None:
    params = Params()
    assert tuple(KVS.areas) == params.kvs_wijken and KVS.start == params.kvs_start
    assert KVS.indicators[0].indicator == "jeugd_vroeggeboorte"  # the outcome the effect is planted on
    placebo = library()["placebo-kansrijk"]
    assert placebo.placebo and not set(placebo.areas) & set(KVS.areas)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"baseline": [2015, 2019]}, "baseline 2015-2019 must end before the start 2019"),
        ({"areas": ["WK990100", "BU99010000"]}, "codes of one kind"),
        ({"comparison": {"areas": ["WK990100"]}}, "comparison areas must not be target areas"),
        ({"comparison": {"areas": ["WK990103"], "match": {"by": ["jeugd_vroeggeboorte"]}}}, "either areas"),
        ({"start": "next year"}, "start"),
    ],
)
def test_a_bad_programme_file_is_one_line_naming_file_and_field(tmp_path: Path, change: dict, message: str) -> None:
    data = {**KVS.model_dump(mode="json", exclude_none=True), "id": "mijn-programma", **change}
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(data))
    ran = udc("--store", str(tmp_path / "s"), "monitor", "add", str(path), check=False)
    assert ran.returncode == 1 and message in ran.stderr and str(path) in ran.stderr
    assert len(ran.stderr.strip().splitlines()) == 1


def test_list_show_and_add(tmp_path: Path) -> None:
    store = tmp_path / "s"
    data = {
        **KVS.model_dump(mode="json", exclude_none=True),
        "id": "buurtaanpak",
        "areas": ["WK990103"],
        "comparison": {"areas": ["WK990104", "WK990105"]},
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    assert "buurtaanpak v1: added" in udc("--store", str(store), "monitor", "add", str(tmp_path / "p.yaml")).stdout
    listed = json.loads(udc("--store", str(store), "monitor", "list", "--format", "json").stdout)
    assert {r["id"] for r in listed} == {"kansrijk-van-start", "placebo-kansrijk", "buurtaanpak"}
    shown = json.loads(udc("--store", str(store), "monitor", "show", "buurtaanpak").stdout)
    assert shown["comparison"] == {"areas": ["WK990104", "WK990105"]} and len(shown["sha256_16"]) == 16
    data["indicators"] = [{"indicator": "bestaat_niet", "direction": "down"}]
    (tmp_path / "q.yaml").write_text(yaml.safe_dump({**data, "id": "fout"}))
    ran = udc("--store", str(store), "monitor", "add", str(tmp_path / "q.yaml"), check=False)
    assert ran.returncode == 1 and "no indicator 'bestaat_niet'" in ran.stderr
    assert "fout" not in udc("--store", str(store), "monitor", "list", "--format", "json").stdout  # nothing kept


def test_a_planned_programme_gets_its_minimum_detectable_effect(demo_store: Path, tmp_path: Path) -> None:
    """Before the start there is no effect to estimate, only what could be detected: 2.80 standard errors of a
    follow-up as large as the nulmeting."""
    data = {
        **KVS.model_dump(mode="json", exclude_none=True),
        "id": "gepland",
        "start": 2023,
        "baseline": [2019, 2021],
        "areas": ["WK990100", "WK990101", "WK990102"],
        "indicators": [{"indicator": "jeugd_jeugdzorg", "direction": "down"}],
        "comparison": {"areas": ["WK990103", "WK990104", "WK990105", "WK990106"]},
    }
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(data))
    udc("--store", str(demo_store), "monitor", "add", str(tmp_path / "p.yaml"))
    report = json.loads(udc("--store", str(demo_store), "monitor", "report", "gepland", "--format", "json").stdout)[0]
    row = report["indicators"][0]
    assert row["estimate"] is None and row["reason"] == "not_started" and row["mde"] > 0
    assert row["sentence"].startswith("Het programma begint in 2023. Met deze gebieden is een effect kleiner dan")
    assert row["baseline"] is not None and report["comparison_areas"] == data["comparison"]["areas"]
