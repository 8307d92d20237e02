"""Reading a dataset *out* of the store: the single place where sensitivity is enforced for outputs.

Open and released tables go to anyone; internal tables to researchers and admins, and to analysts **row by row**:
only the rows whose area code is one of their scopes or lies below one (exact codes from the area registry's
hierarchy, never a substring match); an internal table without an area column is not for analysts. Microdata go to
no one — they leave only as a table protected by :mod:`udc.privacy.gate`. Every export is audited, refusals too.
"""

from __future__ import annotations

import pandas as pd

from udc.areas.registry import descendants
from udc.errors import Forbidden, UdcError
from udc.privacy.access import User, may_read, scope_members
from udc.privacy.audit import AuditLog, audited
from udc.store import catalogue
from udc.store.db import Store


def _members(store: Store, user: User) -> set[str]:
    below: dict[str, set[str]] = {}
    for scope in user.scopes:
        try:
            below[scope] = descendants(store, scope)
        except UdcError:  # a scope the registry does not know covers only its own code
            below[scope] = set()
    return scope_members(user.scopes, below)


def _row_scope(store: Store, entry: catalogue.Dataset, user: User) -> tuple[str, set[str]] | None:
    """For an analyst reading internal data: (area column, codes they may see); None when no row filter applies."""
    if entry.sensitivity != "internal" or user.role != "analyst":
        return None
    column = catalogue.area_column(store, entry.name)
    if column is None:
        raise Forbidden(f"'{entry.name}' is internal and has no area column: analysts read internal data per area")
    return column, _members(store, user)


def allowed(store: Store, entry: catalogue.Dataset, user: User) -> tuple[bool, str]:
    """Whether ``user`` may take (some of) ``entry``'s rows out, and why not (the rule of :func:`read_for`)."""
    released = bool(store.rows("SELECT released FROM datasets WHERE name = ?", [entry.name])[0]["released"])
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
            f'SELECT count(*) FROM "{entry.table_name}" WHERE "{column}" IN (SELECT unnest(?::VARCHAR[]))',
            [sorted(members)],
        ).fetchone()
        if not found or not found[0]:
            return False, f"internal data outside the scope of {user.name}"
    return True, ""


def read_for(store: Store, name: str, user: User, audit: AuditLog) -> pd.DataFrame:
    """The rows of ``name`` that ``user`` may take out (an analyst: the rows of their areas), else a refusal;
    audited before and after."""
    with audited(audit, user.name, "export", {"dataset": name, "role": user.role}) as outcome:
        entry = catalogue.get(store, name)
        ok, why = allowed(store, entry, user)
        if not ok:
            raise Forbidden(f"'{name}' is {entry.sensitivity}: {why}")
        scope = _row_scope(store, entry, user)
        if scope is None:
            frame = store.query(f'SELECT * FROM "{entry.table_name}"')
        else:
            column, members = scope
            frame = store.query(
                f'SELECT * FROM "{entry.table_name}" WHERE "{column}" IN (SELECT unnest(?::VARCHAR[]))',
                [sorted(members)],
            )
        outcome |= {"rows": len(frame), "sensitivity": entry.sensitivity, "row_filter": scope is not None}
    return frame
