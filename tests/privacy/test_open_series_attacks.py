"""Attacks on the open-series indicators (``rate:``/``mean:``/``divide:``, 8d2718c) and the KWB import they read.

Each test is a reproduction of a fault found in a cold review: the promise is that no number derived from microdata
(or from internal data a role may not read) leaves except through the disclosure gate."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

import udc
from udc.errors import Forbidden, UdcError
from udc.indicators import model
from udc.store import Store, catalogue
from udc.store.catalogue import Dataset

PASSWORD = "Xx-attack-123456789"

DIVIDE = """\
id: attack_quotient
version: 1
title: {nl: Quotient, en: Quotient}
description: {nl: Twee getallen van een reeks gedeeld, en: Two figures of a series divided}
theme: zorg
unit: per_1000
divide: {dataset: internal_series, numerator: a, denominator: b}
universe: {nl: Inwoners, en: Inhabitants}
levels: [buurt, wijk, gemeente]
polarity: neutral
source: attack test
"""


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the published demo store with an analyst (scope GM9901) and a public account."""
    path = tmp_path / "store"
    shutil.copytree(demo_template, path)
    owner = udc.open(path)
    owner.users.add("ana", "analyst", PASSWORD, ["GM9901"])
    owner.users.add("pub", "public", PASSWORD)
    return path


def test_a_kwb_import_under_a_microdata_name_does_not_make_its_person_rows_open(demo: Path, tmp_path: Path) -> None:
    """import_kwb keeps the rows already stored under ``dataset`` and saves the whole as sensitivity 'open'
    (src/udc/sources/kwb.py, import_kwb: ``kept = catalogue.read(store, dataset)`` then ``sensitivity="open"``): an
    analyst naming a microdata dataset re-catalogues every person-level row as open data."""
    kwb = tmp_path / "kwb_2030.csv"
    kwb.write_text("Codering_3;Bevolking_Aantal_inwoners\nBU99010000;100\n", encoding="utf-8")
    public = udc.open(demo, user="pub")
    with pytest.raises(Forbidden):
        public.read("synth_persons_yearly", limit=1)
    with contextlib.suppress(UdcError):  # refusing the name is a fix
        udc.open(demo, user="ana").sources.import_kwb([str(kwb)], dataset="synth_persons_yearly")
    with Store(demo, read_only=True) as store:
        assert catalogue.get(store, "synth_persons_yearly").sensitivity == "microdata"
    with pytest.raises(Forbidden):
        public.read("synth_persons_yearly", limit=1)


def _internal_series(path: Path) -> None:
    """An internal table in the series' shape (area_code, year, variable, value, status) and a divide over it."""
    rows = pd.DataFrame(
        {
            "area_code": ["BU99010000", "BU99010000", "BU99050103", "BU99050103"],
            "year": [2020] * 4,
            "variable": ["a", "b", "a", "b"],
            "value": [7.0, 50.0, 3.0, 40.0],
            "status": ["published"] * 4,
        }
    )
    with Store(path) as store:
        catalogue.save(
            store, Dataset(name="internal_series", title="internal", source="x", sensitivity="internal"), rows
        )
    definition = path.parent / "attack_quotient.yaml"
    definition.write_text(DIVIDE, encoding="utf-8")
    model.add(path, definition)  # what 'udc indicators add' keeps (its check crashes on these forms: see below)


def test_a_public_account_cannot_compute_an_open_series_indicator_over_internal_data(demo: Path) -> None:
    """weighted.compute checks only 'not microdata'; s.indicators.compute has no role check and writes no audit
    entry: the public role, refused a read of the internal table, gets its figures (numerator and denominator
    exact) from compute."""
    _internal_series(demo)
    public = udc.open(demo, user="pub")
    with pytest.raises(Forbidden):
        public.read("internal_series")
    try:
        frame = public.indicators.compute(["attack_quotient"], years="2020")
    except (Forbidden, UdcError):
        return
    leaked = frame[frame.value.notna()]
    assert leaked.empty, f"public computed internal figures:\n{leaked[['area_code', 'numerator', 'denominator']]}"


def test_a_scoped_analyst_computes_no_internal_figures_outside_its_municipalities(demo: Path) -> None:
    """An analyst reads internal rows only within its scopes (udc.privacy.export); compute of an open-series
    indicator over the same table returns every municipality."""
    _internal_series(demo)
    analyst = udc.open(demo, user="ana")
    assert set(analyst.read("internal_series").area_code) == {"BU99010000"}  # the scope holds for a read
    try:
        frame = analyst.indicators.compute(["attack_quotient"], years="2020")
    except (Forbidden, UdcError):
        return
    outside = frame[frame.value.notna() & ~frame.area_code.str.contains("9901")]
    assert outside.empty, f"analyst (GM9901) computed:\n{outside[['area_code', 'numerator', 'denominator']]}"


def test_adding_an_open_series_definition_is_checked_not_crashed(demo: Path) -> None:
    """s.indicators.add runs publishes() on the definition, which reads numerator.measure: None for rate, mean
    and divide (src/udc/indicators/publishes.py:40) — an AttributeError instead of a check."""
    path = demo.parent / "divide.yaml"
    path.write_text(DIVIDE, encoding="utf-8")
    try:
        udc.open(demo).indicators.add(path)
    except UdcError:
        pass  # a one-line refusal is a check
    except AttributeError as exc:
        pytest.fail(f"indicators add crashed on a divide definition: {exc!r}")


def test_a_kwb_figure_that_is_infinite_is_refused_at_import(demo: Path, tmp_path: Path) -> None:
    """_numbers (src/udc/sources/kwb.py) takes 'inf' as a published figure; computing an indicator over it then
    fails with an OverflowError traceback (compute.rounded), and a release would hold an infinity (strict JSON)."""
    kwb = tmp_path / "kwb_2032.csv"
    kwb.write_text("Codering_3;Bevolking_Aantal_inwoners\nBU99010000;inf\n", encoding="utf-8")
    try:
        udc.open(demo).sources.import_kwb([str(kwb)], dataset="kwb_inf")
    except UdcError:
        return
    with Store(demo, read_only=True) as store:
        values = catalogue.read(store, "kwb_inf").value
    assert values.abs().max() < float("inf"), "an infinite figure was stored as published"


def test_a_dataset_named_like_a_release_version_does_not_share_its_table(demo: Path, tmp_path: Path) -> None:
    """A dataset's table is ``ds_<name>``; a release's version table is ``ds_<release>_v<n>``
    (catalogue.save_release). Importing microdata named ``kerncijfers_inwoners_v1`` writes the rows into the table
    the open release ``kerncijfers_inwoners`` reads (CREATE OR REPLACE in catalogue.save): the public reads the
    person-level rows under the release's name."""
    persons = tmp_path / "persons.csv"
    persons.write_text(
        "buurt_code;year;pseudonym;diagnose\nBU99010000;2020;p-001;secret-A\nBU99010001;2020;p-002;secret-B\n",
        encoding="utf-8",
    )
    with contextlib.suppress(UdcError):  # refusing the name is a fix
        udc.open(demo, user="ana").sources.import_table(
            str(persons), "kerncijfers_inwoners_v1", udc.facade.ImportOptions(sensitivity="microdata")
        )
    released = udc.open(demo, user="pub").read("kerncijfers_inwoners")
    assert "pseudonym" not in released.columns and "diagnose" not in released.columns


def test_a_researcher_releases_no_internal_data_its_agreement_does_not_cover(demo: Path) -> None:
    """gate.release_derived is checked without a target (src/udc/privacy/gate.py, release_derived: ``ensure(user,
    "gate.release_derived", audit=…, detail=…)``), so the agreement's datasets are never consulted: a researcher
    whose party may not read an internal table releases its figures as open data through ``--release``."""
    _internal_series(demo)
    owner = udc.open(demo)
    owner.parties.add("uni", "Universiteit", "onderwijs")
    owner.users.add("res", "researcher", PASSWORD)
    owner.parties.add_member("uni", "res")
    owner.agreements.add("uni_onderzoek", "uni", "onderzoek", datasets=["synth_persons_yearly"])
    researcher = udc.open(demo, user="res")
    with pytest.raises(Forbidden):
        researcher.read("internal_series")
    with contextlib.suppress(Forbidden, UdcError):
        researcher.indicators.compute(["attack_quotient"], years="2020", release="attack_open")
    with Store(demo, read_only=True) as store:
        assert not catalogue.exists(store, "attack_open"), "internal figures released as open data"
