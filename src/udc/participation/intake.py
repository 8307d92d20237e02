"""Filing a report: a typed request (category, place, text, optional contact and photo) checked field by field,
placed in its buurt, wijk and gemeente by point-in-polygon on the registry's geometry — a place outside the
municipalities this system serves is refused — with the reporter's contact data stored apart and a private link to
follow it. Nearby open reports of the same category (14 days) are offered as possible duplicates, measured from
their *published* place and in bands: the exact place of a non-public report would otherwise leak through the
distances shown to a few probing reports (trilateration)."""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, EmailStr, Field, ValidationError, field_validator

from udc.errors import Forbidden, InputError
from udc.participation import categories, media, open311, workflow
from udc.participation.db import CATEGORIES, CONTACTS, HISTORY, REPORTS, SETTINGS
from udc.participation.messages import keyed
from udc.privacy.request import first_error
from udc.store.db import Store

NEAR_METRES = 50  # possible duplicates in a public category: within this distance of their published (~1 m) place
NEAR_PRIVATE = 100  # in a non-public category: of their published place, rounded to ~100 m (up to ~65 m off)
NEAR_DAYS = 14
BANDS = (25, 50, 100)  # a distance is shown as "within" the first of these it is under, never in metres


class NewReport(BaseModel):
    """What a resident or an Open311 client sends (the GeoReport v2 field names)."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)
    service_code: str = Field(min_length=1, max_length=100)
    lat: float | None = Field(None, ge=-90, le=90)
    long: float | None = Field(None, ge=-180, le=180)
    address_string: str | None = Field(None, max_length=300)
    description: str = Field(min_length=3, max_length=4000)
    email: EmailStr | None = None
    first_name: str | None = Field(None, max_length=100)
    last_name: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=40, pattern=r"^[0-9+() -]{6,40}$")
    media_url: str | None = Field(None, max_length=500, pattern=r"^https://\S+$")

    @field_validator("email", "first_name", "last_name", "phone", "media_url", "address_string", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


def parse(values: dict) -> NewReport:
    """The request checked: a mistake is one line naming the field and what is expected."""
    try:
        return NewReport.model_validate(values)
    except ValidationError as exc:
        field = str(exc.errors()[0]["loc"][0]) if exc.errors() and exc.errors()[0]["loc"] else "request"
        raise keyed(InputError(first_error(exc)), "field_invalid", field=field) from None


@dataclass
class Filed:
    id: int
    follow_token: str  # shown once to the reporter: the private link's secret
    gemeente: str
    buurt: str | None
    nearby: list[dict]


def jurisdiction(engine: sa.Engine) -> list[str]:
    """The municipalities reports are accepted for (empty: every municipality with imported boundaries)."""
    with engine.connect() as con:
        row = con.execute(sa.select(SETTINGS.c.value).where(SETTINGS.c.key == "municipalities")).first()
    return json.loads(row.value) if row else []


def set_jurisdiction(engine: sa.Engine, codes: list[str]) -> None:
    bad = [c for c in codes if not (c.startswith("GM") and c[2:].isdigit() and len(c) == 6)]
    if bad:
        raise InputError(f"municipality codes look like GM0917: {', '.join(bad[:5])}")
    with engine.begin() as con:
        con.execute(SETTINGS.delete().where(SETTINGS.c.key == "municipalities"))
        con.execute(SETTINGS.insert().values(key="municipalities", value=json.dumps(sorted(set(codes)))))


def locate(store: Store, lat: float, lon: float, allowed: list[str]) -> tuple[str | None, str | None, str]:
    """(buurt, wijk, gemeente) of a point: the registry's newest geometry; outside the served municipalities is a
    refusal that says where the point fell."""
    from udc.areas import points, registry

    found = points.assign(store, pd.Series([lon]), pd.Series([lat]), year=datetime.now(UTC).year)
    row = found.codes.iloc[0]
    gemeente = row["gemeente_code"]
    if gemeente is None or (allowed and gemeente not in allowed):
        served = ", ".join(registry.names(store).get(c, c) for c in allowed) if allowed else "the imported areas"
        where = f"in {registry.names(store).get(gemeente, gemeente)}" if gemeente else "outside every known area"
        refusal = Forbidden(f"lat/long: the place ({lat:.5f}, {lon:.5f}) is {where}; reports are taken for {served}")
        names = registry.names(store)
        found = {"place": names.get(gemeente, gemeente)} if gemeente else {}
        key = ("place_elsewhere" if gemeente else "place_outside") + ("" if allowed else "_any")
        raise keyed(refusal, key, served=", ".join(names.get(c, c) for c in allowed), **found)
    return row["buurt_code"], row["wijk_code"], gemeente


def metres(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine), enough for 50 m."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 6_371_000 * 2 * math.asin(math.sqrt(a))


def band(distance: float) -> int:
    """The first of :data:`BANDS` that ``distance`` (metres) is within: what the confirmation page shows."""
    return next((b for b in BANDS if distance <= b), BANDS[-1])


def nearby(con: sa.Connection, category: str, lat: float, lon: float, *, at: datetime | None = None) -> list[dict]:
    """Open reports of the same category filed in the last 14 days near (``lat``, ``lon``): possible duplicates.
    Selected and measured from each report's published place (:func:`open311.published_place`) and told as a band
    (``within``: 25, 50 or 100 m), so what a reporter sees is a function of what the public may already see: a
    non-public report's exact place cannot be found by filing reports around it."""
    at = at or datetime.now(UTC)
    public = bool(con.execute(sa.select(CATEGORIES.c.public).where(CATEGORIES.c.code == category)).scalar())
    radius = NEAR_METRES if public else NEAR_PRIVATE
    dlat = (radius + 100) / 111_000  # a wide box: the stored point may lie ~65 m from its published place
    dlon = dlat / max(math.cos(math.radians(lat)), 0.01)
    query = sa.select(REPORTS.c.id, REPORTS.c.lat, REPORTS.c.lon, REPORTS.c.status, REPORTS.c.created_at).where(
        REPORTS.c.category == category,
        REPORTS.c.status.not_in(workflow.CLOSED),
        REPORTS.c.lat.between(lat - dlat, lat + dlat),
        REPORTS.c.lon.between(lon - dlon, lon + dlon),
        REPORTS.c.created_at >= (at - timedelta(days=NEAR_DAYS)).isoformat(timespec="seconds"),
    )
    out = []
    for r in con.execute(query):
        distance = metres(lat, lon, *open311.published_place(r.lat, r.lon, public))
        if distance <= radius:
            out.append({"id": r.id, "within": band(distance), "status": r.status, "created_at": r.created_at})
    return sorted(out, key=lambda r: (r["within"], r["id"]))


def follow_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def buurt_point(store: Store, code: str) -> tuple[float, float]:
    """A point inside a buurt (its newest geometry): the place of a report for which only the buurt is known."""
    import shapely

    from udc.areas import registry

    found = registry.newest_shapes(store, "BU", [code[:20]])
    if not found:
        raise keyed(InputError(f"buurt: '{code[:20]}' is not a buurt with known boundaries"), "unknown_buurt")
    point = shapely.from_wkb(next(iter(found.values()))).representative_point()
    return point.y, point.x


def buurten(store: Store, allowed: list[str]) -> list[tuple[str, str]]:
    """(code, name) of the buurten reports are taken in, for a form without a map."""
    from udc.areas import registry

    names = registry.names(store)
    codes = [c for c in registry.geometry_codes(store, "BU") if not allowed or f"GM{c[2:6]}" in allowed]
    return sorted(((c, names.get(c, c)) for c in codes), key=lambda pair: pair[1])


def file(
    engine: sa.Engine,
    store: Store,
    report: NewReport,
    *,
    source: str,
    photo: bytes | None = None,
    media_folder: Path | None = None,
    buurt: str | None = None,
) -> Filed:
    """Store a new report (status gemeld) with its contact data apart; one transaction. Without lat/long a
    ``buurt`` (the form's choice without a map) places it at a point inside that buurt, marked as such."""
    category = categories.get(engine, report.service_code)
    precision = "point"
    if (report.lat is None or report.long is None) and buurt:
        lat, lon = buurt_point(store, buurt)
        report = report.model_copy(update={"lat": lat, "long": lon})
        precision = "buurt"
    if report.lat is None or report.long is None:
        needed = InputError("lat/long: a place is needed (address search is not available offline: give lat and long)")
        raise keyed(needed, "place_needed")
    buurt, wijk, gemeente = locate(store, report.lat, report.long, jurisdiction(engine))
    photo_name = media.save(media_folder, photo) if photo and media_folder else None
    try:
        return _insert(engine, report, category, (buurt, wijk, gemeente), precision, photo_name, source)
    except BaseException:
        if photo_name and media_folder:  # nothing half-stored: the photo goes with the failed report
            (media_folder / photo_name).unlink(missing_ok=True)
        raise


def replace_source(engine: sa.Engine, source: str, reports: list[tuple[dict, list[dict]]]) -> int:
    """Replace every report of one ``source`` (a generated batch, e.g. the demo's synthetic reports) with
    ``reports``: pairs of a report's row and its status history, in one transaction; returns how many. The rows are
    taken as given — not placed, checked or offered duplicates as :func:`file` does — so only a trusted producer
    such as :mod:`udc.synth.reports` comes here; their contact data and history go with the replaced reports."""
    if any(report["source"] != source for report, _ in reports):
        raise ValueError(f"every report replacing the source '{source}' must carry that source")
    with engine.begin() as con:
        old = sa.select(REPORTS.c.id).where(REPORTS.c.source == source)
        con.execute(HISTORY.delete().where(HISTORY.c.report_id.in_(old)))
        con.execute(CONTACTS.delete().where(CONTACTS.c.report_id.in_(old)))
        con.execute(REPORTS.delete().where(REPORTS.c.source == source))
        if reports:  # one batch; the ids come back in the order of the rows
            ids = (
                con.execute(
                    REPORTS.insert().returning(REPORTS.c.id, sort_by_parameter_order=True),
                    [report for report, _ in reports],
                )
                .scalars()
                .all()
            )
            history = [{**h, "report_id": i} for i, (_, lines) in zip(ids, reports, strict=True) for h in lines]
            if history:
                con.execute(HISTORY.insert(), history)
    return len(reports)


def _insert(
    engine: sa.Engine,
    report: NewReport,
    category: dict,
    areas: tuple,
    precision: str,
    photo_name: str | None,
    source: str,
) -> Filed:
    buurt, wijk, gemeente = areas
    token = secrets.token_urlsafe(24)
    at = workflow.now()
    with engine.begin() as con:
        close = nearby(con, category["code"], report.lat, report.long)
        new_id = con.execute(
            REPORTS.insert().values(
                category=category["code"],
                status="gemeld",
                description=report.description,
                lat=report.lat,
                lon=report.long,
                address=report.address_string,
                precision=precision,
                buurt=buurt,
                wijk=wijk,
                gemeente=gemeente,
                media=photo_name,
                media_url=report.media_url,
                follow_hash=follow_hash(token),
                source=source,
                created_at=at,
                updated_at=at,
            )
        ).inserted_primary_key[0]
        name = " ".join(p for p in (report.first_name, report.last_name) if p) or None
        if report.email or name or report.phone:
            con.execute(CONTACTS.insert().values(report_id=new_id, email=report.email, name=name, phone=report.phone))
        workflow.first_line(con, new_id, source)
    return Filed(int(new_id), token, gemeente, buurt, close)
