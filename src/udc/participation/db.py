"""The participation tables (one owner: this module) in the operational database. Reporters' contact data live in
their own table, read only by staff and emptied by the retention run; a report's status history is append-only."""

from __future__ import annotations

import sqlalchemy as sa

from udc.errors import UdcError
from udc.privacy import operational, parties

META = sa.MetaData()
CATEGORIES = sa.Table(
    "participation_categories",
    META,
    sa.Column("code", sa.String(100), primary_key=True),  # the Open311 service_code (a slug)
    sa.Column("parent", sa.String(100), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("description", sa.Text, nullable=False, default=""),
    sa.Column("term_days", sa.Integer, nullable=False),  # service-level term in working days
    sa.Column("term_source", sa.String(100), nullable=False),  # where the term comes from (handling code, default)
    sa.Column("public", sa.Boolean, nullable=False, default=True),  # shown on the public map
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("origin", sa.String(200), nullable=False),  # default tree, or the imported file
)
REPORTS = sa.Table(
    "participation_reports",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("category", sa.String(100), sa.ForeignKey(CATEGORIES.c.code), nullable=False, index=True),
    sa.Column("status", sa.String(30), nullable=False, index=True),
    sa.Column("description", sa.Text, nullable=False),
    sa.Column("description_public", sa.Boolean, nullable=False, default=False),  # staff approved the text
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("address", sa.String(300), nullable=True),
    sa.Column("precision", sa.String(10), nullable=False, default="point"),  # point, or buurt (no point given)
    sa.Column("buurt", sa.String(12), nullable=True, index=True),
    sa.Column("wijk", sa.String(12), nullable=True),
    sa.Column("gemeente", sa.String(8), nullable=False, index=True),
    sa.Column("media", sa.String(200), nullable=True),  # file name of the stripped photo
    sa.Column("media_url", sa.String(500), nullable=True),  # a client's own photo address (shown to staff only)
    sa.Column("follow_hash", sa.String(64), nullable=False, unique=True),  # the private link's secret, hashed
    sa.Column("duplicate_of", sa.Integer, nullable=True),
    sa.Column("source", sa.String(30), nullable=False),  # form, open311 (API key's client)
    sa.Column("created_at", sa.String(32), nullable=False, index=True),
    sa.Column("updated_at", sa.String(32), nullable=False),
    sa.Column("closed_at", sa.String(32), nullable=True),
)
CONTACTS = sa.Table(
    "participation_contacts",
    META,
    sa.Column("report_id", sa.Integer, sa.ForeignKey(REPORTS.c.id), primary_key=True),
    sa.Column("email", sa.String(254), nullable=True),
    sa.Column("name", sa.String(200), nullable=True),
    sa.Column("phone", sa.String(40), nullable=True),
    sa.Column("anonymised_at", sa.String(32), nullable=True),
)
HISTORY = sa.Table(
    "participation_history",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("report_id", sa.Integer, sa.ForeignKey(REPORTS.c.id), nullable=False, index=True),
    sa.Column("at", sa.String(32), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("from_status", sa.String(30), nullable=True),
    sa.Column("to_status", sa.String(30), nullable=False),
    sa.Column("note", sa.Text, nullable=False, default=""),
)
ANNOUNCEMENTS = sa.Table(  # "this is going to happen in your neighbourhood"
    "participation_announcements",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("buurten", sa.Text, nullable=False),  # JSON list of BU codes
    sa.Column("starts", sa.String(10), nullable=False),  # ISO dates, inclusive
    sa.Column("ends", sa.String(10), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
QUESTIONS = sa.Table(  # one quick question, a few options, an open period
    "participation_questions",
    META,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("question", sa.String(300), nullable=False),
    sa.Column("options", sa.Text, nullable=False),  # JSON list of strings
    sa.Column("buurten", sa.Text, nullable=False),
    sa.Column("opens", sa.String(10), nullable=False),
    sa.Column("closes", sa.String(10), nullable=False),
    sa.Column("author", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)
ANSWERS = sa.Table(
    "participation_answers",
    META,
    sa.Column("question_id", sa.Integer, sa.ForeignKey(QUESTIONS.c.id), primary_key=True),
    sa.Column("device_hash", sa.String(64), primary_key=True),  # one answer per device (a signed cookie's id)
    sa.Column("option", sa.Integer, nullable=False),
    sa.Column("buurt", sa.String(12), nullable=False),
    sa.Column("at", sa.String(32), nullable=False),
)
ANSWER_NETWORKS = sa.Table(  # a table of its own, so stores made before it get it from create_all (no migration)
    "participation_answer_networks",
    META,
    sa.Column("question_id", sa.Integer, sa.ForeignKey(QUESTIONS.c.id), primary_key=True),
    sa.Column("device_hash", sa.String(64), primary_key=True),  # the answer it belongs to
    sa.Column("network", sa.String(64), nullable=False),  # keyed hash of the client's network (IPv4, IPv6 /64)
    sa.Index("participation_answer_networks_by_network", "question_id", "network"),
)
SETTINGS = sa.Table(  # e.g. the municipalities reports are accepted for
    "participation_settings",
    META,
    sa.Column("key", sa.String(100), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)
KEYS = sa.Table(  # Open311 API keys of machine clients (hashes only)
    "participation_api_keys",
    META,
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("client", sa.String(200), nullable=False),
    sa.Column("created_at", sa.String(32), nullable=False),
)


def engine(url: str) -> sa.Engine:
    """The operational database with the participation tables (created when missing)."""
    try:
        made = operational.create(url)
        META.create_all(made)
        parties.create_tables(made)  # a partner app's key belongs to a party (participation.keys.principal)
    except sa.exc.SQLAlchemyError as exc:
        raise UdcError(f"cannot open the operational database: {str(exc).splitlines()[0]}") from None
    return made
