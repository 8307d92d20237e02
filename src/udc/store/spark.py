"""Apache Spark as a second engine for the gate's typed requests: a session in local mode by default (or on a
cluster: ``UDC_SPARK_MASTER``, e.g. ``spark://host:7077``), an Ibis backend over it, and each dataset handed over as
Parquet, so the same Ibis expressions the gate builds for DuckDB run there.

The hand-over folder ``STORE/.spark`` holds whole tables — microdata with person ids included — so it is 0700 with
0600 files, and it is removed when the job ends (:func:`clean_up`, called when the gate leaves the Spark engine),
unless ``UDC_SPARK_KEEP=1`` keeps it for repeated runs (copies are then reused until the catalogue changes).

PySpark 3.5 (pinned with Ibis 11, which supports PySpark 3.3–3.5) needs a Java runtime 8, 11 or 17; the project's
``scripts/system-deps`` installs Debian's ``openjdk-17-jre-headless`` when no ``java`` is found."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
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


def master() -> str:
    """``UDC_SPARK_MASTER`` or ``local[2]`` (the process's settings: one session per process)."""
    return current().spark_master


def backend() -> Any:
    """The Ibis PySpark backend over one SparkSession per process (started on first use: a few seconds)."""
    with _LOCK:
        if "ibis" not in _STATE:
            if shutil.which("java") is None and not current().java_home:
                raise Unavailable(
                    "Spark needs a Java runtime: install Debian's openjdk-17-jre-headless "
                    "(scripts/system-deps does) or set JAVA_HOME"
                )
            import ibis
            from pyspark.sql import SparkSession

            builder = SparkSession.builder
            if master().startswith("local"):  # results larger than 1 MB travel through the block manager: loopback
                builder = builder.config("spark.driver.host", "127.0.0.1")
            session = (
                builder.master(master())
                .appName("udc")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.ansi.enabled", "false")
                .getOrCreate()
            )
            session.sparkContext.setLogLevel("ERROR")
            _STATE["session"], _STATE["ibis"] = session, ibis.pyspark.connect(session)
    return _STATE["ibis"]


def table(store: Store, table_name: str) -> ir.Table:
    """A catalogued table as a Spark table: exported to Parquet beside the store (once per catalogue generation)."""
    con = backend()
    folder = store.path / HANDOVER
    folder.mkdir(mode=0o700, exist_ok=True)
    os.chmod(folder, 0o700)  # whatever the umask, and for a folder left by an earlier version
    stamp = hashlib.sha256(catalogue.generation(store).encode()).hexdigest()[:12]  # stable across processes
    path = folder / f"{table_name}-{stamp}.parquet"
    if not path.exists():
        for stale in folder.glob(f"{table_name}-*.parquet"):  # an earlier generation's copy
            stale.unlink(missing_ok=True)
        try:
            store.con.execute(f"COPY (SELECT * FROM {quote(table_name)}) TO '{path.as_posix()}' (FORMAT parquet)")
        except Exception as exc:  # a locked-down process (udc serve) cannot write files: Spark is for batch runs
            raise UdcError(f"cannot hand '{table_name}' to Spark: {str(exc).splitlines()[0]}") from None
        os.chmod(path, 0o600)
    name = f"udc_{table_name}"
    return con.read_parquet(str(path), table_name=name)


def keep() -> bool:
    """Whether the hand-over copies stay after a job (``UDC_SPARK_KEEP=1``): faster repeated runs, at the price of
    microdata copies on disk."""
    return current().spark_keep


def clean_up(store: Store) -> None:
    """Remove the store's hand-over folder after a job (unless :func:`keep`): the copies are whole tables."""
    if not keep():
        shutil.rmtree(store.path / HANDOVER, ignore_errors=True)


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
        result = con.execute(expr)
    except Exception:
        if stopped.is_set():
            raise Unavailable(f"the table took longer than {seconds:g} s on Spark and was stopped") from None
        raise
    finally:
        timer.cancel()
    if isinstance(result, pd.Series):  # as DuckDB's cursor gives it: always a frame
        return result.to_frame()
    return result if isinstance(result, pd.DataFrame) else pd.DataFrame([[result]])


def cache(expr: ir.Table) -> ir.Table:
    """``expr`` cached in the Spark session (computed at its first use, released with ``.release()``). Ibis 11's
    PySpark backend caches the compiled query without registering the in-memory tables it reads (a study's area
    list), so they are registered first."""
    backend()._register_in_memory_tables(expr)
    return expr.cache()


def compile_sql(expr: ir.Expr) -> str:
    return str(backend().compile(expr))
