"""A demo store with the participation tables, served on loopback (real HTTP for the independent Open311 client),
an API key, and points inside and outside the demo region."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from participation_site import Intake


@pytest.fixture(scope="session")
def intake(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Intake]:
    import shapely
    import uvicorn

    from udc.participation import db, keys
    from udc.privacy.audit import operational_url
    from udc.store import Store
    from udc.web.app import create_app

    path = tmp_path_factory.mktemp("participation") / "store"
    shutil.copytree(demo_template, path)
    with Store(path, read_only=True) as store:
        code, blob = store.con.execute(
            "SELECT code, geometry FROM geometries WHERE kind = 'BU' AND code LIKE 'BU9901%' ORDER BY code LIMIT 1"
        ).fetchone()
    point = shapely.from_wkb(blob).representative_point()
    key = keys.issue(db.engine(operational_url(path)), "testclient")
    app = create_app(path)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield Intake(path, f"http://127.0.0.1:{port}", key, (point.y, point.x), code)
    server.should_exit = True
    thread.join(10)
