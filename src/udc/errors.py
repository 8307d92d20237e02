"""Error types for everything a user can get wrong, each with the HTTP status the web app answers with.

Interfaces print ``str(error)`` as a single line; a traceback means a bug in udc, not in the input. The status is
declared here once so that every interface (CLI exit codes, web pages, JSON API) maps a refusal the same way.
"""

from __future__ import annotations

from typing import TypeVar


class UdcError(Exception):
    """A problem with input, configuration or the store, explained in one line (a bad request: 422)."""

    status = 422


class NotSignedIn(UdcError):
    """The action needs a signed-in user or an API token."""

    status = 401


class Forbidden(UdcError):
    """The user is known but may not do this (role, scope, sensitivity, disclosure rules)."""

    status = 403


class NotFound(UdcError):
    """A dataset, area, user or page that does not exist (or is not visible to the user: the same answer)."""

    status = 404


class TooLarge(UdcError):
    """A request body or field over its limit; refused before it is parsed or logged."""

    status = 413


class TooMany(UdcError):
    """Throttled: too many attempts in a short time."""

    status = 429


class Unavailable(UdcError):
    """The server is busy (every gate worker is in use) or a query ran out of its time."""

    status = 503


class InputError(UdcError):
    """Bad input, located as precisely as we can: file, row or feature, field."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        row: int | str | None = None,
        field: str | None = None,
    ) -> None:
        where = []
        if file:
            where.append(str(file))
        if row is not None:
            where.append(f"row {row}" if isinstance(row, int) else str(row))
        if field:
            where.append(f"field '{field}'")
        self.file, self.row, self.field = file, row, field
        super().__init__(": ".join([", ".join(where), message]) if where else message)


# Keyed errors (issue 28: one language per page): the CLI and the APIs print the English line; a page looks the key
# up and says it in its own language (udc.web.i18n.said). A key is a name, never text from the request.
E = TypeVar("E", bound=UdcError)


def keyed(error: E, key: str, **values: object) -> E:
    """``error`` carrying ``key`` and the ``values`` its translations fill in; returned, so ``raise keyed(...)``."""
    error.key = key  # type: ignore[attr-defined]
    error.values = values  # type: ignore[attr-defined]
    return error


def key_of(error: BaseException) -> tuple[str | None, dict[str, object]]:
    """The key and values an error carries, or (None, {}) for one raised without (its English line is all)."""
    return getattr(error, "key", None), dict(getattr(error, "values", {}) or {})
