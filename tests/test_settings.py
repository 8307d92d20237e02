"""Settings resolve flags, then UDC_* variables, then defaults — once — and never print a secret."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cli_runner import udc
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
    settings = json.loads(udc("settings", "--format", "json").stdout)
    assert settings["store"] == str(store)
