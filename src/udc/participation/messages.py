"""Refusals residents read, with a key and values beside the English line: the CLI and the APIs print ``str(error)``
as before, while a page says the same thing in its own language (issue 28: one language per page) by looking the
key up (:func:`udc.web.i18n.said`). A key is a name, never text from the request, so a page can only ever show
words udc wrote."""

from __future__ import annotations

from typing import TypeVar

from udc.errors import UdcError

E = TypeVar("E", bound=UdcError)


def keyed(error: E, key: str, **values: object) -> E:
    """``error`` carrying ``key`` and the ``values`` its translations fill in; returned, so ``raise keyed(...)``."""
    error.key = key  # type: ignore[attr-defined]
    error.values = values  # type: ignore[attr-defined]
    return error


def key_of(error: BaseException) -> tuple[str | None, dict[str, object]]:
    """The key and values an error carries, or (None, {}) for one raised without (its English line is all)."""
    return getattr(error, "key", None), dict(getattr(error, "values", {}) or {})
