"""``s.sources``: data into the store — CBS StatLine, municipal tables, links between them, registers as microdata."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from udc.areas.codes import normalise
from udc.facade.base import Noun
from udc.privacy.actions import ensure
from udc.privacy.audit import secret_file
from udc.sources import bag, contract, eurostat, regionalstatistik
from udc.sources.importer import (
    ImportOptions,
    ImportResult,
    append_municipal,
    import_municipal,
    import_statline_offline,
    save_statline,
)
from udc.sources.kwb import KwbResult, StatlineSeries, import_kwb, import_kwb_statline, statline_filter
from udc.sources.link import LinkReport, link_areas, link_persons
from udc.sources.statline import V3_PAGE, StatLine, StatlineTable
from udc.store.catalogue import Dataset


class Sources(Noun):
    """Imports: each atomic, each checked and audited by the rulebook as the facade's user."""

    def statline(
        self,
        *,
        base_url: str | None = None,
        catalog: str = "CBS",
        page_size: int = V3_PAGE,
        max_age: float = 12 * 3600,
        bulk: bool = False,
        progress: Callable[[int, int | None], object] | None = None,
    ) -> StatLine:
        """A CBS StatLine client caching in the store (``base_url``: a mirror or replay server; ``max_age``: seconds a
        cached answer is used; ``bulk``: the bulk download where offered; ``progress(rows, total)`` while paging)."""
        return StatLine(
            self._udc.path / "cache",
            base_url=base_url,
            catalog=catalog,
            page_size=page_size,
            max_age=max_age,
            bulk=bulk,
            progress=progress,
        )

    def save_statline(self, result: StatlineTable, dataset: str | None = None) -> ImportResult:
        """A fetched StatLine table into the catalogue as open data (audited)."""
        with self._udc.writing() as store:
            return save_statline(store, result, dataset, user=self._udc.user)

    def import_statline(
        self, path: str | os.PathLike[str] | list[str | os.PathLike[str]], dataset: str | None = None
    ) -> ImportResult:
        """A StatLine CSV download, an odata4 package folder, or raw OData response files (JSON; all pages, with
        ``TableInfos``/``DataProperties`` documents when you have them), offline (symbols kept); audited."""
        paths = [Path(p) for p in path] if isinstance(path, list) else Path(path)
        with self._udc.writing() as store:
            return import_statline_offline(store, paths, dataset, user=self._udc.user)

    def import_table(self, source: str, dataset: str, options: ImportOptions | None = None) -> ImportResult:
        """Municipal data (CSV, Excel, Parquet or a database table): areas by code or name, atomic, audited. The
        options (:class:`udc.sources.importer.ImportOptions`, also ``udc.facade.ImportOptions``) are those of
        ``udc import``."""
        with self._udc.writing() as store:
            return import_municipal(store, source, dataset, options, user=self._udc.user)

    def append_tables(
        self, sources: list[str | os.PathLike[str]], dataset: str, options: ImportOptions | None = None
    ) -> ImportResult:
        """Yearly municipal files with the same area key stacked into one dataset with a ``year`` column (``udc
        import --append``): each file's year from its year column (``options.period_column``), ``options.year`` (one
        file) or its name; columns aligned by name (absent → null); years already stored replaced, others kept;
        atomic (a bad file leaves the dataset as it was) and audited as ``import.municipal``."""
        with self._udc.writing() as store:
            return append_municipal(store, [str(s) for s in sources], dataset, options, user=self._udc.user)

    def import_kwb(
        self,
        paths: list[str | os.PathLike[str]],
        *,
        dataset: str = "kwb",
        within: str | None = None,
        year: int | None = None,
    ) -> KwbResult:
        """CBS Kerncijfers wijken en buurten files (one per year, any column spelling, areas by code or name) into
        one series ``(area_code, year, variable, value, status)`` through the shipped variable registry; years
        already stored are replaced, others kept; atomic and audited (``udc kwb import``)."""
        with self._udc.writing() as store:
            return import_kwb(
                store, [str(p) for p in paths], dataset=dataset, within=within, year=year, user=self._udc.user
            )

    def import_eurostat(self, path: str | os.PathLike[str], *, dataset: str) -> pd.DataFrame:
        """A Eurostat SDMX-CSV file (regional statistics per NUTS code) as an open dataset: observation flags in
        words, missing values typed, each value's reference (1 January, or the calendar year); atomic and audited
        (``udc eurostat import``)."""
        with self._udc.writing() as store:
            return eurostat.import_file(store, str(path), dataset=dataset, user=self._udc.user)

    def import_bag(self, path: str | os.PathLike[str], *, year: int, dataset: str = "bag_verblijfsobjecten") -> dict:
        """A BAG extract of verblijfsobjecten (CSV or GeoPackage) streamed into an open dataset with each object's
        uses, status, stock flag, floor area, point, buurt and 500 m cell (``udc bag import``); all or nothing."""
        udc = self._udc
        with udc.writing() as store:
            if dataset != bag.OFFICIAL:
                return bag.import_file(store, str(path), dataset=dataset, year=year, user=udc.user)
            # the BAG the households are linked to: an admin's import only (see udc.analysis.vacancy.link)
            with ensure(udc.user, "import.bag_official", dataset, audit=udc.audit, detail={"file": Path(path).name}):
                return bag.import_file(store, str(path), dataset=dataset, year=year, user=udc.user)

    def import_regionalstatistik(self, path: str | os.PathLike[str], *, dataset: str) -> pd.DataFrame:
        """A German Regionalstatistik/GENESIS flat CSV (ffcsv or the older flat shape) as an open dataset: AGS as
        LAU codes (``DE_05334002``), 31 December as 1 January of the next year with the note on every value, the
        symbols typed; atomic and audited (``udc regionalstatistik import``)."""
        with self._udc.writing() as store:
            return regionalstatistik.import_file(store, str(path), dataset=dataset, user=self._udc.user)

    def import_kwb_statline(
        self,
        table: str,
        *,
        catalog: str = "dataderden",
        dataset: str = "kwb",
        within: str | None = None,
        base_url: str | None = None,
        refresh: bool = False,
        progress: Callable[[int, int | None], object] | None = None,
    ) -> StatlineSeries:
        """A StatLine table the KWB registry reads (the police's 47018NED: registered crime per gemeente, wijk and
        buurt, on CBS's ``dataderden`` catalogue) fetched — only the registry's codes, and for a gemeente ``within``
        only its rows — and added to the series as counts per area and year (``misdrijven_*``): this table's
        variables for the years fetched replaced (in ``within``, else everywhere), everything else kept; atomic and
        audited like ``import_kwb`` (``udc kwb import-statline``)."""
        client = self.statline(
            base_url=base_url, catalog=catalog, max_age=0 if refresh else 12 * 3600, progress=progress
        )
        area = normalise(within) if within else None  # GM0917, or a region's own (lower-case) name
        result = client.fetch(table.upper(), filters=statline_filter(table, area))
        with self._udc.writing() as store:
            return import_kwb_statline(store, result, dataset=dataset, within=area, user=self._udc.user)

    def link_areas(
        self,
        left: str,
        right: str,
        out: str,
        *,
        to_year: int,
        weight: str = "inwoners",
        rates: dict[str, str] | None = None,
    ) -> LinkReport:
        """Join two area tables by area and period, both re-based to one boundary year (``rates``: rate column → its
        denominator column, re-weighted rather than redistributed)."""
        with self._udc.writing() as store:
            return link_areas(store, left, right, out, to_year=to_year, weight=weight, rates=rates, user=self._udc.user)

    def link_persons(self, left: str, right: str, out: str, *, on: str = "pseudonym") -> LinkReport:
        """Join two person-level tables on their pseudonym (the result is microdata)."""
        with self._udc.writing() as store:
            return link_persons(store, left, right, out, on=on, user=self._udc.user)

    def register_microdata(
        self, source: str, table: str, mapping: dict[str, str] | None = None, *, name: str | None = None
    ) -> Dataset:
        """Map a catalogued register table onto a microdata-contract table (checked: types, key, required values,
        domains) and catalogue it as microdata; studies then read it (``udc microdata register``; audited)."""
        with self._udc.writing() as store:
            return contract.register(
                store,
                source,
                table,
                mapping or {},
                name=name,
                user=self._udc.user,
                salt=secret_file(self._udc.path / "record-key.secret"),
            )
