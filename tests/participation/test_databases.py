"""The participation tables on both operational databases, really started: SQLite (the default) and PostgreSQL
(by URL). Filing, the workflow, one answer per device (the primary key holds under a race), retention."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from participation_site import Intake

from udc.errors import Forbidden
from udc.privacy.access import User

# A real PostgreSQL server: the second step of 'make test' (pytest -m slow).
pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> sa.Engine:
    from udc.participation import categories, db

    url = (
        f"sqlite:///{tmp_path / 'op.sqlite'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    )
    made = db.engine(url)
    with made.begin() as con:  # a clean slate on the shared PostgreSQL server
        for table in reversed(db.META.sorted_tables):
            con.execute(table.delete())
    categories.ensure_default(made)
    return made


def test_filing_workflow_answers_and_retention(engine: sa.Engine, intake: Intake) -> None:
    from udc.participation import intake as filing
    from udc.participation import notices, staff, workflow
    from udc.participation.db import CONTACTS, QUESTIONS
    from udc.store import Store

    with Store(intake.store, read_only=True) as store:
        new = filing.parse(
            {
                "service_code": "zwerfvuil",
                "lat": intake.inside[0],
                "long": intake.inside[1],
                "description": "Afval",
                "email": "a@example.org",
            }
        )
        filed = [filing.file(engine, store, new, source="test") for _ in range(3)]
    assert len({f.id for f in filed}) == 3 and filed[-1].nearby  # the earlier two are near
    with engine.begin() as con:
        workflow.change(con, filed[0].id, "afgehandeld", actor="test")
    later = datetime.now(UTC) + timedelta(days=400)
    assert staff.retention(engine, User("test", "admin"), None, today=later) == 1
    with engine.connect() as con:
        emails = dict(con.execute(sa.select(CONTACTS.c.report_id, CONTACTS.c.email)).all())
    assert emails[filed[0].id] is None and emails[filed[1].id] == "a@example.org"
    with engine.begin() as con:
        question = con.execute(
            QUESTIONS.insert().values(
                question="Bankjes?",
                options='["ja", "nee"]',
                buurten=f'["{intake.buurt}"]',
                opens=date.today().isoformat(),
                closes=date.today().isoformat(),
                author="t",
                created_at="x",
            )
        ).inserted_primary_key[0]

    def one(_: int) -> str:
        try:
            notices.answer(engine, question, 0, intake.buurt, "zelfde-apparaat", network="een-adres")
            return "ok"
        except Forbidden:  # also when two arrive at the same instant: the primary key refuses the second
            return "refused"

    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(one, range(8)))
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 7
    tomorrow = (date.today() + timedelta(days=1)).isoformat()  # results only once the question has closed
    assert notices.results(engine, question, intake.buurt, threshold=1)["state"] == "open"
    assert notices.results(engine, question, intake.buurt, threshold=1, today=tomorrow)["options"][0]["share"] == 100
