"""``s.parties`` and ``s.agreements``: the organisations a UDC serves and the agreements under which their members
act (:mod:`udc.privacy.parties` keeps them; every change is checked and audited by the rulebook)."""

from __future__ import annotations

from datetime import date
from typing import Any

from udc.facade.base import Noun
from udc.privacy import parties
from udc.privacy.actions import ensure
from udc.privacy.parties import ALL, Agreement

Rows = list[dict[str, Any]]  # `list` is a method name in the classes below
Names = list[str]


class Parties(Noun):
    """Parties (a municipality, CBS, a housing corporation, a university, a company) and their members."""

    def add(self, name: str, title: str, kind: str) -> dict[str, str]:
        """A new party: no members and no agreement yet, so its members can do nothing until one is added
        (admin; audited). ``kind``: one of :data:`udc.privacy.parties.KINDS`."""
        udc = self._udc
        detail = {"party": name, "title": title, "kind": kind}
        with ensure(udc.user, "parties.add", audit=udc.audit, detail=detail):
            return parties.add_party(udc.audit.engine, name, title, kind)

    def list(self) -> Rows:
        """Every party with its members and the names of its agreements."""
        return parties.list_parties(self._udc.audit.engine)

    def show(self, name: str) -> dict[str, Any]:
        """One party with its members and its agreements in full."""
        return parties.get_party(self._udc.audit.engine, name)

    def add_member(self, party: str, user: str) -> None:
        """Make ``user`` a member of ``party`` (a user belongs to one party: this moves them; admin; audited)."""
        udc = self._udc
        with ensure(udc.user, "parties.member", audit=udc.audit, detail={"party": party, "user": user}):
            parties.add_member(udc.audit.engine, party, user)


class Agreements(Noun):
    """What a party's members may do, on which datasets and levels, until when."""

    def add(
        self,
        name: str,
        party: str,
        purpose: str,
        *,
        datasets: Names | None = None,
        levels: Names | None = None,
        adhoc: bool = True,
        min_count: int | None = None,
        valid_from: date | None = None,
        valid_until: date | None = None,
    ) -> Agreement:
        """An agreement of an existing party (admin; audited): ``datasets`` and ``levels`` it covers (default: all),
        whether it allows ad-hoc tables (else only tables defined in advance and releases), a stricter minimum count,
        its first and last valid day (default: from today, open-ended)."""
        udc = self._udc
        agreement = Agreement(
            name=name,
            party=party,
            purpose=purpose,
            datasets=tuple(datasets) if datasets is not None else (ALL,),
            levels=tuple(levels) if levels is not None else (ALL,),
            adhoc=adhoc,
            min_count=min_count,
            valid_from=valid_from or date.today(),
            valid_until=valid_until,
        )
        with ensure(udc.user, "agreements.add", audit=udc.audit, detail=agreement.describe()):
            return parties.add_agreement(udc.audit.engine, agreement)

    def list(self, party: str | None = None) -> Rows:
        """Agreements of one party, or of every party."""
        return parties.list_agreements(self._udc.audit.engine, party)

    def end(self, name: str, last_day: date | None = None) -> Agreement:
        """End an agreement early: ``last_day`` (default today) is its last valid day; its members' access ends
        the day after, whatever door they come through (admin; audited)."""
        udc = self._udc
        detail = {"agreement": name, "last_day": (last_day or date.today()).isoformat()}
        with ensure(udc.user, "agreements.end", audit=udc.audit, detail=detail):
            return parties.end_agreement(udc.audit.engine, name, last_day)
