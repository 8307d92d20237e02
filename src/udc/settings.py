"""Settings: where the store is, which operational database holds users and the audit log, where secrets come
from, how long a process waits for the store — resolved once per process from flags, then the environment, then
defaults. This is the one module that reads the environment; everything else is handed a :class:`Settings` (or,
deep down where none is in reach, asks :func:`current`).

======================  ==========================  ==================================================================
setting                 environment                 default
======================  ==========================  ==================================================================
store                   ``UDC_STORE``               ``./udc-data``
database_url            ``UDC_DATABASE_URL``        ``sqlite:///STORE/operational.sqlite``
audit_key               ``UDC_AUDIT_KEY``           ``STORE/audit.key`` (created once, mode 0600)
audit_anchor            ``UDC_AUDIT_ANCHOR``        ``STORE/audit.anchor``
audit_witness           ``UDC_AUDIT_WITNESS``       none (an append-only file elsewhere: catches a rolled-back anchor)
web_secret              ``UDC_WEB_SECRET``          ``STORE/web-secret`` (created once, mode 0600)
pseudonym_key           ``UDC_PSEUDONYM_KEY``       none: ``udc import --key-file`` (the demo derives one from its seed)
lock_wait               ``UDC_LOCK_WAIT``           15 s for a command, 5 s for a server request (waiting for another
                                                    process's hold on the store)
open311_key_rate        ``UDC_OPEN311_KEY_RATE``    1200 service requests per API key per minute
work_memory_mb          ``UDC_WORK_MEMORY_MB``      1024 MB all of the server's heavy work may hold at once (≥ 64)
threads                 ``UDC_THREADS``             DuckDB's own: one worker thread per core, per store connection
spark_master            ``UDC_SPARK_MASTER``        ``local[2]`` (e.g. ``spark://host:7077`` for a cluster; the
                                                    ``--spark-master`` flag wins)
spark_handover          ``UDC_SPARK_HANDOVER``      ``STORE/.spark`` (the Parquet hand-over: on a cluster, storage
                                                    every executor reads at the same path)
spark_keep              ``UDC_SPARK_KEEP``          the Spark hand-over is removed after each job (``1``: kept)
crash_at                ``UDC_CRASH_AT``            none (a test hook: the process dies at that point of a write)
java_home               ``JAVA_HOME``               the ``java`` on the PATH (Spark needs a Java runtime)
spark_python            ``PYSPARK_PYTHON``          this interpreter (the Python Spark's executors run)
======================  ==========================  ==================================================================

Every value is checked once, here: a bad number is one line naming the variable and what it expects. Secrets are
held (``repr`` hides them) but never shown: :meth:`Settings.describe` says where they come from instead.
Everything the process creates in the store is private to its account (umask 077, see :mod:`udc.store.db`).
The disclosure policy is not a setting: it is versioned inside the store (``udc policy``), so every release records
the policy it was protected under.

This module imports nothing from udc but :mod:`udc.errors`: configuration stands under policy, not on it.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from udc.errors import UdcError

LOCK_WAIT = 15.0  # seconds a command waits for another process to let go of the store
SERVER_WAIT = 5.0  # seconds a server request waits for a writer before it answers 503 (unless UDC_LOCK_WAIT is set)
DEFAULT_STORE = Path("udc-data")
OPEN311_KEY_RATE = 1200  # service requests per API key per minute (a partner system's burst)
WORK_MEMORY_MB = 1024  # megabytes the server's heavy work shares
MIN_WORK_MEMORY_MB = 64
SPARK_MASTER = "local[2]"
_YES, _NO = ("1", "true", "yes"), ("0", "false", "no")

VARIABLES: dict[str, str] = {  # every setting and the environment variable it is read from
    "store": "UDC_STORE",
    "database_url": "UDC_DATABASE_URL",
    "audit_key": "UDC_AUDIT_KEY",
    "audit_anchor": "UDC_AUDIT_ANCHOR",
    "audit_witness": "UDC_AUDIT_WITNESS",
    "web_secret": "UDC_WEB_SECRET",
    "pseudonym_key": "UDC_PSEUDONYM_KEY",
    "lock_wait": "UDC_LOCK_WAIT",
    "open311_key_rate": "UDC_OPEN311_KEY_RATE",
    "work_memory_mb": "UDC_WORK_MEMORY_MB",
    "threads": "UDC_THREADS",
    "spark_master": "UDC_SPARK_MASTER",
    "spark_handover": "UDC_SPARK_HANDOVER",
    "spark_keep": "UDC_SPARK_KEEP",
    "crash_at": "UDC_CRASH_AT",
    "java_home": "JAVA_HOME",
    "spark_python": "PYSPARK_PYTHON",
}
SECRETS = frozenset({"audit_key", "web_secret", "pseudonym_key"})  # held, never described


def operational_url_in(store: Path) -> str:
    """The default operational database: a SQLite file beside the store's data."""
    return f"sqlite:///{(Path(store) / 'operational.sqlite').as_posix()}"


def audit_key_file(store: Path) -> Path:
    return Path(store) / "audit.key"


def audit_anchor_in(store: Path) -> Path:
    return Path(store) / "audit.anchor"


def web_secret_file(store: Path) -> Path:
    return Path(store) / "web-secret"


@dataclass(frozen=True)
class Settings:
    """One process's configuration. Build it with :meth:`resolve`; :meth:`at` gives the same configuration over
    another store (the store's own files follow the store unless a variable placed them elsewhere)."""

    store: Path
    database_url: str
    audit_anchor: Path
    lock_wait: float = LOCK_WAIT
    audit_witness: Path | None = None
    audit_key: str | None = field(default=None, repr=False)  # None: the key file beside the store
    web_secret: str | None = field(default=None, repr=False)  # None: the secret file beside the store
    pseudonym_key: str | None = field(default=None, repr=False)  # None: a key file must be given
    open311_key_rate: int = OPEN311_KEY_RATE
    work_memory_mb: int = WORK_MEMORY_MB
    threads: int | None = None  # None: DuckDB's default (one per core)
    spark_master: str = SPARK_MASTER
    spark_handover: Path | None = None  # None: STORE/.spark
    spark_keep: bool = False
    crash_at: str | None = None
    java_home: str | None = None
    spark_python: str | None = None  # None: this interpreter
    origins: Mapping[str, str] = field(default_factory=dict, compare=False, repr=False)  # setting → flag/environment

    @classmethod
    def resolve(
        cls,
        store: str | os.PathLike[str] | None = None,
        *,
        environ: Mapping[str, str] | None = None,
        spark_master: str | None = None,
    ) -> Settings:
        """The flags (``--store``, ``--spark-master``) first, then the variables in the table above (``environ``,
        default the process's environment), then the defaults; every value checked here, once."""
        env = os.environ if environ is None else environ
        origins: dict[str, str] = {}

        def read(name: str) -> str | None:
            raw = env.get(VARIABLES[name])
            if raw:
                origins[name] = "environment"
                return raw
            origins[name] = "default"
            return None

        given = read("store")
        if store is not None:
            path, origins["store"] = Path(store), "flag"
        else:
            path = Path(given) if given else DEFAULT_STORE
        url = read("database_url")
        anchor = read("audit_anchor")
        witness = read("audit_witness")
        keep = (read("spark_keep") or "").strip().lower()
        master = read("spark_master")
        if spark_master is not None:
            master, origins["spark_master"] = spark_master, "flag"
        handover = read("spark_handover")
        if keep not in _YES + _NO + ("",):
            raise UdcError(f"UDC_SPARK_KEEP '{keep[:20]}': expected 1, true or yes (keep) or 0, false or no")
        return cls(
            store=path,
            database_url=url or operational_url_in(path),
            audit_anchor=Path(anchor) if anchor else audit_anchor_in(path),
            lock_wait=_seconds(read("lock_wait"), LOCK_WAIT),
            audit_witness=Path(witness) if witness else None,
            audit_key=read("audit_key"),
            web_secret=read("web_secret"),
            pseudonym_key=read("pseudonym_key"),
            open311_key_rate=_whole(read("open311_key_rate"), OPEN311_KEY_RATE, "open311_key_rate", 1),
            work_memory_mb=_whole(read("work_memory_mb"), WORK_MEMORY_MB, "work_memory_mb", MIN_WORK_MEMORY_MB),
            threads=_threads(read("threads")),
            spark_master=_master(master),
            spark_handover=Path(handover) if handover else None,
            spark_keep=keep in _YES,
            crash_at=read("crash_at"),
            java_home=read("java_home"),
            spark_python=read("spark_python"),
            origins=origins,
        )

    def at(self, store: str | os.PathLike[str]) -> Settings:
        """The same configuration over another store: its database, anchor and secret files follow it unless a
        variable put them elsewhere (a shared PostgreSQL, an anchor on another disk)."""
        path = Path(store)
        if path == self.store:
            return self
        changes: dict[str, Any] = {"store": path, "origins": {**self.origins, "store": "flag"}}
        if self.origins.get("database_url", "default") == "default":
            changes["database_url"] = operational_url_in(path)
        if self.origins.get("audit_anchor", "default") == "default":
            changes["audit_anchor"] = audit_anchor_in(path)
        return replace(self, **changes)

    @property
    def server_wait(self) -> float:
        """Seconds a server request waits while another process writes the store: ``UDC_LOCK_WAIT`` when set, else
        :data:`SERVER_WAIT` (a page should answer 503 sooner than a command gives up)."""
        return self.lock_wait if self.origins.get("lock_wait", "environment") != "default" else SERVER_WAIT

    def __repr__(self) -> str:
        """What :meth:`describe` shows — a repr ends up in tracebacks and logs, so it holds no secret either."""
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self.describe().items())})"

    def describe(self) -> dict[str, Any]:
        """What ``udc settings`` prints: every setting's value, and for secrets where they come from — never a
        secret itself."""
        return {
            "store": str(self.store),
            "database_url": _masked(self.database_url),
            "audit_key": "UDC_AUDIT_KEY" if self.audit_key else str(audit_key_file(self.store)),
            "audit_anchor": str(self.audit_anchor),
            "audit_witness": str(self.audit_witness) if self.audit_witness else "none (UDC_AUDIT_WITNESS not set)",
            "web_secret": "UDC_WEB_SECRET" if self.web_secret else str(web_secret_file(self.store)),
            "pseudonym_key": "UDC_PSEUDONYM_KEY" if self.pseudonym_key else "none (udc import --key-file)",
            "lock_wait": self.lock_wait,
            "open311_key_rate": self.open311_key_rate,
            "work_memory_mb": self.work_memory_mb,
            "threads": self.threads or "DuckDB's default (one per core)",
            "spark_master": self.spark_master,
            "spark_handover": str(self.spark_handover or self.store / ".spark"),
            "spark_keep": self.spark_keep,
            "crash_at": self.crash_at or "none",
            "java_home": self.java_home or "none (java on the PATH)",
            "spark_python": self.spark_python or "this interpreter",
        }

    def sources(self) -> dict[str, str]:
        """Where each setting comes from: ``flag``, ``environment (UDC_…)`` or ``default``."""
        return {
            name: f"environment ({VARIABLES[name]})" if origin == "environment" else origin
            for name in VARIABLES
            for origin in [self.origins.get(name, "default")]
        }


def _seconds(raw: str | None, default: float) -> float:
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise UdcError(f"UDC_LOCK_WAIT '{raw[:20]}': expected a number of seconds") from None
    return value


def _whole(raw: str | None, default: int, name: str, least: int) -> int:
    if raw is None:
        return default
    stripped = raw.strip()
    if not stripped.isdigit() or int(stripped) < least:
        expected = {
            "open311_key_rate": "a whole number of requests per minute",
            "work_memory_mb": f"a whole number of megabytes, at least {least}",
            "threads": "a whole number of threads, at least 1",
        }[name]
        raise UdcError(f"{VARIABLES[name]} '{raw[:20]}': expected {expected}")
    return int(stripped)


def _threads(raw: str | None) -> int | None:
    """DuckDB's worker threads per connection: fewer where processes share the cores (a test run's workers, a
    server beside a notebook), since on small tables the threads mostly hand work to each other."""
    return None if raw is None else _whole(raw, 0, "threads", 1)


DAEMON_VARIABLES = ("PATH", "JAVA_HOME", "HOME", "LANG", "LC_ALL", "TMPDIR", "TZ")


def daemon_environment(**extra: str) -> dict[str, str]:
    """What a child daemon (a Spark master or worker started by :mod:`udc.store.spark_cluster`) gets: the few
    variables it needs from this process — never the rest, which may hold ``UDC_AUDIT_KEY`` or
    ``UDC_PSEUDONYM_KEY`` and would be handed on to every executor — plus ``extra``."""
    return {name: os.environ[name] for name in DAEMON_VARIABLES if name in os.environ} | extra


_MASTER = re.compile(
    r"^(local(\[(\d+|\*)(,\d+)?\])?|yarn|spark://[\w.-]+:\d+(,[\w.-]+:\d+)*|k8s://https://[\w.-]+(:\d+)?)$"
)


def _master(raw: str | None) -> str:
    """A Spark master URL as Spark spells it: a typo would otherwise surface as a JVM stack trace on first use."""
    if raw is None:
        return SPARK_MASTER
    master = raw.strip()
    if not _MASTER.match(master):
        raise UdcError(
            f"Spark master '{master[:60]}': expected local[N], spark://HOST:PORT, yarn or k8s://https://HOST:PORT"
        )
    return master


def _masked(url: str) -> str:
    """A database URL without its password (``user:***@host``; a ``password=`` parameter as ``***``)."""
    if "@" in url:
        head, _, tail = url.rpartition("@")
        scheme, _, credentials = head.partition("://")
        url = f"{scheme}://{credentials.split(':')[0]}:***@{tail}"
    return re.sub(r"(?i)(password=)[^&]*", r"\1***", url)


_CURRENT: Settings | None = None
_GUARD = threading.Lock()


def current() -> Settings:
    """The process's settings, for code with none in reach (a decorator deep in a package, a default argument):
    what the entry point installed with :func:`using`, else resolved from the environment once and kept."""
    global _CURRENT
    with _GUARD:
        if _CURRENT is None:
            _CURRENT = Settings.resolve()
        return _CURRENT


def reset() -> None:
    """Forget the kept settings (tests that change the environment): the next :func:`current` resolves again."""
    global _CURRENT
    with _GUARD:
        _CURRENT = None


@contextmanager
def using(settings: Settings) -> Iterator[Settings]:
    """Make ``settings`` the process's own while a command runs (the CLI resolves once, then everything below it
    sees the same values); the earlier ones come back afterwards."""
    global _CURRENT
    with _GUARD:
        previous, _CURRENT = _CURRENT, settings
    try:
        yield settings
    finally:
        with _GUARD:
            _CURRENT = previous


def variable(name: str) -> str | None:
    """An environment variable the user named on the command line (``udc users add --password-env NAME``): read
    when asked, never kept."""
    return os.environ.get(name)
