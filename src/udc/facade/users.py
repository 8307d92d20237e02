"""``s.users``: accounts, roles, scopes and API tokens (in the operational database; checked and audited by the
rulebook inside :mod:`udc.privacy.access`)."""

from __future__ import annotations

from typing import Any

from udc.facade.base import Noun
from udc.privacy import access
from udc.privacy.principal import User

Rows = list[dict[str, Any]]  # `list` is a method name in the class below
Names = list[str]
Tokens = list[dict[str, str]]


class Users(Noun):
    """Who may sign in, with which role and scopes, and their API tokens."""

    def add(self, name: str, role: str, password: str | None = None, scopes: Names | None = None) -> None:
        """Add a user (argon2-hashed password; analysts get scopes: area codes or region names)."""
        udc = self._udc
        access.add_user(udc.audit.engine, name, role, password, scopes, udc.audit, udc.user)

    def grant(
        self, name: str, role: str | None = None, scopes: Names | None = None, remove_scopes: Names | None = None
    ) -> User:
        """Change a user's role, add or remove scopes."""
        udc = self._udc
        return access.grant(udc.audit.engine, name, role, scopes, udc.audit, udc.user, remove_scopes=remove_scopes)

    def list(self) -> Rows:
        """Users with role, scopes, creation date and whether they are disabled."""
        return access.list_users(self._udc.audit.engine)

    def issue_token(self, name: str, days: int = 30) -> str:
        """An API token for ``name`` (returned once; only its hash is stored)."""
        udc = self._udc
        return access.issue_token(udc.audit.engine, name, days, udc.audit, udc.user)

    def tokens(self, name: str | None = None) -> Tokens:
        """API tokens (id, user, expiry — never the token itself), of one user or everyone."""
        return access.list_tokens(self._udc.audit.engine, name)

    def revoke_token(self, name: str, token_id: str | None = None) -> int:
        """Revoke one token of a user (by id) or all of them; effective at once."""
        udc = self._udc
        return access.revoke_token(udc.audit.engine, name, token_id, udc.audit, udc.user)

    def disable(self, name: str) -> int:
        """Disable an account: no sign-in; its tokens and web sessions end at once."""
        udc = self._udc
        return access.disable(udc.audit.engine, name, udc.audit, udc.user)
