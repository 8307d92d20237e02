"""``s.participation``: residents' reports about public space — the municipalities served, categories, triage by
staff, retention, open data, API keys for machine clients, and the snapshot that makes reports microdata."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path
from typing import Any

from udc.facade.base import Noun
from udc.facade.open311 import Open311
from udc.participation import categories, intake, keys, media, notices, reports, snapshot, staff, workflow
from udc.participation.intake import Filed
from udc.privacy.actions import ensure
from udc.privacy.audit import key_for
from udc.privacy.principal import User

Rows = list[dict[str, Any]]
Pair = tuple[dict[str, Any], dict[str, Any]]  # (report, its category)
STATUSES: dict[str, tuple[str, str]] = workflow.STATUSES  # a report's statuses: code → (Dutch, English)
TRANSITIONS: dict[str, tuple[str, ...]] = workflow.TRANSITIONS  # status → the statuses staff may move it to
MAX_PAGE: int = reports.MAX_PAGE  # reports per page of a search (Open311's page_size bound)


class Participation(Noun):
    """The participation tables of the operational database, as the facade's user (staff: their municipalities)."""

    def setup(self, municipalities: list[str]) -> list[str]:
        """The municipalities reports are accepted for (admin; audited)."""
        udc = self._udc
        detail = {"municipalities": municipalities}
        with ensure(udc.user, "participation.setup", audit=udc.audit, detail=detail):
            intake.set_jurisdiction(udc._operational, municipalities)
        return intake.jurisdiction(udc._operational)

    def import_categories(self, path: str | os.PathLike[str]) -> int:
        """Replace the report categories with a Signalen category file (admin; one transaction; audited)."""
        udc = self._udc
        with ensure(udc.user, "import.categories", audit=udc.audit, detail={"file": str(path)}) as outcome:
            found = categories.read_signalen(Path(path))
            outcome["categories"] = categories.store(udc._operational, found, Path(path).name)
        return outcome["categories"]

    def categories(self, *, reportable: bool = False) -> Rows:
        """Every active category, main headings included (what ``udc reports categories`` lists); ``reportable``:
        only those a report can be filed in (Open311's services)."""
        return categories.listing(self._udc._operational, reportable=reportable)

    def category(self, code: str) -> dict[str, Any]:
        """One active category by its code (404 when there is none)."""
        return categories.get(self._udc._operational, code)

    @cached_property
    def open311(self) -> Open311:
        """The same reports as Open311 GeoReport v2 documents (:class:`udc.facade.open311.Open311`)."""
        return Open311(self._udc)

    # -- residents: filing, following, reading the public reports --------------------------------------------
    def buurten(self) -> list[tuple[str, str]]:
        """The buurten (code, name) of the municipalities reports are accepted for: the form's choice of place."""
        with self._udc.reading() as store:
            return intake.buurten(store, intake.jurisdiction(self._udc._operational))

    @staticmethod
    def photo_memory(photo: bytes) -> int:
        """Bytes checking and shrinking this photo holds: charged to the web's memory budget before it starts."""
        return media.memory(photo)

    def file(
        self, values: dict[str, str], *, source: str, photo: bytes | None = None, buurt: str | None = None
    ) -> Filed:
        """File a resident's report from the form's ``values`` (checked: one-line reason when invalid), placed by
        lat/long or else inside ``buurt``; a photo is checked, shrunk and kept beside the store."""
        new = intake.parse(values)
        udc = self._udc
        with udc.reading() as store:
            folder = udc.path / "participation_media"
            return intake.file(
                udc._operational, store, new, source=source, photo=photo, buurt=buurt, media_folder=folder
            )

    def client(self, key: str | None) -> User:
        """The machine client an Open311 API key belongs to, with its party's agreements (401 for a bad key)."""
        return keys.principal(self._udc._operational, key)

    def request(self, values: dict[str, str], *, photo: bytes | None = None) -> tuple[Filed, dict[str, Any]]:
        """A service request posted by the machine client this facade acts as (:meth:`client`): through the
        rulebook under its party's agreement, audited with the report it filed; returns it and its category."""
        udc = self._udc
        new = intake.parse(values)
        detail = {"client": udc.user.name, "service_code": new.service_code}
        with ensure(udc.user, "participation.request", audit=udc.audit, detail=detail) as outcome:
            with udc.reading() as store:
                filed = intake.file(
                    udc._operational,
                    store,
                    new,
                    source=f"open311:{udc.user.name}",
                    photo=photo,
                    media_folder=udc.path / "participation_media",
                )
            outcome["report"] = filed.id
        return filed, self.category(new.service_code)

    def public(self, report_id: int) -> Pair:
        """One report as the public sees it, with its category (no contact data)."""
        return reports.one(self._udc._operational, report_id)

    def search(
        self,
        *,
        ids: str | None = None,
        service_code: str | None = None,
        status: str | None = None,
        start_date: str | None = None,
        end_date: str | None = None,
        page: int = 1,
        page_size: int = MAX_PAGE,
    ) -> list[Pair]:
        """Public (report, category) pairs, newest first, within a window of at most 90 days (Open311's search)."""
        return reports.search(
            self._udc._operational,
            ids=ids,
            service_code=service_code,
            status=status,
            start_date=start_date,
            end_date=end_date,
            page=page,
            page_size=page_size,
        )

    def followed(self, token: str) -> tuple[dict[str, Any], dict[str, Any], Rows]:
        """The report behind a private follow link, its category and its history (the token is the key)."""
        engine = self._udc._operational
        report, category = reports.by_token(engine, token)
        with engine.connect() as con:
            return report, category, workflow.history(con, report["id"])

    def reopen(self, token: str, reason: str) -> None:
        """The reporter reopens their report by its follow link, saying why (at most 2000 characters kept)."""
        engine = self._udc._operational
        report, _ = reports.by_token(engine, token)
        with engine.begin() as con:
            workflow.reopen(con, report["id"], reason[:2000])

    # -- staff ------------------------------------------------------------------------------------------------
    def report(self, report_id: int) -> tuple[dict[str, Any], Rows]:
        """One report for staff of its municipality (refused otherwise) and its history; no contact data."""
        engine = self._udc._operational
        found = staff.one(engine, self._udc.user, report_id)
        with engine.connect() as con:
            return found, workflow.history(con, report_id)

    def contact(self, report_id: int) -> dict[str, Any] | None:
        """The reporter's contact data, on purpose (staff of its municipality; audited)."""
        udc = self._udc
        return staff.contact(udc._operational, udc.user, udc.audit, report_id)

    # -- announcements and quick questions ---------------------------------------------------------------------
    def announcements(self, buurt: str) -> Rows:
        """A buurt's running announcements, newest first."""
        return notices.announcements(self._udc._operational, buurt)

    def questions(self, buurt: str) -> Rows:
        """A buurt's open and recently closed questions, each with the results it may publish (``results``:
        rounded shares, once closed, from the disclosure policy's minimum number of client networks)."""
        engine, threshold = self._udc._operational, self._udc.policy.min_count
        asked = notices.questions(engine, buurt)
        for question in asked:
            question["results"] = notices.results(engine, question["id"], buurt, threshold)
        return asked

    def answer(self, question_id: int, option: int, buurt: str, device: str, *, client: str, secret: str) -> None:
        """A resident's answer: one per ``device`` and a few per client network (``client``'s address, kept only
        as a keyed hash with ``secret``)."""
        network = notices.network_hash(client, secret)
        notices.answer(self._udc._operational, question_id, option, buurt, device, network=network)

    def answered(self, question_ids: list[int], device: str) -> set[int]:
        """Which of these questions ``device`` has answered (not what it answered): its page confirms instead of
        showing the form again. Only the holder of the device's signed cookie asks about it."""
        return notices.answered(self._udc._operational, question_ids, device)

    def announce(self, values: dict[str, Any]) -> int:
        """Post an announcement (title, body, buurten, starts, ends) for buurten of the user's municipalities
        (staff; audited); returns its id."""
        udc = self._udc
        return notices.announce(udc._operational, udc.user, udc.audit, values)

    def ask(self, values: dict[str, Any]) -> int:
        """Post a quick question (question, options, buurten, starts, ends) likewise (staff; audited)."""
        udc = self._udc
        return notices.ask(udc._operational, udc.user, udc.audit, values)

    @staticmethod
    def now() -> str:
        """The time stamps reports and announcements carry (UTC, ISO 8601): a feed's date when it is empty."""
        return workflow.now()

    def reports(self, *, status: str | None = None, category: str | None = None) -> Rows:
        """Reports for triage (staff: their municipalities; admin: all); no contact data."""
        return staff.listing(self._udc._operational, self._udc.user, status=status, category=category)

    def set_status(self, report_id: int, status: str, note: str = "") -> str:
        """Move a report along its workflow (staff of its municipality; audited); returns the new status."""
        udc = self._udc
        return staff.set_status(udc._operational, udc.user, udc.audit, report_id, status, note)

    def merge(self, duplicate: int, into: int) -> None:
        """Close ``duplicate`` as a duplicate of ``into`` (staff of both municipalities; audited)."""
        udc = self._udc
        staff.merge(udc._operational, udc.user, udc.audit, duplicate, into)

    def approve_text(self, report_id: int, public: bool = True) -> None:
        """Staff read the text and decide whether the public map may show it (audited)."""
        udc = self._udc
        staff.approve_text(udc._operational, udc.user, udc.audit, report_id, public=public)

    def retention(self, days: int = 365) -> int:
        """Anonymise reporters' contact data of reports closed more than ``days`` ago (admin; audited)."""
        udc = self._udc
        return staff.retention(udc._operational, udc.user, udc.audit, days=days)

    def export(self, out: str | os.PathLike[str]) -> int:
        """Reports as open data (CSV or Parquet): no text, no contact data, places rounded; audited."""
        udc = self._udc
        return staff.export(udc._operational, udc.user, udc.audit, Path(out))

    def issue_key(self, client: str) -> str:
        """An Open311 API key for a machine client (admin; shown once; audited)."""
        udc = self._udc
        with ensure(udc.user, "participation.key", audit=udc.audit, detail={"client": client}):
            return keys.issue(udc._operational, client)

    def revoke_key(self, client: str) -> int:
        """Revoke a machine client's Open311 keys at once (admin; audited); returns how many."""
        udc = self._udc
        with ensure(udc.user, "participation.key.revoke", audit=udc.audit, detail={"client": client}):
            return keys.revoke(udc._operational, client)

    def snapshot(self) -> int:
        """The reports as the microdata dataset ``meldingen`` (for indicators through the gate; admin; audited)."""
        udc = self._udc
        with ensure(udc.user, "import.meldingen", audit=udc.audit, detail={}) as outcome, udc.writing() as store:
            outcome["rows"] = snapshot.save(store, udc._operational, key_for(udc.path, udc.settings))
        return outcome["rows"]
