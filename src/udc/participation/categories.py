"""The categories residents report in (Open311 *services*): a Dutch default tree, and an importer for the category
file of Signalen (the Django fixture Amsterdam and 20+ municipalities use). Each category has a service-level term in
working days and a public flag: reports in a non-public category (nuisance by persons, businesses) never show their
place exactly or their text on the public map."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from udc.errors import InputError, NotFound
from udc.participation.db import CATEGORIES
from udc.participation.messages import keyed

DEFAULT_TERM = 5  # working days, where nothing states a term


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    parent: str | None
    term_days: int
    term_source: str
    public: bool = True
    description: str = ""
    active: bool = True


def _tree() -> list[Category]:
    """The default tree: main categories (no term of their own: 0) and what residents report under them."""
    main = {
        "afval": "Afval",
        "openbare-verlichting": "Openbare verlichting",
        "wegen-verkeer": "Wegen en verkeer",
        "groen-water": "Groen en water",
        "overlast": "Overlast",
        "overig": "Overig",
    }
    subs = [  # code, parent, name, working days, public
        ("zwerfvuil", "afval", "Zwerfvuil", 3, True),
        ("grofvuil", "afval", "Grofvuil", 3, True),
        ("container-vol", "afval", "Container is vol", 3, True),
        ("container-kapot", "afval", "Container is kapot", 5, True),
        ("prullenbak-vol", "afval", "Prullenbak is vol", 3, True),
        ("asbest", "afval", "Asbest / accu", 3, True),
        ("lantaarnpaal", "openbare-verlichting", "Lantaarnpaal doet het niet", 5, True),
        ("lamp-brandt-overdag", "openbare-verlichting", "Lamp brandt overdag", 10, True),
        ("wegdek", "wegen-verkeer", "Gat in de weg of losse tegel", 5, True),
        ("verkeersbord", "wegen-verkeer", "Verkeersbord kapot of weg", 10, True),
        ("verkeerslicht", "wegen-verkeer", "Verkeerslicht werkt niet", 1, True),
        ("fietswrak", "wegen-verkeer", "Fietswrak", 15, True),
        ("boom", "groen-water", "Boom (omgewaaid, gevaarlijk)", 3, True),
        ("onkruid", "groen-water", "Onkruid of maaien", 15, True),
        ("speelplek", "groen-water", "Speelplek kapot", 5, True),
        ("water", "groen-water", "Vervuild water of verstopte put", 5, True),
        ("geluid", "overlast", "Geluidsoverlast", 5, False),
        ("personen", "overlast", "Overlast van personen of groepen", 5, False),
        ("parkeren", "overlast", "Parkeeroverlast", 5, False),
        ("overig-overig", "overig", "Iets anders", DEFAULT_TERM, True),
    ]
    out = [Category(code, name, None, 0, "main category") for code, name in main.items()]
    out += [Category(code, name, parent, days, "udc default tree", public) for code, parent, name, days, public in subs]
    return out


DEFAULT = _tree()
# Signalen's handling codes that state their term in their name (3 working days, 3 weeks, 5 days); others get the
# default, and say so — a municipality's real terms live in its Signalen database, not in the category file.
HANDLING = {"A3D": 3, "A3W": 15, "I5D": 5}
PRIVATE_MAIN = ("overlast-van-en-door-personen-of-groepen", "overlast-bedrijven-en-horeca")


def term(handling: str) -> tuple[int, str]:
    days = next((d for prefix, d in HANDLING.items() if handling.startswith(prefix)), None)
    if days is None:
        return DEFAULT_TERM, f"default (Signalen handling {handling} states no term)"
    return days, f"Signalen handling {handling}"


def read_signalen(path: Path) -> list[Category]:
    """The categories of a Signalen fixture (``signals.category`` objects: pk, parent pk, slug, name, handling)."""
    try:
        items = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON: {exc.msg}", file=str(path), row=exc.lineno) from None
    if not isinstance(items, list):
        raise InputError("expected a list of Signalen category objects", file=str(path))
    by_pk: dict[int, dict] = {}
    for number, item in enumerate(items, start=1):
        fields = item.get("fields") if isinstance(item, dict) else None
        if not isinstance(fields, dict) or item.get("model") != "signals.category" or "pk" not in item:
            raise InputError(f"object {number} is not a signals.category with pk and fields", file=str(path))
        for name in ("slug", "name"):
            if not isinstance(fields.get(name), str) or not fields[name].strip():
                raise InputError(f"category pk {item['pk']}: field '{name}' is missing", file=str(path))
        by_pk[item["pk"]] = fields
    slugs = [f["slug"] for f in by_pk.values()]
    out = []
    for pk, fields in by_pk.items():
        parent = fields.get("parent")
        if parent is not None and parent not in by_pk:
            raise InputError(f"category pk {pk}: parent {parent} is not in the file", file=str(path))
        main = by_pk[parent]["slug"] if parent is not None else None
        code = fields["slug"] if slugs.count(fields["slug"]) == 1 or main is None else f"{main}-{fields['slug']}"
        if main is None:
            active = bool(fields.get("is_active", True))
            out.append(Category(code, fields["name"], None, 0, "main category", active=active))
            continue
        days, source = term(str(fields.get("handling") or "REST"))
        out.append(
            Category(
                code,
                fields["name"],
                main,
                days,
                source,
                public=main not in PRIVATE_MAIN,
                description=str(fields.get("description") or ""),
                active=bool(fields.get("is_active", True)),
            )
        )
    return out


def store(engine: sa.Engine, categories: list[Category], origin: str) -> int:
    """Replace the category tree in one transaction (reports keep their category code: codes are not deleted while a
    report uses them, only marked inactive)."""
    from udc.participation.db import REPORTS

    codes = {c.code for c in categories}
    bad = [c.code for c in categories if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", c.code)]
    if bad:
        raise InputError(f"category codes must be lower-case slugs: {', '.join(bad[:5])}", file=origin)
    with engine.begin() as con:
        used = {r[0] for r in con.execute(sa.select(REPORTS.c.category).distinct())}
        con.execute(CATEGORIES.update().where(CATEGORIES.c.code.not_in(codes)).values(active=False))
        con.execute(CATEGORIES.delete().where(CATEGORIES.c.code.not_in(codes | used)))
        for c in categories:
            values = {
                "parent": c.parent,
                "name": c.name,
                "description": c.description,
                "term_days": c.term_days,
                "term_source": c.term_source,
                "public": c.public,
                "active": c.active,
                "origin": origin,
            }
            if con.execute(sa.select(CATEGORIES.c.code).where(CATEGORIES.c.code == c.code)).first():
                con.execute(CATEGORIES.update().where(CATEGORIES.c.code == c.code).values(**values))
            else:
                con.execute(CATEGORIES.insert().values(code=c.code, **values))
    return len(categories)


def ensure_default(engine: sa.Engine) -> None:
    """The default tree, the first time the participation tables are used."""
    with engine.connect() as con:
        empty = con.execute(sa.select(sa.func.count()).select_from(CATEGORIES)).scalar_one() == 0
    if empty:
        store(engine, DEFAULT, "udc default tree")


def listing(engine: sa.Engine, *, reportable: bool = True) -> list[dict]:
    """Active categories (``reportable``: only those residents report in, not the main headings)."""
    query = sa.select(CATEGORIES).where(CATEGORIES.c.active.is_(True)).order_by(CATEGORIES.c.parent, CATEGORIES.c.name)
    if reportable:
        query = query.where(CATEGORIES.c.parent.is_not(None))
    with engine.connect() as con:
        return [dict(r._mapping) for r in con.execute(query)]


def get(engine: sa.Engine, code: str) -> dict:
    with engine.connect() as con:
        row = con.execute(sa.select(CATEGORIES).where(CATEGORIES.c.code == code)).first()
    if row is None or row.parent is None or not row.active:
        raise keyed(NotFound(f"unknown service_code '{code[:100]}'"), "unknown_category")
    return dict(row._mapping)
