"""Reading reports: the Open311 search (ids, category, open/closed, a date window of at most 90 days, at most 1 000
per page), one report, and a report by its private follow link."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from udc.errors import InputError, NotFound
from udc.participation import workflow
from udc.participation.db import CATEGORIES, REPORTS
from udc.participation.intake import follow_hash
from udc.participation.messages import keyed

WINDOW_DAYS = 90
MAX_PAGE = 1000


def _moment(value: str | None, field: str) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(f"{field}: '{value[:40]}' is not a W3C date-time such as 2026-11-01T00:00:00Z") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def search(
    engine: sa.Engine,
    *,
    ids: str | None = None,
    service_code: str | None = None,
    status: str | None = None,
    start_date: str | None = None,
    end_date: str | None = None,
    page: int = 1,
    page_size: int = MAX_PAGE,
) -> list[tuple[dict, dict]]:
    """(report, category) pairs, newest first. Without ids: the window ends at ``end_date`` (default now) and starts
    at ``start_date`` (default 90 days before the end); a longer window is refused, as the spec allows."""
    query = sa.select(REPORTS, CATEGORIES).join(CATEGORIES, CATEGORIES.c.code == REPORTS.c.category)
    if ids:
        wanted = [p.strip() for p in ids.split(",") if p.strip()]
        if not all(p.isdigit() for p in wanted) or len(wanted) > MAX_PAGE:
            raise InputError("service_request_id: a comma-separated list of report numbers")
        query = query.where(REPORTS.c.id.in_([int(p) for p in wanted]))
    else:
        end = _moment(end_date, "end_date") or datetime.now(UTC)
        start = _moment(start_date, "start_date") or end - timedelta(days=WINDOW_DAYS)
        if start > end or end - start > timedelta(days=WINDOW_DAYS):
            raise InputError(f"start_date/end_date: a window of at most {WINDOW_DAYS} days, start before end")
        first, last = (m.astimezone(UTC).isoformat(timespec="seconds") for m in (start, end))
        query = query.where(REPORTS.c.created_at.between(first, last))
    if service_code:
        query = query.where(REPORTS.c.category.in_([c.strip() for c in service_code.split(",")]))
    if status:
        wanted = {s.strip() for s in status.split(",")}
        if not wanted <= {"open", "closed"}:
            raise InputError("status: open, closed or open,closed")
        if wanted == {"open"}:
            query = query.where(REPORTS.c.status.not_in(workflow.CLOSED))
        elif wanted == {"closed"}:
            query = query.where(REPORTS.c.status.in_(workflow.CLOSED))
    if not 1 <= page_size <= MAX_PAGE or page < 1:
        raise InputError(f"page_size: 1 to {MAX_PAGE}; page: 1 or more")
    query = query.order_by(REPORTS.c.created_at.desc(), REPORTS.c.id.desc()).limit(page_size)
    query = query.offset((page - 1) * page_size)
    return [_split(r._mapping) for r in _rows(engine, query)]


def _rows(engine: sa.Engine, query: sa.Select) -> list[sa.Row]:
    with engine.connect() as con:
        return list(con.execute(query))


def _split(mapping: sa.RowMapping) -> tuple[dict, dict]:
    report = {c.name: mapping[REPORTS.c[c.name]] for c in REPORTS.columns}
    category = {c.name: mapping[CATEGORIES.c[c.name]] for c in CATEGORIES.columns}
    return report, category


def one(engine: sa.Engine, report_id: int) -> tuple[dict, dict]:
    found = search(engine, ids=str(report_id))
    if not found:
        raise NotFound(f"no service request {report_id}")
    return found[0]


def by_token(engine: sa.Engine, token: str) -> tuple[dict, dict]:
    """A report by its private follow link (the token is stored hashed)."""
    query = (
        sa.select(REPORTS, CATEGORIES)
        .join(CATEGORIES, CATEGORIES.c.code == REPORTS.c.category)
        .where(REPORTS.c.follow_hash == follow_hash(token[:100]))
    )
    rows = _rows(engine, query)
    if not rows:
        raise keyed(NotFound("no report with this link"), "no_report_link")
    return _split(rows[0]._mapping)
