"""Who acts: a principal with a role, municipal scopes, and the party it acts for with that party's agreements.

Its own module so that the rulebook (:mod:`udc.privacy.actions`) and the account store (:mod:`udc.privacy.access`)
can both speak of it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from udc.privacy import parties
from udc.privacy.audit import os_actor


@dataclass(frozen=True)
class User:
    """A principal: a role, municipal scopes, and the party it acts for with that party's agreements (see
    :mod:`udc.privacy.parties`; the rulebook decides on the day which one applies). ``owner``: the store's own
    operating-system account, acting for the installation itself (bound by no agreement). A principal made in code
    without a party (``User("x", "researcher")``, the anonymous :data:`PUBLIC`) is bound by roles and scopes only:
    every door loads its users from the accounts (:mod:`udc.privacy.access`), with their party."""

    name: str
    role: str
    scopes: tuple[str, ...] = field(default_factory=tuple)
    party: str | None = None
    agreements: tuple[parties.Agreement, ...] = field(default_factory=tuple)
    owner: bool = False


PUBLIC = User("public", "public")


def owner_account() -> User:
    """The operating-system account that owns the store: admin of its own installation."""
    return User(os_actor(), "admin", party=parties.DEFAULT_PARTY, owner=True)
