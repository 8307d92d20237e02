"""Announcements ("this is going to happen in your neighbourhood") and quick questions per buurt. Staff post them
for one or more buurten and a period; residents see them on the buurt's page and in its Atom feed; a quick question
takes one answer per device (an id in a signed cookie) and at most :data:`PER_NETWORK` per client network — a poll,
not a ballot: someone who clears cookies and changes address can answer again, see docs/participation.md.

Results are an output about residents, so they are published as the gate would: a device is only a cookie a client
need not send back, so whoever plants all answers but one can read the last one from exact counts (n − 1), and
whoever watches the counts while the question runs reads each new answer (differencing between two moments). Hence
results appear only after the question has closed (they no longer change), only when answers came from at least the
disclosure policy's ``min_count`` different client networks in that buurt, and only as shares rounded to
:data:`STEP` per cent — never a count, not even the total. See docs/participation.md for what remains possible."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from udc.errors import Forbidden, InputError, NotFound, UdcError
from udc.participation.db import ANNOUNCEMENTS, ANSWER_NETWORKS, ANSWERS, QUESTIONS
from udc.participation.messages import keyed
from udc.participation.workflow import now
from udc.privacy.access import User
from udc.privacy.actions import ensure
from udc.privacy.audit import AuditLog
from udc.privacy.request import first_error

BUURT = r"^BU[0-9]{8}$"
PER_NETWORK = 3  # answers to one question from one client network (a household behind one address); more refused
STEP = 10  # published shares are rounded to this many per cent: one answer is never a visible count
SHOWN_DAYS = 30  # a closed question stays on the buurt's page, with its results, this many days


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


def announce(engine: sa.Engine, user: User, audit: AuditLog, values: dict) -> int:
    item = _typed(Announcement, values)
    detail = {"title": item.title, "buurten": item.buurten}
    with ensure(user, "participation.announce", item.buurten, audit=audit, detail=detail) as out, engine.begin() as con:
        out["id"] = con.execute(
            ANNOUNCEMENTS.insert().values(
                title=item.title,
                body=item.body,
                buurten=json.dumps(item.buurten),
                starts=item.starts.isoformat(),
                ends=item.ends.isoformat(),
                author=user.name,
                created_at=now(),
            )
        ).inserted_primary_key[0]
    return int(out["id"])


def ask(engine: sa.Engine, user: User, audit: AuditLog, values: dict) -> int:
    item = _typed(Question, values)
    detail = {"question": item.question, "buurten": item.buurten}
    with ensure(user, "participation.ask", item.buurten, audit=audit, detail=detail) as out, engine.begin() as con:
        out["id"] = con.execute(
            QUESTIONS.insert().values(
                question=item.question,
                options=json.dumps(item.options),
                buurten=json.dumps(item.buurten),
                opens=item.starts.isoformat(),
                closes=item.ends.isoformat(),
                author=user.name,
                created_at=now(),
            )
        ).inserted_primary_key[0]
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
    """The questions for ``buurt`` that are open today (``open``: True) or closed in the last
    :data:`SHOWN_DAYS` days — a question's results are published only after it closed, so it stays a while."""
    day = today or _today()
    since = (date.fromisoformat(day) - timedelta(days=SHOWN_DAYS)).isoformat()
    query = (
        sa.select(QUESTIONS)
        .where(QUESTIONS.c.opens <= day, QUESTIONS.c.closes >= since, QUESTIONS.c.buurten.contains(buurt))
        .order_by(QUESTIONS.c.id.desc())
    )
    with engine.connect() as con:
        found = _for(list(con.execute(query)), buurt)
    for q in found:
        q["options"] = json.loads(q["options"])
        q["open"] = q["closes"] >= day
    return found


def device_hash(device: str, question_id: int) -> str:
    return hashlib.sha256(f"{question_id}\x1f{device}".encode()).hexdigest()


def network_hash(address: str, secret: str) -> str:
    """A keyed hash of the client's network: an IPv4 address, or the /64 an IPv6 household gets from its provider
    (it can use any address inside it); anything else (a test client's name) as it is. Keyed, so the stored value
    does not give the address back, and hashed per network, so "different networks" can be counted."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        net = address
    else:
        mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
        net = str(mapped or (ipaddress.ip_network(f"{ip}/64", strict=False) if ip.version == 6 else ip))
    return hmac.new(secret.encode(), net.encode(), hashlib.sha256).hexdigest()


def answer(engine: sa.Engine, question_id: int, option: int, buurt: str, device: str, *, network: str) -> None:
    """One answer per device per question, in one of the question's buurten, while it is open, and at most
    :data:`PER_NETWORK` per client ``network`` (:func:`network_hash`): a device is a cookie the client can drop,
    a network is harder to change. Two at the same instant from one device: the primary key takes the first and
    this refuses the second."""
    try:
        _answer(engine, question_id, option, buurt, device, network)
    except sa.exc.IntegrityError:
        raise keyed(Forbidden("you have already answered this question on this device"), "answered_twice") from None


def _answer(engine: sa.Engine, question_id: int, option: int, buurt: str, device: str, network: str) -> None:
    with engine.begin() as con:
        row = con.execute(sa.select(QUESTIONS).where(QUESTIONS.c.id == question_id)).first()
        if row is None:
            raise keyed(NotFound(f"no question {question_id}"), "no_question")
        if not row.opens <= _today() <= row.closes:
            raise keyed(UdcError("this question is closed"), "question_closed")
        if buurt not in json.loads(row.buurten):
            raise keyed(InputError(f"buurt: the question is not asked in {buurt[:12]}"), "not_asked_here")
        if not 0 <= option < len(json.loads(row.options)):
            raise keyed(InputError("option: choose one of the question's options"), "choose_option")
        key = device_hash(device, question_id)
        if con.execute(
            sa.select(ANSWERS.c.option).where(ANSWERS.c.question_id == question_id, ANSWERS.c.device_hash == key)
        ).first():
            raise keyed(Forbidden("you have already answered this question on this device"), "answered_twice")
        mine = (ANSWER_NETWORKS.c.question_id == question_id) & (ANSWER_NETWORKS.c.network == network)
        from_network = con.execute(sa.select(sa.func.count()).select_from(ANSWER_NETWORKS).where(mine)).scalar_one()
        if from_network >= PER_NETWORK:
            refusal = Forbidden(f"this address has already given {PER_NETWORK} answers to this question")
            raise keyed(refusal, "network_full", n=PER_NETWORK)
        con.execute(
            ANSWERS.insert().values(question_id=question_id, device_hash=key, option=option, buurt=buurt, at=now())
        )
        con.execute(ANSWER_NETWORKS.insert().values(question_id=question_id, device_hash=key, network=network))


def answered(engine: sa.Engine, question_ids: list[int], device: str) -> set[int]:
    """The questions among ``question_ids`` that ``device`` answered — never which option: the device's own page
    says "answer saved" rather than offering the form again."""
    if not question_ids:
        return set()
    keys = {device_hash(device, q): q for q in question_ids}
    query = sa.select(ANSWERS.c.device_hash).where(
        ANSWERS.c.question_id.in_(question_ids), ANSWERS.c.device_hash.in_(list(keys))
    )
    with engine.connect() as con:
        return {keys[h] for h in con.execute(query).scalars()}


def share(count: int, total: int) -> int:
    """``count`` of ``total`` in per cent, rounded half up to a multiple of :data:`STEP` (integers only)."""
    return STEP * ((200 * count + STEP * total) // (2 * STEP * total)) if total else 0


def results(engine: sa.Engine, question_id: int, buurt: str, threshold: int, *, today: str | None = None) -> dict:
    """What may be published about the answers in ``buurt``: nothing while the question is open (``state``
    "open": the answers are not even read), nothing when they came from fewer than ``threshold`` different client
    networks ("too_few"), else ("shown") each option's share rounded to :data:`STEP` per cent. Never a count or a
    total: those would give one answer away to whoever planted the others."""
    day = today or _today()
    with engine.connect() as con:
        row = con.execute(sa.select(QUESTIONS).where(QUESTIONS.c.id == question_id)).first()
        if row is None:
            raise NotFound(f"no question {question_id}")
        counts: dict[int, int] = {}
        networks = 0
        if row.closes < day:
            here = (ANSWERS.c.question_id == question_id) & (ANSWERS.c.buurt == buurt)
            counts = dict(
                con.execute(sa.select(ANSWERS.c.option, sa.func.count()).where(here).group_by(ANSWERS.c.option)).all()
            )
            joined = ANSWERS.join(
                ANSWER_NETWORKS,
                (ANSWER_NETWORKS.c.question_id == ANSWERS.c.question_id)
                & (ANSWER_NETWORKS.c.device_hash == ANSWERS.c.device_hash),
            )
            networks = con.execute(
                sa.select(sa.func.count(sa.distinct(ANSWER_NETWORKS.c.network))).select_from(joined).where(here)
            ).scalar_one()
    state = "open" if row.closes >= day else "shown" if networks >= threshold else "too_few"
    total = sum(counts.values())
    listed = [
        {"option": o, "share": share(counts.get(i, 0), total) if state == "shown" else None}
        for i, o in enumerate(json.loads(row.options))
    ]
    return {
        "question": row.question,
        "closes": row.closes,
        "state": state,
        "shown": state == "shown",
        "threshold": threshold,
        "step": STEP,
        "options": listed,
    }
