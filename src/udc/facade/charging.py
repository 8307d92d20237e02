"""``s.laden``: charging points in, and the laadpalen prognosis out — demand per buurt through the gate, present
points from open data, the gap per scenario, the NAL check per 500 m cell (:mod:`udc.analysis.charging`)."""

from __future__ import annotations

import dataclasses
import os
import re

import pandas as pd

from udc.analysis import charging
from udc.analysis.charging import Parameters, Prognosis
from udc.errors import UdcError
from udc.facade.base import Noun
from udc.privacy.actions import ensure
from udc.sources import charging as points
from udc.store import catalogue

RELEASE_NAME = re.compile(r"^laadprognose(_[a-z0-9_]{1,40})?$")  # and never …_nal: that is the cells' table


class Charging(Noun):
    """Laadpalen (issue 32): every number out a function of the gate's published counts, the scenario, the
    parameters and open points."""

    def import_points(
        self, path: str | os.PathLike[str], *, dataset: str = charging.POINTS, year: int, shape: str | None = None
    ) -> pd.DataFrame:
        """An OCPI 2.2.1 locations file (DOT-NL), Open Charge Map JSON or a municipal CSV as an open dataset, every
        point placed in its buurt and 500 m cell or listed as outside (``udc laden import``); atomic, audited."""
        with self._udc.writing() as store:
            return points.import_file(store, str(path), dataset=dataset, year=year, shape=shape, user=self._udc.user)

    def prognose(
        self,
        area: str,
        *,
        year: int,
        scenario: str = "midden",
        parameters: Parameters | None = None,
        points: str = charging.POINTS,
    ) -> Prognosis:
        """Electric cars, needed and present public connectors and the gap per buurt of ``area`` in ``year`` under
        ``scenario``, and the NAL cells (``udc laden prognose``); audited with the scenario and parameters."""
        udc = self._udc
        detail = {
            "area": area,
            "year": year,
            "scenario": scenario,
            "parameters": (parameters or Parameters()).model_dump(),
        }
        with ensure(udc.user, "laden.prognose", charging.HOUSEHOLDS, audit=udc.audit, detail=detail) as done:
            with udc.reading(locked_down=True) as store:
                result = charging.prognose(
                    store, area, year=year, scenario=scenario, user=udc.user, audit=udc.audit,
                    parameters=parameters, points=points,
                )  # fmt: skip
            done |= {"buurten": len(result.rows), "nal_flagged": int(result.nal.flagged.sum())}
        return dataclasses.replace(result, tables=[])  # the gate's own tables stay inside

    def release(
        self,
        area: str,
        *,
        years: list[int],
        scenarios: list[str] | None = None,
        name: str = "laadprognose",
        parameters: Parameters | None = None,
    ) -> int:
        """The prognosis of every scenario and year as one open table (``name``: ``laadprognose…``), derived by the
        gate from the protected tables this run asked for; its definition (scenarios, their shares, every
        parameter) is recorded and hashed with the release. Returns the version."""
        if not RELEASE_NAME.fullmatch(name) or name.endswith("_nal"):
            raise UdcError(f"--release {name[:60]!r}: a prognosis is released as laadprognose or laadprognose_…")
        chosen = scenarios or list(charging.scenarios())
        udc = self._udc
        detail = {"name": name, "area": area, "years": years, "scenarios": chosen}
        with ensure(udc.user, "laden.release", charging.HOUSEHOLDS, audit=udc.audit, detail=detail) as done:
            with udc.reading(locked_down=True) as store:
                found = charging.study(store, area, user=udc.user, audit=udc.audit, parameters=parameters)
            with udc.writing() as store:
                version = charging.release(
                    store, found, name, years=years, scenarios_=chosen, user=udc.user, audit=udc.audit
                )
            done |= {"version": version}
        return version

    def report(
        self, area: str, *, year: int, scenario: str = "midden", parameters: Parameters | None = None,
        language: str = "nl",
    ) -> str:  # fmt: skip
        """The prognosis as one printable page (HTML; ``udc laden report --out X.pdf`` prints it)."""
        from udc.analysis import charging_report

        if language not in ("nl", "en"):
            raise UdcError(f"--lang {language}: expected nl or en")
        result = self.prognose(area, year=year, scenario=scenario, parameters=parameters)
        return charging_report.page(result, parameters or Parameters(), language)

    def nal(self, area: str, *, parameters: Parameters | None = None) -> pd.DataFrame:
        """The NAL check of ``area``'s last observed year: every 500 m cell with its households (protected), the
        distance from its centre to the nearest public point and whether it is flagged (``udc laden nal``)."""
        udc = self._udc
        detail = {"area": area, "parameters": (parameters or Parameters()).model_dump()}
        with ensure(udc.user, "laden.nal", charging.HOUSEHOLDS, audit=udc.audit, detail=detail) as done:
            with udc.reading(locked_down=True) as store:
                cells = charging.nal_only(store, area, user=udc.user, audit=udc.audit, parameters=parameters)
            done |= {"cells": len(cells), "flagged": int(cells.flagged.sum())}
        return cells

    def released(self, name: str = "laadprognose") -> pd.DataFrame | None:
        """The released prognosis (None before the first release)."""
        with self._udc.reading() as store:
            return catalogue.read(store, name) if catalogue.exists(store, name) else None
