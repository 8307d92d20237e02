"""``s.monitor``: programmes (policy interventions with their areas and indicators) and their monitors — the
difference-in-differences reports, their releases and the frozen baselines (nulmetingen)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from udc import printing
from udc.areas import registry
from udc.errors import UdcError
from udc.facade.base import Noun
from udc.indicators.model import Indicator
from udc.monitoring import document, effect, model
from udc.monitoring import monitor as monitoring
from udc.monitoring.model import Programme
from udc.privacy import engine as engines
from udc.privacy.actions import ensure

Programmes = list[Programme]


class Monitor(Noun):
    """A programme's monitor from pooled, protected area counts — an admin's run of tables defined in advance."""

    def programmes(self) -> Programmes:
        """The programme definitions — built in and added to this store (``udc monitor list``)."""
        return list({**model.library(), **model.added(self._udc.path)}.values())

    def programme(self, programme_id: str) -> Programme:
        """One programme by id (this store's added ones too)."""
        return model.get(programme_id, self._udc.path)

    def released(self, programme: Programme, language: str = "nl") -> dict[str, Any] | None:
        """A programme's released monitor as a report (its sentences in ``language``), or None when none is released
        — what the web pages show; it reads only the release, so anyone may."""
        with self._udc.reading() as store:
            return monitoring.released(store, programme, language)

    def wording(self, row: dict[str, Any], language: str = "nl") -> dict[str, Any]:
        """One indicator of a report in words: each method's result (``did``, ``pre_trend``, ``placebo_time``) and
        the p-values as a reader is told them, the value axis's title with its unit, and whether the target is met
        (``target_state``: met, not_yet, not_met, unknown or None; ``target_text``: that in a sentence)."""
        methods = {
            k: effect.label(row[k] if k != "did" else row, language) for k in ("did", "pre_trend", "placebo_time")
        }
        return {
            "methods": methods,
            "p": document.p_text(row["p_value"], language),
            "pre_p": document.p_text(row["pre_trend"]["p_value"], language),
            "axis": document.axis_title(row.get("unit", ""), language),
            "target_state": document.target_state(row),
            "target_text": document.target_text(row, language),
        }

    def page(self, report: dict[str, Any], language: str = "nl") -> str:
        """A report (such as :meth:`released`) as the printable, stand-alone HTML page — areas by name and code."""
        return document.build(report, language, self._names())

    def _names(self) -> dict[str, str]:
        """code → name, so a printed report reads "Heerlen-Centrum (WK091701)" rather than a bare code."""
        with self._udc.reading() as store:
            return registry.names(store)

    def add(self, path: str | os.PathLike[str]) -> Programme:
        """Check a programme file and keep it in the store (``udc monitor add``); its indicators must exist."""
        with ensure(self._udc.user, "monitor.add", audit=self._udc.audit, detail={"file": str(path)}) as outcome:
            for followed in model.load(Path(path)).indicators:  # every indicator known before anything is kept
                self._udc.indicators.get(followed.indicator)
            programme = model.add(self._udc.path, Path(path))
            outcome |= {"id": programme.id, "version": programme.version, "sha256_16": programme.digest()}
        return programme

    def report(
        self, programme_id: str, *, until: int | None = None, language: str = "nl", engine: str = "duckdb"
    ) -> dict[str, Any]:
        """A programme's monitor (``udc monitor report``): per indicator baseline, actual, target, comparison, the
        difference-in-differences estimate with interval and p-value, pre-trend, placebo, minimum detectable
        effect, the yearly follow-up and a plain sentence — from pooled, protected area counts (an admin's run of
        tables defined in advance; audited). ``engine``: where the gate's tables are counted (duckdb or spark)."""
        udc = self._udc
        programme = self.programme(programme_id)
        with (
            ensure(udc.user, "monitor.report", audit=udc.audit, detail={"programme": programme.id}) as outcome,
            udc.reading(locked_down=engine == "duckdb") as store,
            engines.using(store, engine),
        ):
            report = monitoring.run(
                store,
                programme,
                self._definitions(),
                user=udc.user,
                audit=udc.audit,
                until=until,
                language=language,
                exclude=self._others(programme),
            )
            outcome |= {"estimates": {r["indicator"]: r["estimate"] for r in report["indicators"]}}
        return report

    def release(self, programme_id: str) -> dict[str, Any]:
        """Run the monitor and release it as ``monitor_<programme>`` for the web pages (``udc monitor report
        --release``)."""
        udc = self._udc
        programme = self.programme(programme_id)
        with (
            ensure(udc.user, "monitor.release", audit=udc.audit, detail={"programme": programme.id}) as outcome,
            udc.writing() as store,
        ):
            report = monitoring.publish(
                store, programme, self._definitions(), user=udc.user, audit=udc.audit, exclude=self._others(programme)
            )
            outcome |= {"estimates": {r["indicator"]: r["estimate"] for r in report["indicators"]}}
        return report

    def baseline(self, programme_id: str) -> int:
        """Freeze the nulmeting as a new version of the release ``nulmeting_<programme>`` (``udc monitor
        baseline``); later reports use its comparison areas and show where a recomputation differs."""
        udc = self._udc
        programme = self.programme(programme_id)
        with (
            ensure(udc.user, "monitor.baseline", audit=udc.audit, detail={"programme": programme.id}) as outcome,
            udc.writing() as store,
        ):
            version = monitoring.freeze(
                store, programme, self._definitions(), user=udc.user, audit=udc.audit, exclude=self._others(programme)
            )
            outcome |= {"version": version}
        return version

    def document(
        self, programme_id: str, out: str | os.PathLike[str], *, language: str = "nl", until: int | None = None
    ) -> Path:
        """The printable report as HTML or (by headless Chromium) PDF, by the file's suffix."""
        target = Path(out)
        if target.suffix.lower() not in (".html", ".pdf"):
            raise UdcError(f"--out {target.name}: write a .html or a .pdf file")
        page = document.build(self.report(programme_id, until=until, language=language), language, self._names())
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".pdf":
            return printing.pdf(page, target.resolve())
        target.write_text(page, encoding="utf-8")
        return target

    def _others(self, programme: Programme) -> set[str]:
        """Areas where another (real) programme runs: never comparison areas."""
        return {a for p in self.programmes() if p.id != programme.id and not p.placebo for a in p.areas}

    def _definitions(self) -> dict[str, Indicator]:
        return {i.id: i for i in self._udc.indicators.list()}
