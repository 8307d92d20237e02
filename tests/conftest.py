"""Shared fixtures: a fresh store per test, session templates copied where a test needs a filled store (the real code
lists, a published demo), and the real CBS/PDOK files in ../shared/data (read in place)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import templates
from shared_data import DATA
from udc import settings
from udc.store import Store
from udc.store.spark_cluster import Cluster

# One DuckDB thread per store connection: the two test workers (and the background template build) already share
# the two cores, and on the tests' small tables DuckDB's threads mostly hand work to each other (a seventh less CPU
# in the main step). Processes the tests start inherit it; an explicit UDC_THREADS wins.
os.environ.setdefault("UDC_THREADS", "1")
settings.reset()

REAL_DATA_FIXTURES = {
    "data",
    "registry_store",
    "registry_template",
    "parkstad_template",
    "heerlen_kwb_template",
    "real_store",
}


MEMORY_TEMP = Path("/dev/shm")
MEMORY_TEMP_FREE = 8 << 30  # a run writes about 1.2 GB of stores; two runs are kept


def _temp_in_memory(config: pytest.Config) -> None:
    """Test folders on the machine's memory-backed file system where it has room: each test makes and drops
    stores (DuckDB files, SQLite, the audit log), and their fsyncs and checkpoints on the disk cost the main step
    about a seventh of its time on 2 cores. Only the controller decides (xdist workers get folders under its
    own); an explicit ``--basetemp`` or ``PYTEST_DEBUG_TEMPROOT`` wins, and a small or missing /dev/shm (a
    container's 64 MB default) leaves pytest's default."""
    if hasattr(config, "workerinput") or config.option.basetemp or os.environ.get("PYTEST_DEBUG_TEMPROOT"):
        return
    try:
        usage = shutil.disk_usage(MEMORY_TEMP)
    except OSError:
        return
    if usage.free >= MEMORY_TEMP_FREE and os.access(MEMORY_TEMP, os.W_OK):
        os.environ["PYTEST_DEBUG_TEMPROOT"] = str(MEMORY_TEMP)


def pytest_configure(config: pytest.Config) -> None:
    _temp_in_memory(config)
    config.addinivalue_line("markers", "real_data: reads the real CBS/PDOK files in ../shared/data")
    config.addinivalue_line("markers", "real_argon2: signs in with the production password hasher (timing tests)")
    config.pluginmanager.register(templates.Scheduler({"demo_template": "demo"}), "udc-templates")
    config.pluginmanager.register(ModuleGroups(), "udc-module-groups")


class ModuleGroups:
    """Under ``--dist loadgroup`` (the slow step) a module's tests stay on one worker — its browser or server
    starts once — unless the module says its tests are independent (``INDEPENDENT_TESTS = True``: then each goes
    wherever a worker is free). Modules that run Spark say ``XDIST_GROUP = "spark"``: they all share one worker,
    whose one Spark session runs on the standalone cluster (:func:`spark_cluster`). ``--dist loadfile`` kept the
    kill -9 module's five long cases on one worker, a third of the step, while the other worker ran out of work."""

    @pytest.hookimpl(tryfirst=True)  # before xdist reads the marks into the node ids
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            module = getattr(item, "module", None)
            if not getattr(module, "INDEPENDENT_TESTS", False):
                group = getattr(module, "XDIST_GROUP", None) or item.nodeid.split("::")[0]
                item.add_marker(pytest.mark.xdist_group(group))


def _reads_real_data(item: pytest.Item) -> bool:
    if REAL_DATA_FIXTURES & set(getattr(item, "fixturenames", ())):
        return True
    source = Path(str(item.fspath)).read_text(encoding="utf-8")
    return "shared_data" in source or "cbs_fixtures" in source


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests on the real files are marked ``real_data``; without the files they are skipped with the reason — unless
    ``UDC_REQUIRE_DATA`` is set (CI), where a missing folder is an error rather than a quiet skip."""
    for item in items:
        if _reads_real_data(item):
            item.add_marker(pytest.mark.real_data)
    if DATA.is_dir():
        return
    if os.environ.get("UDC_REQUIRE_DATA"):
        raise pytest.UsageError(
            f"real test data not found at {DATA} (set UDC_TEST_DATA or put shared/data next to the repository)"
        )
    skip = pytest.mark.skip(reason=f"real CBS/PDOK files not found at {DATA} (set UDC_TEST_DATA to run these)")
    for item in items:
        if "real_data" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def spark_cluster(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """A Spark standalone master and two workers (one core each, their own work directories), separate JVM
    processes on loopback from the pinned PySpark's classes, with Spark's authentication on; every Spark run of
    this test process goes to it (``UDC_SPARK_MASTER``, and ``SPARK_CONF_DIR`` for its secret). Its processes are
    written to the test log."""
    from udc.store import spark

    cluster = Cluster(tmp_path_factory.mktemp("spark-cluster"))
    with cluster as url:
        processes = "; ".join(f"{d.role} pid {d.pid}" for d in cluster.daemons)
        _to_log(request, f"Spark standalone cluster at {url}: {processes} (logs in {cluster.folder})")
        # the driver reads the cluster's secret from its spark-defaults.conf, as on any cluster udc submits to
        given = {"UDC_SPARK_MASTER": url, "SPARK_CONF_DIR": str(cluster.conf)}
        before = {name: os.environ.get(name) for name in given}
        os.environ.update(given)
        settings.reset()
        try:
            yield cluster
        finally:
            spark.stop()
            for name, value in before.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
            settings.reset()
    _to_log(request, f"Spark standalone cluster at {url} stopped")


def _to_log(request: pytest.FixtureRequest, line: str) -> None:
    """A line in the test log itself, from any xdist worker: pytest's capture is set aside and the line goes to the
    worker's standard error, which is the run's (the workers' standard output carries xdist's own messages)."""
    capture = request.config.pluginmanager.getplugin("capturemanager")
    with capture.global_and_fixture_disabled():
        os.write(2, f"\n[{os.environ.get('PYTEST_XDIST_WORKER', 'pytest')}] {line}\n".encode())


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    """Settings are resolved once per process and kept (``udc.settings.current``); a test that sets a variable with
    ``monkeypatch.setenv`` before anything reads them gets them resolved from its own environment."""
    settings.reset()
    yield
    settings.reset()


@pytest.fixture(scope="session", autouse=True)
def cheap_passwords() -> Iterator[None]:
    """Passwords hashed with argon2 at its smallest cost in the test process (0.14 s of CPU on four threads per
    sign-in in production, hundreds of sign-ins here: the way Django's test settings swap the hasher). argon2 reads
    the parameters back from each hash, so stores made either way verify either way; tests marked ``real_argon2``
    and every ``python -m udc`` subprocess keep the production hasher, whose cost tests/privacy/test_audit_access.py
    checks."""
    from argon2 import PasswordHasher

    from udc.privacy import access

    production = access._HASHER
    access._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    access._dummy_hash.cache_clear()
    yield
    access._HASHER = production
    access._dummy_hash.cache_clear()


@pytest.fixture(autouse=True)
def real_passwords_when_marked(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    if request.node.get_closest_marker("real_argon2") is None:
        return
    from argon2 import PasswordHasher

    from udc.privacy import access

    monkeypatch.setattr(access, "_HASHER", PasswordHasher())
    access._dummy_hash.cache_clear()
    request.addfinalizer(access._dummy_hash.cache_clear)


CHROMIUM = "/usr/bin/chromium"  # Debian's, driven by Playwright; no browser download, no network
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium under Playwright, one per test module (pages and PDFs are checked as a person sees them)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), "Debian's chromium is missing: run 'make test' (it installs it)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store") as s:
        yield s


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real validity list and the real 81734NED region code list, imported once per session."""
    from udc.areas import registry

    path = tmp_path_factory.mktemp("registry") / "store"
    with Store(path) as store:
        registry.import_file(store, DATA / "nlextract" / "gemeentelijke-indeling.csv")
        registry.import_file(store, DATA / "algorithm_geovis" / "RegioVanVestigingCodes.csv")
    return path


@pytest.fixture(scope="session")
def parkstad_template(registry_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The registry template plus the real 2022 wijken and buurten of Parkstad (the Heerlen KWB files' names match
    them), imported once per session; tests copy it."""
    from udc.areas import registry

    path = tmp_path_factory.mktemp("parkstad") / "store"
    shutil.copytree(registry_template, path)
    with Store(path) as store:
        registry.import_file(store, DATA / "cartomap_nl" / "wijk_2022_parkstad.geojson")
        registry.import_file(store, DATA / "cartomap_nl" / "buurt_2022_parkstad.geojson")
    return path


@pytest.fixture(scope="session")
def heerlen_kwb_template(parkstad_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Parkstad's areas plus the five real Heerlen Kerncijfers wijken en buurten files (2016-2020) imported as the
    one ``kwb`` series (``udc kwb import … --within GM0917``), once per session; tests copy it."""
    from cli_runner import udc

    path = tmp_path_factory.mktemp("heerlen-kwb") / "store"
    shutil.copytree(parkstad_template, path)
    files = sorted((DATA / "heerlen_urbandata").glob("Kerncijfers_wijken_en_buurten_*_pp.csv"))
    udc("--store", str(path), "kwb", "import", *map(str, files), "--within", "GM0917")
    return path


@pytest.fixture
def registry_store(registry_template: Path, tmp_path: Path) -> Store:
    """A store of its own with the real validity list and region code list (a copy of the session template)."""
    shutil.copytree(registry_template, tmp_path / "registry-store")
    with Store(tmp_path / "registry-store") as s:
        yield s


DEMO = {"persons": 12_000, "seed": 3, "years": (2019, 2021)}


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, pytestconfig: pytest.Config) -> Path:
    """A small published demo store (synthetic population, reports, key figures and verhuisstromen released), built
    once per test run by the same sequence as ``udc demo`` (:func:`udc.demo.rebuild`) and shared by the workers
    (:mod:`templates`). Read only: tests copy it."""
    return templates.shared(templates.root_of(tmp_path_factory, pytestconfig), "demo", build_demo)


def build_demo(path: Path) -> None:
    """The demo template's build (also run in a background process: ``python tests/templates.py demo ROOT``)."""
    from udc import demo
    from udc.participation import db
    from udc.privacy.access import User
    from udc.privacy.audit import key_for, operational_url, store_log

    path.mkdir()  # the operational database and the audit key live in it (as udc.open's first audit makes it)
    operational = demo.Operational(db.engine(operational_url(path)), key_for(path))
    demo.rebuild(path, **DEMO, user=User("beheer", "admin"), audit=store_log(path), publish=operational)


TEMPLATES = {"demo": build_demo}  # template name → its build, for the background process


@pytest.fixture(scope="module")
def demo_store(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the published demo store for one test module (its audit log and keys included)."""
    path = tmp_path_factory.mktemp("demo-copy") / "store"
    shutil.copytree(demo_template, path)
    return path


@pytest.fixture(scope="module")
def demo_open(demo_store: Path) -> Iterator[Store]:
    """The module's copy of the demo store, held open (tests that call the library directly)."""
    with Store(demo_store) as store:
        yield store


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real PostgreSQL server from Debian's package, started for the tests as an unprivileged user."""
    from pgserver import bindir, postgres

    if bindir() is None:
        pytest.fail("PostgreSQL server binaries not found: install Debian's 'postgresql' package (.ci/run does)")
    with postgres() as url:
        yield url
