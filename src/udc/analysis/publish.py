"""The demo's open data: key figures per area and the verhuisstromen study, released through the gate.

Dashboards and the open-data catalogue read only open and released tables; this is what ``udc demo`` publishes so
that the web app has something to show. Every table is a gate output (cell key, consistent across queries).
"""

from __future__ import annotations

from typing import Any

from udc.analysis import flows
from udc.errors import UdcError
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import Definition, release, run_defined
from udc.privacy.request import Filter, TableRequest
from udc.store import catalogue
from udc.store.db import Store

KEY_FIGURES = "kerncijfers_inwoners"
YOUTH_CARE = "kerncijfers_jeugdzorg"
IN_BUURTEN = Filter(column="buurt_code", prefix="BU")
DEFINITIONS = (
    Definition(
        name=KEY_FIGURES,
        title="Inwoners per gebied, jaar en leeftijd",
        method="cellkey",
        request=TableRequest(
            dataset="synth_persons_yearly",
            dimensions=["buurt_code", "year", "leeftijd"],
            filters=[IN_BUURTEN],
            area="buurt_code",
        ),
    ),
    Definition(
        name=YOUTH_CARE,
        title="Jeugdigen (0-17) met en zonder jeugdzorg per gebied",
        method="cellkey",
        request=TableRequest(
            dataset="synth_persons_yearly",
            dimensions=["buurt_code", "year", "jeugdzorg"],
            filters=[IN_BUURTEN, Filter(column="age", between=(0, 17))],
            area="buurt_code",
        ),
    ),
)


def key_figures(store: Store, *, user: User, audit: AuditLog) -> list[str]:
    """Residents per buurt/wijk/gemeente, year and age band; young people in youth care per area and year — tables
    defined in advance (:data:`DEFINITIONS`), run by an admin."""
    for definition in DEFINITIONS:
        table = run_defined(store, definition, user=user, audit=audit)
        # the demo's own releases: a rebuild by a newer udc may change their shape (audited as a replacement)
        release(store, table, definition.name, title=definition.title, user=user, audit=audit, replace=True)
    return [d.name for d in DEFINITIONS]


def indicators(store: Store, years: tuple[int, int], *, user: User, audit: AuditLog, seed: int) -> list[str]:
    """The whole built-in indicator library for every area and year, released (``indicatoren``), and the fictional
    peer municipalities and Netherlands the benchmarks compare with (derived from the released totals)."""
    import pandas as pd

    from udc.areas import registry
    from udc.indicators import release as indicator_release
    from udc.indicators.compute import Counts, compute
    from udc.indicators.model import library
    from udc.synth import peers

    present = {d["name"] for d in catalogue.entries(store)}
    chosen = [i for i in library().values() if {i.numerator.dataset, i.denominator.dataset} <= present]
    used: list = []
    shared = Counts()
    frame = pd.concat(
        [
            compute(
                store, i, years=list(range(years[0], years[1] + 1)), user=user, audit=audit, collect=used, cache=shared
            )
            for i in chosen
        ],
        ignore_index=True,
    )
    indicator_release.release(store, frame, used, chosen, user=user, audit=audit)
    attributes, reference = peers.generate(
        frame[frame.level.isin(["gemeente", "total"])], chosen, registry.names(store), seed
    )
    peers.save(store, attributes, reference, seed=seed, source=f"synthetic (udc demo, seed {seed})")
    return [indicator_release.NAME, peers.ATTRIBUTES, peers.REFERENCE]


def programmes(store: Store, *, user: User, audit: AuditLog) -> list[str]:
    """The built-in programmes (Kansrijk van Start and its placebo): the nulmeting frozen, the monitor released.
    Skipped when the demo's years do not reach past a programme's start."""
    from udc.indicators.model import library as indicator_library
    from udc.monitoring import monitor
    from udc.monitoring.model import library
    from udc.monitoring.report import last_year

    definitions = indicator_library()
    released = []
    for programme in library().values():
        first = definitions[programme.indicators[0].indicator]
        start = catalogue.get(store, first.numerator.dataset).period_start
        if last_year(store, first) < programme.start or int(str(start)[:4]) > programme.baseline[0]:
            continue  # the demo's years do not cover the nulmeting and a follow-up year
        exclude = {a for p in library().values() if p.id != programme.id and not p.placebo for a in p.areas}
        try:
            monitor.freeze(store, programme, definitions, user=user, audit=audit, exclude=exclude)
            monitor.publish(store, programme, definitions, user=user, audit=audit, exclude=exclude)
        except UdcError:  # a small demo: counts withheld; 'udc monitor report' says which
            continue
        released += [monitor.release_name(programme), monitor.monitor_name(programme)]
    return released


def reports(store: Store, years: tuple[int, int], engine: Any, key: bytes, *, seed: int) -> int:
    """Synthetic reports about public space in the operational database, and their snapshot ``meldingen`` in the
    store (microdata: the participation indicators pass the gate)."""
    from udc.participation import snapshot
    from udc.synth import reports as synthetic

    made = synthetic.generate(store, engine, years, seed=seed)
    snapshot.save(store, engine, key, years)  # the recent weeks stay operational: the dataset is reproducible
    return made


def demo(store: Store, years: tuple[int, int], *, user: User, audit: AuditLog, seed: int = 1) -> list[str]:
    """Everything the dashboards show for the demo region: key figures and verhuisstromen for each of the last four
    years and the last two-year span (a dashboard filter picks one), and the indicator library with its peers (those
    whose data exist: the participation indicators once :func:`reports` made ``meldingen``)."""
    names = key_figures(store, user=user, audit=audit)
    names += indicators(store, years, user=user, audit=audit, seed=seed)
    names += programmes(store, user=user, audit=audit)
    flows.prepare(store)
    last = years[1]
    periods = [(y, y) for y in range(max(years[0], last - 3), last + 1)]
    if last - 1 >= years[0]:
        periods.append((last - 1, last))
    if years[0] <= 2019 and last >= 2020:
        periods.append((2019, 2020))  # the Datacenter Parkstad Limburg's first question
    tables = flows.study_periods(store, flows.all_areas(store), periods, user=user, audit=audit)
    span = ", ".join(f"{a}-{b}" for a, b in periods)
    names += flows.release_study(store, tables, "verhuisstromen", years=span, user=user, audit=audit, replace=True)
    return names
