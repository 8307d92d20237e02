"""``s.flows``: verhuisstromen (residential moves) — a view of one area, a whole study, its release, a report."""

from __future__ import annotations

import os
from pathlib import Path

from udc.analysis import flows, flows_open, flows_report
from udc.analysis.flows import FlowTable
from udc.facade.base import Noun, Years, span
from udc.privacy import engine as engines
from udc.privacy.gate import Protected
from udc.store import catalogue


class Flows(Noun):
    """Moves counted from microdata (every number through the gate) or read from an aggregated open table."""

    views: tuple[str, ...] = (*flows.VIEWS, "rates")  # the verhuisstromen tables a study releases, by view

    def table(
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
        udc = self._udc
        chosen = span(years)
        if from_table:
            with udc.reading() as store:
                return flows_open.flows(store, from_table, area, view=view, years=chosen, boundary_year=boundary_year)
        self._moves(rebuild)
        with udc.reading(locked_down=engine == "duckdb") as store, engines.using(store, engine):
            return flows.flows(
                store, area, view=view, years=chosen, group=group, level=level, user=udc.user, audit=udc.audit
            )

    def study(
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
        udc = self._udc
        self._moves()
        with udc.reading(locked_down=engine == "duckdb") as store, engines.using(store, engine):
            chosen = flows.all_areas(store) if areas == "all" else list(areas)
            return flows.study(
                store,
                chosen,
                years=span(years),
                groups=groups,
                views=(*flows.VIEWS, "rates"),
                level=level,
                tails=tails,
                user=udc.user,
                audit=udc.audit,
            )

    def release_study(
        self, tables: dict[str, Protected], prefix: str, *, years: str, replace: bool = False
    ) -> list[str]:
        """Each view of a study as a release ``PREFIX_view`` (a new version each; another shape needs replace)."""
        udc = self._udc
        with udc.writing() as store:
            return flows.release_study(
                store, tables, prefix, years=years, user=udc.user, audit=udc.audit, replace=replace
            )

    def report(self, area: str, out: str | os.PathLike[str], *, years: Years = "2019-2020") -> Path:
        """An offline HTML report: balance per target group, Sankey of origins/destinations, trend."""
        udc = self._udc
        self._moves()
        with udc.reading(locked_down=True) as store:
            return flows_report.build(store, area, span(years), user=udc.user, audit=udc.audit, out=Path(out))

    def _moves(self, rebuild: bool = False) -> None:
        """The moves and residents tables the views count from, prepared once (``rebuild``: again)."""
        with self._udc.reading() as store:
            ready = catalogue.exists(store, flows.RESIDENTS) and not rebuild
        if not ready:
            with self._udc.writing() as store:
                flows.prepare(store)
