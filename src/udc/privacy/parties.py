"""Parties and their agreements: how a UDC actually grants access ("voor de diverse partijen gelden diverse regels").

A **party** is an organisation — the municipality, CBS, a housing corporation, a university, a private company — with
members (users). An **agreement** of a party names its purpose, the datasets it covers (catalogue names, or ``*``),
the area levels it covers, what it allows (ad-hoc tables through the gate or only tables defined in advance and
releases), a stricter minimum count if the party gets one, and its validity (from, until; ended early with
``udc agreements end``). The rulebook (:mod:`udc.privacy.actions`) consults a member's agreements on every action;
an agreement that has ended ends its members' access the next day at once, whatever door they come through.

A new store has one party, the municipality (:data:`DEFAULT_PARTY`), with one open-ended agreement covering
everything: users who belong to no other party are its members, so a single-organisation installation works as before.
This module owns the ``parties``, ``party_members`` and ``agreements`` tables of the operational database; who may
change them is the rulebook's business (``parties.manage``), not this module's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa

from udc.errors import NotFound, UdcError

DEFAULT_PARTY = "gemeente"
DEFAULT_AGREEMENT = "standaard"
KINDS = ("gemeente", "cbs", "woningcorporatie", "onderwijs", "bedrijf", "overheid", "overig")
LEVELS = ("buurt", "wijk", "gemeente", "regio", "nederland")
ALL = "*"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")

META = sa.MetaData()
PARTIES = sa.Table(
    "parties",
    META,
    sa.Column("name", sa.String(60), primary_key=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
MEMBERS = sa.Table(
    "party_members",
    META,
    sa.Column("user_name", sa.String(200), primary_key=True),  # a user belongs to one party
    sa.Column("party", sa.String(60), nullable=False, index=True),
)
AGREEMENTS = sa.Table(
    "agreements",
    META,
    sa.Column("name", sa.String(60), primary_key=True),
    sa.Column("party", sa.String(60), nullable=False, index=True),
    sa.Column("purpose", sa.Text, nullable=False),
    sa.Column("datasets", sa.Text, nullable=False),  # JSON list of catalogue names, or ["*"]
    sa.Column("levels", sa.Text, nullable=False),  # JSON list of area levels, or ["*"]
    sa.Column("adhoc", sa.Boolean, nullable=False),  # ad-hoc tables through the gate allowed
    sa.Column("min_count", sa.Integer, nullable=True),  # a stricter threshold than the store's policy
    sa.Column("valid_from", sa.String(10), nullable=False),
    sa.Column("valid_until", sa.String(10), nullable=True),  # the last day it is valid; null: open-ended
    sa.Column("ended", sa.String(10), nullable=True),  # ended early: the last day it was valid
)


@dataclass(frozen=True)
class Agreement:
    """One agreement of a party: what its members may do, on what, until when."""

    name: str
    party: str
    purpose: str
    datasets: tuple[str, ...] = (ALL,)
    levels: tuple[str, ...] = (ALL,)
    adhoc: bool = True
    min_count: int | None = None
    valid_from: date = date(1970, 1, 1)
    valid_until: date | None = None

    def valid_on(self, day: date) -> bool:
        """Valid from its first day through its last (``valid_until`` itself included)."""
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def covers(self, dataset: str | None) -> bool:
        return ALL in self.datasets or (dataset is not None and dataset in self.datasets)

    def covers_level(self, level: str | None) -> bool:
        return ALL in self.levels or level is None or level in self.levels

    def describe(self) -> dict[str, object]:
        """What ``udc agreements list`` shows."""
        return {
            "name": self.name,
            "party": self.party,
            "purpose": self.purpose,
            "datasets": list(self.datasets),
            "levels": list(self.levels),
            "adhoc": self.adhoc,
            "min_count": self.min_count,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": self.valid_until.isoformat() if self.valid_until else None,
        }


@dataclass(frozen=True)
class Membership:
    """A user's party and that party's agreements (valid or not: the rulebook decides on the day)."""

    party: str
    agreements: tuple[Agreement, ...] = field(default_factory=tuple)


def create_tables(engine: sa.Engine) -> None:
    """The tables and the default party with its open-ended agreement, once per operational database."""
    META.create_all(engine)
    with engine.begin() as con:
        if con.execute(sa.select(PARTIES.c.name).where(PARTIES.c.name == DEFAULT_PARTY)).first() is None:
            con.execute(
                PARTIES.insert().values(
                    name=DEFAULT_PARTY, title="Gemeente (deze installatie)", kind="gemeente", created_at=_today()
                )
            )
            con.execute(AGREEMENTS.insert().values(**_row(_default_agreement())))


def _default_agreement() -> Agreement:
    return Agreement(DEFAULT_AGREEMENT, DEFAULT_PARTY, "Het eigen werk van de gemeente (standaard, zonder einddatum)")


def _today() -> str:
    return date.today().isoformat()


def _name(name: str, what: str) -> str:
    if not _NAME.match(name or ""):
        raise UdcError(f"{what} '{name[:60]}': expected 1-60 lower-case letters, digits, '-' or '_'")
    return name


def _row(agreement: Agreement) -> dict[str, object]:
    return {
        "name": agreement.name,
        "party": agreement.party,
        "purpose": agreement.purpose,
        "datasets": json.dumps(list(agreement.datasets)),
        "levels": json.dumps(list(agreement.levels)),
        "adhoc": agreement.adhoc,
        "min_count": agreement.min_count,
        "valid_from": agreement.valid_from.isoformat(),
        "valid_until": agreement.valid_until.isoformat() if agreement.valid_until else None,
        "ended": None,
    }


def _agreement(row: sa.Row) -> Agreement:
    until = row.ended or row.valid_until
    return Agreement(
        name=row.name,
        party=row.party,
        purpose=row.purpose,
        datasets=tuple(json.loads(row.datasets)),
        levels=tuple(json.loads(row.levels)),
        adhoc=bool(row.adhoc),
        min_count=row.min_count,
        valid_from=date.fromisoformat(row.valid_from),
        valid_until=date.fromisoformat(until) if until else None,
    )


def add_party(engine: sa.Engine, name: str, title: str, kind: str) -> dict[str, str]:
    """A new party (no members, no agreements yet: its members can do nothing until an agreement is added)."""
    _name(name, "party")
    if kind not in KINDS:
        raise UdcError(f"party kind '{kind}': expected one of {', '.join(KINDS)}")
    if not title or len(title) > 200:
        raise UdcError("a party's title has 1-200 characters")
    with engine.begin() as con:
        if con.execute(sa.select(PARTIES.c.name).where(PARTIES.c.name == name)).first():
            raise UdcError(f"party '{name}' exists")
        con.execute(PARTIES.insert().values(name=name, title=title, kind=kind, created_at=_today()))
    return {"name": name, "title": title, "kind": kind}


def list_parties(engine: sa.Engine) -> list[dict[str, object]]:
    """Every party with its members and agreement names."""
    with engine.connect() as con:
        members: dict[str, list[str]] = {}
        for row in con.execute(sa.select(MEMBERS).order_by(MEMBERS.c.user_name)):
            members.setdefault(row.party, []).append(row.user_name)
        deals: dict[str, list[str]] = {}
        for row in con.execute(sa.select(AGREEMENTS.c.name, AGREEMENTS.c.party).order_by(AGREEMENTS.c.name)):
            deals.setdefault(row.party, []).append(row.name)
        parties = con.execute(sa.select(PARTIES).order_by(PARTIES.c.name)).all()
    return [
        {
            "name": p.name,
            "title": p.title,
            "kind": p.kind,
            "members": members.get(p.name, []) if p.name != DEFAULT_PARTY else ["(wie geen andere partij heeft)"],
            "agreements": deals.get(p.name, []),
        }
        for p in parties
    ]


def get_party(engine: sa.Engine, name: str) -> dict[str, object]:
    for party in list_parties(engine):
        if party["name"] == name:
            return party | {"agreements": [a.describe() for a in agreements_of(engine, name)]}
    raise NotFound(f"unknown party '{name[:60]}'")


def add_member(engine: sa.Engine, party: str, user: str) -> None:
    """Make ``user`` a member of ``party`` (a user belongs to one party; moving them is adding them elsewhere)."""
    get_party(engine, party)
    with engine.begin() as con:
        con.execute(MEMBERS.delete().where(MEMBERS.c.user_name == user))
        if party != DEFAULT_PARTY:
            con.execute(MEMBERS.insert().values(user_name=user, party=party))


def add_agreement(engine: sa.Engine, agreement: Agreement) -> Agreement:
    """Store an agreement of an existing party (checked: name, levels, dates, threshold)."""
    _name(agreement.name, "agreement")
    get_party(engine, agreement.party)
    if not agreement.purpose or len(agreement.purpose) > 1000:
        raise UdcError("an agreement states its purpose (1-1000 characters)")
    unknown = sorted(set(agreement.levels) - {*LEVELS, ALL})
    if unknown:
        raise UdcError(f"agreement level {', '.join(unknown)}: expected {', '.join(LEVELS)} or *")
    if not agreement.datasets:
        raise UdcError("an agreement names the datasets it covers (or *)")
    if agreement.valid_until is not None and agreement.valid_until < agreement.valid_from:
        raise UdcError("an agreement ends on or after the day it starts (--until before --from)")
    if agreement.min_count is not None and not 1 <= agreement.min_count <= 1000:
        raise UdcError("an agreement's minimum count lies between 1 and 1000")
    with engine.begin() as con:
        if con.execute(sa.select(AGREEMENTS.c.name).where(AGREEMENTS.c.name == agreement.name)).first():
            raise UdcError(f"agreement '{agreement.name}' exists")
        con.execute(AGREEMENTS.insert().values(**_row(agreement)))
    return agreement


def end_agreement(engine: sa.Engine, name: str, last_day: date | None = None) -> Agreement:
    """End an agreement early: ``last_day`` (default today) is its last valid day; access ends the day after."""
    day = last_day or date.today()
    with engine.begin() as con:
        row = con.execute(sa.select(AGREEMENTS).where(AGREEMENTS.c.name == name)).first()
        if row is None:
            raise NotFound(f"unknown agreement '{name[:60]}'")
        con.execute(AGREEMENTS.update().where(AGREEMENTS.c.name == name).values(ended=day.isoformat()))
        row = con.execute(sa.select(AGREEMENTS).where(AGREEMENTS.c.name == name)).one()
    return _agreement(row)


def agreements_of(engine: sa.Engine, party: str) -> tuple[Agreement, ...]:
    with engine.connect() as con:
        rows = con.execute(sa.select(AGREEMENTS).where(AGREEMENTS.c.party == party).order_by(AGREEMENTS.c.name))
        return tuple(_agreement(r) for r in rows)


def list_agreements(engine: sa.Engine, party: str | None = None) -> list[dict[str, object]]:
    with engine.connect() as con:
        query = sa.select(AGREEMENTS).order_by(AGREEMENTS.c.party, AGREEMENTS.c.name)
        if party:
            query = query.where(AGREEMENTS.c.party == party)
        return [_agreement(r).describe() for r in con.execute(query)]


def membership(engine: sa.Engine, user: str) -> Membership:
    """The party ``user`` acts for (the default party when they belong to no other) and its agreements."""
    with engine.connect() as con:
        row = con.execute(sa.select(MEMBERS.c.party).where(MEMBERS.c.user_name == user)).first()
    party = row.party if row else DEFAULT_PARTY
    return Membership(party, agreements_of(engine, party))
