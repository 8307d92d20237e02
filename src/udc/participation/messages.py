"""Refusals residents read, with a key and values beside the English line: the CLI and the APIs print ``str(error)``
as before, while a page says the same thing in its own language (issue 28: one language per page) by looking the
key up (:func:`udc.web.i18n.said`). A key is a name, never text from the request, so a page can only ever show
words udc wrote."""

from __future__ import annotations

from udc.errors import key_of, keyed

__all__ = ["key_of", "keyed"]  # they live in udc.errors: every library message may carry a key
