"""Reading a dataset *out* of the store: the single place where sensitivity is enforced for outputs.

Open and released tables go to anyone; internal tables to researchers and admins, and to analysts **row by row**:
only the rows whose area code is one of their scopes or lies below one (exact codes from the area registry's
hierarchy, never a substring match); an internal table without an area column is not for analysts. Microdata go to
no one — they leave only as a table protected by :mod:`udc.privacy.gate`. Every export is audited, refusals too.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from udc.areas.registry import descendants
from udc.errors import Forbidden, UdcError
from udc.privacy.access import User, scope_members
from udc.privacy.actions import ensure, may_read, reads_by_scope
from udc.privacy.audit import AuditLog
from udc.store import catalogue
from udc.store.db import Store, quote
from udc.store.frames import whole_numbers


def _members(store: Store, user: User) -> set[str]:
    below: dict[str, set[str]] = {}
    for scope in user.scopes:
        try:
            below[scope] = descendants(store, scope)
        except UdcError:  # a scope the registry does not know covers only its own code
            below[scope] = set()
    return scope_members(user.scopes, below)


def readable_codes(store: Store, user: User) -> set[str]:
    """The area codes an analyst who reads internal data per area may see (their municipalities and every wijk and
    buurt inside them)."""
    return _members(store, user)


def _row_scope(store: Store, entry: catalogue.Dataset, user: User) -> tuple[str, set[str]] | None:
    """For an analyst reading internal data: (area column, codes they may see); None when no row filter applies."""
    if entry.sensitivity != "internal" or not reads_by_scope(user):
        return None
    column = catalogue.area_column(store, entry.name)
    if column is None:
        raise Forbidden(f"'{entry.name}' is internal and has no area column: analysts read internal data per area")
    return column, _members(store, user)


def allowed(store: Store, entry: catalogue.Dataset, user: User) -> tuple[bool, str]:
    """Whether ``user`` may take (some of) ``entry``'s rows out, and why not (the rule of :func:`read_for`)."""
    released = catalogue.is_released(store, entry.name)
    if not may_read(user, entry.sensitivity, released):
        if entry.sensitivity == "microdata":
            return False, "microdata leave only through the disclosure gate (udc gate crosstab)"
        return False, f"{entry.sensitivity} data are not for role {user.role}"
    try:
        scope = _row_scope(store, entry, user)
    except Forbidden as exc:
        return False, str(exc)
    if scope is not None:
        column, members = scope
        if not members:
            return False, f"{user.name} has no scopes"
        found = store.con.execute(
            f"SELECT count(*) FROM {quote(entry.table_name or '')} WHERE {quote(column)} IN "
            "(SELECT unnest(?::VARCHAR[]))",
            [sorted(members)],
        ).fetchone()
        if not found or not found[0]:
            return False, f"internal data outside the scope of {user.name}"
    return True, ""


def visible(store: Store, user: User) -> list[dict[str, Any]]:
    """Catalogue entries the user may see rows of (open, released, and internal for its roles and scopes)."""
    rows = [{k: v for k, v in r.items() if k != "table_name"} for r in catalogue.entries(store)]
    if not reads_by_scope(user):  # no scopes: the sensitivity decides
        return [r for r in rows if may_read(user, r["sensitivity"], bool(r["released"]))]
    return [r for r in rows if allowed(store, catalogue.get(store, r["name"]), user)[0]]


def read_for(
    store: Store, name: str, user: User, audit: AuditLog, version: int | None = None, limit: int | None = None
) -> pd.DataFrame:
    """The rows of ``name`` (a release: its newest version, or ``version``) that ``user`` may take out (an analyst:
    the rows of their areas), else a refusal; audited before and after. ``limit``: the first rows only (a
    preview)."""
    detail = {"dataset": name, "role": user.role, "version": version, "limit": limit}
    head = f" LIMIT {int(limit)}" if limit is not None else ""
    internal = catalogue.exists(store, name) and catalogue.get(store, name).sensitivity != "open"
    with ensure(user, "export", name if internal else None, audit=audit, detail=detail) as outcome:
        entry = catalogue.get(store, name)
        ok, why = allowed(store, entry, user)
        if not ok:
            raise Forbidden(f"'{name}' is {entry.sensitivity}: {why}")
        table = quote(catalogue.table_of(store, name, version))
        scope = _row_scope(store, entry, user)
        if scope is None:
            frame = store.query(f"SELECT * FROM {table}{head}")
        else:
            column, members = scope
            frame = store.query(
                f"SELECT * FROM {table} WHERE {quote(column)} IN (SELECT unnest(?::VARCHAR[])){head}", [sorted(members)]
            )
        outcome |= {"rows": len(frame), "sensitivity": entry.sensitivity, "row_filter": scope is not None}
    return whole_numbers(frame)  # counts stored as floats (older releases, imports with gaps) read as integers
