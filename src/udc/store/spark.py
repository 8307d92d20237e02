"""Apache Spark as a second engine for the gate's typed requests: a session in local mode by default, or on a cluster
(``UDC_SPARK_MASTER`` / ``--spark-master``: ``spark://host:7077``, ``yarn``, ``k8s://…``), an Ibis backend over it,
and each dataset handed over as Parquet, so the same Ibis expressions the gate builds for DuckDB run there.

The hand-over is **by dataset version**: a dataset is written once per version (:func:`udc.store.catalogue.stamp`,
renewed only when that dataset is written), partitioned by ``year`` where it has one (a study over two years reads
two partitions), to a folder of its own that is renamed into place when whole — so a run killed mid-copy never leaves
a half copy that a later run would read. The folder is ``STORE/.spark`` or, for a cluster whose executors cannot
read this machine's disk, ``UDC_SPARK_HANDOVER`` (storage every executor mounts at the same path; a folder per
store inside it).

The hand-over holds whole tables — microdata with person ids included — so it is 0700 with 0600 files, and it is
removed when the job ends (:func:`clean_up`, called when the gate leaves the Spark engine), unless
``UDC_SPARK_KEEP=1`` keeps it: repeated runs then reuse each copy until its dataset changes.

PySpark 3.5 (pinned with Ibis 11, which supports PySpark 3.3–3.5) needs a Java runtime 8, 11 or 17; the project's
``scripts/system-deps`` installs Debian's ``openjdk-17-jre-headless`` when no ``java`` is found."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import stat
import sys
import threading
import time
import uuid
import warnings
from pathlib import Path
from typing import Any

import ibis.expr.types as ir
import pandas as pd

from udc.errors import UdcError, Unavailable
from udc.settings import current
from udc.store import catalogue
from udc.store.db import Store, quote

_LOCK = threading.Lock()
_STATE: dict[str, Any] = {}


HANDOVER = ".spark"
PARTITION = "year"  # the column a study's spans select on: one Parquet folder per value


def master() -> str:
    """``--spark-master``, ``UDC_SPARK_MASTER`` or ``local[2]`` (the process's settings)."""
    return current().spark_master


def _loopback(url: str) -> bool:
    """A ``spark://`` master whose every host is this machine's loopback (the tests' cluster)."""
    hosts = [h.rsplit(":", 1)[0].lower() for h in url.removeprefix("spark://").split(",")]
    return url.startswith("spark://") and all(h in ("127.0.0.1", "localhost") for h in hosts)


def _session(url: str) -> Any:
    """A SparkSession on ``url``: no web UI, no console progress, UTC, Spark's own log off (a task's failure message
    can quote the row it failed on). The driver binds to loopback in local mode and for a cluster on this machine;
    on another cluster it advertises what Spark's own configuration says (``SPARK_LOCAL_IP``,
    ``spark-defaults.conf``), since executors elsewhere must reach it. A cluster must authenticate (and, beyond
    this machine, encrypt): microdata goes there."""
    from pyspark.sql import SparkSession

    if not url.startswith("local"):
        _secured(url)
    builder = SparkSession.builder.master(url).appName("udc")
    if url.startswith("local") or _loopback(url):  # results over 1 MB travel through the block manager
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    session = (
        builder.config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")  # results come back as Arrow, not pickled rows
        .config("spark.pyspark.python", current().spark_python or sys.executable)  # the executors' Python
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("OFF")
    return session


def _secured(url: str) -> None:
    """Refuse a cluster without Spark's authentication — anyone who reaches its master could run code beside the
    microdata — and one beyond this machine without encrypted traffic. Checked on the configuration the JVM read
    (``spark-defaults.conf`` in ``SPARK_CONF_DIR``, as spark-submit reads it) before any connection is made."""
    from pyspark import SparkConf, SparkContext

    SparkContext._ensure_initialized()  # the JVM, without our options on its command line
    conf = SparkConf()
    missing = [k for k in ("spark.authenticate",) if conf.get(k, "false").lower() != "true"]
    if not _loopback(url) and conf.get("spark.network.crypto.enabled", "false").lower() != "true":
        missing.append("spark.network.crypto.enabled")
    if missing:
        raise Unavailable(
            f"Spark master {url} refused: set {' and '.join(missing)} true in spark-defaults.conf (SPARK_CONF_DIR), "
            "with a secret: microdata goes there (docs/engines.md)"
        )


def backend() -> Any:
    """The Ibis PySpark backend over one SparkSession per process (started on first use: a few seconds), on the
    master the settings name now — a changed setting stops the old session and starts one on the new master."""
    with _LOCK:
        url = master()
        if "ibis" in _STATE and _STATE["master"] != url:
            _stop()
        if "ibis" not in _STATE:
            if shutil.which("java") is None and not current().java_home:
                raise Unavailable(
                    "Spark needs a Java runtime: install Debian's openjdk-17-jre-headless "
                    "(scripts/system-deps does) or set JAVA_HOME"
                )
            import ibis

            session = _session(url)
            _STATE.update(session=session, ibis=ibis.pyspark.connect(session), master=url)
    return _STATE["ibis"]


def _stop() -> None:
    _STATE.pop("ibis", None)
    _STATE.pop("master", None)
    session = _STATE.pop("session", None)
    if session is not None:
        session.stop()


def stop() -> None:
    """Stop this process's Spark session (a later use starts a new one)."""
    with _LOCK:
        _stop()


def folder(store: Store) -> Path:
    """Where ``store``'s hand-over copies are: ``STORE/.spark``, or a folder per store under ``UDC_SPARK_HANDOVER``
    (named by the host and the store's path, so two stores sharing the storage never touch each other's copies)."""
    root = current().spark_handover
    if root is None:
        return store.path / HANDOVER
    named = f"{socket.gethostname()}:{store.path.resolve()}"  # two hosts may mount their stores at the same path
    return Path(root) / f"udc-{hashlib.sha256(named.encode()).hexdigest()[:16]}"


def _private(path: Path) -> None:
    """0700 folders and 0600 files under ``path``, whatever the umask of the process that wrote them."""
    for parent, _, files in os.walk(path):
        os.chmod(parent, 0o700)
        for name in files:
            os.chmod(os.path.join(parent, name), 0o600)


def _copy(store: Store, table_name: str, target: Path) -> None:
    """Write the table as Parquet (a folder per year where it has a whole-number ``year``) beside ``target`` and
    rename it into place when whole."""
    schema = store.ibis.table(table_name).schema()
    partitioned = PARTITION in schema and schema[PARTITION].is_integer()
    work = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.part"
    options = f"FORMAT parquet, PARTITION_BY ({PARTITION})" if partitioned else "FORMAT parquet"
    destination = work if partitioned else work / "data.parquet"
    work.mkdir(mode=0o700)
    try:
        target_sql = destination.resolve().as_posix().replace("'", "''")
        store.con.execute(f"COPY (SELECT * FROM {quote(table_name)}) TO '{target_sql}' ({options})")
        _private(work)
        _write_manifest(work)
        try:
            os.rename(work, target)
        except OSError:  # another process handed the same version over first: theirs is as good
            if not target.is_dir():
                raise
    except Exception as exc:  # a locked-down process (udc serve) cannot write files: Spark is for batch runs
        raise UdcError(f"cannot hand '{table_name}' to Spark: {str(exc).splitlines()[0]}") from None
    finally:
        shutil.rmtree(work, ignore_errors=True)


MANIFEST = "_udc_manifest.json"  # Spark skips files whose name starts with "_"


def _files(copy: Path) -> dict[str, int]:
    return {str(p.relative_to(copy)): p.stat().st_size for p in copy.rglob("*") if p.is_file() and p.name != MANIFEST}


def _write_manifest(copy: Path) -> None:
    descriptor = os.open(copy / MANIFEST, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as out:
        json.dump(_files(copy), out, sort_keys=True)


def _whole(copy: Path) -> bool:
    """A kept copy is reused only when every file written is there with its size (a cleaner, a quota or a sync
    that lost a partition would make Spark count fewer rows than the store, without an error)."""
    try:
        return json.loads((copy / MANIFEST).read_text(encoding="utf-8")) == _files(copy)
    except (OSError, ValueError):
        return False


def _shared_root(root: Path) -> None:
    """``UDC_SPARK_HANDOVER`` itself: this account's or root's, and nobody else may rename what is in it (not
    writable by others, or sticky like /tmp) — else another account could move a store's folder away."""
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.stat(root)
    loose = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH) and not info.st_mode & stat.S_ISVTX
    if info.st_uid not in (0, os.getuid()) or loose:
        raise UdcError(
            f"UDC_SPARK_HANDOVER {root}: expected a folder of this account (or root) that others cannot write "
            "into, or a sticky one like /tmp"
        )


def _sweep(place: Path, hours: float = 6.0) -> None:
    """Work folders of copies that never finished (a process killed mid-copy), once they are surely abandoned."""
    for part in place.glob(".*.part"):
        try:
            abandoned = time.time() - part.stat().st_mtime > hours * 3600
        except FileNotFoundError:  # finished (renamed) or swept by another process meanwhile
            continue
        if abandoned:
            shutil.rmtree(part, ignore_errors=True)


def _own(place: Path) -> None:
    """The hand-over folder must be a real folder of this account: on shared storage (``UDC_SPARK_HANDOVER``) its
    name is predictable, and one planted by another account — or a link to elsewhere — would receive microdata."""
    info = os.lstat(place)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid():
        raise UdcError(
            f"Spark hand-over folder {place} is not a folder of this account's own (a link, or another account's): "
            "remove it, or set UDC_SPARK_HANDOVER elsewhere"
        )


def handover(store: Store, table_name: str) -> Path:
    """The Parquet copy of the table's current version, written if it is not there yet; older versions' copies of
    the same table go."""
    place = folder(store)
    if current().spark_handover is not None:
        _shared_root(place.parent)
    place.mkdir(mode=0o700, parents=True, exist_ok=True)
    _own(place)
    os.chmod(place, 0o700)  # whatever the umask, and for a folder left by an earlier version
    _sweep(place)
    stamp = hashlib.sha256(catalogue.stamp(store, table_name).encode()).hexdigest()[:12]  # stable across processes
    target = place / f"{table_name}-{stamp}.parquet"
    if target.is_dir() and not _whole(target):
        shutil.rmtree(target, ignore_errors=True)
    if not target.is_dir():
        for stale in place.glob(f"{table_name}-*.parquet"):  # an earlier version's copy (a file before 0.34)
            shutil.rmtree(stale, ignore_errors=True) if stale.is_dir() else stale.unlink(missing_ok=True)
        _copy(store, table_name, target)
    return target


def table(store: Store, table_name: str) -> ir.Table:
    """A catalogued table as a Spark table over its hand-over copy: the columns in the store's order, the partition
    column (back last, as Spark's inferred type) cast to the store's type."""
    con = backend()
    path = handover(store, table_name)
    read = con.read_parquet(path.as_uri(), table_name=f"udc_{table_name}")
    kept = store.ibis.table(table_name).schema()
    year = kept.get(PARTITION)
    return read.select(
        *[read[c].cast(year).name(c) if c == PARTITION and read[c].type() != year else read[c] for c in kept]
    )


def keep() -> bool:
    """Whether the hand-over copies stay after a job (``UDC_SPARK_KEEP=1``): faster repeated runs, at the price of
    microdata copies on disk."""
    return current().spark_keep


def clean_up(store: Store) -> None:
    """Remove the store's hand-over folder after a job (unless :func:`keep`): the copies are whole tables."""
    if not keep():
        shutil.rmtree(folder(store), ignore_errors=True)


def execute(expr: ir.Expr, seconds: float) -> Any:
    """Run an expression on Spark; its jobs are cancelled after ``seconds`` (then 503, as on DuckDB)."""
    con = backend()
    context = _STATE["session"].sparkContext
    stopped = threading.Event()

    def cancel() -> None:
        stopped.set()
        context.cancelAllJobs()

    timer = threading.Timer(seconds, cancel)
    timer.start()
    try:
        with warnings.catch_warnings():  # PySpark warns with the JVM's whole error, which can quote a row
            warnings.simplefilter("ignore")
            result = con.execute(expr)
    except Exception as exc:
        if stopped.is_set():
            raise Unavailable(f"the table took longer than {seconds:g} s on Spark and was stopped") from None
        if _from_spark(exc):  # a job Spark gave up on (executors lost beyond its retries, …): no partial answer
            raise Unavailable(f"the Spark job failed on {master()}: {_what_failed(exc)}") from None
        raise
    finally:
        timer.cancel()
    if isinstance(result, pd.Series):  # as DuckDB's cursor gives it: always a frame
        return result.to_frame()
    return result if isinstance(result, pd.DataFrame) else pd.DataFrame([[result]])


def _from_spark(exc: BaseException) -> bool:
    """A job Spark ran and gave up on (the JVM's error, or PySpark's own) — not a query Spark could not compile,
    which is a bug of ours and keeps its own error."""
    from py4j.protocol import Py4JError
    from pyspark.errors import AnalysisException, PySparkException

    return isinstance(exc, Py4JError | PySparkException) and not isinstance(exc, AnalysisException)


def _what_failed(exc: BaseException) -> str:
    """What failed, on one line, without Spark's message: a task's failure text can quote the row it failed on
    (microdata), so only the exception's class is shown; the executors' logs hold the rest."""
    try:
        name = exc.java_exception.getClass().getName()  # type: ignore[attr-defined]
    except Exception:  # no Java exception, or the gateway is gone with the job
        name = type(exc).__name__
    return f"{name} (the executors' logs say why)"


def cache(expr: ir.Table) -> ir.Table:
    """``expr`` cached in the Spark session (computed at its first use, released with ``.release()``). Ibis 11's
    PySpark backend caches the compiled query without registering the in-memory tables it reads (a study's area
    list), so they are registered first."""
    backend()._register_in_memory_tables(expr)
    return expr.cache()


def compile_sql(expr: ir.Expr) -> str:
    return str(backend().compile(expr))
