"""``s.participation``: residents' reports about public space — the municipalities served, categories, triage by
staff, retention, open data, API keys for machine clients, and the snapshot that makes reports microdata."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from udc.facade.base import Noun
from udc.participation import categories, intake, keys, snapshot, staff
from udc.privacy.actions import ensure
from udc.privacy.audit import key_for

Rows = list[dict[str, Any]]


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

    def categories(self) -> Rows:
        """Every active category, main headings included (what ``udc reports categories`` lists)."""
        return categories.listing(self._udc._operational, reportable=False)

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
