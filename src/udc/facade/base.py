"""What every noun of the facade shares: the :class:`udc.api.Udc` it belongs to."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from udc.api import Udc


class Noun:
    """A part of the facade: acts as its facade's user, on its store, under its audit log (one source of all three,
    so ``s.acting(user).areas`` acts as that user)."""

    def __init__(self, udc: Udc) -> None:
        self._udc = udc

    def __repr__(self) -> str:
        return f"{self._udc!r}.{type(self).__name__.lower()}"


Years = tuple[int, int] | str | int


def span(years: Years) -> tuple[int, int]:
    """A span of years from a tuple, a year or text such as ``2019-2020`` (checked as ``--years`` is)."""
    from udc.synth.generate import parse_years  # the synthesiser's module is large: loaded when a span is text

    if isinstance(years, tuple):
        return years
    return parse_years(str(years))
