"""The Python API: one object per store, in the style of sqlite-utils. Every ``udc`` command is a thin call of one
method here or of one of its nouns, so a notebook can do whatever the command line does, under the same access rules
and audit.

    >>> import udc
    >>> s = udc.open("udc-data")                  # the OS account acts as admin on its own store
    >>> s.datasets                                # what this user may read
    >>> s.read("kerncijfers_inwoners")            # a pandas DataFrame, audited
    >>> s.table(dataset="synth_persons_yearly", dimensions=["gemeente_code", "leeftijd"])   # through the gate
    >>> s.indicators.compute(["bevolking_65plus"], years="2020-2021")                       # a noun: s.indicators

The core (catalogue, the gate, the policy, the audit log, the demo) is :class:`Udc` itself; everything else is a noun
of it (:mod:`udc.facade`): ``s.areas``, ``s.sources``, ``s.indicators``, ``s.monitor``, ``s.flows``,
``s.participation``, ``s.users``, ``s.parties``, ``s.agreements``. The store is held only for the duration of a call
(read-only for reads), so the same store can be used from a notebook, the command line and ``udc serve`` at once.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from udc.areas import registry
from udc.errors import UdcError
from udc.facade import (
    Agreements,
    Areas,
    Charging,
    Flows,
    Indicators,
    Monitor,
    Participation,
    Parties,
    Sources,
    Studies,
    Users,
    Vacancy,
)
from udc.facade.base import Years, span
from udc.participation import categories
from udc.participation import db as participation_db
from udc.privacy import engine as engines
from udc.privacy import gate
from udc.privacy import policy as policies
from udc.privacy.access import get_user
from udc.privacy.actions import ensure, may
from udc.privacy.audit import AuditLog, key_for, operational_url, store_log
from udc.privacy.categories import CUTS, OPEN_TOP, OTHER
from udc.privacy.export import read_for, visible
from udc.privacy.gate import Definition, Protected, TooFew, outside
from udc.privacy.policy import Policy
from udc.privacy.principal import User, owner_account
from udc.privacy.request import Filter, TableRequest, first_error
from udc.privacy.snapshots import SummedSnapshots
from udc.settings import Settings
from udc.store import catalogue
from udc.store.db import DB_FILE, Store

if TYPE_CHECKING:
    import pandas as pd

    from udc.synth.generate import SynthReport

__all__ = [  # what a front door (a web route, a notebook) may name: the facade, its typed requests and its refusals
    "CUTS",
    "OPEN_TOP",
    "OTHER",
    "Filter",
    "Protected",
    "SummedSnapshots",
    "TableRequest",
    "TooFew",
    "Udc",
    "Years",
    "open",
    "typed",
]
Model = TypeVar("Model", bound=BaseModel)


def typed(model: type[Model], **fields: object) -> Model:
    """A typed request from keyword arguments; a validation error as one line naming the field."""
    try:
        return model(**fields)
    except ValidationError as exc:
        raise UdcError(first_error(exc)) from None


def open(store: str | os.PathLike[str] | None = None, *, user: str | None = None) -> Udc:
    """A store by path (default ``$UDC_STORE`` or ``./udc-data``), acting as ``user`` (default: the operating-system
    account, as admin of its own store). The operational database is ``$UDC_DATABASE_URL`` or the store's SQLite."""
    return Udc(Settings.resolve(store), user=user)


class Udc:
    """A udc store as the Python API sees it. Reads open it read-only, writes read-write, each only for the call.

    The core is here; the rest is reached through nouns (``s.areas.list()``, ``s.indicators.compute(...)``), each a
    small class of :mod:`udc.facade` acting as this object's user under this object's audit log."""

    def __init__(self, settings: Settings, *, user: str | None = None) -> None:
        self.settings = settings
        self.path = settings.store
        self._user_name = user
        self._store: Store | None = None  # a store the caller holds (acting(store=...)): reads run on it

    def __repr__(self) -> str:
        return f"udc.open({str(self.path)!r}, user={self.user.name!r})"

    def acting(self, user: User, store: Store | None = None) -> Udc:
        """A facade over the same settings, store and audit log acting as ``user`` — a principal already
        authenticated elsewhere (the web: per request, by session or token). Nothing is looked up again.
        ``store``: a read-only store the caller already holds (the web's request cursor, inside its worker pool):
        reads run on it instead of opening the store again, so the call never waits for a file lock."""
        other = Udc(self.settings, user=user.name)
        other.__dict__["user"] = user
        other._store = store
        for shared in ("audit", "_operational"):  # the same log and engine: no new connections per request
            if shared in self.__dict__:
                other.__dict__[shared] = self.__dict__[shared]
        return other

    # -- the store, held briefly ------------------------------------------------------------------------------
    @contextmanager
    def reading(self, *, locked_down: bool = False) -> Iterator[Store]:
        """The store, read-only, beside other readers (a running ``udc serve``); the caller's own store when this
        facade was made with one (:meth:`acting`) — the web's stores are opened locked down already."""
        if self._store is not None:
            yield self._store
            return
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
        """Who acts: the named user of the operational database, else the store's own operating-system account."""
        if self._user_name is None:
            return owner_account()
        return get_user(self.audit.engine, self._user_name)

    @cached_property
    def _operational(self) -> sa.Engine:
        """The operational database with the participation tables (default categories on first use)."""
        self.path.mkdir(parents=True, exist_ok=True)  # a new store: its SQLite database lives in its directory
        engine = participation_db.engine(operational_url(self.settings.store, self.settings))
        categories.ensure_default(engine)
        return engine

    # -- the nouns -------------------------------------------------------------------------------------------
    @cached_property
    def areas(self) -> Areas:
        """Area versions, regions, boundary imports, crosswalks, harmonising (:class:`udc.facade.Areas`)."""
        return Areas(self)

    @cached_property
    def sources(self) -> Sources:
        """StatLine, municipal tables, links, registers as microdata (:class:`udc.facade.Sources`)."""
        return Sources(self)

    @cached_property
    def indicators(self) -> Indicators:
        """Indicator definitions, computed through the gate; benchmarks, ISO 37120, definition packages."""
        return Indicators(self)

    @cached_property
    def monitor(self) -> Monitor:
        """Programmes and their monitors, releases and baselines (:class:`udc.facade.Monitor`)."""
        return Monitor(self)

    @cached_property
    def flows(self) -> Flows:
        """Verhuisstromen: one area's view, a study, its release, a report (:class:`udc.facade.Flows`)."""
        return Flows(self)

    @cached_property
    def laden(self) -> Charging:
        """Laadpalen: charging points in, the prognosis per buurt and the NAL check (:class:`udc.facade.Charging`)."""
        return Charging(self)

    @cached_property
    def leegstand(self) -> Vacancy:
        """Leegstand: the BAG linked to the registered households, vacant dwellings through the gate."""
        return Vacancy(self)

    @cached_property
    def study(self) -> Studies:
        """Background studies: determinants and expected versus observed, through the gate."""
        return Studies(self)

    @cached_property
    def participation(self) -> Participation:
        """Residents' reports: setup, categories, triage, retention, open data, API keys, snapshot."""
        return Participation(self)

    @cached_property
    def users(self) -> Users:
        """Accounts, roles, scopes and API tokens (:class:`udc.facade.Users`)."""
        return Users(self)

    @cached_property
    def parties(self) -> Parties:
        """The organisations served and their members (:class:`udc.facade.Parties`)."""
        return Parties(self)

    @cached_property
    def agreements(self) -> Agreements:
        """What each party may do, on which data, until when (:class:`udc.facade.Agreements`)."""
        return Agreements(self)

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

    def generation(self) -> str:
        """A token that changes whenever a dataset is added, replaced or dropped: what caches of it key on."""
        with self.reading() as store:
            return catalogue.generation(store)

    def read(self, name: str, version: int | None = None, *, limit: int | None = None) -> pd.DataFrame:
        """A dataset's rows, if this user may take them out (the rules of ``udc export``; audited); ``limit``: the
        first rows only (a preview)."""
        with self.reading() as store:
            return read_for(store, name, self.user, self.audit, version, limit=limit)

    def labelled(self, table: Any, language: str = "nl") -> pd.DataFrame:
        """A result as a person reads it: areas as name + code, categories, statuses, periods and indicators in
        ``language`` (nl/en) — the labels pages and downloads show. ``table``: a DataFrame from :meth:`read`, a
        protected table (:meth:`table`) or a flows result; numbers are untouched."""
        from udc import labelling

        if language not in ("nl", "en"):
            raise UdcError(f"unknown language '{str(language)[:10]}': expected nl or en")
        import pandas as pd

        if isinstance(table, pd.DataFrame):
            frame = table
        else:  # a protected table carries cells; a flows result its frame
            frame = table.cells if isinstance(table, Protected) else table.frame
        with self.reading() as store:
            names = registry.named_areas(store)
        extra = {}
        if "indicator" in frame.columns:
            extra["indicator"] = {i.id: getattr(i.title, language) for i in self.indicators.list()}
        return labelling.labelled(frame, language, names, extra=extra)

    def versions(self, name: str) -> list[dict[str, Any]]:
        """A release's versions, oldest first."""
        with self.reading() as store:
            return catalogue.versions(store, name)

    def may(self, action: str, target: str | list[str] | None = None, *, level: str | None = None) -> bool:
        """Whether the rulebook would let this user take ``action`` on ``target`` (no audit): what a page offers
        or a menu shows, never a permission by itself — the action checks again when it runs."""
        return may(self.user, action, target, level=level)

    # -- the disclosure gate ----------------------------------------------------------------------------------
    def table(
        self,
        request: TableRequest | None = None,
        *,
        dataset: str | None = None,
        dimensions: list[str] | None = None,
        filters: list[Filter | dict[str, Any]] | None = None,
        measure: str | None = None,
        area: str | None = None,
        engine: str = "duckdb",
    ) -> Protected:
        """An ad-hoc protected table of microdata (cell key), from a :class:`TableRequest` or its fields
        (``dataset``, ``dimensions``, ``filters``, ``measure``, ``area``). Typed: no SQL; audited. ``engine``:
        duckdb (embedded) or spark (local, or ``UDC_SPARK_MASTER``) — the same table either way."""
        if request is None:
            given = {"dataset": dataset, "dimensions": dimensions, "filters": filters, "measure": measure, "area": area}
            request = typed(TableRequest, **{k: v for k, v in given.items() if v is not None})
        with self.reading(locked_down=engine == "duckdb") as store, engines.using(store, engine):
            return outside(gate.crosstab(store, request, user=self.user, audit=self.audit))

    def offered(self, dataset: str, dimension: str | None = None) -> list[str]:
        """The dimensions a table builder offers for a microdata dataset (those the gate would list categories of;
        :func:`udc.privacy.gate.offered`), or with ``dimension`` the categories it lists for that one (a form's
        filter options: :func:`udc.privacy.gate.choices`) — what may be asked, not an answer: no audit."""
        with self.reading() as store:
            return gate.offered(store, dataset) if dimension is None else gate.choices(store, dataset, dimension)

    def run(self, definition: Definition | str | os.PathLike[str]) -> Protected:
        """A table defined in advance (a :class:`Definition` or its JSON file), run by an admin."""
        spec = definition if isinstance(definition, Definition) else Definition.from_file(Path(definition))
        with self.reading(locked_down=True) as store:
            return outside(gate.run_defined(store, spec, user=self.user, audit=self.audit))

    def release(
        self,
        protected: Protected,
        name: str,
        *,
        title: str,
        definition: Definition | None = None,
        replace: bool = False,
    ) -> catalogue.Dataset:
        """Catalogue a protected table as released open data: a new version of ``name`` (older versions stay);
        another shape than the current version needs ``replace=True`` (audited)."""
        with self.writing() as store:
            return gate.release(
                store,
                protected,
                name,
                title=title,
                user=self.user,
                audit=self.audit,
                definition=definition,
                replace=replace,
            )

    def check(
        self,
        frame: pd.DataFrame,
        *,
        count: str = "count",
        total: str | None = None,
        top1: str = "top1",
        top2: str = "top2",
        source: str = "table",
    ) -> list[dict[str, Any]]:
        """ACRO-style output check of a table you made elsewhere: per cell the rules it fails and the verdict
        (``count``, ``total``, ``top1``, ``top2``: the frame's columns of counts, sums and largest contributions)."""
        return gate.check_table(frame, self.policy, count=count, total=total, top1=top1, top2=top2, source=source)

    @property
    def policy(self) -> Policy:
        """The store's current disclosure policy (a fresh store: the defaults)."""
        if not (self.path / DB_FILE).exists():
            return Policy()
        with self.reading() as store:
            return policies.current(store)

    def set_policy(self, **changes: int | float | bool | None) -> Policy:
        """Store a new policy version with these fields of :class:`udc.privacy.policy.Policy` changed (an unknown
        field is refused; audited)."""
        with self.writing() as store:
            return policies.set_policy(store, audit=self.audit, user=self.user, **changes)

    # -- the demo -------------------------------------------------------------------------------------------
    def demo(
        self,
        *,
        persons: int = 250_000,
        seed: int = 1,
        years: Years = "2015-2024",
        publish: bool = True,
        progress: Callable[[int | str], Any] | None = None,
    ) -> tuple[SynthReport, list[str]]:
        """Build (or rebuild) the demo store: a fictional region, its synthetic population and (``publish``) the
        released key figures and verhuisstromen the dashboards show. Returns the report and summary lines. The
        rebuild happens in a copy of the database that replaces it at the end, so a crash or ``kill -9`` at any
        moment leaves the store as it was (:func:`udc.demo.rebuild`, the sequence the tests' demo store runs too)."""
        from udc import demo  # the synthesiser and the studies: loaded only to build the demo

        chosen = span(years)
        detail = {"persons": persons, "seed": seed, "years": list(chosen), "publish": publish}
        with ensure(self.user, "demo.build", audit=self.audit, detail=detail):
            operational = demo.Operational(self._operational, key_for(self.path, self.settings)) if publish else None
            return demo.rebuild(
                self.path,
                persons=persons,
                seed=seed,
                years=chosen,
                user=self.user,
                audit=self.audit,
                publish=operational,
                wait=self.settings.lock_wait,
                progress=progress,
            )

    # -- the audit log --------------------------------------------------------------------------------------
    def verify_audit(self) -> tuple[bool, str]:
        """Check the audit chain: an edited, deleted or re-chained entry is found."""
        return self.audit.verify()

    def audit_entries(self, since: str | None = None) -> list[dict[str, Any]]:
        """The audit log's entries (``since``: an ISO timestamp), oldest first."""
        return self.audit.entries(since)
