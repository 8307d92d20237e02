"""``s.users``: accounts, roles, scopes and API tokens (in the operational database; checked and audited by the
rulebook inside :mod:`udc.privacy.access`)."""

from __future__ import annotations

from typing import Any

from udc.facade.base import Noun
from udc.privacy import access
from udc.privacy.actions import count, record
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

    # -- signing in and out (the web's sessions) ----------------------------------------------------------------
    def login(self, name: str, password: str) -> User:
        """The user whose password this is (argon2; unknown names cost the same; disabled accounts refused, 401);
        the attempt is audited. Slow on purpose: call it off an event loop."""
        return access.login(self._udc.audit.engine, name, password, self._udc.audit)

    def throttled(self, name: str, client: str) -> None:
        """Count a sign-in refused for too many attempts (429): counted per interval, not one entry each, since
        anyone can repeat it in a loop."""
        count(name, "login.throttled", {"client": client}, 429, audit=self._udc.audit)

    def start_session(self, user: User) -> str:
        """A server-side session for ``user``: the random id the cookie carries (the database keeps its hash)."""
        return access.start_session(self._udc.audit.engine, user)

    def end_session(self, session_id: str) -> None:
        """End a session at once (sign-in again, sign-out)."""
        access.end_session(self._udc.audit.engine, session_id)

    def logout(self, session_id: str) -> None:
        """This facade's user signs out: the session ends and the audit log records it."""
        self.end_session(session_id)
        record(self._udc.user.name, "logout", {}, audit=self._udc.audit)
