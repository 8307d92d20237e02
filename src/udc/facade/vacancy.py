"""``s.leegstand``: vacancy from linked registers — the BAG's dwellings linked to the households registered on
1 January (a microdata table), and vacant dwellings per area through the gate (:mod:`udc.analysis.vacancy`)."""

from __future__ import annotations

import pandas as pd

from udc.analysis import vacancy
from udc.errors import UdcError
from udc.facade.base import Noun
from udc.privacy.actions import ensure, reads_by_scope
from udc.privacy.audit import secret_file
from udc.privacy.export import readable_codes


class Vacancy(Noun):
    """Leegstand (issue 33): the link is person-level (who lives where) and stays microdata; counts leave as gate
    tables only."""

    def link(self) -> str:
        """Link the store's own BAG's dwellings in the stock to the households of its 1 January and the one before
        (``udc leegstand link``): the microdata table ``bag_bewoning``; an admin's action, audited."""
        udc = self._udc
        detail = {"bag": vacancy.BAG, "households": vacancy.HOUSEHOLDS}
        with ensure(udc.user, "leegstand.link", vacancy.HOUSEHOLDS, audit=udc.audit, detail=detail) as done:
            with udc.writing() as store:
                name = vacancy.link(store, salt=secret_file(udc.path / "record-key.secret"))
            done |= {"dataset": name}
        return name

    def release(self, name: str = vacancy.RELEASE) -> int:
        """Vacant dwellings per buurt, wijk and gemeente released as open data (``udc leegstand woningen
        --release``), derived by the gate; returns the version."""
        if not name.startswith("leegstand"):
            raise UdcError(f"--release {name[:60]!r}: the vacancy table is released as leegstand…")
        udc = self._udc
        with ensure(udc.user, "leegstand.release", vacancy.LINKED, audit=udc.audit, detail={"name": name}) as done:
            with udc.writing() as store:
                version = vacancy.release(store, user=udc.user, audit=udc.audit, name=name)
            done |= {"version": version}
        return version

    def released(self, name: str = vacancy.RELEASE) -> pd.DataFrame | None:
        """The released vacancy table (None before the first release)."""
        from udc.store import catalogue

        with self._udc.reading() as store:
            return catalogue.read(store, name) if catalogue.exists(store, name) else None

    def import_shopping_areas(self, path: str) -> pd.DataFrame:
        """Shopping areas (GeoJSON polygons with a ``name``) as the open table ``winkelgebieden``
        (``udc winkelgebieden import``); audited."""
        from udc.analysis import shopping

        with self._udc.writing() as store:
            return shopping.import_areas(store, path, user=self._udc.user)

    def shopping(self) -> pd.DataFrame:
        """Per shopping area and year: shop premises, vacant, long-term vacant, the rate, closures and openings
        (``udc winkelgebieden leegstand``), from the premises register (internal: for those who may read it)."""
        from udc.analysis import shopping

        udc = self._udc
        with ensure(udc.user, "winkelgebieden.vacancy", shopping.STOCK, audit=udc.audit, detail={}) as done:
            with udc.reading() as store:
                within = readable_codes(store, udc.user) if reads_by_scope(udc.user) else None
                frame = shopping.vacancy(store, within=within)
            done |= {"rows": len(frame)}
        return frame

    def establishments(self) -> pd.DataFrame | None:
        """The released establishments and jobs per gemeente, sector and year (``vestigingen``; None before)."""
        from udc.analysis import economy
        from udc.store import catalogue

        with self._udc.reading() as store:
            return catalogue.read(store, economy.RELEASE) if catalogue.exists(store, economy.RELEASE) else None

    def dwellings(self, *, area: str | None = None, level: str = "buurt") -> pd.DataFrame:
        """Stock, vacant and long-term vacant dwellings and their rates per area of ``level`` (within a gemeente
        ``area``), each count a gate table's (``udc leegstand woningen``)."""
        udc = self._udc
        detail = {"area": area, "level": level}
        with ensure(udc.user, "leegstand.dwellings", vacancy.LINKED, audit=udc.audit, detail=detail,
                    level=level) as done:  # fmt: skip
            with udc.reading(locked_down=True) as store:
                frame, _ = vacancy.dwellings(store, area, level=level, user=udc.user, audit=udc.audit)
            done |= {"areas": len(frame)}
        return frame
