"""Settings resolve flags, then UDC_* variables, then defaults — once — and never print a secret."""

from __future__ import annotations

import ast
import dataclasses
import json
import re
from pathlib import Path

import pytest

from cli_runner import udc
from udc import settings as settings_module
from udc.errors import UdcError
from udc.settings import Settings


def test_flags_then_environment_then_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("UDC_STORE", raising=False)
    monkeypatch.delenv("UDC_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert Settings.resolve().store == Path("udc-data")
    monkeypatch.setenv("UDC_STORE", str(tmp_path / "env"))
    assert Settings.resolve().store == tmp_path / "env"
    assert Settings.resolve(tmp_path / "flag").store == tmp_path / "flag"
    assert Settings.resolve(tmp_path / "flag").database_url.endswith("flag/operational.sqlite")
    monkeypatch.setenv("UDC_DATABASE_URL", "postgresql+psycopg://udc:geheim@db.example:5432/udc")
    monkeypatch.setenv("UDC_AUDIT_KEY", "zeer-geheime-sleutel")
    monkeypatch.setenv("UDC_LOCK_WAIT", "2.5")
    shown = Settings.resolve().describe()
    assert shown["database_url"] == "postgresql+psycopg://udc:***@db.example:5432/udc"
    assert shown["audit_key"] == "UDC_AUDIT_KEY" and shown["lock_wait"] == 2.5
    assert "geheim" not in json.dumps(shown) and "zeer-geheime-sleutel" not in json.dumps(shown)
    monkeypatch.setenv("UDC_LOCK_WAIT", "soon")
    with pytest.raises(Exception, match="UDC_LOCK_WAIT 'soon': expected a number of seconds"):
        Settings.resolve()


def test_udc_check_uses_the_store_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    store = tmp_path / "s"
    udc("--store", str(store), "policy", "set", "min_count=15")
    table = tmp_path / "t.csv"
    table.write_text("area,count\nA,12\nB,40\n")
    monkeypatch.setenv("UDC_STORE", str(store))
    monkeypatch.chdir(tmp_path)  # no ./udc-data here: the policy must come from $UDC_STORE
    result = udc("check", str(table), "--format", "json")
    verdicts = {r["area"]: r["verdict"] for r in json.loads(result.stdout)}
    assert verdicts == {"A": "fail", "B": "pass"}  # 12 < 15: the store's policy, not the default 10
    settings = json.loads(udc("settings", "--format", "json").stdout)[0]
    assert settings["store"] == str(store)


SRC = Path(__file__).resolve().parents[1] / "src" / "udc"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "settings.md"


def _environment_reads(path: Path) -> list[str]:
    """Where a module touches the environment: ``os.environ``/``os.getenv``/``environ[…]``, however imported."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        name = None
        if isinstance(node, ast.Attribute) and node.attr in ("environ", "getenv", "putenv", "unsetenv"):
            name = node.attr
        elif isinstance(node, ast.Name) and node.id in ("environ", "getenv"):
            name = node.id
        elif isinstance(node, ast.ImportFrom) and node.module == "os":
            name = next((a.name for a in node.names if a.name in ("environ", "getenv")), None)
        if name:
            found.append(f"{path.relative_to(SRC.parent)}:{node.lineno} {name}")
    return found


def test_only_settings_reads_the_environment() -> None:
    reads = [
        hit for path in sorted(SRC.rglob("*.py")) if path.name != "settings.py" for hit in _environment_reads(path)
    ]
    assert reads == [], "read the environment through udc.settings: " + ", ".join(reads)
    assert _environment_reads(SRC / "settings.py"), "the check must see settings.py's own reads"


def test_settings_imports_nothing_from_udc_but_errors() -> None:
    tree = ast.parse((SRC / "settings.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    imported |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert {m for m in imported if m == "udc" or m.startswith("udc.")} == {"udc.errors"}


def test_every_setting_is_documented() -> None:
    """Like datasette's test_settings_are_documented: the docstring's table and docs/settings.md name each setting
    and its variable, and describe() and `udc settings` show each one."""
    docstring = settings_module.__doc__ or ""
    page = DOCS.read_text(encoding="utf-8")
    described = Settings.resolve("x").describe()
    for name, variable in settings_module.VARIABLES.items():
        assert re.search(rf"^{name}\s+``{variable}``", docstring, re.M), f"{name} not in settings.py's table"
        assert f"| `{name}` | `{variable}` |" in page, f"{name} ({variable}) not in docs/settings.md"
        assert name in described, f"{name} not described"
    fields = {f.name for f in dataclasses.fields(Settings)} - {"origins"}
    assert fields == set(settings_module.VARIABLES)  # no setting without a variable, no variable without a setting
    named = set(re.findall(r"\bUDC_[A-Z0-9_]+", "\n".join(p.read_text(encoding="utf-8") for p in SRC.rglob("*.py"))))
    assert named <= set(settings_module.VARIABLES.values()), named - set(settings_module.VARIABLES.values())


def test_every_value_is_checked_once_with_one_line(tmp_path: Path) -> None:
    for variable, raw, expected in [
        ("UDC_LOCK_WAIT", "-1", "UDC_LOCK_WAIT '-1': expected a number of seconds"),
        ("UDC_LOCK_WAIT", "nan", "UDC_LOCK_WAIT 'nan': expected a number of seconds"),
        ("UDC_OPEN311_KEY_RATE", "0", "UDC_OPEN311_KEY_RATE '0': expected a whole number of requests per minute"),
        ("UDC_WORK_MEMORY_MB", "32", "UDC_WORK_MEMORY_MB '32': expected a whole number of megabytes, at least 64"),
        ("UDC_SPARK_KEEP", "maybe", "UDC_SPARK_KEEP 'maybe': expected 1, true or yes (keep) or 0, false or no"),
    ]:
        with pytest.raises(UdcError) as caught:
            Settings.resolve(tmp_path, environ={variable: raw})
        assert str(caught.value) == expected
    ran = udc("settings", env={"UDC_WORK_MEMORY_MB": "lots"}, check=False)
    assert ran.returncode == 1 and ran.stderr.strip().splitlines() == [
        "udc: error: UDC_WORK_MEMORY_MB 'lots': expected a whole number of megabytes, at least 64"
    ]
    good = Settings.resolve(
        tmp_path,
        environ={
            "UDC_OPEN311_KEY_RATE": "3",
            "UDC_WORK_MEMORY_MB": "128",
            "UDC_SPARK_KEEP": "yes",
            "UDC_SPARK_MASTER": "spark://h:7077",
        },
    )
    assert (good.open311_key_rate, good.work_memory_mb, good.spark_keep, good.spark_master) == (
        3,
        128,
        True,
        "spark://h:7077",
    )


def test_udc_settings_names_every_setting_and_its_source_never_a_secret(tmp_path: Path) -> None:
    secrets = {
        "UDC_AUDIT_KEY": "audit-sleutel-123",
        "UDC_WEB_SECRET": "web-geheim-456",
        "UDC_PSEUDONYM_KEY": "pseudoniem-sleutel-789",
        "UDC_DATABASE_URL": "postgresql+psycopg://udc:wachtwoord@db/udc?password=ook-geheim",
        "UDC_LOCK_WAIT": "3",
    }
    shown = udc("--store", str(tmp_path / "s"), "settings", "--format", "csv", env=secrets).stdout
    rows = {line.split(",")[0]: line for line in shown.splitlines()[1:]}
    assert set(rows) == set(settings_module.VARIABLES)
    assert rows["store"].endswith(",flag") and rows["lock_wait"].endswith(",environment (UDC_LOCK_WAIT)")
    assert rows["spark_master"].endswith(",default")
    assert rows["web_secret"].startswith("web_secret,UDC_WEB_SECRET,")
    for secret in ("audit-sleutel-123", "web-geheim-456", "pseudoniem-sleutel-789", "wachtwoord", "ook-geheim"):
        assert secret not in shown
    assert "geheim" not in repr(Settings.resolve(tmp_path, environ=secrets))  # nor in a traceback or a log line


def test_the_cli_hands_its_settings_down(tmp_path: Path) -> None:
    """What a command resolved is what the code below it sees (settings.current), and only while it runs."""
    store = tmp_path / "s"
    udc(
        "--store",
        str(store),
        "users",
        "add",
        "anna",
        "--role",
        "analyst",
        env={"UDC_AUDIT_ANCHOR": str(tmp_path / "a")},
    )
    assert (tmp_path / "a").exists() and not (store / "audit.anchor").exists()  # the anchor the variable named
    assert settings_module.current().audit_anchor != tmp_path / "a"  # the command's settings went with it


def test_the_server_waits_as_long_as_udc_lock_wait_says(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from udc.web.app import create_app

    monkeypatch.delenv("UDC_LOCK_WAIT", raising=False)
    assert create_app(tmp_path / "s").state.readers.wait == settings_module.SERVER_WAIT  # 5 s: a page answers 503
    monkeypatch.setenv("UDC_LOCK_WAIT", "2.5")
    app = create_app(tmp_path / "s")
    assert app.state.readers.wait == 2.5 == app.state.settings.lock_wait
    passed = Settings.resolve(tmp_path / "s", environ={"UDC_LOCK_WAIT": "7", "UDC_OPEN311_KEY_RATE": "9"})
    app = create_app(tmp_path / "s", settings=passed)  # udc serve hands over the CLI's settings
    assert app.state.readers.wait == 7 and app.state.intake_limit.limit == 9
    assert create_app(tmp_path / "s", store_wait=0.5, settings=passed).state.readers.wait == 0.5  # an explicit wait


def test_udc_serve_builds_the_app_from_the_cli_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **_: seen.setdefault("wait", app.state.readers.wait))
    udc("--store", str(tmp_path / "s"), "serve", env={"UDC_LOCK_WAIT": "1.5"})
    assert seen == {"wait": 1.5}


def test_a_store_elsewhere_keeps_the_configured_files(tmp_path: Path) -> None:
    base = Settings.resolve(tmp_path / "a", environ={"UDC_AUDIT_ANCHOR": str(tmp_path / "anchor")})
    other = base.at(tmp_path / "b")
    assert other.audit_anchor == tmp_path / "anchor"  # a variable placed it: it stays
    assert other.database_url.endswith("b/operational.sqlite")  # the default follows the store
    assert other.sources()["store"] == "flag" and other.sources()["audit_anchor"] == "environment (UDC_AUDIT_ANCHOR)"


def test_the_spark_master_flag_wins_and_a_bad_master_is_one_line(tmp_path: Path) -> None:
    """``udc --spark-master URL`` over ``UDC_SPARK_MASTER``; a URL Spark would not take is refused before any JVM
    starts (it used to surface as a Java stack trace at the first Spark job)."""
    store = str(tmp_path / "s")
    env = {"UDC_SPARK_MASTER": "local[1]", "UDC_SPARK_HANDOVER": str(tmp_path / "shared")}
    shown = udc("--store", store, "--spark-master", "spark://127.0.0.1:7077", "settings", "--format", "csv", env=env)
    rows = {line.split(",")[0]: line for line in shown.stdout.splitlines()[1:]}
    assert rows["spark_master"] == "spark_master,spark://127.0.0.1:7077,flag"
    assert rows["spark_handover"] == f"spark_handover,{tmp_path / 'shared'},environment (UDC_SPARK_HANDOVER)"
    bad = udc("--store", store, "--spark-master", "spark:/typo", "settings", check=False)
    assert bad.returncode == 1 and bad.stderr.strip().splitlines() == [
        "udc: error: Spark master 'spark:/typo': expected local[N], spark://HOST:PORT, yarn or k8s://https://HOST:PORT"
    ]
