"""One front door: the web holds no policy of its own. Role checks and audit calls live in the rulebook
(:mod:`udc.privacy.actions`) and the functions it wraps; the JSON API and Open311 are routers of their own with their
own error shapes; the app is built from the same settings, and carries the same facade, as the CLI."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from conftest import PASSWORD, Site

WEB = Path(__file__).resolve().parents[2] / "src" / "udc" / "web"
STRAY = re.compile(r"\.role\s*(==|!=|in\b|not\s+in\b)|\baudited\(|\baudit\.(append|tally)\(")


def test_no_role_check_or_audit_call_in_web_code() -> None:
    """Pages, API and Open311 ask the rulebook (ensure, may, record): a check written here would be a second rule
    that the CLI and Python doors do not have. Templates included: a menu decides with ``may``."""
    found = [
        f"{path.relative_to(WEB)}:{number}: {line.strip()}"
        for path in sorted([*WEB.rglob("*.py"), *WEB.rglob("*.html")])
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if STRAY.search(line)
    ]
    assert not found, "role checks or audit calls outside the rulebook:\n" + "\n".join(found)


def _tree(name: str) -> ast.Module:
    return ast.parse((WEB / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", ["api.py", "open311.py"])
def test_api_and_open311_are_module_level_routers(name: str) -> None:
    """Route functions at module level (none registered inside another function) and none longer than ~50 lines."""
    tree = _tree(name)
    assert any(
        isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "router" for t in node.targets)
        for node in tree.body
    ), f"{name}: no module-level router"
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno - node.lineno < 50, f"{name}: {node.name} is {node.end_lineno - node.lineno} lines"
            nested = [
                inner.name
                for inner in ast.walk(node)
                if inner is not node
                and isinstance(inner, ast.FunctionDef | ast.AsyncFunctionDef)
                and inner.decorator_list
            ]
            assert not nested, f"{name}: routes registered inside {node.name}: {nested}"


BELOW_FACADE = (
    "udc.privacy",
    "udc.participation",
    "udc.store",
    "udc.analysis",
    "udc.indicators",
    "udc.monitoring",
    "udc.sources",
    "udc.areas",
)
ROUTE_MODULES = [  # routes that call only the facade (udc.api, udc.facade), errors, settings and the web's own
    "routes/builder.py",
    "routes/catalogue.py",
    "routes/staff.py",
    "routes/notices.py",
    "routes/account.py",
    "routes/reports.py",
    "api.py",
    "open311.py",
    "routes/home.py",  # the read-only pages: the facade, or the web's read model of published data (udc.web.data)
    "routes/flows.py",
    "routes/indicators.py",
    "routes/monitor.py",
    "routes/profile.py",
    "routes/explorer.py",
    "routes/charging.py",
]


def _imports(tree: ast.Module) -> set[str]:
    """Every module a file imports, at any depth (a function-level import counts as much as one at the top)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


@pytest.mark.parametrize("name", ROUTE_MODULES)
def test_route_imports_nothing_below_the_facade(name: str) -> None:
    """One front door: a route reaches the rulebook, the store and the packages only through the facade, so the
    checks and audit entries are those of the CLI and Python. ``from udc import store`` counts as ``udc.store``."""
    below = sorted(m for m in _imports(_tree(name)) if any(m == p or m.startswith(f"{p}.") for p in BELOW_FACADE))
    assert not below, f"{name} imports below the facade: {below}"


def test_the_import_check_sees_what_it_should() -> None:
    """The check itself: a top-level, a function-level and a ``from udc import x`` import are all found."""
    tree = ast.parse(
        "from udc.store import catalogue\ndef f():\n    from udc import privacy\n    import udc.areas.registry"
    )
    assert {"udc.store", "udc.privacy", "udc.areas.registry"} <= _imports(tree)


def test_common_imports_no_router() -> None:
    """Error formats are registered by the app per router: web/common knows neither the API nor Open311."""
    imported = {
        alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
        for node in ast.walk(_tree("common.py"))
        if isinstance(node, ast.Import | ast.ImportFrom)
        for alias in node.names
    }
    assert not {m for m in imported if "open311" in m or m.startswith("udc.web.api")}


def test_each_router_answers_errors_in_its_own_shape(client: TestClient) -> None:
    api = client.get("/api/v1/datasets/nope")
    assert api.status_code == 404 and api.json() == {"error": "no dataset 'nope' visible to you"}
    xml = client.get("/open311/v2/requests/999999999.xml")
    assert xml.status_code == 404 and xml.headers["content-type"].startswith("text/xml") and "<errors>" in xml.text
    invalid = client.get("/open311/v2/requests.json?page=0")  # 400 as the spec has it (422 elsewhere)
    assert invalid.status_code == 400 and invalid.json()[0]["code"] == 400
    page = client.get("/gebied/GM0000")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")


def test_app_from_the_cli_settings_carries_the_facade(site: Site) -> None:
    from udc.api import Udc
    from udc.settings import Settings
    from udc.web.app import create_app

    settings = Settings.resolve(site.store, environ={"UDC_LOCK_WAIT": "3"})
    app = create_app(settings)
    assert app.state.settings is settings and app.state.readers.wait == 3
    assert isinstance(app.state.udc, Udc) and app.state.udc.settings is settings
    assert create_app(site.store).state.settings.store == site.store  # a path still works


def _signed_in(client: TestClient, name: str) -> str:
    csrf = client.get("/inloggen").text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/inloggen", data={"gebruiker": name, "wachtwoord": PASSWORD, "csrf": csrf})
    return client.get("/tabelbouwer").text.split('name="csrf" value="')[1].split('"')[0]


def test_builder_refusal_comes_from_the_rulebook_before_the_form_is_checked(site: Site) -> None:
    """An analyst asking the builder for an unknown table is refused (403, audited by the rulebook), not told the
    table does not exist; the menu offers staff pages only to whom the rulebook lets handle reports."""
    from udc.privacy.audit import AuditLog, engine_for, operational_url
    from udc.web.app import create_app

    with TestClient(create_app(site.store), base_url="http://127.0.0.1") as client:
        csrf = _signed_in(client, "analist")
        assert "/beheer/meldingen" not in client.get("/").text
        refused = client.post("/tabelbouwer", data={"csrf": csrf, "tabel": "bestaat_niet", "dim": "x"})
        assert refused.status_code == 403 and "may not query microdata" in refused.text
    entries = AuditLog.for_store(site.store, engine_for(operational_url(site.store))).entries()
    last = [json.loads(e["detail"]) for e in entries if e["actor"] == "analist" and e["action"] == "gate.crosstab"]
    assert [d["outcome"] for d in last[-2:]] == ["intent", "refused"]
    assert last[-1]["dataset"] == "bestaat_niet" and last[-1]["status"] == 403
    with TestClient(create_app(site.store), base_url="http://127.0.0.1") as client:
        _signed_in(client, "beheerder")
        home = client.get("/").text
        assert "/beheer/meldingen" in home and "/beheer/berichten" in home
