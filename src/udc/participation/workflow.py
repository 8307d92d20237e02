"""A report's life: the statuses Signalen uses, the transitions allowed between them (anything else is refused),
an append-only history with who and why, reopening by the reporter, merging duplicates — and the Open311 view of it
(open or closed)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from udc.errors import Forbidden, NotFound, UdcError
from udc.participation.db import HISTORY, REPORTS
from udc.participation.messages import keyed

STATUSES = {  # code → (Dutch, English)
    "gemeld": ("gemeld", "reported"),
    "in_afwachting": ("in afwachting", "waiting"),
    "in_behandeling": ("in behandeling", "in progress"),
    "ingepland": ("ingepland", "scheduled"),
    "reactie_gevraagd": ("reactie gevraagd", "response requested"),
    "reactie_ontvangen": ("reactie ontvangen", "response received"),
    "afgehandeld": ("afgehandeld", "done"),
    "geannuleerd": ("geannuleerd", "cancelled"),
    "heropend": ("heropend", "reopened"),
}
CLOSED = ("afgehandeld", "geannuleerd")
_WORK = ("in_behandeling", "ingepland", "afgehandeld", "geannuleerd")
TRANSITIONS = {
    "gemeld": ("in_afwachting", "reactie_gevraagd", *_WORK),
    "in_afwachting": ("reactie_gevraagd", *_WORK),
    "in_behandeling": ("in_afwachting", "ingepland", "reactie_gevraagd", "afgehandeld", "geannuleerd"),
    "ingepland": ("in_behandeling", "afgehandeld", "geannuleerd"),
    "reactie_gevraagd": ("reactie_ontvangen", *_WORK),
    "reactie_ontvangen": _WORK,
    "afgehandeld": ("heropend",),
    "geannuleerd": ("heropend",),
    "heropend": _WORK,
}


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def open311_status(status: str) -> str:
    return "closed" if status in CLOSED else "open"


def change(con: sa.Connection, report_id: int, to: str, *, actor: str, note: str = "") -> str:
    """Move a report to ``to`` if the transition table allows it; the history gets a line. Returns the old status."""
    if to not in STATUSES:
        raise UdcError(f"unknown status '{to[:40]}': expected one of {', '.join(STATUSES)}")
    row = con.execute(sa.select(REPORTS.c.status).where(REPORTS.c.id == report_id)).first()
    if row is None:
        raise NotFound(f"no report {report_id}")
    if to not in TRANSITIONS[row.status]:
        allowed = ", ".join(TRANSITIONS[row.status])
        raise UdcError(f"report {report_id} is '{row.status}': it can become {allowed}, not '{to}'")
    at = now()
    closed = {"closed_at": at} if to in CLOSED else ({"closed_at": None} if to == "heropend" else {})
    con.execute(REPORTS.update().where(REPORTS.c.id == report_id).values(status=to, updated_at=at, **closed))
    con.execute(
        HISTORY.insert().values(
            report_id=report_id, at=at, actor=actor, from_status=row.status, to_status=to, note=note[:2000]
        )
    )
    return row.status


def first_line(con: sa.Connection, report_id: int, actor: str) -> None:
    con.execute(
        HISTORY.insert().values(
            report_id=report_id, at=now(), actor=actor, from_status=None, to_status="gemeld", note=""
        )
    )


def reopen(con: sa.Connection, report_id: int, reason: str) -> None:
    """The reporter says "done" isn't: only a report that was done can be reopened this way, with a reason."""
    row = con.execute(sa.select(REPORTS.c.status).where(REPORTS.c.id == report_id)).first()
    if row is None or row.status != "afgehandeld":
        raise keyed(Forbidden("only a report marked done can be reopened by its reporter"), "reopen_not_done")
    if not reason.strip():
        raise keyed(UdcError("say what is still wrong: a reason is needed to reopen"), "reopen_reason")
    change(con, report_id, "heropend", actor="melder", note=reason)


def merge(con: sa.Connection, duplicate: int, into: int, *, actor: str) -> None:
    """Close ``duplicate`` as a copy of ``into`` (same category), keeping both histories."""
    rows = {r.id: r for r in con.execute(sa.select(REPORTS).where(REPORTS.c.id.in_([duplicate, into])))}
    if duplicate == into or len(rows) != 2:
        raise NotFound(f"reports {duplicate} and {into}: two different existing reports are needed")
    if rows[duplicate].category != rows[into].category:
        raise UdcError(
            f"report {duplicate} is '{rows[duplicate].category}', {into} '{rows[into].category}': only "
            "reports of one category are merged"
        )
    change(con, duplicate, "geannuleerd", actor=actor, note=f"dubbele melding van {into}")
    con.execute(REPORTS.update().where(REPORTS.c.id == duplicate).values(duplicate_of=into))


def history(con: sa.Connection, report_id: int) -> list[dict]:
    query = sa.select(HISTORY).where(HISTORY.c.report_id == report_id).order_by(HISTORY.c.id)
    return [dict(r._mapping) for r in con.execute(query)]
