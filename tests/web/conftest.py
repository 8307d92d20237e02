"""A small published demo store shared by the web tests, with three accounts and a researcher's API token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PASSWORD = "correct horse battery"


@dataclass
class Site:
    store: Path
    token: str
    analyst_token: str
    region_analyst_token: str


@pytest.fixture(scope="session")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Site:
    """A copy of the session's published demo store with three accounts and tokens (shared by the web tests)."""
    import shutil

    from udc.privacy.access import add_user, issue_token
    from udc.privacy.audit import AuditLog, engine_for, operational_url

    path = tmp_path_factory.mktemp("web") / "store"
    shutil.copytree(demo_template, path)
    engine = engine_for(operational_url(path))
    audit = AuditLog.for_store(path, engine)
    add_user(engine, "onderzoeker", "researcher", PASSWORD)
    add_user(engine, "analist", "analyst", PASSWORD, scopes=["GM9901"])
    add_user(engine, "regioanalist", "analyst", PASSWORD, scopes=["demoregio"])
    add_user(engine, "publiek", "public", PASSWORD)
    add_user(engine, "beheerder", "staff", PASSWORD, scopes=["GM9901"])
    token = issue_token(engine, "onderzoeker", audit=audit)
    analyst_token = issue_token(engine, "analist")
    region_token = issue_token(engine, "regioanalist")
    engine.dispose()
    return Site(path, token, analyst_token, region_token)


@pytest.fixture(scope="module")
def client(site: Site) -> Iterator[object]:
    """An in-process client of the app over the shared site (one per test module)."""
    from fastapi.testclient import TestClient

    from udc.web.app import create_app

    app = create_app(site.store)
    with TestClient(app, base_url="http://127.0.0.1") as c:
        yield c


def csrf_of(client: object, path: str) -> str:
    """The CSRF token of the form on ``path`` (what a browser sends back with the form)."""
    import re

    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def researcher(client: object) -> object:
    """The module's client, signed in as the researcher (the table builder's user)."""
    token = csrf_of(client, "/inloggen")
    client.post("/inloggen", data={"gebruiker": "onderzoeker", "wachtwoord": PASSWORD, "csrf": token})  # type: ignore[attr-defined]
    return client
