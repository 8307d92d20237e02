"""The Python API: one object per store, in the style of sqlite-utils. Every ``udc`` command is a thin call of one
method here, so a notebook can do whatever the command line does, under the same access rules and audit.

    >>> import udc
    >>> s = udc.open("udc-data")                  # the OS account acts as admin on its own store
    >>> s.datasets                                # what this user may read
    >>> s.read("kerncijfers_inwoners")            # a pandas DataFrame, audited
    >>> s.table(dataset="synth_persons_yearly", dimensions=["gemeente_code", "leeftijd"])   # through the gate

The store is held only for the duration of a call (read-only for reads), so the same store can be used from a
notebook, the command line and ``udc serve`` at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from udc.areas import registry
from udc.errors import UdcError
from udc.privacy.audit import AuditLog, audited, logged, os_actor, store_log
from udc.settings import Settings
from udc.store import catalogue
from udc.store.db import DB_FILE, Store

if TYPE_CHECKING:
    import pandas as pd

    from udc.analysis.flows import FlowTable
    from udc.privacy.access import User
    from udc.privacy.gate import Definition, Protected
    from udc.privacy.policy import Policy
    from udc.privacy.request import TableRequest
    from udc.synth.generate import SynthReport

Years = tuple[int, int] | str | int


def _contract_of(store: Store, dataset: str) -> str | None:
    """The microdata contract table a dataset follows (from its provenance), if any."""
    if not catalogue.exists(store, dataset):
        return None
    provenance = catalogue.get(store, dataset).provenance or {}
    return provenance.get("contract")


def _years(years: Years) -> tuple[int, int]:
    from udc.synth.generate import parse_years

    if isinstance(years, tuple):
        return years
    return parse_years(str(years))


def typed(model: Any, **fields: Any) -> Any:
    """A typed request from keyword arguments; a validation error as one line naming the field."""
    from udc.privacy.request import first_error

    try:
        return model(**fields)
    except ValidationError as exc:
        raise UdcError(first_error(exc)) from None


def open(store: str | os.PathLike[str] | None = None, *, user: str | None = None) -> Udc:
    """A store by path (default ``$UDC_STORE`` or ``./udc-data``), acting as ``user`` (default: the operating-system
    account, as admin of its own store). The operational database is ``$UDC_DATABASE_URL`` or the store's SQLite."""
    return Udc(Settings.resolve(store), user=user)


class Udc:
    """A udc store as the Python API sees it. Reads open it read-only, writes read-write, each only for the call."""

    def __init__(self, settings: Settings, *, user: str | None = None) -> None:
        self.settings = settings
        self.path = settings.store
        self._user_name = user

    def __repr__(self) -> str:
        return f"udc.open({str(self.path)!r}, user={self.user.name!r})"

    # -- the store, held briefly ------------------------------------------------------------------------------
    @contextmanager
    def reading(self, *, locked_down: bool = False) -> Iterator[Store]:
        """The store, read-only, beside other readers (a running ``udc serve``)."""
        if not (self.path / DB_FILE).exists():
            with Store(self.path, wait=self.settings.lock_wait):  # a new store: created and migrated once
                pass
        with Store(self.path, read_only=True, locked_down=locked_down, wait=self.settings.lock_wait) as store:
            yield store

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The store, read-write: waits while readers hold it, then has it alone for the call."""
        with Store(self.path, wait=self.settings.lock_wait) as store:
            yield store

    @cached_property
    def audit(self) -> AuditLog:
        """The store's keyed, hash-chained audit log (in the operational database)."""
        self.path.mkdir(parents=True, exist_ok=True)  # a new store: its SQLite log lives in its directory
        return store_log(self.path, self.settings)

    @cached_property
    def user(self) -> User:
        from udc.privacy.access import User, get_user

        if self._user_name is None:
            return User(os_actor(), "admin")
        return get_user(self.audit.engine, self._user_name)

    # -- catalogue --------------------------------------------------------------------------------------------
    def info(self) -> dict[str, Any]:
        """What ``udc info`` shows: datasets (with sensitivity and rows), area versions, regions."""
        with self.reading() as store:
            return {
                "store": str(store.path),
                "schema_version": store.schema_version,
                "datasets": catalogue.list_datasets(store),
                "areas": registry.summary(store),
                "regions": registry.list_regions(store),
            }

    @property
    def datasets(self) -> list[dict[str, Any]]:
        """Catalogue entries this user may read rows of (open, released, internal by role and scope)."""
        from udc.privacy.export import visible

        with self.reading() as store:
            return visible(store, self.user)

    def catalogue(self) -> list[dict[str, Any]]:
        """Every catalogue entry with rows and provenance (``udc catalog``)."""
        with self.reading() as store:
            rows = catalogue.list_datasets(store)
            for row in rows:
                row["provenance"] = catalogue.get(store, row["name"]).provenance
            return rows

    def describe(self, name: str) -> dict[str, Any]:
        """A dataset's metadata, columns (role, unit), lineage and release versions."""
        with self.reading() as store:
            return catalogue.describe(store, name)

    def read(self, name: str, version: int | None = None) -> pd.DataFrame:
        """A dataset's rows, if this user may take them out (the rules of ``udc export``; audited)."""
        from udc.privacy.export import read_for

        with self.reading() as store:
            return read_for(store, name, self.user, self.audit, version)

    def versions(self, name: str) -> list[dict[str, Any]]:
        """A release's versions, oldest first."""
        with self.reading() as store:
            return catalogue.versions(store, name)

    # -- areas ------------------------------------------------------------------------------------------------
    def areas(self, *, kind: str | None = None, year: int | None = None, within: str | None = None) -> list[dict]:
        """Area versions, optionally of one kind, valid on 1 January of ``year``, inside an area or region."""
        with self.reading() as store:
            return registry.list_areas(store, kind=kind, year=year, within=within)

    def regions(self) -> list[dict[str, Any]]:
        with self.reading() as store:
            return registry.list_regions(store)

    def define_region(self, name: str, members: list[str], title: str | None = None) -> None:
        """Define (or redefine) a region such as ``parkstad`` as a set of areas (audited)."""
        detail = {"region": name, "members": members, "title": title}
        with audited(self.audit, self.user.name, "areas.region", detail), self.writing() as store:
            registry.define_region(store, name, members, title)

    def add_area(self, code: str, name: str, *, parent: str | None = None) -> None:
        """Register an area by hand, e.g. a foreign area for cross-border work (audited)."""
        detail = {"code": code, "name": name, "parent": parent}
        with audited(self.audit, self.user.name, "areas.add", detail), self.writing() as store:
            registry.add_area(store, code, name, parent=parent)

    def import_areas(self, path: str | os.PathLike[str], **options: Any) -> registry.ImportReport:
        """One area file (GeoJSON, GeoPackage, CBS code list, validity list), recognised by content; atomic, audited."""
        with self.writing() as store:
            return import_areas(store, Path(path), actor=self.user.name, **options)

    def fetch_areas(
        self, kind: str, year: int, *, base_url: str = "https://service.pdok.nl", refresh: bool = False
    ) -> tuple[Path, registry.ImportReport]:
        """Official boundaries from PDOK, downloaded once into the store's cache, then imported."""
        from udc.areas.fetch import fetch

        path = fetch(kind, year, self.path / "cache", base_url=base_url, refresh=refresh)
        with self.writing() as store:
            return path, import_areas(store, path, actor=self.user.name, year=year, kind=kind)

    def changes(self, from_year: int, to_year: int, weight: str = "inwoners") -> list[dict[str, Any]]:
        """Boundary changes between two years with CBS's figures and the resulting weights."""
        from udc.areas.crosswalk import changes_between

        with self.reading() as store:
            return changes_between(store, from_year, to_year, weight)

    def crosswalk(self, from_year: int, to_year: int, weight: str = "inwoners") -> list[Any]:
        """The chained old → new crosswalk between two years (municipalities)."""
        from udc.areas.crosswalk import crosswalk

        with self.reading() as store:
            return crosswalk(store, from_year, to_year, weight)

    def harmonise(self, frame: pd.DataFrame, to_year: int, **options: Any) -> Any:
        """Re-base a table to the boundaries of ``to_year``: counts redistributed, rates re-weighted (see
        :func:`udc.areas.harmonise.harmonise` for the options); returns the table and a per-row report."""
        from udc.areas.harmonise import harmonise

        with self.reading() as store:
            return harmonise(store, frame, to_year, **options)

    def neighbours(self, code: str, year: int) -> list[str]:
        """Areas sharing a border with ``code`` in ``year``."""
        with self.reading() as store:
            return registry.neighbours(store, code.strip().upper(), year)

    def names(self) -> dict[str, str]:
        """code → the most recent name of every registered area."""
        with self.reading() as store:
            return registry.names(store)

    # -- sources ----------------------------------------------------------------------------------------------
    def statline(self, *, base_url: str | None = None, catalog: str = "CBS", **options: Any) -> Any:
        """A CBS StatLine client caching in the store (``base_url``: a mirror or replay server)."""
        from udc.sources.statline import StatLine

        return StatLine(self.path / "cache", base_url=base_url, catalog=catalog, **options)

    def save_statline(self, result: Any, dataset: str | None = None) -> Any:
        """A fetched StatLine table into the catalogue as open data (audited)."""
        from udc.sources.importer import save_statline

        with self.writing() as store:
            return save_statline(store, result, dataset, actor=self.user.name)

    def import_statline(
        self, path: str | os.PathLike[str] | list[str | os.PathLike[str]], dataset: str | None = None
    ) -> Any:
        """A StatLine CSV download, an odata4 package folder, or raw OData response files (JSON; all pages, with
        ``TableInfos``/``DataProperties`` documents when you have them), offline (symbols kept); audited."""
        from udc.sources.importer import import_statline_offline

        paths = [Path(p) for p in path] if isinstance(path, list) else Path(path)
        with self.writing() as store:
            return import_statline_offline(store, paths, dataset, actor=self.user.name)

    def import_table(self, source: str, dataset: str, **options: Any) -> Any:
        """Municipal data (CSV, Excel, Parquet or a database table): areas by code or name, atomic, audited. See
        :func:`udc.sources.importer.import_municipal` for the options."""
        from udc.sources.importer import import_municipal

        with self.writing() as store:
            return import_municipal(store, source, dataset, actor=self.user.name, **options)

    def link_areas(self, left: str, right: str, out: str, *, to_year: int, **options: Any) -> Any:
        """Join two area tables by area and period, both re-based to one boundary year."""
        from udc.sources.link import link_areas

        with self.writing() as store:
            return link_areas(store, left, right, out, to_year=to_year, actor=self.user.name, **options)

    def link_persons(self, left: str, right: str, out: str, *, on: str = "pseudonym") -> Any:
        """Join two person-level tables on their pseudonym (the result is microdata)."""
        from udc.sources.link import link_persons

        with self.writing() as store:
            return link_persons(store, left, right, out, on=on, actor=self.user.name)

    def register_microdata(
        self, source: str, table: str, mapping: dict[str, str] | None = None, *, name: str | None = None
    ) -> catalogue.Dataset:
        """Map a catalogued register table onto a microdata-contract table (checked: types, key, required values,
        domains) and catalogue it as microdata; studies then read it (``udc microdata register``; audited)."""
        from udc.privacy.audit import secret_file
        from udc.sources import contract

        with self.writing() as store:
            return contract.register(
                store,
                source,
                table,
                mapping or {},
                name=name,
                actor=self.user.name,
                salt=secret_file(self.path / "record-key.secret"),
            )

    # -- the disclosure gate ----------------------------------------------------------------------------------
    def table(self, request: TableRequest | None = None, *, engine: str = "duckdb", **fields: Any) -> Protected:
        """An ad-hoc protected table of microdata (cell key), from a :class:`TableRequest` or its fields
        (``dataset``, ``dimensions``, ``filters``, ``measure``, ``area``). Typed: no SQL; audited. ``engine``:
        duckdb (embedded) or spark (local, or ``UDC_SPARK_MASTER``) — the same table either way."""
        from udc.privacy import engine as engines
        from udc.privacy.gate import crosstab
        from udc.privacy.request import TableRequest

        request = request if request is not None else typed(TableRequest, **fields)
        with self.reading(locked_down=engine == "duckdb") as store, engines.using(store, engine):
            return crosstab(store, request, user=self.user, audit=self.audit)

    def run(self, definition: Definition | str | os.PathLike[str]) -> Protected:
        """A table defined in advance (a :class:`Definition` or its JSON file), run by an admin."""
        from udc.privacy.gate import Definition, run_defined

        spec = definition if isinstance(definition, Definition) else Definition.from_file(Path(definition))
        with self.reading(locked_down=True) as store:
            return run_defined(store, spec, user=self.user, audit=self.audit)

    def release(
        self, protected: Protected, name: str, *, title: str, definition: Any = None, replace: bool = False
    ) -> catalogue.Dataset:
        """Catalogue a protected table as released open data: a new version of ``name`` (older versions stay);
        another shape than the current version needs ``replace=True`` (audited)."""
        from udc.privacy.gate import release

        with self.writing() as store:
            return release(
                store,
                protected,
                name,
                title=title,
                user=self.user,
                audit=self.audit,
                definition=definition,
                replace=replace,
            )

    def check(self, frame: pd.DataFrame, **columns: Any) -> list[dict[str, Any]]:
        """ACRO-style output check of a table you made elsewhere: per cell the rules it fails and the verdict."""
        from udc.privacy.gate import check_table

        return check_table(frame, self.policy, **columns)

    @property
    def policy(self) -> Policy:
        """The store's current disclosure policy (a fresh store: the defaults)."""
        from udc.privacy.policy import Policy, current

        if not (self.path / DB_FILE).exists():
            return Policy()
        with self.reading() as store:
            return current(store)

    def set_policy(self, **changes: Any) -> Policy:
        """Store a new policy version (audited)."""
        from udc.privacy.policy import set_policy

        with self.writing() as store:
            return set_policy(store, audit=self.audit, actor=self.user.name, **changes)

    # -- studies ----------------------------------------------------------------------------------------------
    def _moves(self, rebuild: bool = False) -> None:
        from udc.analysis import flows

        with self.reading() as store:
            ready = catalogue.exists(store, flows.RESIDENTS) and not rebuild
        if not ready:
            with self.writing() as store:
                flows.prepare(store)

    def flows(
        self,
        area: str,
        *,
        view: str = "balance",
        years: Years = "2019-2020",
        group: str = "adults",
        level: str = "gemeente",
        from_table: str | None = None,
        boundary_year: int | None = None,
        rebuild: bool = False,
        engine: str = "duckdb",
    ) -> FlowTable:
        """Verhuisstromen of a municipality or region: from microdata every number through the gate (cell key), or
        from an aggregated 81734NED-shaped open table (``from_table``). ``engine``: where the moves are counted
        (duckdb or spark; the same published cells)."""
        from udc.analysis import flows, flows_open
        from udc.privacy import engine as engines

        span = _years(years)
        if from_table:
            with self.reading() as store:
                return flows_open.flows(store, from_table, area, view=view, years=span, boundary_year=boundary_year)
        self._moves(rebuild)
        with self.reading(locked_down=engine == "duckdb") as store, engines.using(store, engine):
            return flows.flows(
                store, area, view=view, years=span, group=group, level=level, user=self.user, audit=self.audit
            )

    def flows_study(
        self,
        areas: list[str] | str = "all",
        *,
        years: Years = "2019-2020",
        groups: list[str] | None = None,
        level: str = "gemeente",
        tails: bool = False,
        engine: str = "duckdb",
    ) -> dict[str, Protected]:
        """Every view for every area × target group in one pass (moves counted once), each table protected;
        ``tails`` also lists the withheld flows to or from single municipalities; ``engine``: where the moves are
        counted (duckdb or spark; the same published cells)."""
        from udc.analysis import flows
        from udc.privacy import engine as engines

        self._moves()
        with self.reading(locked_down=engine == "duckdb") as store, engines.using(store, engine):
            chosen = flows.all_areas(store) if areas == "all" else list(areas)
            return flows.study(
                store,
                chosen,
                years=_years(years),
                groups=groups,
                views=(*flows.VIEWS, "rates"),
                level=level,
                tails=tails,
                user=self.user,
                audit=self.audit,
            )

    def release_study(
        self, tables: dict[str, Protected], prefix: str, *, years: str, replace: bool = False
    ) -> list[str]:
        """Each view of a study as a release ``PREFIX_view`` (a new version each; another shape needs replace)."""
        from udc.analysis import flows

        with self.writing() as store:
            return flows.release_study(
                store, tables, prefix, years=years, user=self.user, audit=self.audit, replace=replace
            )

    def flows_report(self, area: str, out: str | os.PathLike[str], *, years: Years = "2019-2020") -> Path:
        """An offline HTML report: balance per target group, Sankey of origins/destinations, trend."""
        from udc.analysis import flows_report

        self._moves()
        with self.reading(locked_down=True) as store:
            return flows_report.build(store, area, _years(years), user=self.user, audit=self.audit, out=Path(out))

    def demo(
        self,
        *,
        persons: int = 250_000,
        seed: int = 1,
        years: Years = "2015-2024",
        publish: bool = True,
        progress: Callable[[int], Any] | None = None,
    ) -> tuple[SynthReport, list[str]]:
        """Build (or rebuild) the demo store: a fictional region, its synthetic population and (``publish``) the
        released key figures and verhuisstromen the dashboards show. Returns the report and summary lines. The
        rebuild happens in a copy of the database that replaces it at the end, so a crash or ``kill -9`` at any
        moment leaves the store as it was (:func:`udc.demo.rebuild`, the sequence the tests' demo store runs too)."""
        from udc import demo
        from udc.privacy.audit import key_for

        span = _years(years)
        detail = {"persons": persons, "seed": seed, "years": list(span), "publish": publish}
        with audited(self.audit, self.user.name, "demo.build", detail):
            operational = demo.Operational(self.participation, key_for(self.path, self.settings)) if publish else None
            return demo.rebuild(
                self.path,
                persons=persons,
                seed=seed,
                years=span,
                user=self.user,
                audit=self.audit,
                publish=operational,
                wait=self.settings.lock_wait,
                progress=progress,
            )

    def snapshot_reports(self) -> int:
        """The reports as the microdata dataset ``meldingen`` (for indicators through the gate; admin; audited)."""
        from udc.participation import snapshot
        from udc.privacy.audit import key_for

        with audited(self.audit, self.user.name, "import.meldingen", {}) as outcome:
            self._admin("snapshot reports")
            with self.writing() as store:
                outcome["rows"] = snapshot.save(store, self.participation, key_for(self.path, self.settings))
        return outcome["rows"]

    def indicators(self, theme: str | None = None) -> list[Any]:
        """The indicator definitions — built in and added to this store (``udc indicators list``)."""
        from udc.indicators.model import added, library

        known = {**library(), **added(self.path)}
        return [i for i in known.values() if theme is None or i.theme == theme]

    def runnable_indicators(self) -> list[Any]:
        """The definitions whose numerator and denominator datasets are in this store (what "all" computes)."""
        with self.reading() as store:
            found = [
                i
                for i in self.indicators()
                if all(catalogue.exists(store, c.dataset) for c in (i.numerator, i.denominator))
            ]
        if not found:
            raise UdcError(
                "no indicator has its data in this store: import the datasets its definition names "
                "('udc indicators show ID'), or run 'udc demo'"
            )
        return found

    def indicator(self, indicator_id: str) -> Any:
        from udc.indicators.model import added, get

        return get(indicator_id, added(self.path))

    def add_indicator(self, path: str | os.PathLike[str]) -> Any:
        """Check a definition file and keep it in the store (``udc indicators add``)."""
        from udc.indicators.model import add, load
        from udc.indicators.publishes import publishes

        with audited(self.audit, self.user.name, "indicators.add", {"file": str(path)}) as outcome:
            with self.reading() as store:  # what it would publish, refused before it is kept if it cannot be protected
                parts = publishes(store, load(Path(path)))
            indicator = add(self.path, Path(path))
            outcome |= {
                "id": indicator.id,
                "version": indicator.version,
                "sha256_16": indicator.digest(),
                "publishes": [f"{p['part']}: {p['protection']}" for p in parts],
            }
        return indicator

    def benchmark(
        self,
        area: str,
        indicator_id: str,
        *,
        year: int | None = None,
        peers: str = "urbanisation",
        classes_from: str | None = None,
        k: int = 10,
        profile: list[str] | None = None,
    ) -> dict[str, Any]:
        """One municipality's value against the Netherlands and its peers (``udc indicators benchmark``): peers by
        ``urbanisation`` class, by ``size`` class, the ``k`` most ``similar`` on a ``profile`` of indicators, or a
        comma-separated list of codes. Classes come from ``classes_from``, else the store's peers table (the demo's
        fictional peers), else the indicator's own dataset; other municipalities' values from the reference
        table when the store has one. ``year`` defaults to the reference table's newest."""
        import pandas as pd

        from udc.indicators import benchmark as bench

        indicator = self.indicator(indicator_id)
        with self.reading() as store:
            year = year or bench.latest_year(store, indicator)
            if year is None:
                raise UdcError("which year? add --year (the store has no reference table to take the newest from)")
            reference = bench.reference_rows(store, indicator, [year])
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
        values = self.compute_indicators([indicator_id], years=(year, year), levels=["gemeente", "total"])
        if len(reference):
            values = pd.concat([values, reference[values.columns.intersection(reference.columns)]], ignore_index=True)
        if peers == "similar":
            wanted = [i for i in (profile or bench.PROFILE) if i in {x.id for x in self.indicators()}]
            own = self.compute_indicators(wanted, years=(year, year), levels=["gemeente"])
            with self.reading() as store:
                others = pd.concat([bench.reference_rows(store, self.indicator(i), [year]) for i in wanted])
            group = bench.similar(pd.concat([own, others], ignore_index=True), area, k)
            result = bench.benchmark(values, indicator, area, group or [])
            return result | {"peer_group": f"similar ({k}; {', '.join(wanted)})"}
        return bench.benchmark(values, indicator, area, group or [])

    def iso37120(self, area: str, *, years: Years | None = None) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """The ISO 37120 report of a municipality (``udc indicators iso37120``): per catalogue indicator computed
        (the newest published value in ``years``), computable (with which data) or not applicable; coverage."""
        from udc.indicators import iso
        from udc.indicators.benchmark import latest_year

        numbered = [i for i in self.indicators() if i.iso37120]
        with self.reading() as store:
            missing = {
                i.id: [d for d in {i.numerator.dataset, i.denominator.dataset} if not catalogue.exists(store, d)]
                for i in numbered
            }
            newest = max((latest_year(store, i) or 0 for i in numbered), default=0)
        runnable = [i.id for i in numbered if not missing[i.id]]
        span = years or (f"{newest - 4}-{newest}" if newest else None)
        if runnable and span is None:
            raise UdcError("which years? add --years (the store has no reference table to take the newest from)")
        values = None  # nothing runnable: compute_indicators([]) would mean the whole library
        if runnable and span is not None:
            values = self.compute_indicators(runnable, years=span, levels=["gemeente", "region", "total"])
        return iso.report(numbered, values, missing, area)

    def export_definitions(self, ids: list[str], out: str | os.PathLike[str], *, organisation: str) -> dict[str, Any]:
        """A definition package of these indicators (``udc definitions export``): definitions, a fixture input and
        the output this engine computes from it, all hashed in a manifest."""
        from udc.indicators import package

        chosen = [self.indicator(i) for i in ids]
        detail = {"ids": ids, "out": str(out), "organisation": organisation}
        with audited(self.audit, self.user.name, "definitions.export", detail) as outcome, self.reading() as store:
            names = package.requirements(chosen)
            contract = {name: found for name in names if (found := _contract_of(store, name)) is not None}
            admin = self._admin("export definition packages")
            manifest = package.export(
                chosen, Path(out), organisation=organisation, user=admin, audit=self.audit, contract=contract
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
        from udc.indicators import package
        from udc.indicators.model import keep, library
        from udc.indicators.publishes import publishes

        with audited(self.audit, self.user.name, action, {"file": str(path)}) as outcome:
            verified = package.verify(
                Path(path), user=self._admin(f"{action.split('.')[1]} definition packages"), audit=self.audit
            )
            with self.reading() as store:
                missing = package.readiness(store, verified.manifest)
                parts = [p for i in verified.indicators for p in publishes(store, i)]  # refuses the unprotectable
            added = [
                keep(self.path, i, str(path)).id for i in verified.indicators if keep_them and i.id not in library()
            ]
            outcome |= {"cells": verified.cells, "missing": missing, "added": added}
        return {
            "organisation": verified.manifest.get("organisation"),
            "created": verified.manifest.get("created"),
            "definitions": [f"{i.id} v{i.version} ({i.digest()})" for i in verified.indicators],
            "fixture_cells": verified.cells,
            "largest_difference": verified.largest_difference,
            "ready_to_run": not missing,
            "missing": missing,
            "notes": verified.notes,
            "added": added,
            "publishes": parts,
        }

    def _admin(self, action: str) -> User:
        """Package fixtures and monitors run through the gate as tables defined in advance: an admin's act."""
        from udc.errors import Forbidden

        if self.user.role != "admin":
            raise Forbidden(f"user '{self.user.name}' ({self.user.role}) may not {action}")
        return self.user

    def compute_indicators(
        self,
        ids: list[str] | None = None,
        *,
        years: Years = "2020-2021",
        levels: list[str] | None = None,
        areas: list[str] | None = None,
        release: str | None = None,
        boundaries: int | None = None,
        engine: str = "duckdb",
    ) -> pd.DataFrame:
        """Indicators per area and year with protected numerator and denominator and a 95 % interval
        (``udc indicators compute``); numerators and denominators are tables defined in advance, run by an admin.
        With ``release`` the result (all of it, before the ``areas`` selection) becomes a new version of that open
        table, derived by the gate from the protected counts, recording every definition's hash. With
        ``boundaries`` every year is re-based to that year's municipal boundaries (numerators and denominators
        through the crosswalks, the ratio recomputed; a ``note`` column says how)."""
        import pandas as pd

        from udc.indicators import release as publish
        from udc.indicators.compute import COLUMNS, Counts, compute

        first, last = _years(years)
        chosen = [self.indicator(i) for i in ids] if ids else self.runnable_indicators()
        frames: list[pd.DataFrame] = []
        used: list[Any] = []
        shared = Counts()
        from udc.privacy import engine as engines

        store_context = self.writing() if release else self.reading(locked_down=engine == "duckdb")
        with store_context as store, engines.using(store, engine):
            for indicator in chosen:
                frames.append(
                    compute(
                        store,
                        indicator,
                        years=list(range(first, last + 1)),
                        user=self.user,
                        audit=self.audit,
                        levels=levels,
                        collect=used,
                        boundaries=boundaries,
                        cache=shared,
                    )
                )
            frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
            if release:
                publish.release(store, frame, used, chosen, name=release, user=self.user, audit=self.audit)
        return frame[frame.area_code.isin(areas)].reset_index(drop=True) if areas else frame

    # -- monitoring ---------------------------------------------------------------------------------------------
    def programmes(self) -> list[Any]:
        """The programme definitions — built in and added to this store (``udc monitor list``)."""
        from udc.monitoring.model import added, library

        return list({**library(), **added(self.path)}.values())

    def programme(self, programme_id: str) -> Any:
        from udc.monitoring.model import get

        return get(programme_id, self.path)

    def add_programme(self, path: str | os.PathLike[str]) -> Any:
        """Check a programme file and keep it in the store (``udc monitor add``); its indicators must exist."""
        from udc.monitoring.model import add, load

        with audited(self.audit, self.user.name, "monitor.add", {"file": str(path)}) as outcome:
            for followed in load(Path(path)).indicators:  # every indicator known before anything is kept
                self.indicator(followed.indicator)
            programme = add(self.path, Path(path))
            outcome |= {"id": programme.id, "version": programme.version, "sha256_16": programme.digest()}
        return programme

    def _others(self, programme: Any) -> set[str]:
        """Areas where another (real) programme runs: never comparison areas."""
        return {a for p in self.programmes() if p.id != programme.id and not p.placebo for a in p.areas}

    def _definitions(self) -> dict[str, Any]:
        return {i.id: i for i in self.indicators()}

    def monitor(
        self, programme_id: str, *, until: int | None = None, language: str = "nl", engine: str = "duckdb"
    ) -> dict[str, Any]:
        """A programme's monitor (``udc monitor report``): per indicator baseline, actual, target, comparison, the
        difference-in-differences estimate with interval and p-value, pre-trend, placebo, minimum detectable
        effect, the yearly follow-up and a plain sentence — from pooled, protected area counts (an admin's run of
        tables defined in advance; audited). ``engine``: where the gate's tables are counted (duckdb or spark)."""
        from udc.monitoring.monitor import run
        from udc.privacy import engine as engines

        programme = self.programme(programme_id)
        with (
            audited(self.audit, self.user.name, "monitor.report", {"programme": programme.id}) as outcome,
            self.reading(locked_down=engine == "duckdb") as store,
            engines.using(store, engine),
        ):
            report = run(
                store,
                programme,
                self._definitions(),
                user=self._admin("run monitors of"),
                audit=self.audit,
                until=until,
                language=language,
                exclude=self._others(programme),
            )
            outcome |= {"estimates": {r["indicator"]: r["estimate"] for r in report["indicators"]}}
        return report

    def release_monitor(self, programme_id: str) -> dict[str, Any]:
        """Run the monitor and release it as ``monitor_<programme>`` for the web pages (``udc monitor report
        --release``)."""
        from udc.monitoring.monitor import publish

        programme = self.programme(programme_id)
        with (
            audited(self.audit, self.user.name, "monitor.release", {"programme": programme.id}) as outcome,
            self.writing() as store,
        ):
            report = publish(
                store,
                programme,
                self._definitions(),
                user=self._admin("release monitors of"),
                audit=self.audit,
                exclude=self._others(programme),
            )
            outcome |= {"estimates": {r["indicator"]: r["estimate"] for r in report["indicators"]}}
        return report

    def monitor_baseline(self, programme_id: str) -> int:
        """Freeze the nulmeting as a new version of the release ``nulmeting_<programme>`` (``udc monitor
        baseline``); later reports use its comparison areas and show where a recomputation differs."""
        from udc.monitoring.monitor import freeze

        programme = self.programme(programme_id)
        with (
            audited(self.audit, self.user.name, "monitor.baseline", {"programme": programme.id}) as outcome,
            self.writing() as store,
        ):
            version = freeze(
                store,
                programme,
                self._definitions(),
                user=self._admin("freeze baselines of"),
                audit=self.audit,
                exclude=self._others(programme),
            )
            outcome |= {"version": version}
        return version

    def monitor_document(
        self, programme_id: str, out: str | os.PathLike[str], *, language: str = "nl", until: int | None = None
    ) -> Path:
        """The printable report as HTML or (by headless Chromium) PDF, by the file's suffix."""
        from udc import printing
        from udc.monitoring import document

        target = Path(out)
        if target.suffix.lower() not in (".html", ".pdf"):
            raise UdcError(f"--out {target.name}: write a .html or a .pdf file")
        page = document.build(self.monitor(programme_id, until=until, language=language), language)
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.suffix.lower() == ".pdf":
            return printing.pdf(page, target.resolve())
        target.write_text(page, encoding="utf-8")
        return target

    # -- participation: reports, categories, API keys ---------------------------------------------------------
    @cached_property
    def participation(self) -> Any:
        """The operational database with the participation tables (default categories on first use)."""
        from udc.participation import categories, db
        from udc.privacy.audit import operational_url

        engine = db.engine(operational_url(self.settings.store, self.settings))
        categories.ensure_default(engine)
        return engine

    def serve_reports_for(self, municipalities: list[str]) -> list[str]:
        """The municipalities reports are accepted for (admin; audited)."""
        from udc.participation import intake

        with audited(self.audit, self.user.name, "participation.setup", {"municipalities": municipalities}):
            self._admin("participation.setup")
            intake.set_jurisdiction(self.participation, municipalities)
        return intake.jurisdiction(self.participation)

    def import_categories(self, path: str | os.PathLike[str]) -> int:
        """Replace the report categories with a Signalen category file (admin; one transaction; audited)."""
        from udc.participation import categories

        with audited(self.audit, self.user.name, "import.categories", {"file": str(path)}) as outcome:
            self._admin("import report categories")
            outcome["categories"] = categories.store(
                self.participation, categories.read_signalen(Path(path)), Path(path).name
            )
        return outcome["categories"]

    def report_categories(self) -> list[dict[str, Any]]:
        from udc.participation import categories

        return categories.listing(self.participation, reportable=False)

    def reports(self, *, status: str | None = None, category: str | None = None) -> list[dict[str, Any]]:
        """Reports for triage (staff: their municipalities; admin: all); no contact data."""
        from udc.participation import staff

        return staff.listing(self.participation, self.user, status=status, category=category)

    def set_report_status(self, report_id: int, status: str, note: str = "") -> str:
        from udc.participation import staff

        return staff.set_status(self.participation, self.user, self.audit, report_id, status, note)

    def merge_reports(self, duplicate: int, into: int) -> None:
        from udc.participation import staff

        staff.merge(self.participation, self.user, self.audit, duplicate, into)

    def approve_report_text(self, report_id: int, public: bool = True) -> None:
        from udc.participation import staff

        staff.approve_text(self.participation, self.user, self.audit, report_id, public=public)

    def retention(self, days: int = 365) -> int:
        """Anonymise reporters' contact data of reports closed more than ``days`` ago (admin; audited)."""
        from udc.participation import staff

        if self.user.role != "admin":
            with audited(self.audit, self.user.name, "participation.retention", {"days": days}):
                self._admin("run the retention")
        return staff.retention(self.participation, self.user.name, self.audit, days=days)

    def export_reports(self, out: str | os.PathLike[str]) -> int:
        """Reports as open data (CSV or Parquet): no text, no contact data, places rounded; audited."""
        from udc.participation import staff

        return staff.export(self.participation, self.user.name, self.audit, Path(out))

    def issue_report_key(self, client: str) -> str:
        """An Open311 API key for a machine client (admin; shown once; audited)."""
        from udc.participation import keys

        with audited(self.audit, self.user.name, "participation.key", {"client": client}):
            self._admin("issue API keys")
            return keys.issue(self.participation, client)

    def revoke_report_key(self, client: str) -> int:
        from udc.participation import keys

        with audited(self.audit, self.user.name, "participation.key.revoke", {"client": client}):
            self._admin("revoke API keys")
            return keys.revoke(self.participation, client)

    # -- users, audit -----------------------------------------------------------------------------------------
    def add_user(self, name: str, role: str, password: str | None = None, scopes: list[str] | None = None) -> None:
        """Add a user (argon2-hashed password; analysts get scopes: area codes or region names)."""
        from udc.privacy.access import add_user

        add_user(self.audit.engine, name, role, password, scopes, self.audit, self.user.name)

    def grant(
        self,
        name: str,
        role: str | None = None,
        scopes: list[str] | None = None,
        remove_scopes: list[str] | None = None,
    ) -> User:
        """Change a user's role, add or remove scopes."""
        from udc.privacy.access import grant

        return grant(self.audit.engine, name, role, scopes, self.audit, self.user.name, remove_scopes=remove_scopes)

    def users(self) -> list[dict[str, Any]]:
        from udc.privacy.access import list_users

        return list_users(self.audit.engine)

    def issue_token(self, name: str, days: int = 30) -> str:
        """An API token for ``name`` (returned once; only its hash is stored)."""
        from udc.privacy.access import issue_token

        return issue_token(self.audit.engine, name, days, self.audit, self.user.name)

    def tokens(self, name: str | None = None) -> list[dict[str, str]]:
        from udc.privacy.access import list_tokens

        return list_tokens(self.audit.engine, name)

    def revoke_token(self, name: str, token_id: str | None = None) -> int:
        """Revoke one token of a user (by id) or all of them; effective at once."""
        from udc.privacy.access import revoke_token

        return revoke_token(self.audit.engine, name, token_id, self.audit, self.user.name)

    def disable(self, name: str) -> int:
        """Disable an account: no sign-in; its tokens and web sessions end at once."""
        from udc.privacy.access import disable

        return disable(self.audit.engine, name, self.audit, self.user.name)

    def verify_audit(self) -> tuple[bool, str]:
        """Check the audit chain: an edited, deleted or re-chained entry is found."""
        return self.audit.verify()

    def audit_entries(self, since: str | None = None) -> list[dict[str, Any]]:
        return self.audit.entries(since)


@logged(
    "import.areas",
    lambda path, **kw: {"file": str(path), "kind": kw.get("kind"), "year": kw.get("year")},
    lambda r: {"detected": r.detected, "areas": r.areas},
)
def import_areas(store: Store, path: Path, **options: Any) -> registry.ImportReport:
    """One area file (recognised by content) into the registry, in one transaction; audited."""
    return registry.import_file(store, path, **options)
