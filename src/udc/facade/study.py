"""``s.study``: background analyses through the gate — which household characteristics go with youth care, income
support or debt help (relative risks), and which areas have more or less than their composition predicts."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

import pandas as pd

from udc.analysis import background, background_report
from udc.analysis.background import Result, Study
from udc.errors import UdcError
from udc.facade.base import Noun, Years, span
from udc.privacy.actions import ensure
from udc.store import catalogue

RELEASE_NAME = re.compile(r"^verwacht_[a-z0-9_]{1,40}$")


def _outside(result: Result) -> Result:
    """What a caller gets: the rows, years and notes — not the gate's own table objects (they carry which cells
    failed a rule on their true counts: for the gate's audit, never an output)."""
    return dataclasses.replace(result, tables=[])


class Studies(Noun):
    """Background studies (:mod:`udc.analysis.background`): every input a cell the gate published, as this user."""

    def outcomes(self) -> list[Study]:
        """The study definitions shipped with udc (``youth_care``, ``bijstand``, ``debt_help``)."""
        return list(background.library().values())

    def determinants(
        self, outcome: str, *, by: list[str] | None = None, years: Years | None = None, within: str | None = None
    ) -> Result:
        """Relative risks of ``outcome`` per level of each factor ``by`` (default: the study's factors), with 95 %
        intervals, from the gate's published cells (audited: the study and each table it asks)."""
        study = background.get(outcome)
        chosen = span(years) if years is not None else None
        detail = {"outcome": outcome, "by": by or list(study.factors), "within": within}
        udc = self._udc
        with ensure(udc.user, "study.determinants", study.dataset, audit=udc.audit, detail=detail) as done:
            with udc.reading(locked_down=True) as store:
                result = background.determinants(
                    store, study, by=by, years=chosen, within=within, user=udc.user, audit=udc.audit
                )
            done |= {"rows": len(result.rows), "tables": len(result.tables)}
        return _outside(result)

    def expected(
        self, outcome: str, *, level: str = "wijk", years: Years | None = None, within: str | None = None
    ) -> Result:
        """Each area of ``level`` against the population's rates by composition: observed, expected, ratio, exact
        Poisson interval, flag (above, as_expected, below)."""
        study = background.get(outcome)
        detail = {"outcome": outcome, "level": level, "within": within}
        udc = self._udc
        with ensure(udc.user, "study.expected", study.dataset, audit=udc.audit, detail=detail, level=level) as done:
            result = self._expected(study, level, years, within)
            done |= {"rows": len(result.rows), "flagged_above": int((result.rows.flag == "above").sum())}
        return _outside(result)

    def _expected(self, study: Study, level: str, years: Years | None, within: str | None) -> Result:
        """The study's result with the gate's tables (for a release: the proof they were protected)."""
        chosen = span(years) if years is not None else None
        with self._udc.reading(locked_down=True) as store:
            return background.expected(
                store, study, level=level, years=chosen, within=within, user=self._udc.user, audit=self._udc.audit
            )

    def stacking(self, *, year: int | None = None, level: str = "wijk", within: str | None = None) -> Result:
        """Households per area by how many of bijstand, debt help and youth care they have (0, 1, 2 or more) and
        the share with two or more — a table defined in advance under secondary suppression, run by an admin."""
        udc = self._udc
        detail = {"year": year, "level": level, "within": within}
        target = background.STACKING_DATASET
        with ensure(udc.user, "study.stacking", target, audit=udc.audit, detail=detail, level=level) as done:
            with udc.reading(locked_down=True) as store:
                result = background.stacking(
                    store, year=year, level=level, within=within, user=udc.user, audit=udc.audit
                )
            done |= {"rows": len(result.rows)}
        return _outside(result)

    def report(
        self,
        outcome: str,
        *,
        level: str = "wijk",
        years: Years | None = None,
        within: str | None = None,
        language: str = "nl",
    ) -> str:
        """Determinants and expected versus observed as one printable page (HTML; ``udc study report --out X.pdf``
        prints it). The determinants are left out, and the page says so by their absence, where the gate's model
        rule refuses them (too few published cells)."""
        if language not in ("nl", "en"):
            raise UdcError(f"--lang {language}: expected nl or en")
        try:
            risks: Result | None = self.determinants(outcome, years=years, within=within)
        except UdcError as exc:
            if "degrees of freedom" not in str(exc):
                raise
            risks = None
        areas = self.expected(outcome, level=level, years=years, within=within)
        return background_report.page(background.get(outcome), risks, areas, self._udc.areas.names(), language)

    def release(
        self,
        outcome: str,
        name: str | None = None,
        *,
        level: str = "wijk",
        years: Years | None = None,
        within: str | None = None,
    ) -> int:
        """Run the expected-versus-observed study and release it as open data under ``name`` (default
        ``verwacht_<outcome>``; always ``verwacht_…``, and an existing one only if it holds this outcome): a derived
        release of the protected tables the run itself asked for — never of rows a caller hands in. Returns the
        version."""
        study = background.get(outcome)
        name = name or background.release_name(study)
        if not RELEASE_NAME.fullmatch(name):
            raise UdcError(f"--release {name[:60]!r}: a study's release is named verwacht_… (lower case, digits, _)")
        udc = self._udc
        detail = {"name": name, "outcome": outcome, "level": level, "within": within}
        with ensure(udc.user, "study.release", study.dataset, audit=udc.audit, detail=detail, level=level) as done:
            with udc.reading() as store:
                before = catalogue.read(store, name) if catalogue.exists(store, name) else None
                if before is not None:
                    held = set(before.get("outcome", pd.Series(dtype=str)))
                    if not catalogue.is_released(store, name) or held != {outcome}:
                        raise UdcError(f"'{name}' holds something else than the {outcome} study: choose another name")
            result = self._expected(study, level, years, within)
            if before is not None and not set(before.area_code) <= set(result.rows.area_code):
                raise UdcError(
                    f"'{name}' holds areas this run does not ({len(before)} before, {len(result.rows)} now): "
                    "a new version keeps every area — choose another name for another selection"
                )
            with udc.writing() as store:
                version = background.release(store, study, result, name, user=udc.user, audit=udc.audit)
            done |= {"version": version, "rows": len(result.rows)}
        return version

    def release_name(self, outcome: str) -> str:
        """The name the demo releases an outcome's expected-versus-observed table under (``verwacht_<outcome>``)."""
        return background.release_name(background.get(outcome))

    def sentence(self, row: dict[str, Any], name: str, outcome: str, language: str = "nl") -> str | None:
        """One area's expected-versus-observed row in plain words (None where the count was withheld)."""
        return background.sentence(row, name, background.get(outcome), language)

    def released(self, name: str) -> pd.DataFrame | None:
        """A released expected-versus-observed table (what the pages show; reading a release needs no gate)."""
        with self._udc.reading() as store:
            if not catalogue.exists(store, name) or not catalogue.is_released(store, name):
                return None
            return catalogue.read(store, name)
