"""One store, several processes: the CLI and the Python API read and write while `udc serve` runs, the server sees
new releases without a restart, and a long write makes requests wait, then answer 503 in one line."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

import udc
from cli_runner import udc as run


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_cli_and_python_api_work_while_serve_runs(demo_store: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "udc", "--store", str(demo_store), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    stop = threading.Event()
    answers: list[int] = []

    def visitors() -> None:  # the dashboard keeps being used meanwhile
        with httpx.Client(base_url=base, timeout=30) as client:
            while not stop.is_set():
                answers.append(client.get("/api/v1/datasets").status_code)

    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{base}/api/v1/datasets", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        worker = threading.Thread(target=visitors)
        worker.start()
        info = run("--store", str(demo_store), "info", "--format", "json", subprocess_=True)
        assert "kerncijfers_inwoners" in {d["name"] for d in json.loads(info.stdout)[0]["datasets"]}
        s = udc.open(demo_store)
        assert len(s.read("kerncijfers_inwoners")) > 0
        table = s.table(dataset="synth_persons_yearly", dimensions=["education"])
        s.release(table, "tijdens_serve", title="Vrijgegeven terwijl de server draait")  # a write while serving
        versions = httpx.get(f"{base}/api/v1/datasets/tijdens_serve/versions", timeout=10)
        assert versions.status_code == 200 and [v["version"] for v in versions.json()] == [1]  # no restart needed
        s.release(table, "tijdens_serve", title="Opnieuw")
        assert [v["version"] for v in httpx.get(f"{base}/api/v1/datasets/tijdens_serve/versions").json()] == [1, 2]
        stop.set()
        worker.join(30)
        assert answers and set(answers) == {200}
    finally:
        stop.set()
        server.terminate()
        server.wait(10)


@pytest.mark.slow
def test_a_long_write_makes_requests_answer_503_in_one_line(site: object) -> None:
    from fastapi.testclient import TestClient

    from udc.web.app import create_app

    store = site.store  # type: ignore[attr-defined]
    app = create_app(store, store_wait=0.5)
    hold = (
        "import sys, time; from udc.store import Store; s = Store(sys.argv[1]); print('held', flush=True); "
        "time.sleep(4)"
    )
    writer = subprocess.Popen([sys.executable, "-c", hold, str(store)], stdout=subprocess.PIPE, text=True)
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "held"
        with TestClient(app, base_url="http://127.0.0.1") as client:
            busy = client.get("/api/v1/datasets")
            assert busy.status_code == 503
            assert "is being written by process" in busy.json()["error"] and "\n" not in busy.json()["error"]
            writer.wait(10)
            assert client.get("/api/v1/datasets").status_code == 200  # the writer is done: served again
    finally:
        writer.kill()
