"""Synthetic reports about public space for the demo region (never real residents): over the demo's last two years
and the last weeks before today, in proportion to each buurt's residents, in the default categories; most are
handled within their term, some late, a few reopened, the newest still open — so the public map, the staff pages
and the participation indicators have something to show."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import numpy as np
import sqlalchemy as sa

from udc.areas import registry
from udc.participation import categories, intake
from udc.store import catalogue
from udc.store.db import Store, quote

SOURCE = "synth"
PER_1000 = 40  # reports per 1 000 residents per year


def generate(store: Store, engine: sa.Engine, years: tuple[int, int], *, seed: int) -> int:
    """Replace the synthetic reports (source ``synth``) in the operational database through participation's own
    :func:`~udc.participation.intake.replace_source`; returns how many."""
    import shapely

    categories.ensure_default(engine)
    rng = np.random.default_rng(seed + 311)
    table = quote(catalogue.get(store, "synth_persons_yearly").table_name or "")
    people = store.query(
        f"SELECT buurt_code, count(*) AS n FROM {table} WHERE year = ? GROUP BY buurt_code ORDER BY buurt_code",
        [years[1]],
    )
    shapes = registry.newest_shapes(store, "BU")
    people = people[people.buurt_code.isin(shapes)]
    codes = [c for c in categories.listing(engine) if c["parent"]]
    now = datetime.now(UTC)
    windows = [(datetime(y, 1, 1, tzinfo=UTC), datetime(y + 1, 1, 1, tzinfo=UTC)) for y in (years[1] - 1, years[1])]
    windows.append((now - timedelta(days=60), now - timedelta(hours=1)))
    rows = []
    for start, end in windows:
        share = (end - start).days / 365
        for buurt, n in zip(people.buurt_code, people.n, strict=True):
            shape = shapely.from_wkb(shapes[buurt])
            for _ in range(rng.poisson(n / 1000 * PER_1000 * share)):
                rows.append(_one(rng, buurt, shape, codes, start, end, now))
    return intake.replace_source(engine, SOURCE, rows)


def _one(
    rng: np.random.Generator,
    buurt: str,
    shape: object,
    codes: list[dict],
    start: datetime,
    end: datetime,
    now: datetime,
) -> tuple[dict, list[dict]]:
    import shapely

    category = codes[int(rng.integers(len(codes)))]
    created = start + timedelta(seconds=float(rng.uniform(0, (end - start).total_seconds())))
    minx, miny, maxx, maxy = shape.bounds
    for _ in range(50):  # a point inside the buurt
        lon, lat = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if shape.contains(shapely.Point(lon, lat)):
            break
    else:
        point = shape.representative_point()
        lon, lat = point.x, point.y
    days = float(rng.gamma(2.0, category["term_days"] * 0.45 + 0.5))  # most within the term, a tail late
    closed = created + timedelta(days=days)
    at = created.isoformat(timespec="seconds")
    history = [{"at": at, "actor": SOURCE, "from_status": None, "to_status": "gemeld", "note": ""}]
    report = {
        "category": category["code"],
        "status": "gemeld",
        "description_public": False,
        "description": f"Synthetische melding ({category['name']})",
        "lat": float(lat),
        "lon": float(lon),
        "address": None,
        "precision": "point",
        "buurt": buurt,
        "wijk": f"WK{buurt[2:8]}",
        "gemeente": f"GM{buurt[2:6]}",
        "media": None,
        "media_url": None,
        "follow_hash": secrets.token_hex(32),
        "duplicate_of": None,
        "source": SOURCE,
        "created_at": at,
        "updated_at": at,
        "closed_at": None,
    }
    if closed < now:
        done = closed.isoformat(timespec="seconds")
        history.append({"at": done, "actor": SOURCE, "from_status": "gemeld", "to_status": "afgehandeld", "note": ""})
        report.update(status="afgehandeld", updated_at=done, closed_at=done)
        if rng.random() < 0.04 and closed + timedelta(days=3) < now:  # "done" wasn't: reopened
            again = (closed + timedelta(days=3)).isoformat(timespec="seconds")
            history.append(
                {"at": again, "actor": "melder", "from_status": "afgehandeld", "to_status": "heropend", "note": ""}
            )
            report.update(status="heropend", updated_at=again, closed_at=None)
    return report, history
