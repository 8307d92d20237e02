"""Reading a dataset *out* of the store: the single place where sensitivity is enforced for outputs.

Open and released tables go to anyone; internal tables to analysts (of their own areas), researchers and admins;
microdata to no one — it leaves only as a table protected by :mod:`udc.privacy.gate`. Every export is audited.
"""

from __future__ import annotations

import pandas as pd

from udc.areas.registry import descendants
from udc.errors import UdcError
from udc.privacy.access import User, in_scope, may_read
from udc.privacy.audit import AuditLog
from udc.store import catalogue
from udc.store.db import Store


def allowed(store: Store, entry: catalogue.Dataset, user: User) -> tuple[bool, str]:
    """Whether ``user`` may take ``entry``'s rows out, and why not (the rule of :func:`read_for`)."""
    released = bool(store.rows("SELECT released FROM datasets WHERE name = ?", [entry.name])[0]["released"])
    scoped = False
    if entry.sensitivity == "internal" and user.role == "analyst":
        members: set[str] = set()
        for scope in user.scopes:
            try:
                members |= descendants(store, scope) | {scope}
            except UdcError:
                members.add(scope)
        scoped = in_scope(user, entry.area_coverage, members)
    if may_read(user, entry.sensitivity, released, scoped=scoped):
        return True, ""
    if entry.sensitivity == "microdata":
        return False, "microdata leave only through the disclosure gate (udc gate crosstab)"
    return False, f"{entry.sensitivity} data outside the scope of {user.name}"


def read_for(store: Store, name: str, user: User, audit: AuditLog) -> pd.DataFrame:
    """The rows of ``name`` if ``user`` may take them out, else a refusal (also audited)."""
    entry = catalogue.get(store, name)
    ok, why = allowed(store, entry, user)
    if not ok:
        audit.append(user.name, "export.refused", {"dataset": name, "why": why})
        raise UdcError(f"'{name}' is {entry.sensitivity}: {why}")
    released = bool(store.rows("SELECT released FROM datasets WHERE name = ?", [name])[0]["released"])
    frame = store.query(f'SELECT * FROM "{entry.table_name}"')
    audit.append(
        user.name,
        "export",
        {"dataset": name, "rows": len(frame), "sensitivity": entry.sensitivity, "released": released},
    )
    return frame
