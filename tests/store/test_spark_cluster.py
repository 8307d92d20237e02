"""udc on a real Spark standalone cluster: a master and two workers started by the tests as separate processes
(tests/conftest.py, ``spark_cluster``), executors in JVMs of their own reading the Parquet hand-over themselves —
and a worker killed mid-job, after which the job completes with the same cells or fails with one line."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from two_engines import same
from udc.analysis import flows
from udc.errors import Unavailable
from udc.privacy import engine
from udc.privacy.access import User
from udc.privacy.audit import store_log
from udc.privacy.gate import crosstab
from udc.privacy.request import TableRequest
from udc.store import Store, spark
from udc.store.spark_cluster import Cluster

# the slow step, on the Spark standalone cluster the tests start (tests/conftest.py), in one worker's session
pytestmark = pytest.mark.slow
XDIST_GROUP = "spark"
RESEARCHER = User("onderzoeker", "researcher")
AREAS = ["GM9901", "demoregio"]


def _warm(store: Store) -> None:
    """One small gate table on Spark: the session is up and has its executors."""
    with engine.using(store, "spark"):
        crosstab(
            store,
            TableRequest(dataset="synth_persons_yearly", dimensions=["education"]),
            user=RESEARCHER,
            audit=store_log(store.path),
        )


def _executors(cluster: Cluster, count: int, seconds: float = 60.0) -> list[int]:
    """The executor processes once there are ``count`` of them (a restarted worker gets one after registering)."""
    deadline = time.monotonic() + seconds
    while len(found := cluster.executors()) < count and time.monotonic() < deadline:
        time.sleep(0.2)
    return found


def test_the_jobs_run_in_executor_processes_of_the_cluster(spark_cluster: Cluster, demo_open: Store) -> None:
    """The session's master is the cluster's; the master, the two workers and one executor per worker are
    processes of their own, none of them this test process (local mode would be this process's JVM)."""
    _warm(demo_open)
    context = spark._STATE["session"].sparkContext
    assert context.master == spark_cluster.url
    daemons = [d.pid for d in spark_cluster.daemons]
    executors = _executors(spark_cluster, 2)
    assert all(d.alive() for d in spark_cluster.daemons) and len(daemons) == 3
    assert len(executors) == 2 and not {os.getpid(), *daemons} & set(executors)
    work = [p for p in spark_cluster.folder.glob("worker-*/app-*/*") if p.is_dir()]
    assert len({p.parent.parent for p in work}) == 2, "each worker ran an executor in its own work directory"


def test_a_worker_killed_mid_job_gives_the_same_cells_or_one_line(spark_cluster: Cluster, demo_open: Store) -> None:
    """The verhuisstromen study (every view) on Spark while worker 2 and its executor are killed with SIGKILL as
    soon as a job runs: Spark re-runs the lost tasks on worker 1 and the cells equal DuckDB's — or, had Spark given
    up, the study fails with one line. Never a wrong answer."""
    audit = store_log(demo_open.path)

    def run() -> dict[str, Any]:
        return flows.study(demo_open, AREAS, years=(2019, 2020), user=RESEARCHER, audit=audit)

    on_duckdb = run()
    _warm(demo_open)
    assert len(_executors(spark_cluster, 2)) == 2
    tracker = spark._STATE["session"].sparkContext.statusTracker()
    outcome: dict[str, Any] = {}

    def on_spark() -> None:
        try:
            with engine.using(demo_open, "spark"):
                outcome["tables"] = run()
        except Exception as exc:  # judged below: only a one-line Unavailable is acceptable
            outcome["error"] = exc

    job = threading.Thread(target=on_spark)
    job.start()
    try:
        deadline = time.monotonic() + 120
        while not tracker.getActiveJobsIds() and job.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        running = bool(tracker.getActiveJobsIds())
        spark_cluster.kill_worker(2)
        assert running and job.is_alive(), "the worker was not killed while a job ran"
        job.join(timeout=600)
        assert not job.is_alive()
        assert not spark_cluster.worker(2).alive() and len(spark_cluster.executors()) == 1
        if "error" in outcome:
            error = outcome["error"]
            assert isinstance(error, Unavailable) and "\n" not in str(error), repr(error)
        else:
            tables = outcome["tables"]
            assert set(tables) == set(on_duckdb)
            for view, table in on_duckdb.items():
                same(table.cells, tables[view].cells)
    finally:
        job.join(timeout=600)
        spark_cluster.restart_worker(2)
    assert len(_executors(spark_cluster, 2)) == 2, "the restarted worker got no executor of the session's"


def test_a_cluster_is_refused_without_its_secret(spark_cluster: Cluster, demo_template: Path, tmp_path: Path) -> None:
    """Without Spark's authentication (no spark-defaults.conf with the secret) udc does not submit microdata: one
    line saying what to set. The cluster itself refuses such a driver too, but udc says so before any job."""
    demo_store = tmp_path / "store"
    shutil.copytree(demo_template, demo_store)  # the module's copy is held open by this process
    env = {k: v for k, v in os.environ.items() if k not in ("SPARK_CONF_DIR", "UDC_SPARK_MASTER")}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "udc",
            "--store",
            str(demo_store),
            "--spark-master",
            spark_cluster.url,
            "gate",
            "crosstab",
            "synth_persons_yearly",
            "--by",
            "education",
            "--engine",
            "spark",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.strip().splitlines()[-1] == (
        f"udc: error: Spark master {spark_cluster.url} refused: set spark.authenticate true in spark-defaults.conf "
        "(SPARK_CONF_DIR), with a secret: microdata goes there (docs/engines.md)"
    )


def test_the_clusters_files_are_private_and_hold_no_key(spark_cluster: Cluster, demo_open: Store) -> None:
    """The cluster's folder (its secret, the workers' work directories, every log) is this account's only, and no
    daemon was handed the store's keys in its environment."""
    _warm(demo_open)
    for path in [spark_cluster.folder, *spark_cluster.folder.rglob("*")]:
        mode = stat.S_IMODE(path.lstat().st_mode)
        assert not mode & 0o077, (path, oct(mode))
    for daemon in spark_cluster.daemons:
        variables = Path(f"/proc/{daemon.pid}/environ").read_bytes().split(b"\0")
        names = {v.split(b"=", 1)[0].decode() for v in variables if v}
        assert not {n for n in names if n.startswith("UDC_")}, names
