"""One error type for everything a user can get wrong.

Interfaces print ``str(error)`` as a single line; a traceback means a bug in udc, not in the input.
"""

from __future__ import annotations


class UdcError(Exception):
    """A problem with input, configuration or the store, explained in one line."""


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
