"""The red-team review, replayed below the web: the audit log, the gate's query engine, the CLI and the studies.

(The web and API attacks — injection per field, differencing, scopes, sessions, throttling, body limits, a slow
request — are in tests/web/test_web_attacks.py; schemathesis in tests/web/test_schemathesis.py.)
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from udc.errors import Forbidden, UdcError, Unavailable
from udc.privacy import engine
from udc.privacy.access import User
from udc.privacy.audit import AUDIT, GENESIS, WITNESS_STARTED, AuditLog, engine_for
from udc.privacy.gate import crosstab
from udc.privacy.request import Compiled, Filter, TableRequest, parse_filter
from udc.store import Store, catalogue
from udc.synth.generate import generate

RESEARCHER = User("onderzoeker", "researcher")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, AuditLog]:
    folder = tmp_path_factory.mktemp("attacks")
    store = Store(folder / "store")
    generate(store, persons=4_000, seed=5, years=(2019, 2020))
    return store, AuditLog(engine_for(f"sqlite:///{folder / 'op.sqlite'}"), b"s" * 32, folder / "anchor")


@pytest.fixture
def log(tmp_path: Path) -> AuditLog:
    audit = AuditLog(engine_for(f"sqlite:///{tmp_path / 'op.sqlite'}"), b"secret-key" * 4, tmp_path / "anchor")
    for i in range(6):
        audit.append("anna", "export", {"dataset": f"d{i}"})
    assert audit.verify()[0]
    return audit


def test_truncating_the_newest_entries_is_detected(log: AuditLog) -> None:
    with log.engine.begin() as con:
        con.execute(AUDIT.delete().where(AUDIT.c.id >= 5))
    ok, message = log.verify()
    assert not ok and "truncated" in message


def test_deleting_and_rechaining_without_the_key_is_detected(log: AuditLog) -> None:
    """The attacker deletes entry 3, renumbers and recomputes every hash — with plain SHA-256, as the old log did."""
    with log.engine.begin() as con:
        con.execute(AUDIT.delete().where(AUDIT.c.id == 3))
        rows = con.execute(sa.select(AUDIT).order_by(AUDIT.c.id)).all()
        con.execute(AUDIT.delete())
        prev = GENESIS
        for seq, r in enumerate(rows, start=1):
            digest = hashlib.sha256("\x1f".join([str(seq), prev, r.at, r.actor, r.action, r.detail]).encode())
            values = dict(r._mapping) | {"id": seq, "prev_hash": prev, "hash": digest.hexdigest()}
            con.execute(AUDIT.insert().values(**values))
            prev = values["hash"]
    ok, message = log.verify()
    assert not ok and "does not match its MAC" in message


def test_reordering_entries_is_detected(log: AuditLog) -> None:
    with log.engine.begin() as con:
        two, four = (con.execute(sa.select(AUDIT).where(AUDIT.c.id == i)).first() for i in (2, 4))
        for target, source in ((2, four), (4, two)):
            fields = {k: v for k, v in source._mapping.items() if k != "id"}
            con.execute(AUDIT.update().where(AUDIT.c.id == target).values(**fields))
    assert not log.verify()[0]


def test_a_forged_anchor_is_detected(log: AuditLog) -> None:
    assert log.anchor is not None
    anchor = json.loads(log.anchor.read_text())
    log.anchor.write_text(json.dumps({**anchor, "seq": 3}))
    ok, message = log.verify()
    assert not ok and "anchor was changed" in message


def test_gate_sql_reads_only_the_dataset_and_is_one_select(demo: tuple[Store, AuditLog]) -> None:
    store, _ = demo
    table = catalogue.get(store, "synth_persons_yearly").table_name
    request = TableRequest(
        dataset="synth_persons_yearly", dimensions=["education"], filters=[parse_filter("year=2020")]
    )
    compiled = Compiled(store.ibis.table(table), request, {})
    sql = engine.checked_sql(store, compiled.aggregate(), table)
    assert sql.count("SELECT") >= 1 and ";" not in sql and "2020" in sql
    with pytest.raises(UdcError, match="gate query refused"):
        engine.checked_sql(store, store.ibis.table("datasets"), table)  # the catalogue is not reachable
    people, meta = store.ibis.table(table), store.ibis.table("datasets")
    union = people.select(v=people.education.cast("string")).union(meta.select(v=meta.name.cast("string")))
    with pytest.raises(UdcError, match="gate query refused"):
        engine.checked_sql(store, union, table)


def test_the_checked_tree_is_the_query_text_that_runs(demo: tuple[Store, AuditLog]) -> None:
    """The gate checks the syntax tree its SQL text is written from (not the text parsed back): the same text Ibis
    would compile, and the same refusals for text that reads elsewhere."""
    store, _ = demo
    table = catalogue.get(store, "synth_persons_yearly").table_name
    request = TableRequest(dataset="synth_persons_yearly", dimensions=["education", "year"])
    expr = Compiled(store.ibis.table(table), request, {}).aggregate()
    assert engine.checked_sql(store, expr, table) == str(store.ibis.compile(expr))
    for text in (
        f"SELECT 1 FROM {table}; SELECT 2 FROM {table}",
        "SELECT * FROM read_csv('/etc/passwd')",
        f"SELECT * FROM {table} UNION ALL SELECT * FROM datasets",
    ):
        with pytest.raises(UdcError, match="gate query refused"):
            engine._check(text, table)


def test_filter_values_are_literals_never_sql(demo: tuple[Store, AuditLog]) -> None:
    store, audit = demo
    for text in ("education=x' OR '1'='1", "education=a); DROP TABLE datasets; --"):
        request = TableRequest(dataset="synth_persons_yearly", dimensions=["year"], filters=[parse_filter(text)])
        with pytest.raises(Forbidden, match="fewer than 100 units"):  # matched nobody: a literal, not a condition
            crosstab(store, request, user=RESEARCHER, audit=audit)
    assert catalogue.get(store, "synth_persons_yearly").sensitivity == "microdata"
    with pytest.raises(UdcError, match="is not a"):
        request = TableRequest(
            dataset="synth_persons_yearly", dimensions=["education"], filters=[parse_filter("year=1 OR 1=1")]
        )
        crosstab(store, request, user=RESEARCHER, audit=audit)


def test_request_model_refuses_sql_shaped_names() -> None:
    from pydantic import ValidationError

    for bad in ("education; drop", "Education", "a b", "x" * 80, "person_id--"):
        with pytest.raises(ValidationError):
            TableRequest(dataset="synth_persons_yearly", dimensions=[bad])
    with pytest.raises(ValidationError):
        TableRequest(dataset="synth_persons_yearly", dimensions=["year"], where="1=1")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        Filter(column="year", values=[2020], between=(1, 2))


def test_a_query_over_its_time_limit_is_stopped(demo: tuple[Store, AuditLog]) -> None:
    store, _ = demo
    table = catalogue.get(store, "synth_persons_yearly").table_name
    t = store.ibis.table(table)
    slow = t.select(a=t.age).cross_join(t.select(b=t.age)).cross_join(t.select(c=t.age)).count()
    with pytest.raises(Unavailable, match="longer than 0.5 s"):
        engine.run(store, slow, table, 0.5)


def test_sparse_flow_tables_are_answers_not_refusals(demo: tuple[Store, AuditLog]) -> None:
    from udc.analysis import flows

    store, audit = demo
    flows.prepare(store)
    table = flows.flows(store, "GM9901", view="od", group="students", years=(2019, 2019), user=RESEARCHER, audit=audit)
    assert len(table.frame) and (table.frame.from_gm == "Totaal").any()  # an answer (its withheld detail unlisted)
    listed = flows.study(
        store,
        ["GM9901"],
        years=(2019, 2019),
        groups=["students"],
        views=("od",),
        tails=True,
        user=RESEARCHER,
        audit=audit,
    )
    cells = pd.concat([p.cells for p in listed.values()])
    assert len(cells) and (cells.status == "suppressed").mean() > 0.5  # sparse: most cells withheld, still a table
    with pytest.raises(UdcError, match="expected a municipality code"):
        flows.flows(store, "GM9901') OR 1=1 --", years=(2019, 2019), user=RESEARCHER, audit=audit)
    assert isinstance(flows.GROUPS, type(flows.GROUPS)) and not hasattr(flows, "define_group")


def test_cli_takes_typed_filters_only(demo_store: Path) -> None:
    from cli_runner import udc

    old = udc(
        "gate",
        "crosstab",
        "synth_persons_yearly",
        "--by",
        "education",
        "--where",
        "1=1",
        "--store",
        str(demo_store),
        check=False,
    )
    assert old.returncode != 0 and "--where" in old.stderr
    bad = udc(
        "gate",
        "crosstab",
        "synth_persons_yearly",
        "--by",
        "education",
        "--filter",
        "year = 2020 OR 1=1",
        "--store",
        str(demo_store),
        check=False,
    )
    assert bad.returncode == 1 and "2020 OR 1=1" in bad.stderr and bad.stderr.count("\n") == 1


def test_imports_and_policy_changes_are_audited_by_the_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from udc.privacy.access import User
    from udc.privacy.audit import store_log
    from udc.privacy.policy import set_policy
    from udc.sources.importer import ImportOptions, import_municipal

    monkeypatch.delenv("UDC_DATABASE_URL", raising=False)
    source = tmp_path / "t.csv"
    source.write_text("area_code;year;n\nGM0917;2022;5\n")
    with Store(tmp_path / "s") as store:
        import_municipal(store, str(source), "meldingen", ImportOptions(year=2022), user=User("anna", "admin"))
        with pytest.raises(UdcError):
            import_municipal(store, str(tmp_path / "missing.csv"), "weg", user=User("anna", "admin"))
        log = store_log(store.path)
        set_policy(store, audit=log, user=User("beheer", "admin"), min_count=15)
        entries = [
            (e["actor"], e["action"], json.loads(e["detail"])["outcome"])
            for e in log.entries()
            if e["action"] != WITNESS_STARTED
        ]
    assert entries == [
        ("anna", "import.municipal", "intent"),
        ("anna", "import.municipal", "done"),
        ("anna", "import.municipal", "intent"),
        ("anna", "import.municipal", "refused"),
        ("beheer", "policy.set", "intent"),
        ("beheer", "policy.set", "done"),
    ]
    assert log.verify()[0]


def test_a_derived_release_cannot_launder_microdata(demo: tuple[Store, AuditLog]) -> None:
    """Counted straight from microdata and handed to the derived release without the gate's protected tables:
    refused (and audited as a failure), whatever the frame looks like."""
    from udc.privacy.gate import release_derived
    from udc.store.catalogue import ColumnInfo

    store, audit = demo
    raw = catalogue.read(store, "synth_persons_yearly")
    counts = raw.groupby("buurt_code").size().rename("value").reset_index()  # exact, unprotected: 1s and 2s
    before = len(audit.entries())
    with pytest.raises(UdcError, match="synth_persons_yearly is microdata: a derived release needs the protected"):
        release_derived(
            store,
            counts,
            "gelekt",
            title="gelekt",
            inputs=["synth_persons_yearly"],
            derived_from=[],
            columns=[ColumnInfo("buurt_code", "area"), ColumnInfo("value", "value")],
            user=User("beheer", "admin"),
            audit=audit,
        )
    assert not catalogue.exists(store, "gelekt")
    details = [json.loads(e["detail"]) for e in audit.entries()[before:] if e["action"] == "gate.release_derived"]
    assert [d["outcome"] for d in details] == ["intent", "refused"] and details[1]["inputs"] == ["synth_persons_yearly"]
