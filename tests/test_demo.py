"""The demo is one module (:mod:`udc.demo`): studies do not know the generator, the generator files its reports
through participation's own API, and the rebuild replaces the store's database only when it completed."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import pytest
import sqlalchemy as sa

import udc

SRC = Path(udc.__file__).parent
STUDIES = ("analysis", "indicators", "monitoring")


def imported(path: Path) -> set[str]:
    """Every module a file imports, at the top or inside a function (``from udc import synth`` counts as
    ``udc.synth``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found |= {node.module, *(f"{node.module}.{a.name}" for a in node.names)}
    return found


def test_studies_import_neither_the_generator_nor_participation() -> None:
    """A study runs on registers the same way as on the demo: it may not know where the demo's data come from."""
    stray = {
        f"{path.relative_to(SRC)}: {name}"
        for package in STUDIES
        for path in (SRC / package).rglob("*.py")
        for name in imported(path)
        if name.startswith(("udc.synth", "udc.participation"))
    }
    assert not stray
    assert {"udc.synth.generate", "udc.synth.reports", "udc.analysis.flows"} <= {
        n for n in imported(SRC / "demo.py") if n.startswith("udc.")
    }  # the check sees function-level imports: the demo's own are found


def test_the_generator_uses_no_participation_table() -> None:
    """The synthetic reports go through :func:`udc.participation.intake.replace_source`, not into the tables."""
    from udc.participation import db

    tables = {name for name, value in vars(db).items() if isinstance(value, sa.Table)}
    assert {"REPORTS", "HISTORY", "CONTACTS"} <= tables
    for path in (SRC / "synth").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not names & tables, path.name
        assert not {m for m in imported(path) if m.startswith("udc.participation.db")}, path.name
    assert "udc.participation.intake" in imported(SRC / "synth" / "reports.py")


def _report(source: str, n: int) -> tuple[dict, list[dict]]:
    at = f"2024-01-0{n}T09:00:00+00:00"
    row = {
        "category": "zwerfvuil",
        "status": "gemeld",
        "description": "x",
        "lat": 50.9,
        "lon": 5.9,
        "gemeente": "GM9901",
        "follow_hash": f"{source}-{n}",
        "source": source,
        "created_at": at,
        "updated_at": at,
    }
    return row, [{"at": at, "actor": source, "from_status": None, "to_status": "gemeld", "note": ""}]


def test_replacing_a_source_keeps_the_others_and_takes_the_history_along(tmp_path: Path) -> None:
    from udc.participation import categories, db, intake
    from udc.participation.db import HISTORY, REPORTS

    engine = db.engine(f"sqlite:///{tmp_path / 'op.sqlite'}")
    categories.ensure_default(engine)
    assert intake.replace_source(engine, "import", [_report("import", 1)]) == 1
    assert intake.replace_source(engine, "synth", [_report("synth", 1), _report("synth", 2)]) == 2
    assert intake.replace_source(engine, "synth", [_report("synth", 3)]) == 1

    with engine.connect() as con:
        reports = dict(con.execute(sa.select(REPORTS.c.follow_hash, REPORTS.c.id)).all())
        history = con.execute(sa.select(HISTORY.c.report_id, HISTORY.c.actor)).all()
    assert sorted(reports) == ["import-1", "synth-3"]
    assert sorted(history) == sorted([(reports["import-1"], "import"), (reports["synth-3"], "synth")])
    with pytest.raises(ValueError, match="must carry that source"):
        intake.replace_source(engine, "synth", [_report("form", 4)])


@pytest.mark.parametrize("fails", [True, False])
def test_the_rebuild_replaces_the_database_only_when_complete(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fails: bool
) -> None:
    """The sequence runs in a copy: a failure (here: after writing) leaves the store's file byte for byte as it
    was; a completed run's writes are the store's."""
    from udc import demo
    from udc.privacy.access import User
    from udc.privacy.audit import store_log
    from udc.store import Store
    from udc.store.db import DB_FILE

    path = tmp_path / "store"
    with Store(path):
        pass
    before = hashlib.sha256((path / DB_FILE).read_bytes()).hexdigest()

    def fill(store: Store, **_: object) -> tuple[None, list[str]]:
        store.con.execute("CREATE TABLE built AS SELECT 42 AS answer")
        if fails:
            raise KeyboardInterrupt
        return None, ["built"]

    monkeypatch.setattr(demo, "fill", fill)
    user, audit = User("beheer", "admin"), store_log(path)
    if fails:
        with pytest.raises(KeyboardInterrupt):
            demo.rebuild(path, user=user, audit=audit)
        assert hashlib.sha256((path / DB_FILE).read_bytes()).hexdigest() == before
    else:
        assert demo.rebuild(path, user=user, audit=audit) == (None, ["built"])
    with Store(path, read_only=True) as store:
        built = store.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'built'").fetchone()[0]
    assert built == (0 if fails else 1)
