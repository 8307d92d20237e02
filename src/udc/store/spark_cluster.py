"""A Spark standalone cluster on this machine: one master and workers as separate JVM processes, started from the
pinned PySpark's own classes (``pyspark/bin/spark-class``) on loopback — the cluster the slow tests and
``benchmarks/bench_flows.py`` run udc against, and the recipe docs/engines.md spells out for a real one.

Why separate processes and not local mode: on a cluster the executors run in other JVMs (other machines), read the
Parquet hand-over from storage they reach themselves, send results back over the network to a driver they must
reach, and can die mid-job. Local mode shares one JVM with the driver and hides all four.

Each worker gets its own work directory and its own process group, so :meth:`Cluster.kill_worker` takes the worker
and the executors it launched down together, as a machine failing would.

A cluster runs code for whoever can submit to it, and microdata passes through it, so this one is locked as the
docs ask of any: Spark's authentication with a fresh random secret per cluster, in a ``spark-defaults.conf`` that
only this account reads (``conf`` — point ``SPARK_CONF_DIR`` at it so the driver has the secret too; it never
appears on a command line); folders 0700 and files 0600 (the daemons run under umask 077); the daemons get only
the variables they need (never the store's keys); and every JVM's log stays quiet, since a task failure's message
can quote the row it failed on. Spark's web UIs of the master and workers cannot be switched off: on a shared
machine they show application names and executor logs to anyone on loopback — which is why the logs are off."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from udc.errors import UdcError, Unavailable
from udc.settings import current, daemon_environment

_READY = {
    "master": re.compile(r"I have been elected leader|Starting Spark master at"),
    "worker": re.compile(r"Successfully registered with master"),
}
MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"


def spark_home() -> Path:
    """The pinned PySpark's installation: its ``jars`` and ``bin/spark-class`` are a complete Spark."""
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Daemon:
    """One master or worker process: its role, command, log file and the process itself."""

    role: str
    command: list[str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Cluster:
    """A standalone master and ``workers`` workers (``cores`` each) on 127.0.0.1, their logs and work directories
    under ``folder``. ``with Cluster(folder) as url:`` starts it and stops every process afterwards."""

    folder: Path
    workers: int = 2
    cores: int = 1
    memory: str = "1g"
    port: int = field(default_factory=free_port)
    daemons: list[Daemon] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"spark://127.0.0.1:{self.port}"

    @property
    def conf(self) -> Path:
        """The cluster's Spark configuration folder (``SPARK_CONF_DIR`` for the daemons, and for a driver that
        submits to this cluster): its secret and quiet logging."""
        return self.folder / "conf"

    def _configure(self) -> None:
        """The private folder, the secret and the log settings, once, before any daemon starts."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        self.conf.mkdir(mode=0o700, exist_ok=True)
        defaults = self.conf / "spark-defaults.conf"
        if not defaults.exists():
            descriptor = os.open(defaults, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as out:
                out.write(f"spark.authenticate true\nspark.authenticate.secret {secrets.token_hex(32)}\n")
        quiet = self.conf / "log4j2.properties"  # executors read it too: their classpath has SPARK_CONF_DIR
        quiet.write_text(
            "rootLogger.level = off\nrootLogger.appenderRef.stderr.ref = console\n"
            "appender.console.type = Console\nappender.console.name = console\n"
            "appender.console.target = SYSTEM_ERR\nappender.console.layout.type = PatternLayout\n"
            "logger.udc_ready.name = org.apache.spark.deploy\nlogger.udc_ready.level = info\n",
            encoding="utf-8",
        )
        os.chmod(quiet, 0o600)

    def _environment(self) -> dict[str, str]:
        return daemon_environment(
            SPARK_HOME=str(spark_home()),
            SPARK_CONF_DIR=str(self.conf),
            SPARK_LOCAL_IP="127.0.0.1",  # every process binds and advertises loopback only
            SPARK_DAEMON_MEMORY="256m",  # the master and workers schedule; the executors hold the data
            SPARK_LOG_DIR=str(self.folder),
            PYSPARK_PYTHON=current().spark_python or sys.executable,  # executors' Python: this interpreter
        )

    def _spawn(self, daemon: Daemon) -> None:
        fd = os.open(daemon.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "ab") as log:  # the child keeps its own descriptor
            daemon.process = subprocess.Popen(
                daemon.command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=self._environment(),
                umask=0o077,  # work directories, executor logs, shuffle files: this account's only
                start_new_session=True,  # its own process group: killed with the executors it launches
            )

    def _wait(self, daemon: Daemon, seconds: float, since: int = 0) -> None:
        """Until the daemon's log says it is ready (the master elected, a worker registered)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if not daemon.alive():
                raise Unavailable(f"Spark {daemon.role} exited while starting: see {daemon.log}")
            text = daemon.log.read_text(errors="replace")[since:] if daemon.log.exists() else ""
            if _READY[daemon.role.split()[0]].search(text):
                return
            time.sleep(0.1)
        raise Unavailable(f"Spark {daemon.role} did not start within {seconds:g} s: see {daemon.log}")

    def start(self, seconds: float = 90.0) -> str:
        """Start the master, then the workers (each registered before this returns); the master's URL."""
        klass = str(spark_home() / "bin" / "spark-class")
        if not Path(klass).exists():
            raise UdcError(f"no spark-class in {spark_home()}: is PySpark installed whole?")
        self._configure()
        master = Daemon(
            "master",
            [klass, MASTER_CLASS, "--host", "127.0.0.1", "--port", str(self.port), "--webui-port", "0"],
            self.folder / "master.log",
        )
        self.daemons = [master]
        self._spawn(master)
        self._wait(master, seconds)
        for i in range(1, self.workers + 1):
            self.daemons.append(self._worker(i))
            self._spawn(self.daemons[-1])
        for worker in self.daemons[1:]:
            self._wait(worker, seconds)
        return self.url

    def _worker(self, i: int) -> Daemon:
        work = self.folder / f"worker-{i}"
        work.mkdir(mode=0o700, exist_ok=True)
        command = [
            str(spark_home() / "bin" / "spark-class"),
            WORKER_CLASS,
            "--host",
            "127.0.0.1",
            "--cores",
            str(self.cores),
            "--memory",
            self.memory,
            "--work-dir",
            str(work),
            "--webui-port",
            "0",
            self.url,
        ]
        return Daemon(f"worker {i}", command, self.folder / f"worker-{i}.log")

    def worker(self, i: int) -> Daemon:
        return self.daemons[i]

    def kill_worker(self, i: int) -> None:
        """SIGKILL worker ``i`` and the executors it launched (its process group): a machine gone mid-job."""
        daemon = self.daemons[i]
        if daemon.alive():
            os.killpg(daemon.pid, signal.SIGKILL)  # type: ignore[arg-type]
            daemon.process.wait()  # type: ignore[union-attr]

    def restart_worker(self, i: int, seconds: float = 90.0) -> None:
        """Start worker ``i`` again (after :meth:`kill_worker`) and wait until the master has it back."""
        daemon = self.daemons[i]
        since = daemon.log.stat().st_size if daemon.log.exists() else 0
        self._spawn(daemon)
        self._wait(daemon, seconds, since)

    def executors(self) -> list[int]:
        """The pids of executor JVMs the workers launched (children in their process groups)."""
        found = []
        groups = {d.pid for d in self.daemons[1:] if d.alive()}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit() or int(entry.name) in groups:
                continue
            try:
                if os.getpgid(int(entry.name)) in groups and "CoarseGrainedExecutorBackend" in (
                    (entry / "cmdline").read_bytes().decode(errors="replace")
                ):
                    found.append(int(entry.name))
            except (OSError, ProcessLookupError):
                continue
        return found

    def stop(self) -> None:
        """Every process of the cluster, workers (with their executors) first."""
        for daemon in reversed(self.daemons):
            if daemon.alive():
                try:
                    os.killpg(daemon.pid, signal.SIGTERM)  # type: ignore[arg-type]
                    daemon.process.wait(timeout=10)  # type: ignore[union-attr]
                except (subprocess.TimeoutExpired, ProcessLookupError):
                    os.killpg(daemon.pid, signal.SIGKILL)  # type: ignore[arg-type]
                    daemon.process.wait()  # type: ignore[union-attr]

    def __enter__(self) -> str:
        try:
            return self.start()
        except BaseException:
            self.stop()
            raise

    def __exit__(self, *exc: object) -> None:
        self.stop()
