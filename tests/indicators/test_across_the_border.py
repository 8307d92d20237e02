"""Indicators across the border (issue 31, item 3): a region with Dutch and German members, each side from its own
statistics — the Dutch members through the gate, the German Gemeinden from the imported Regionalstatistik table —
side by side with how comparable they are (the concordance shipped as data)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

import udc
from cli_runner import udc as run_udc
from udc.indicators.crossborder import concordance, topics

MEMBERS = ["GM9904", "GM9907", "DE_99001001", "DE_99001003"]  # two border municipalities and their neighbours


def test_a_region_across_the_border_lists_both_countries_with_their_comparability(demo_store: Path) -> None:
    store = str(demo_store)
    run_udc("--store", store, "regions", "define", "grens_oost", "--members", ",".join(MEMBERS))
    ran = run_udc("--store", store, "indicators", "compute", "--ids", "bevolking_65plus,bevolking_80plus",
                  "--region", "grens_oost", "--years", "2020-2021", "--format", "json")  # fmt: skip
    rows = json.loads(ran.stdout)
    by = {(r["indicator"], r["area_code"], r["period"]): r for r in rows}
    assert {a for _, a, _ in by} == {"grens_oost", *MEMBERS}  # the region and every member, both countries
    assert {r["country"] for r in rows} == {"NL", "DE", "DE,NL"}
    german = udc.open(demo_store).read("regionalstatistik_bevolking")
    german = german[(german.ges == "Totaal") & (german.altx17 != "Totaal")]
    for code in ("DE_99001001", "DE_99001003"):
        for year in ("2020", "2021"):
            row = by[("bevolking_65plus", code, year)]
            mine = german[(german.area_code == code) & (german.period == year)]
            assert row["numerator"] == mine[mine.altx17.isin(["ALT065B75", "ALT075UM"])].value.sum()
            assert row["denominator"] == mine.value.sum()  # all 17 age groups: the Gemeinde's residents
            assert row["status"] == "published" and row["ci_low"] is None  # official figures: no interval of ours
            assert row["comparability"] == "comparable" and "31.12." in row["comparability_note"]
    for year in ("2020", "2021"):  # the region: the sum of its members' published counts, both sides
        parts = [by[("bevolking_65plus", m, year)] for m in MEMBERS]
        region = by[("bevolking_65plus", "grens_oost", year)]
        assert region["numerator"] == sum(p["numerator"] for p in parts)
        assert region["denominator"] == sum(p["denominator"] for p in parts)
    no_group = by[("bevolking_80plus", "DE_99001001", "2021")]  # the German table ends with 75 and over
    assert no_group["status"] == "no_source" and no_group["value"] is None
    assert no_group["comparability"] == "not_comparable" and "75" in no_group["comparability_note"]
    assert ("bevolking_80plus", "grens_oost", "2021") not in by  # no region figure from one side only
    dutch = by[("bevolking_65plus", "GM9904", "2021")]
    alone = json.loads(run_udc("--store", store, "indicators", "compute", "--ids", "bevolking_65plus", "--areas",
                               "GM9904", "--years", "2020-2021", "--format", "json").stdout)  # fmt: skip
    same = next(r for r in alone if r["period"] == "2021")
    assert (dutch["numerator"], dutch["denominator"]) == (same["numerator"], same["denominator"])
    assert "country" not in same  # a Dutch-only question keeps its documented shape


def test_the_demo_releases_its_cross_border_region_beside_the_german_statistics(demo_store: Path) -> None:
    s = udc.open(demo_store)
    released = s.read("grensregio_indicatoren")
    assert set(released.country.dropna()) == {"NL", "DE", "DE,NL"}
    assert released[released.country == "DE"].area_code.str.match(r"^DE_99001\d{3}$").all()
    tourism = s.read("regionalstatistik_toerisme")
    secret = tourism[tourism.area_code == "DE_99001006"]
    assert secret.value.isna().all() and set(secret.status) == {"unknown or secret"}  # "." typed, not dropped
    assert set(tourism.reference) == {f"kalenderjaar {y}" for y in tourism.period}


def test_every_concordance_topic_says_why_in_both_languages() -> None:
    assert {t.comparability for t in topics()} <= {"comparable", "with_caveats", "not_comparable"}
    assert all(t.note.nl and t.note.en for t in topics())
    computed = {i for i, t in concordance().items() if t.de is not None}
    assert computed == {"bevolking_0_17", "bevolking_18_64", "bevolking_65plus"}
    assert pd.Series([t.indicator or t.topic.en for t in topics()]).is_unique  # type: ignore[union-attr]
