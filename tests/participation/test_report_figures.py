"""Reports as neighbourhood figures: the snapshot 'meldingen' (microdata — readable only through the gate) counts
each report once, knows the term in working days and reopenings; the released participation indicators are the
gate's cell-key counts of the real numbers (within the policy's largest deviation)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from participation_site import Intake

from udc.errors import Forbidden


def test_the_snapshot_counts_terms_in_working_days_reopenings_and_no_duplicates(tmp_path: Path) -> None:
    from udc.participation import categories, db, snapshot
    from udc.participation.db import HISTORY, REPORTS

    engine = db.engine(f"sqlite:///{tmp_path / 'op.sqlite'}")
    categories.ensure_default(engine)  # zwerfvuil: 3 working days
    base = {
        "category": "zwerfvuil",
        "description": "x",
        "lat": 50.9,
        "lon": 5.9,
        "buurt": "BU99010000",
        "wijk": "WK990100",
        "gemeente": "GM9901",
        "source": "test",
        "updated_at": "x",
        "duplicate_of": None,
    }
    rows = [  # created on a Friday: closed Wednesday = 3 working days (in term); the next Friday = 5 (late)
        {
            **base,
            "id": 1,
            "status": "afgehandeld",
            "created_at": "2026-11-06T09:00:00+00:00",
            "closed_at": "2026-11-11T09:00:00+00:00",
            "follow_hash": "a",
        },
        {
            **base,
            "id": 2,
            "status": "afgehandeld",
            "created_at": "2026-11-06T09:00:00+00:00",
            "closed_at": "2026-11-13T09:00:00+00:00",
            "follow_hash": "b",
        },
        {
            **base,
            "id": 3,
            "status": "heropend",
            "created_at": "2026-11-06T10:00:00+00:00",
            "closed_at": None,
            "follow_hash": "c",
        },
        {
            **base,
            "id": 4,
            "status": "geannuleerd",
            "created_at": "2026-11-06T11:00:00+00:00",
            "closed_at": "2026-11-06T12:00:00+00:00",
            "follow_hash": "d",
            "duplicate_of": 1,
        },
    ]
    with engine.begin() as con:
        con.execute(REPORTS.insert(), rows)
        con.execute(
            HISTORY.insert(),
            [
                {
                    "report_id": 3,
                    "at": "x",
                    "actor": "melder",
                    "from_status": "afgehandeld",
                    "to_status": "heropend",
                    "note": "",
                }
            ],
        )
    frame = snapshot.frame(engine, b"key").set_index(pd.Index([1, 2, 3]))
    assert list(frame.within_term) == ["true", "false", "false"]
    assert list(frame.closed) == ["true", "true", "false"] and list(frame.reopened) == ["false", "false", "true"]
    assert set(frame.columns) >= {"record_key", "buurt_code", "year", "month", "category", "main_category"}
    assert frame.record_key.nunique() == 3 and not set(frame.record_key) & {1, 2, 3}


def test_participation_figures_are_the_gates_counts_of_the_reports(intake: Intake) -> None:
    import udc
    from udc.participation.db import REPORTS
    from udc.privacy.audit import operational_url
    from udc.privacy.policy import current
    from udc.store import Store

    api = udc.open(intake.store)
    with pytest.raises(Forbidden, match="microdata"):
        api.read("meldingen")
    values = api.read("indicatoren")
    reports = values[(values.indicator == "participatie_meldingen") & (values.level == "gemeente")].dropna(
        subset=["numerator"]
    )
    assert len(reports) >= 4
    engine = sa.create_engine(operational_url(intake.store))
    with engine.connect() as con:
        raw = pd.DataFrame(
            [
                dict(r._mapping)
                for r in con.execute(
                    sa.select(REPORTS.c.gemeente, REPORTS.c.created_at).where(
                        REPORTS.c.source == "synth", REPORTS.c.duplicate_of.is_(None)
                    )
                )
            ]
        )
    raw["period"] = raw.created_at.str[:4]
    truth = raw.groupby(["gemeente", "period"]).size()
    with Store(intake.store, read_only=True) as store:
        deviation = current(store).cell_key_d
    for row in reports.itertuples():
        assert abs(row.numerator - truth[(row.area_code, row.period)]) <= deviation, row
    closed = values[(values.indicator == "participatie_binnen_termijn") & (values.level == "total")].dropna(
        subset=["value"]
    )
    assert len(closed) and closed.value.between(40, 100).all()
