"""Yearly snapshots: a table that holds one row per unit per period must never be summed over its periods.

A dataset such as the contract's ``persons_yearly`` lists everyone living in the area on 1 January of *each* year;
a count by education without the year adds eleven snapshots and counts every person eleven times. The catalogue
marks such a column with the role :data:`SNAPSHOT` (``period`` marks when an event happened — a report's year —
whose years may be added up). Every request is checked here, whatever door it came through (Python, CLI, JSON API,
web form): without the snapshot column as a dimension and without a filter on it, the request is *forced* to the
latest period and says so in a note; an ad-hoc filter to several periods without the dimension is refused (the
caller asked for the sum in so many words); a table defined in advance may pool several periods on purpose
(person-years of a monitor), since its filter names them.
"""

from __future__ import annotations

from udc.errors import UdcError
from udc.privacy import engine
from udc.privacy.policy import current
from udc.privacy.request import Filter, TableRequest
from udc.store import catalogue
from udc.store.db import Store

SNAPSHOT = "snapshot"  # column role: the period of a stock count (each unit has one row per value)


class SummedSnapshots(UdcError):
    """An ad-hoc table over several snapshots without the period as a dimension (each unit counted once per
    period). Carries the column and dataset so a page can say it in its own language."""

    def __init__(self, dataset: str, column: str) -> None:
        self.dataset, self.column = dataset, column
        super().__init__(
            f"'{dataset}' holds one row per unit per '{column}': a table over several values of '{column}' without "
            f"'{column}' as a dimension counts every unit once per '{column}'; add it as a dimension or choose one"
        )


def column(store: Store, dataset: str) -> str | None:
    """The dataset's snapshot column, as the catalogue marks it (None: rows may be added up over periods)."""
    found = [name for name, role in catalogue.roles(store, dataset).items() if role == SNAPSHOT]
    return found[0] if found else None


def _single(f: Filter) -> bool:
    """Whether a filter keeps exactly one period."""
    if f.values is not None:
        return len(set(map(str, f.values))) == 1
    return f.between is not None and f.between[0] == f.between[1]


def _latest(store: Store, dataset: str, name: str) -> int | str:
    """The latest period the dataset holds (a period is public: the catalogue states the dataset's years)."""
    stored = catalogue.get(store, dataset).table_name or ""
    t = engine.table(store, stored)
    seconds = current(store).query_seconds
    value = engine.whole(
        store, stored, f"latest:{name}", lambda: engine.run(store, t.aggregate(_v=t[name].max()), stored, seconds)
    ).iloc[0, 0]
    return str(value) if isinstance(value, str) else int(value)


def one_period(
    store: Store, request: TableRequest, *, ad_hoc: bool, method: str = "cellkey"
) -> tuple[TableRequest, tuple[str, int | str] | None]:
    """``request`` as the gate may answer it over a snapshot dataset, and (column, period) when it was forced to one
    period (see the module's docstring). Datasets without a snapshot column pass unchanged. The period is never a
    measure (a sum of years counts every person once per year), and a suppressed definition never pools periods:
    its exact published cells, less a one-period table's, gave the other period's withheld cells exactly."""
    name = column(store, request.dataset)
    if name is None:
        return request, None
    if name == request.measure:
        raise UdcError(f"'{name}' is the period of {request.dataset}'s snapshots, not a measure: use it as a dimension")
    if name in request.dimensions:
        return request, None
    on = [f for f in request.filters if f.column == name]
    if on:
        if not all(_single(f) for f in on) and (ad_hoc or method == "suppress"):
            if not ad_hoc:
                raise UdcError(
                    f"a suppressed table of {request.dataset} may not pool {name}s: differenced with a one-{name} "
                    f"table it would give withheld cells exactly; use the cell-key method or one {name}"
                )
            raise SummedSnapshots(request.dataset, name)
        return request, None
    latest = _latest(store, request.dataset, name)
    forced = request.model_copy(update={"filters": [*request.filters, Filter(column=name, values=[latest])]})
    return forced, (name, latest)
