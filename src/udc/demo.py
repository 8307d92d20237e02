"""The demo, written once: build the fictional region and its synthetic population, file synthetic reports about
public space, publish what the dashboards show, and do it all in a copy of the database that replaces the store's at
the end.

``udc demo`` (:meth:`udc.Udc.demo`) and the tests' demo store run this same sequence, so what the tests check is what
a user gets. The demo is the only place that knows both the synthetic data (:mod:`udc.synth`) and the studies
(:mod:`udc.analysis`, :mod:`udc.indicators`, :mod:`udc.monitoring`): studies never import the generator, so they run
on registers the same way. Every published table is a gate output (cell key, consistent across queries).

    build → summary → reports → releases (key figures, indicators and peers, programmes, verhuisstromen) → parties
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from udc.errors import UdcError
from udc.privacy import parties
from udc.privacy.access import User
from udc.privacy.actions import ensure
from udc.privacy.audit import AuditLog
from udc.privacy.gate import Definition, release, run_defined
from udc.privacy.request import Filter, TableRequest
from udc.store import catalogue
from udc.store.db import DB_FILE, Store

if TYPE_CHECKING:
    import sqlalchemy as sa

    from udc.synth.generate import SynthReport

DEMO_PARTY = "woningcorporatie"
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


Progress = Callable[[int | str], Any]
"""Told the name of each phase as it begins (a str of :func:`phases`) and each simulated year (an int)."""
GATE_PHASE = "first look through the gate"
PUBLISH_PHASES = (
    "reports about public space",
    "releases: key figures",
    "releases: indicators and peers",
    "releases: programme monitors",
    "releases: verhuisstromen",
    "releases: across the border",
    "releases: laadpalen",
    "registers: BAG, leegstand and the economy",
    "parties and agreements",
)


def phases(publish: bool) -> tuple[str, ...]:
    """The demo's phases in order (what a progress display counts): with ``publish`` the reports and releases too."""
    from udc.synth.generate import PHASES

    return (*PHASES, GATE_PHASE, *(PUBLISH_PHASES if publish else ()))


@dataclass(frozen=True)
class Operational:
    """Where the demo's synthetic reports go (the operational database) and the key of their snapshot's record
    keys — what publishing needs beyond the store: the participation indicators count those reports."""

    engine: sa.Engine
    key: bytes


def rebuild(
    path: Path,
    *,
    persons: int = 250_000,
    seed: int = 1,
    years: tuple[int, int] = (2015, 2024),
    user: User,
    audit: AuditLog,
    publish: Operational | None = None,
    wait: float | None = None,
    progress: Progress | None = None,
) -> tuple[SynthReport, list[str]]:
    """Build (or rebuild) the demo store at ``path`` (:func:`fill`; ``publish``: with reports and releases) in a copy
    of its database that replaces it at the end, so a crash or ``kill -9`` at any moment leaves the store as it was
    (POSIX: the replace is atomic; the original stays locked meanwhile). ``wait``: seconds to wait for another
    process's hold on the store. Returns the population's report and the summary lines."""
    with _rebuilding(path, wait) as build:
        return fill(
            build, persons=persons, seed=seed, years=years, user=user, audit=audit, publish=publish, progress=progress
        )


@contextmanager
def _rebuilding(path: Path, wait: float | None) -> Iterator[Store]:
    """A copy of the store's database, open for writing; it replaces the original when the block ends without an
    error (a failure leaves the original untouched and the copy to be overwritten next time)."""
    staging = path / f"{DB_FILE}.rebuild"
    held = Store(path) if wait is None else Store(path, wait=wait)  # None: the store's own default wait
    with held as store:  # held throughout: no one else writes while the copy is rebuilt
        store.con.execute("CHECKPOINT")
        for stale in (staging, staging.with_name(staging.name + ".wal")):
            stale.unlink(missing_ok=True)
        shutil.copyfile(path / DB_FILE, staging)
        with Store(path, db_file=staging.name) as build:
            yield build
        if os.name != "nt":  # all or nothing: a kill before this leaves the old store
            os.replace(staging, path / DB_FILE)
    if os.name == "nt":  # Windows cannot replace a file that is open: let go first (a brief window)
        os.replace(staging, path / DB_FILE)


def fill(
    store: Store,
    *,
    persons: int,
    seed: int,
    years: tuple[int, int],
    user: User,
    audit: AuditLog,
    publish: Operational | None,
    progress: Progress | None = None,
) -> tuple[SynthReport, list[str]]:
    """The demo's sequence in an open store: the population (:func:`build`), a first look through the gate, and
    with ``publish`` the synthetic reports (:func:`reports`) and the releases (:func:`releases`)."""
    from udc.synth.generate import summary_lines

    tell = progress or _silent
    report = build(store, persons=persons, seed=seed, years=years, progress=progress)
    tell(GATE_PHASE)
    lines = summary_lines(store, years, user=user, audit=audit)
    if publish is not None:
        tell(PUBLISH_PHASES[0])
        made = reports(store, years, publish.engine, publish.key, seed=seed)
        lines.append(f"reports about public space: {made:,} synthetic (last two years and recent weeks)")
        released = releases(store, years, user=user, audit=audit, seed=seed, progress=tell)
        lines.append(f"released for the dashboards: {', '.join(released)}")
        tell(PUBLISH_PHASES[-1])
        _parties(store, user=user, audit=audit)
    return report, lines


def _silent(step: int | str) -> None:
    """No progress display (the tests' demo store, the Python API without a callback)."""


def build(
    store: Store,
    *,
    persons: int,
    seed: int,
    years: tuple[int, int],
    progress: Progress | None = None,
) -> SynthReport:
    """The fictional region and its synthetic population (:mod:`udc.synth`): registered areas, microdata tables."""
    from udc.synth.generate import generate

    return generate(store, persons=persons, seed=seed, years=years, progress=progress)


def reports(store: Store, years: tuple[int, int], engine: sa.Engine, key: bytes, *, seed: int) -> int:
    """Synthetic reports about public space in the operational database, and their snapshot ``meldingen`` in the
    store (microdata: the participation indicators pass the gate); returns how many reports."""
    from udc.participation import snapshot
    from udc.synth import reports as synthetic

    made = synthetic.generate(store, engine, years, seed=seed)
    snapshot.save(store, engine, key, years)  # the recent weeks stay operational: the dataset is reproducible
    return made


def releases(
    store: Store, years: tuple[int, int], *, user: User, audit: AuditLog, seed: int, progress: Progress | None = None
) -> list[str]:
    """Everything the dashboards show for the demo region: key figures, the indicator library with its peers (those
    whose data exist: the participation indicators once :func:`reports` made ``meldingen``), the programmes'
    monitors and verhuisstromen; returns the released names. ``progress`` is told each as it begins."""
    tell = progress or _silent
    tell(PUBLISH_PHASES[1])
    names = key_figures(store, user=user, audit=audit)
    tell(PUBLISH_PHASES[2])
    names += indicators(store, years, user=user, audit=audit, seed=seed)
    tell(PUBLISH_PHASES[3])
    names += programmes(store, user=user, audit=audit)
    names += backgrounds(store, user=user, audit=audit)
    tell(PUBLISH_PHASES[4])
    names += verhuisstromen(store, years, user=user, audit=audit)
    tell(PUBLISH_PHASES[5])
    names += across_the_border(store, years, user=user, audit=audit, seed=seed)
    tell(PUBLISH_PHASES[6])
    names += laadpalen(store, user=user, audit=audit, seed=seed)
    tell(PUBLISH_PHASES[7])
    names += leegstand(store, user=user, audit=audit, seed=seed)
    return names


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
    chosen = [i for i in library().values() if set(i.datasets) <= present]
    used: list = []
    shared = Counts()
    span = list(range(years[0], years[1] + 1))
    frame = pd.concat(
        [compute(store, i, years=span, user=user, audit=audit, collect=used, cache=shared) for i in chosen],
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


def backgrounds(store: Store, *, user: User, audit: AuditLog) -> list[str]:
    """Youth care expected and observed per wijk (every year of the demo; the planted excess in Kernstad wijk 07
    among them), released for the theme page. Skipped when the gate withholds what it needs (a tiny demo)."""
    from udc.analysis import background

    study = background.get("youth_care")
    if not catalogue.exists(store, study.dataset):
        return []
    try:
        result = background.expected(store, study, level="wijk", user=user, audit=audit)
        background.release(store, study, result, background.release_name(study), user=user, audit=audit)
    except UdcError:
        return []
    return [background.release_name(study)]


def verhuisstromen(store: Store, years: tuple[int, int], *, user: User, audit: AuditLog) -> list[str]:
    """The verhuisstromen study for every area, released with a ``period`` column: each of the last four years and
    the last two-year span (a dashboard filter picks one), and 2019-2020 when covered."""
    from udc.analysis import flows

    flows.prepare(store)
    last = years[1]
    periods = [(y, y) for y in range(max(years[0], last - 3), last + 1)]
    if last - 1 >= years[0]:
        periods.append((last - 1, last))
    if years[0] <= 2019 and last >= 2020:
        periods.append((2019, 2020))  # the Datacenter Parkstad Limburg's first question
    tables = flows.study_periods(store, flows.all_areas(store), periods, user=user, audit=audit)
    span = ", ".join(f"{a}-{b}" for a, b in periods)
    return flows.release_study(store, tables, "verhuisstromen", years=span, user=user, audit=audit, replace=True)


CROSS_BORDER_INDICATORS = ("bevolking_0_17", "bevolking_18_64", "bevolking_65plus", "bevolking_80plus")
GERMAN_TABLES = {"12411-01-01-5.csv": "regionalstatistik_bevolking", "45412-01-03-5.csv": "regionalstatistik_toerisme"}


def across_the_border(store: Store, years: tuple[int, int], *, user: User, audit: AuditLog, seed: int) -> list[str]:
    """The fictional German Kreis's statistics imported as a user imports a Regionalstatistik download, and the
    population indicators of ``grensregio`` — the Dutch members through the gate, the German Gemeinden from their
    own figures, comparability on every row — released as ``grensregio_indicatoren`` (the explorer's map across
    the border)."""
    import tempfile

    import pandas as pd

    from udc.areas import registry
    from udc.indicators import release as indicator_release
    from udc.indicators.compute import Counts, compute
    from udc.indicators.crossborder import foreign_members
    from udc.indicators.model import library
    from udc.sources import regionalstatistik
    from udc.synth import germany
    from udc.synth.region import CROSS_BORDER

    with tempfile.TemporaryDirectory(prefix="udc-demo-de-") as folder:
        for path in germany.write(Path(folder), years, seed):
            regionalstatistik.import_file(store, path, dataset=GERMAN_TABLES[path.name], user=user)
    members = registry.region_members(store, CROSS_BORDER)
    foreign = [m for m in members if m in foreign_members(store)]
    chosen = [library()[i] for i in CROSS_BORDER_INDICATORS]
    used: list = []
    shared = Counts()
    span = list(range(years[0], years[1] + 1))
    frame = pd.concat(
        [compute(store, i, years=span, user=user, audit=audit, collect=used, cache=shared, foreign=foreign)
         for i in chosen],
        ignore_index=True,
    )  # fmt: skip
    frame = frame[frame.area_code.isin([CROSS_BORDER, *members])].reset_index(drop=True)
    frame = frame.drop(columns="comparability_note")  # in words from the concordance, in the reader's language
    name = "grensregio_indicatoren"
    indicator_release.release(
        store,
        frame,
        used,
        chosen,
        name=name,
        user=user,
        audit=audit,
        open_inputs=[GERMAN_TABLES["12411-01-01-5.csv"]],
        title="Grensregio (fictief): bevolkingsindicatoren van Nederlandse en Duitse gemeenten",
    )
    return [*GERMAN_TABLES.values(), name]


def laadpalen(store: Store, *, user: User, audit: AuditLog, seed: int) -> list[str]:
    """The demo's charging points written as an OCPI file (DOT-NL's shape) and imported as a user would, and the
    laadpalen prognosis of the demo region for three years in each scenario, released as ``laadprognose`` (the
    theme page /thema/laden)."""
    import tempfile

    from udc.analysis import charging
    from udc.sources import charging as points
    from udc.synth import charging as synthetic
    from udc.synth.region import REGION_NAME

    last = max(r["year"] for r in store.rows("SELECT DISTINCT year FROM ds_synth_households"))
    with tempfile.TemporaryDirectory(prefix="udc-demo-ocpi-") as folder:
        path = synthetic.write_ocpi(store, Path(folder), last, seed)
        points.import_file(store, path, dataset=charging.POINTS, year=last, user=user)
    try:
        found = charging.study(store, REGION_NAME, user=user, audit=audit)
    except UdcError:  # a tiny demo: too little published to fit
        return [charging.POINTS]
    years = sorted({last, 2030, 2035})
    charging.release(store, found, "laadprognose", years=years, scenarios_=list(charging.scenarios()), user=user,
                     audit=audit)  # fmt: skip
    return [charging.POINTS, "laadprognose"]


def leegstand(store: Store, *, user: User, audit: AuditLog, seed: int) -> list[str]:
    """The demo's dwellings written as a BAG extract (NLExtract's CSV shape) and imported as a municipality imports
    its extract, then linked to the households of its 1 January (microdata: vacancy leaves through the gate)."""
    import tempfile

    from udc.analysis import vacancy
    from udc.privacy.audit import secret_file
    from udc.sources import bag
    from udc.synth import bag as synthetic

    last = max(r["year"] for r in store.rows("SELECT DISTINCT year FROM ds_synth_households"))
    from udc.analysis import shopping
    from udc.synth import shopping as areas

    with tempfile.TemporaryDirectory(prefix="udc-demo-bag-") as folder:
        path = synthetic.write(store, Path(folder), last, seed)
        bag.import_file(store, path, dataset=vacancy.BAG, year=last, user=user)
        shopping.import_areas(store, areas.write(store, Path(folder)), user=user)
    vacancy.link(store, salt=secret_file(store.path / "record-key.secret"))
    _economy(store, seed)
    try:
        vacancy.release(store, user=user, audit=audit)
    except UdcError:  # a tiny demo: too few dwellings per area for the gate
        return [vacancy.BAG]
    return [vacancy.BAG, vacancy.RELEASE]


def _economy(store: Store, seed: int) -> None:
    """The demo's business register (internal: a municipality's own) and its table per gemeente, sector and year
    as open data (``vestigingen``: the economie theme page)."""
    from datetime import date

    from udc.analysis import economy
    from udc.synth import economy as synthetic

    years = [r["year"] for r in store.rows("SELECT DISTINCT year FROM ds_synth_households ORDER BY 1")]
    frame = synthetic.establishments(store, (years[0], years[-1]), seed)
    entry = catalogue.Dataset(
        name=economy.REGISTER,
        title="Vestigingen (synthetisch bedrijvenregister)",
        source="udc demo",
        sensitivity="internal",
        period_start=str(years[0]),
        period_end=str(years[-1]),
        provenance={"synthetic": {"seed": seed, "made": date.today().isoformat()}},
    )
    catalogue.save(store, entry, frame, columns=[catalogue.ColumnInfo("buurt_code", "area", "Buurt")])
    economy.release(store)


def _parties(store: Store, *, user: User, audit: AuditLog) -> None:
    """A second party beside the municipality, to show how a UDC grants access per agreement: a fictional housing
    corporation whose agreement (one year from today) covers two open releases and no ad-hoc tables. Its members
    (``udc parties member woningcorporatie USER``) read those releases and nothing more; the day after the agreement
    ends they read nothing. Made once: a rebuild keeps the party and its agreement as they are."""
    if any(p["name"] == DEMO_PARTY for p in parties.list_parties(audit.engine)):
        return
    with ensure(user, "parties.add", audit=audit, detail={"party": DEMO_PARTY}):
        parties.add_party(audit.engine, DEMO_PARTY, "Woningcorporatie (fictief)", "woningcorporatie")
    agreement = parties.Agreement(
        f"{DEMO_PARTY}-wijkplan",
        DEMO_PARTY,
        "Wijkplan: inwoners en jeugdzorg per wijk (alleen de twee open tabellen)",
        datasets=(KEY_FIGURES, YOUTH_CARE),
        levels=("wijk", "gemeente"),
        adhoc=False,
        valid_from=date.today(),
        valid_until=date.today() + timedelta(days=365),
    )
    with ensure(user, "agreements.add", audit=audit, detail=agreement.describe()):
        parties.add_agreement(audit.engine, agreement)
