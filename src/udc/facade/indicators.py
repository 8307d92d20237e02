"""``s.indicators``: indicator definitions, computing them through the gate, benchmarks, ISO 37120, and definition
packages exchanged between organisations."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from udc.areas import registry
from udc.errors import Forbidden, UdcError
from udc.facade.base import Noun, Years, span
from udc.indicators import benchmark as bench
from udc.indicators import crossborder, iso, model, package
from udc.indicators import release as publish
from udc.indicators.compute import COLUMNS, Counts, compute
from udc.indicators.model import Indicator
from udc.indicators.publishes import publishes
from udc.privacy import engine as engines
from udc.privacy import export
from udc.privacy.access import User
from udc.privacy.actions import ensure, reads_by_scope
from udc.store import catalogue
from udc.store.db import Store

if TYPE_CHECKING:
    from udc.privacy.gate import Protected

Rows = list[dict[str, Any]]
Definitions = list[Indicator]  # `list` is a method name in the class below: the aliases name the types
Names = list[str]


def _contract_of(store: Store, dataset: str) -> str | None:
    """The microdata contract table a dataset follows (from its provenance), if any."""
    if not catalogue.exists(store, dataset):
        return None
    provenance = catalogue.get(store, dataset).provenance or {}
    return provenance.get("contract")


def _readable(store: Store, indicators: Definitions, user: User) -> set[str] | None:
    """Computing an indicator reads its open and internal datasets as a read would: an internal one only for a role
    that may read it (refused otherwise, naming why); for an analyst who reads internal data per area, the codes of
    their areas (the result is cut to them). Microdata are the gate's to protect (counted definitions run through
    it; an open-series definition over microdata is refused)."""
    internal = sorted(
        {d for i in indicators for d in i.datasets if catalogue.exists(store, d)}
        & {e["name"] for e in catalogue.entries(store, sensitivity="internal")}
    )
    for name in internal:
        ok, why = export.allowed(store, catalogue.get(store, name), user)
        if not ok:
            raise Forbidden(f"indicators over '{name}' (internal): {why}")
    if internal and reads_by_scope(user):
        return export.readable_codes(store, user)
    return None


def _missing(store: Store, indicators: Definitions) -> dict[str, Names]:
    """indicator id → the datasets of its numerator and denominator this store lacks (what an import would add)."""
    return {i.id: [d for d in set(i.datasets) if not catalogue.exists(store, d)] for i in indicators}


class Indicators(Noun):
    """The indicator library (built in and added to this store) and what is computed from it."""

    RELEASE = publish.NAME  # the open table the released indicators go into (``--release`` by default)
    NETHERLANDS = bench.NETHERLANDS  # the reference table's code of the whole country

    def unit_label(self, indicator: Indicator) -> str:
        """The unit as a page shows it beside a value ('%', 'per 1 000'); none for a mean or a ratio."""
        return model.UNIT_LABELS[indicator.unit] if indicator.unit not in ("mean", "ratio") else ""

    def reference(self) -> pd.DataFrame | None:
        """The published reference table (other municipalities' and NL01's numerators and denominators, from a
        statistics office), or None when the store has none."""
        with self._udc.reading() as store:
            name = bench.by_role(store, "indicator_reference")
            return None if name is None else catalogue.read(store, name)

    def peer_classes(self, column: str = "stedelijkheid") -> dict[str, str] | None:
        """code → class from the published peers table (``stedelijkheid``, or a size class from ``inwoners``), or
        None when the store has none."""
        with self._udc.reading() as store:
            return bench.peer_classes(store, column)

    def list(self, theme: str | None = None) -> Definitions:
        """The indicator definitions — built in and added to this store (``udc indicators list``)."""
        known = {**model.library(), **model.added(self._udc.path)}
        return [i for i in known.values() if theme is None or i.theme == theme]

    def runnable(self) -> Definitions:
        """The definitions whose numerator and denominator datasets are in this store (what "all" computes)."""
        with self._udc.reading() as store:
            found = [i for i in self.list() if all(catalogue.exists(store, d) for d in i.datasets)]
        if not found:
            raise UdcError(
                "no indicator has its data in this store: import the datasets its definition names "
                "('udc indicators show ID'), or run 'udc demo'"
            )
        return found

    def get(self, indicator_id: str) -> Indicator:
        """One definition by id (this store's added ones first)."""
        return model.get(indicator_id, model.added(self._udc.path))

    def add(self, path: str | os.PathLike[str]) -> Indicator:
        """Check a definition file and keep it in the store (``udc indicators add``)."""
        with ensure(self._udc.user, "indicators.add", audit=self._udc.audit, detail={"file": str(path)}) as outcome:
            with self._udc.reading() as store:  # what it would publish, refused before it is kept if unprotectable
                parts = publishes(store, model.load(Path(path)))
            indicator = model.add(self._udc.path, Path(path))
            outcome |= {
                "id": indicator.id,
                "version": indicator.version,
                "sha256_16": indicator.digest(),
                "publishes": [f"{p['part']}: {p['protection']}" for p in parts],
            }
        return indicator

    def compute(
        self,
        ids: Names | None = None,
        *,
        years: Years = "2020-2021",
        levels: Names | None = None,
        areas: Names | None = None,
        release: str | None = None,
        boundaries: int | None = None,
        engine: str = "duckdb",
        region: str | None = None,
    ) -> pd.DataFrame:
        """Indicators per area and year with protected numerator and denominator and a 95 % interval
        (``udc indicators compute``); numerators and denominators are tables defined in advance, run by an admin.
        With ``release`` the result (all of it, before the ``areas`` selection) becomes a new version of that open
        table, derived by the gate from the protected counts, recording every definition's hash. With
        ``boundaries`` every year is re-based to that year's municipal boundaries (numerators and denominators
        through the crosswalks, the ratio recomputed; a ``note`` column says how). With ``region`` the region and
        each of its members; a member across the border (a German Gemeinde) from its own country's statistics,
        with ``country``, ``comparability`` and ``comparability_note`` columns (:mod:`udc.indicators.crossborder`)."""
        first, last = span(years)
        chosen = [self.get(i) for i in ids] if ids else self.runnable()
        frames: list[pd.DataFrame] = []
        used: list[Protected] = []
        shared = Counts()
        udc = self._udc
        store_context = udc.writing() if release else udc.reading(locked_down=engine == "duckdb")
        detail = {"indicators": [i.id for i in chosen], "years": f"{first}-{last}", "release": release}
        with (
            ensure(udc.user, "indicators.compute", audit=udc.audit, detail=detail) as outcome,
            store_context as store,
            engines.using(store, engine),
        ):
            scope = _readable(store, chosen, udc.user)
            members = registry.region_members(store, region) if region else []
            foreign = [m for m in members if m in crossborder.foreign_members(store)]
            for indicator in chosen:
                frames.append(
                    compute(
                        store,
                        indicator,
                        years=list(range(first, last + 1)),
                        user=udc.user,
                        audit=udc.audit,
                        levels=levels,
                        collect=used,
                        boundaries=boundaries,
                        cache=shared,
                        foreign=foreign or None,
                    )
                )
            frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
            if release:
                publish.release(store, frame, used, chosen, name=release, user=udc.user, audit=udc.audit)
            if scope is not None:  # internal figures: only the areas the caller may read
                frame = frame[frame.area_code.isin(scope)].reset_index(drop=True)
            outcome["rows"] = len(frame)
        wanted = [*(areas or []), *([region, *members] if region else [])]
        return frame[frame.area_code.isin(wanted)].reset_index(drop=True) if wanted else frame

    def comparability(self, indicator_id: str, language: str = "nl") -> dict[str, str] | None:
        """How comparable the Dutch and German figures of an indicator are (``comparability``) and why (``note``, in
        ``language``), from the concordance shipped with udc; None where it says nothing of the indicator."""
        topic = crossborder.concordance().get(indicator_id)
        if topic is None:
            return None
        return {"comparability": topic.comparability, "note": getattr(topic.note, language)}

    def benchmark(
        self,
        area: str,
        indicator_id: str,
        *,
        year: int | None = None,
        peers: str = "urbanisation",
        classes_from: str | None = None,
        k: int = 10,
        profile: Names | None = None,
    ) -> dict[str, Any]:
        """One municipality's value against the Netherlands and its peers (``udc indicators benchmark``): peers by
        ``urbanisation`` class, by ``size`` class, the ``k`` most ``similar`` on a ``profile`` of indicators, or a
        comma-separated list of codes. Classes come from ``classes_from``, else the store's peers table (the demo's
        fictional peers), else the indicator's own dataset; other municipalities' values from the reference
        table when the store has one. ``year`` defaults to the reference table's newest."""
        indicator = self.get(indicator_id)
        if indicator.numerator is None:
            raise UdcError(f"'{indicator_id}' rolls up a published rate or mean: benchmarks compare counted indicators")
        with self._udc.reading() as store:
            year = year or bench.latest_year(store, indicator)
            if year is None:
                raise UdcError("which year? add --year (the store has no reference table to take the newest from)")
            reference = bench.reference_rows(store, indicator, [year])
            names = registry.named_areas(store)  # the peers by name: the registry's and the peers table's
            group: list[str] | dict[str, str] | None = None
            if peers in ("urbanisation", "size"):
                column = "stedelijkheid" if peers == "urbanisation" else "inwoners"
                group = None if classes_from else bench.peer_classes(store, column)
                if group is None and peers == "urbanisation":
                    group = bench.urbanisation(store, classes_from or indicator.numerator.dataset)
                elif group is None:
                    group = bench.size_classes(store, year)
            elif peers != "similar":
                group = [p.strip().upper() for p in peers.split(",") if p.strip()]
        values = self.compute([indicator_id], years=(year, year), levels=["gemeente", "total"])
        if len(reference):
            values = pd.concat([values, reference[values.columns.intersection(reference.columns)]], ignore_index=True)
        if peers == "similar":
            wanted = [i for i in (profile or bench.PROFILE) if i in {x.id for x in self.list()}]
            own = self.compute(wanted, years=(year, year), levels=["gemeente"])
            with self._udc.reading() as store:
                others = pd.concat([bench.reference_rows(store, self.get(i), [year]) for i in wanted])
            group = bench.similar(pd.concat([own, others], ignore_index=True), area, k)
            result = bench.benchmark(values, indicator, area, group or [], names)
            return result | {"peer_group": f"similar ({k}; {', '.join(wanted)})"}
        return bench.benchmark(values, indicator, area, group or [], names)

    def iso37120(self, area: str, *, years: Years | None = None) -> tuple[Rows, dict[str, Any]]:
        """The ISO 37120 report of a municipality (``udc indicators iso37120``): per catalogue indicator computed
        (the newest published value in ``years``), computable (with which data) or not applicable; coverage."""
        numbered = [i for i in self.list() if i.iso37120]
        with self._udc.reading() as store:
            missing = _missing(store, numbered)
            newest = max((bench.latest_year(store, i) or 0 for i in numbered), default=0)
        runnable = [i.id for i in numbered if not missing[i.id]]
        chosen = years or (f"{newest - 4}-{newest}" if newest else None)
        if runnable and chosen is None:
            raise UdcError("which years? add --years (the store has no reference table to take the newest from)")
        values = None  # nothing runnable: compute([]) would mean the whole library
        if runnable and chosen is not None:
            values = self.compute(runnable, years=chosen, levels=["gemeente", "region", "total"])
        return iso.report(numbered, values, missing, area)

    def wccd(self, rows: Rows, area: str) -> pd.DataFrame:
        """The computed rows of an ISO 37120 report (:meth:`iso37120`) in a WCCD submission's shape: ISO number,
        theme, indicator, value, unit, year, source, formula (``udc indicators iso37120 --wccd FILE``)."""
        shaped = iso.wccd(rows, {i.id: i for i in self.list()}, area)
        return pd.DataFrame(shaped, columns=iso.WCCD_COLUMNS)

    def iso37120_released(self, area: str, released: pd.DataFrame | None) -> tuple[Rows, dict[str, Any]]:
        """The ISO 37120 report from the released indicators (``released``: the open table's rows, or None) — what
        the web shows: a page request reads what was published and never runs the gate, so anyone may see it."""
        numbered = [i for i in self.list() if i.iso37120]
        with self._udc.reading() as store:
            missing = _missing(store, numbered)
        return iso.report(numbered, released, missing, area)

    def export_definitions(self, ids: Names, out: str | os.PathLike[str], *, organisation: str) -> dict[str, Any]:
        """A definition package of these indicators (``udc definitions export``): definitions, a fixture input and
        the output this engine computes from it, all hashed in a manifest."""
        udc = self._udc
        chosen = [self.get(i) for i in ids]
        detail = {"ids": ids, "out": str(out), "organisation": organisation}
        with (
            ensure(udc.user, "definitions.export", audit=udc.audit, detail=detail) as outcome,
            udc.reading() as store,
        ):
            names = package.requirements(chosen)
            contract = {name: found for name in names if (found := _contract_of(store, name)) is not None}
            manifest = package.export(
                chosen, Path(out), organisation=organisation, user=udc.user, audit=udc.audit, contract=contract
            )
            outcome |= {"sha256_manifest": len(manifest["sha256"])}
        return manifest

    def verify_definitions(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Check a definition package (``udc definitions verify``): hashes, schema, the fixture recomputed on this
        engine equal to the exporter's output; and what this store lacks to run it on its own data."""
        return self._verify(path, "definitions.verify", keep_them=False)

    def import_definitions(self, path: str | os.PathLike[str]) -> dict[str, Any]:
        """Verify a definition package and, only if it verifies, keep its definitions in this store
        (``udc definitions import``); built-in ids are not replaced."""
        return self._verify(path, "definitions.import", keep_them=True)

    def _verify(self, path: str | os.PathLike[str], action: str, *, keep_them: bool) -> dict[str, Any]:
        udc = self._udc
        with ensure(udc.user, action, audit=udc.audit, detail={"file": str(path)}) as outcome:
            verified = package.verify(Path(path), user=udc.user, audit=udc.audit)
            with udc.reading() as store:
                missing = package.readiness(store, verified.manifest)
                parts = [p for i in verified.indicators for p in publishes(store, i)]  # refuses the unprotectable
            library = model.library()
            kept = [
                model.keep(udc.path, i, str(path)).id for i in verified.indicators if keep_them and i.id not in library
            ]
            outcome |= {"cells": verified.cells, "missing": missing, "added": kept}
        return {
            "organisation": verified.manifest.get("organisation"),
            "created": verified.manifest.get("created"),
            "definitions": [f"{i.id} v{i.version} ({i.digest()})" for i in verified.indicators],
            "fixture_cells": verified.cells,
            "largest_difference": verified.largest_difference,
            "ready_to_run": not missing,
            "missing": missing,
            "notes": verified.notes,
            "added": kept,
            "publishes": parts,
        }
