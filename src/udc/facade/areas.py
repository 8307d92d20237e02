"""``s.areas``: the area registry — versions, regions, imports of boundary files, crosswalks and harmonising."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from udc.areas import registry
from udc.areas.crosswalk import Link, changes_between, crosswalk
from udc.areas.fetch import fetch
from udc.areas.harmonise import Harmonised, harmonise
from udc.facade.base import Noun
from udc.privacy.actions import ensure, performs
from udc.store.db import Store

if TYPE_CHECKING:
    import pandas as pd

Rows = list[dict[str, Any]]  # `list` is a method name in the class below
Links = list[Link]
Codes = list[str]


class Areas(Noun):
    """Area versions (buurt, wijk, gemeente, …, each valid over a span of years), regions, crosswalks."""

    def list(self, *, kind: str | None = None, year: int | None = None, within: str | None = None) -> Rows:
        """Area versions, optionally of one kind, valid on 1 January of ``year``, inside an area or region."""
        with self._udc.reading() as store:
            return registry.list_areas(store, kind=kind, year=year, within=within)

    def current(self, kind: str | None = None) -> Rows:
        """One row per area code: its kind, most recent name and parent (optionally of one kind)."""
        with self._udc.reading() as store:
            return registry.current(store, kind)

    def regions(self) -> Rows:
        """The regions defined in this store, with their members."""
        with self._udc.reading() as store:
            return registry.list_regions(store)

    def define_region(self, name: str, members: Codes, title: str | None = None) -> None:
        """Define (or redefine) a region such as ``parkstad`` as a set of areas (audited)."""
        detail = {"region": name, "members": members, "title": title}
        with ensure(self._udc.user, "areas.region", audit=self._udc.audit, detail=detail), self._udc.writing() as store:
            registry.define_region(store, name, members, title)

    def add(self, code: str, name: str, *, parent: str | None = None) -> None:
        """Register an area by hand, e.g. a foreign area for cross-border work (audited)."""
        detail = {"code": code, "name": name, "parent": parent}
        with ensure(self._udc.user, "areas.add", audit=self._udc.audit, detail=detail), self._udc.writing() as store:
            registry.add_area(store, code, name, parent=parent)

    def import_file(
        self,
        path: str | os.PathLike[str],
        *,
        year: int | None = None,
        kind: str | None = None,
        allow_missing_geometry: bool = False,
        layer: str | None = None,
    ) -> registry.ImportReport:
        """One area file (GeoJSON, GeoPackage, CBS code list, validity list), recognised by content; atomic, audited."""
        with self._udc.writing() as store:
            return import_areas(
                store,
                Path(path),
                user=self._udc.user,
                year=year,
                kind=kind,
                allow_missing_geometry=allow_missing_geometry,
                layer=layer,
            )

    def fetch(
        self, kind: str, year: int, *, base_url: str = "https://service.pdok.nl", refresh: bool = False
    ) -> tuple[Path, registry.ImportReport]:
        """Official boundaries from PDOK, downloaded once into the store's cache, then imported."""
        path = fetch(kind, year, self._udc.path / "cache", base_url=base_url, refresh=refresh)
        with self._udc.writing() as store:
            return path, import_areas(store, path, user=self._udc.user, year=year, kind=kind)

    def changes(self, from_year: int, to_year: int, weight: str = "inwoners") -> Rows:
        """Boundary changes between two years with CBS's figures and the resulting weights."""
        with self._udc.reading() as store:
            return changes_between(store, from_year, to_year, weight)

    def crosswalk(self, from_year: int, to_year: int, weight: str = "inwoners") -> Links:
        """The chained old → new crosswalk between two years (municipalities)."""
        with self._udc.reading() as store:
            return crosswalk(store, from_year, to_year, weight)

    def harmonise(
        self,
        frame: pd.DataFrame,
        to_year: int,
        *,
        weight: str = "inwoners",
        rates: dict[str, str] | None = None,
        area_column: str = "area_code",
        year_column: str = "year",
        boundary_year: int | None = None,
        source: str = "table",
    ) -> Harmonised:
        """Re-base a table to the boundaries of ``to_year``: counts redistributed, rates (``rates``: rate column →
        its denominator column) re-weighted; returns the table and a per-row report
        (:func:`udc.areas.harmonise.harmonise`)."""
        with self._udc.reading() as store:
            return harmonise(
                store,
                frame,
                to_year,
                weight=weight,
                rates=rates,
                area_column=area_column,
                year_column=year_column,
                boundary_year=boundary_year,
                source=source,
            )

    def neighbours(self, code: str, year: int) -> Codes:
        """Areas sharing a border with ``code`` in ``year``."""
        with self._udc.reading() as store:
            return registry.neighbours(store, code.strip().upper(), year)

    def names(self) -> dict[str, str]:
        """code → the most recent name of every registered area."""
        with self._udc.reading() as store:
            return registry.names(store)


@performs(
    "import.areas",
    lambda path, **kw: {"file": str(path), "kind": kw.get("kind"), "year": kw.get("year")},
    lambda r: {"detected": r.detected, "areas": r.areas},
)
def import_areas(
    store: Store,
    path: Path,
    *,
    year: int | None = None,
    kind: str | None = None,
    allow_missing_geometry: bool = False,
    layer: str | None = None,
) -> registry.ImportReport:
    """One area file (recognised by content) into the registry, in one transaction; checked and audited by the
    rulebook (``user=`` names who acts)."""
    return registry.import_file(
        store, path, year=year, kind=kind, allow_missing_geometry=allow_missing_geometry, layer=layer
    )
