"""What staff do with reports, each audited in the function itself: triage lists (their municipalities only),
status changes with a note, merging duplicates, approving a report's text for the public, reading a reporter's
contact data; the retention run that anonymises contact data; and the open-data export without personal data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from udc.errors import NotFound
from udc.participation import workflow
from udc.participation.db import CATEGORIES, CONTACTS, REPORTS
from udc.privacy.access import User
from udc.privacy.actions import ensure, refuse_unless, scope_filter, within
from udc.privacy.audit import AuditLog

RETENTION_DAYS = 365


def _check(con: sa.Connection, user: User, report_id: int, action: str = "participation.status") -> None:
    """The report exists and lies in the user's municipalities (the rulebook's scope rule, inside its audit)."""
    row = con.execute(sa.select(REPORTS.c.gemeente).where(REPORTS.c.id == report_id)).first()
    if row is None:
        raise NotFound(f"no report {report_id}")
    within(user, action, row.gemeente, f"report {report_id} is in {row.gemeente}")


def listing(
    engine: sa.Engine, user: User, *, status: str | None = None, category: str | None = None, limit: int = 500
) -> list[dict]:
    """Reports for triage, newest first — only those in the user's municipalities; contact data not included."""
    refuse_unless(user, "participation.list")
    query = sa.select(REPORTS).order_by(REPORTS.c.created_at.desc()).limit(limit)
    scopes = scope_filter(user, "participation.list")
    if scopes is not None:
        query = query.where(REPORTS.c.gemeente.in_(list(scopes)))
    if status:
        query = query.where(REPORTS.c.status == status)
    if category:
        query = query.where(REPORTS.c.category == category)
    with engine.connect() as con:
        return [{k: v for k, v in r._mapping.items() if k != "follow_hash"} for r in con.execute(query)]


def one(engine: sa.Engine, user: User, report_id: int) -> dict:
    """One report for its staff (no contact data)."""
    refuse_unless(user, "participation.list")
    with engine.connect() as con:
        _check(con, user, report_id, "participation.list")
        row = con.execute(sa.select(REPORTS).where(REPORTS.c.id == report_id)).one()
    return {k: v for k, v in row._mapping.items() if k != "follow_hash"}


def set_status(engine: sa.Engine, user: User, audit: AuditLog, report_id: int, status: str, note: str = "") -> str:
    detail = {"report": report_id, "to": status}
    with ensure(user, "participation.status", audit=audit, detail=detail) as outcome, engine.begin() as con:
        _check(con, user, report_id)
        outcome["from"] = workflow.change(con, report_id, status, actor=user.name, note=note)
    return outcome["from"]


def merge(engine: sa.Engine, user: User, audit: AuditLog, duplicate: int, into: int) -> None:
    detail = {"duplicate": duplicate, "into": into}
    with ensure(user, "participation.merge", audit=audit, detail=detail), engine.begin() as con:
        _check(con, user, duplicate, "participation.merge")
        _check(con, user, into, "participation.merge")
        workflow.merge(con, duplicate, into, actor=user.name)


def approve_text(engine: sa.Engine, user: User, audit: AuditLog, report_id: int, *, public: bool = True) -> None:
    """Staff read the text and decide it may be shown on the public map (no names, no addresses of people)."""
    detail = {"report": report_id, "public": public}
    with ensure(user, "participation.approve_text", audit=audit, detail=detail), engine.begin() as con:
        _check(con, user, report_id, "participation.approve_text")
        con.execute(REPORTS.update().where(REPORTS.c.id == report_id).values(description_public=public))


def contact(engine: sa.Engine, user: User, audit: AuditLog, report_id: int) -> dict | None:
    """A reporter's contact data (staff of the report's municipality only); every look is audited."""
    detail = {"report": report_id}
    with ensure(user, "participation.contact", audit=audit, detail=detail), engine.connect() as con:
        _check(con, user, report_id, "participation.contact")
        row = con.execute(sa.select(CONTACTS).where(CONTACTS.c.report_id == report_id)).first()
    return dict(row._mapping) if row else None


def retention(
    engine: sa.Engine, user: User, audit: AuditLog, *, days: int = RETENTION_DAYS, today: datetime | None = None
) -> int:
    """Empty the contact data of reports closed more than ``days`` ago (the report itself stays, without them)."""
    cutoff = ((today or datetime.now(UTC)) - timedelta(days=days)).isoformat(timespec="seconds")
    detail = {"days": days, "closed_before": cutoff}
    with ensure(user, "participation.retention", audit=audit, detail=detail) as outcome:
        closed = sa.select(REPORTS.c.id).where(REPORTS.c.status.in_(workflow.CLOSED), REPORTS.c.closed_at < cutoff)
        with engine.begin() as con:
            done = con.execute(
                CONTACTS.update()
                .where(CONTACTS.c.report_id.in_(closed), CONTACTS.c.anonymised_at.is_(None))
                .values(email=None, name=None, phone=None, anonymised_at=workflow.now())
            ).rowcount
        outcome["anonymised"] = done
    return done


def open_data(engine: sa.Engine) -> pd.DataFrame:
    """Every report as open data: category, status, area codes, dates and a rounded place — no text, no contact
    data, no photo; non-public categories rounded to about 100 m, others to about 10 m."""
    query = (
        sa.select(
            REPORTS.c.id,
            REPORTS.c.category,
            CATEGORIES.c.name.label("category_name"),
            CATEGORIES.c.public,
            REPORTS.c.status,
            REPORTS.c.buurt,
            REPORTS.c.wijk,
            REPORTS.c.gemeente,
            REPORTS.c.created_at,
            REPORTS.c.closed_at,
            REPORTS.c.lat,
            REPORTS.c.lon,
        )
        .join(CATEGORIES, CATEGORIES.c.code == REPORTS.c.category)
        .order_by(REPORTS.c.id)
    )
    with engine.connect() as con:
        frame = pd.DataFrame(
            [dict(r._mapping) for r in con.execute(query)],
            columns=[
                "id",
                "category",
                "category_name",
                "public",
                "status",
                "buurt",
                "wijk",
                "gemeente",
                "created_at",
                "closed_at",
                "lat",
                "lon",
            ],
        )
    decimals = frame.public.map(lambda p: 4 if p else 3)
    frame["lat"] = [round(v, d) for v, d in zip(frame.lat, decimals, strict=True)]
    frame["lon"] = [round(v, d) for v, d in zip(frame.lon, decimals, strict=True)]
    return frame.drop(columns=["public"])


def export(engine: sa.Engine, user: User, audit: AuditLog, out: Path) -> int:
    """The reports as open data in a file (CSV, or Parquet by the suffix); audited."""
    with ensure(user, "participation.export", audit=audit, detail={"file": str(out)}) as outcome:
        frame = open_data(engine)
        if out.suffix.lower() == ".parquet":
            frame.to_parquet(out, index=False)
        else:
            frame.to_csv(out, index=False)
        outcome["rows"] = len(frame)
    return len(frame)
