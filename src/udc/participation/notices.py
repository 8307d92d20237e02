"""Announcements ("this is going to happen in your neighbourhood") and quick questions per buurt. Staff post them
for one or more buurten and a period; residents see them on the buurt's page and in its Atom feed; a quick question
takes one answer per device (an id in a signed cookie, plus a throttle per address — a poll, not a ballot: someone
who clears cookies and changes address can answer again, see docs/participation.md) and shows its results for a
buurt only when at least the disclosure policy's minimum number of answers exist there."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from udc.errors import Forbidden, InputError, NotFound, UdcError
from udc.participation.db import ANNOUNCEMENTS, ANSWERS, QUESTIONS
from udc.participation.workflow import now
from udc.privacy.access import User
from udc.privacy.audit import AuditLog, audited
from udc.privacy.request import first_error

BUURT = r"^BU[0-9]{8}$"


class _Period(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    buurten: list[str] = Field(min_length=1, max_length=500)
    starts: date
    ends: date

    @field_validator("buurten")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        import re

        bad = [c for c in value if not re.fullmatch(BUURT, c)]
        if bad:
            raise ValueError(f"buurt codes look like BU09170000, not {', '.join(bad[:3])}")
        return sorted(set(value))

    @model_validator(mode="after")
    def _order(self) -> _Period:
        if self.ends < self.starts:
            raise ValueError("the end date is before the start date")
        return self


class Announcement(_Period):
    title: str = Field(min_length=3, max_length=200)
    body: str = Field(min_length=3, max_length=5000)


class Question(_Period):
    question: str = Field(min_length=3, max_length=300)
    options: list[str] = Field(min_length=2, max_length=8)

    @field_validator("options")
    @classmethod
    def _options(cls, value: list[str]) -> list[str]:
        cleaned = [v.strip() for v in value if v.strip()]
        if len(cleaned) < 2 or len(set(cleaned)) != len(cleaned) or any(len(v) > 120 for v in cleaned):
            raise ValueError("two to eight different options of at most 120 characters")
        return cleaned


def _typed(model: type[BaseModel], values: dict) -> BaseModel:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise InputError(first_error(exc)) from None


def _may_post(user: User, buurten: list[str]) -> None:
    if user.role == "admin":
        return
    if user.role != "staff":
        raise Forbidden("announcements and questions are posted by staff")
    outside = [b for b in buurten if f"GM{b[2:6]}" not in user.scopes]
    if outside:
        raise Forbidden(f"{', '.join(outside[:3])}: not in your municipalities")


def announce(engine: sa.Engine, user: User, audit: AuditLog, values: dict) -> int:
    item = _typed(Announcement, values)
    with audited(audit, user.name, "participation.announce", {"title": item.title, "buurten": item.buurten}) as out:
        _may_post(user, item.buurten)
        with engine.begin() as con:
            out["id"] = con.execute(ANNOUNCEMENTS.insert().values(
                title=item.title, body=item.body, buurten=json.dumps(item.buurten), starts=item.starts.isoformat(),
                ends=item.ends.isoformat(), author=user.name, created_at=now())).inserted_primary_key[0]  # fmt: skip
    return int(out["id"])


def ask(engine: sa.Engine, user: User, audit: AuditLog, values: dict) -> int:
    item = _typed(Question, values)
    with audited(audit, user.name, "participation.ask", {"question": item.question, "buurten": item.buurten}) as out:
        _may_post(user, item.buurten)
        with engine.begin() as con:
            out["id"] = con.execute(QUESTIONS.insert().values(
                question=item.question, options=json.dumps(item.options), buurten=json.dumps(item.buurten),
                opens=item.starts.isoformat(), closes=item.ends.isoformat(), author=user.name,
                created_at=now())).inserted_primary_key[0]  # fmt: skip
    return int(out["id"])


def _today() -> str:
    return datetime.now(UTC).date().isoformat()


def _for(rows: list[sa.Row], buurt: str) -> list[dict]:
    return [dict(r._mapping) for r in rows if buurt in json.loads(r.buurten)]


def announcements(engine: sa.Engine, buurt: str, *, today: str | None = None) -> list[dict]:
    """The announcements running today for ``buurt``, newest first."""
    day = today or _today()
    table = ANNOUNCEMENTS
    query = sa.select(table).where(table.c.starts <= day, table.c.ends >= day, table.c.buurten.contains(buurt))
    query = query.order_by(table.c.id.desc())
    with engine.connect() as con:
        return _for(list(con.execute(query)), buurt)


def questions(engine: sa.Engine, buurt: str, *, today: str | None = None) -> list[dict]:
    """The questions open today for ``buurt``."""
    day = today or _today()
    query = sa.select(QUESTIONS).where(QUESTIONS.c.opens <= day, QUESTIONS.c.closes >= day,
                                       QUESTIONS.c.buurten.contains(buurt)).order_by(QUESTIONS.c.id.desc())  # fmt: skip
    with engine.connect() as con:
        found = _for(list(con.execute(query)), buurt)
    for q in found:
        q["options"] = json.loads(q["options"])
    return found


def device_hash(device: str, question_id: int) -> str:
    return hashlib.sha256(f"{question_id}\x1f{device}".encode()).hexdigest()


def answer(engine: sa.Engine, question_id: int, option: int, buurt: str, device: str) -> None:
    """One answer per device per question, in one of the question's buurten, while it is open (two at the same
    instant from one device: the primary key takes the first and this refuses the second)."""
    try:
        _answer(engine, question_id, option, buurt, device)
    except sa.exc.IntegrityError:
        raise Forbidden("you have already answered this question on this device") from None


def _answer(engine: sa.Engine, question_id: int, option: int, buurt: str, device: str) -> None:
    with engine.begin() as con:
        row = con.execute(sa.select(QUESTIONS).where(QUESTIONS.c.id == question_id)).first()
        if row is None:
            raise NotFound(f"no question {question_id}")
        if not row.opens <= _today() <= row.closes:
            raise UdcError("this question is closed")
        if buurt not in json.loads(row.buurten):
            raise InputError(f"buurt: the question is not asked in {buurt[:12]}")
        if not 0 <= option < len(json.loads(row.options)):
            raise InputError("option: choose one of the question's options")
        key = device_hash(device, question_id)
        if con.execute(sa.select(ANSWERS.c.option).where(ANSWERS.c.question_id == question_id,
                                                         ANSWERS.c.device_hash == key)).first():  # fmt: skip
            raise Forbidden("you have already answered this question on this device")
        con.execute(ANSWERS.insert().values(question_id=question_id, device_hash=key, option=option, buurt=buurt,
                                            at=now()))  # fmt: skip


def results(engine: sa.Engine, question_id: int, buurt: str, threshold: int) -> dict:
    """Counts per option in ``buurt`` — only when at least ``threshold`` answers exist there (else withheld)."""
    with engine.connect() as con:
        row = con.execute(sa.select(QUESTIONS).where(QUESTIONS.c.id == question_id)).first()
        if row is None:
            raise NotFound(f"no question {question_id}")
        query = sa.select(ANSWERS.c.option, sa.func.count()).where(
            ANSWERS.c.question_id == question_id, ANSWERS.c.buurt == buurt).group_by(ANSWERS.c.option)  # fmt: skip
        counts = dict(con.execute(query).all())
    options = json.loads(row.options)
    total = sum(counts.values())
    shown = total >= threshold
    listed = [{"option": o, "count": counts.get(i, 0) if shown else None} for i, o in enumerate(options)]
    return {"question": row.question, "total": total if shown else None, "threshold": threshold, "shown": shown,
            "options": listed}  # fmt: skip
