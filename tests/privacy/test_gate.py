"""The gate on the demo microdata: protection, release, enforcement, and agreement with ACRO."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from udc.errors import UdcError
from udc.privacy.access import User
from udc.privacy.audit import AuditLog, engine_for
from udc.privacy.gate import Definition, Protected, crosstab, release, run_defined
from udc.privacy.policy import Policy
from udc.privacy.request import Filter, TableRequest
from udc.privacy.rules import primary
from udc.store import Dataset, Store, catalogue
from udc.synth.generate import generate

RESEARCHER = User("onderzoeker", "researcher")
ADMIN = User("beheer", "admin")


def ask(dims: list[str], *filters: Filter, dataset: str = "synth_persons_yearly", **kw: object) -> TableRequest:
    return TableRequest(dataset=dataset, dimensions=dims, filters=list(filters), **kw)


def year(y: int) -> Filter:
    return Filter(column="year", values=[y])


def suppressed(store: Store, request: TableRequest, audit: AuditLog, user: User = ADMIN) -> Protected:
    """A table defined in advance with secondary suppression (the only way to ask for it)."""
    return run_defined(store, Definition(name="t", title="t", request=request), user=user, audit=audit)


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The module's synthetic population, built once and closed: tests that change a store change a copy."""
    path = tmp_path_factory.mktemp("gate-population") / "store"
    with Store(path) as store:
        generate(store, persons=15_000, seed=11, years=(2015, 2016))
    return path


@pytest.fixture(scope="module")
def demo(population: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, AuditLog]:
    folder = tmp_path_factory.mktemp("gate")
    shutil.copytree(population, folder / "store")
    store = Store(folder / "store")
    return store, AuditLog(engine_for(f"sqlite:///{folder / 'operational.sqlite'}"), b"k" * 32, folder / "anchor")


def test_protected_crosstab_with_hierarchy_is_released(demo: tuple[Store, AuditLog]) -> None:
    store, audit = demo
    table = suppressed(store, ask(["buurt_code", "education"], year(2016), area="buurt_code"), audit)
    cells = table.cells
    assert {"BU", "WK", "GM", "To"} <= {c[:2] for c in cells.buurt_code}  # buurt → wijk → gemeente → total
    assert "rules" not in cells  # why a cell is withheld is a fact about its true count: never an output
    small = cells[table.primary]
    assert len(small) and small["count"].isna().all()  # every primary cell suppressed
    assert (cells["count"].isna() & ~table.primary).any() and table.audit_intervals >= table.suppressed
    release(store, table, "opleiding_per_buurt", title="Opleidingsniveau per buurt", user=RESEARCHER, audit=audit)
    entry = {d["name"]: d for d in catalogue.list_datasets(store)}["opleiding_per_buurt"]
    assert entry["sensitivity"] == "open" and entry["released"]
    assert (
        audit.verify()[0] and [e["action"] for e in audit.entries()][-4:] == ["gate.defined"] * 2 + ["gate.release"] * 2
    )


def test_released_margins_never_recompute_a_small_cell(demo: tuple[Store, AuditLog]) -> None:
    from udc.privacy.suppress import Table
    from udc.privacy.suppress import audit as lp_audit

    store, audit = demo
    table = suppressed(store, ask(["buurt_code", "role"], year(2015), area="buurt_code"), audit)
    cells = table.cells
    published = cells["count"].to_numpy()
    hidden = np.isnan(published)
    # The attacker rebuilds the additive structure from the labels alone and solves the LP on what was published.
    index = {(b, r): i for i, (b, r) in enumerate(zip(cells.buurt_code, cells.role, strict=True))}
    roles = sorted(set(cells.role) - {"Totaal"})
    equations = []
    for (b, r), i in index.items():
        if r == "Totaal":
            equations.append((i, [index[(b, x)] for x in roles if (b, x) in index]))
    for (b, r), i in index.items():
        kids = [index[(k, r)] for k in set(cells.buurt_code) if (k, r) in index and _parent(k) == b]
        if kids:
            equations.append((i, kids))
    truth = suppressed(store, ask(["buurt_code", "role"], year(2015), area="buurt_code"), audit, User("root", "admin"))
    assert truth.cells.status.tolist() == cells.status.tolist()  # deterministic pattern
    values = np.where(hidden, 0.0, published)
    results = lp_audit(Table(values, equations), hidden, np.ones(len(values)))
    primary = set(np.flatnonzero(table.primary))
    exact = [r for r in results if r.cell in primary and r.upper - r.lower < 1 - 1e-9]
    assert primary and results and not exact  # a secondary cell is a safe cell: it needs no interval of its own


def _parent(code: str) -> str:
    if code.startswith("BU"):
        return "WK" + code[2:8]
    if code.startswith("WK"):
        return "GM" + code[2:6]
    return "Totaal" if code.startswith("GM") else ""


def test_cell_key_is_consistent_across_queries(demo: tuple[Store, AuditLog]) -> None:
    store, audit = demo
    a = crosstab(store, ask(["buurt_code"], year(2016)), user=RESEARCHER, audit=audit).cells.set_index("buurt_code")
    b = crosstab(
        store, ask(["buurt_code"], year(2016), Filter(column="age", between=(0, 200))), user=RESEARCHER, audit=audit
    ).cells.set_index("buurt_code")
    assert a["count"].equals(b["count"])  # same persons in each cell → same published value
    true = store.query("SELECT buurt_code, count(*) AS n FROM ds_synth_persons_yearly WHERE year = 2016 GROUP BY 1")
    differs = (a.loc[true.buurt_code, "count"].to_numpy() != true.n.to_numpy()).mean()
    assert 0.2 < differs < 0.9  # perturbed, but mostly by little
    assert set(a.index) >= set(true.buurt_code)  # every category listed


def test_only_researchers_reach_microdata_and_the_catalogue_enforces_the_gate(demo: tuple[Store, AuditLog]) -> None:
    store, audit = demo
    for role in ("public", "analyst"):
        with pytest.raises(UdcError, match="may not query microdata"):
            crosstab(store, ask(["education"]), user=User("x", role), audit=audit)
    last = audit.entries()[-1]
    assert last["action"] == "gate.crosstab" and '"outcome": "refused"' in last["detail"]
    counts = store.query("SELECT education, count(*) AS n FROM ds_synth_persons_yearly GROUP BY 1")
    with pytest.raises(UdcError, match="only the disclosure gate can make it anything but microdata"):
        catalogue.save(
            store,
            Dataset(name="leak", title="leak", source="x", sensitivity="open"),
            counts,
            inputs=["synth_persons_yearly"],
        )
    with pytest.raises(UdcError, match="only the disclosure gate"):
        catalogue.save(
            store,
            Dataset(name="leak", title="leak", source="x", sensitivity="open"),
            counts,
            inputs=["synth_persons_yearly"],
            released={"method": "none"},
        )  # no capability
    assert "leak" not in {d["name"] for d in catalogue.list_datasets(store)}


def test_same_flags_as_acro(demo: tuple[Store, AuditLog]) -> None:
    from acro import ACRO

    store, audit = demo
    people = store.query(
        "SELECT h.buurt_code, h.household_type, p.age FROM ds_synth_persons_yearly p "
        "JOIN ds_synth_households h USING (household_id, year) WHERE p.year = 2016"
    )
    people["gm"] = people.buurt_code.astype(str)  # per buurt: many small cells, some dominated ones
    acro = ACRO(suppress=False)
    acro.crosstab(people.gm, people.household_type, values=people.age.astype(float), aggfunc="sum")
    outcome = list(acro.results.results.values())[-1].outcome
    ours = (
        people.groupby(["gm", "household_type"])
        .age.agg(
            count="count",
            total="sum",
            top1=lambda v: v.nlargest(1).sum(),
            top2=lambda v: v.nlargest(2).iloc[-1] if len(v) > 1 else 0,
        )
        .reset_index()
    )
    flags = primary(ours, Policy(), total="total", top1="top1", top2="top2")
    for (_, row), (_, flag) in zip(ours.iterrows(), flags.iterrows(), strict=True):
        text = str(outcome.loc[row.gm, row.household_type])
        assert ("threshold" in text.lower()) == bool(flag.threshold), (row.gm, row.household_type, text)
        assert ("NKCheck" in text) == bool(flag.nk), (row.gm, row.household_type, text)
        assert ("PPercentCheck" in text) == bool(flag.p_percent), (row.gm, row.household_type, text)
    assert len(ours) > 500 and flags.threshold.sum() > 20 and flags.nk.sum() > 0 and flags.p_percent.sum() > 0
    assert isinstance(outcome, pd.DataFrame)


def test_ethics_guard_refuses_person_level_outputs(demo: tuple[Store, AuditLog]) -> None:
    store, audit = demo
    with pytest.raises(UdcError, match="'person_id' identifies persons"):
        crosstab(store, ask(["person_id"]), user=RESEARCHER, audit=audit)
    rng = np.random.default_rng(0)
    scores = pd.DataFrame(
        {"risicoscore": rng.integers(0, 10**6, 500), "buurt": "BU99010000", "record_key": rng.integers(0, 2**31, 500)}
    )
    catalogue.save(store, Dataset(name="risk", title="model scores", source="model", sensitivity="microdata"), scores)
    with pytest.raises(UdcError, match="'risicoscore' has a different value for almost every record"):
        crosstab(store, ask(["buurt", "risicoscore"], dataset="risk"), user=RESEARCHER, audit=audit)
    assert '"outcome": "refused"' in audit.entries()[-1]["detail"]


def test_exports_enforce_sensitivity_per_role(demo: tuple[Store, AuditLog]) -> None:
    from udc.privacy.export import read_for

    store, audit = demo
    catalogue.save(
        store,
        Dataset(
            name="meldingen",
            title="m",
            source="municipal",
            sensitivity="internal",
            area_coverage="2 areas: GM9901, GM9902",
        ),
        pd.DataFrame({"area_code": ["GM9901", "GM9902"], "n": [1, 2]}),
    )
    catalogue.save(store, Dataset(name="open_t", title="o", source="cbs", sensitivity="open"), pd.DataFrame({"n": [1]}))
    public, own, other = User("p", "public"), User("a", "analyst", ("GM9901",)), User("b", "analyst", ("GM9905",))
    assert len(read_for(store, "open_t", public, audit)) == 1
    with pytest.raises(UdcError, match="internal data are not for role public"):
        read_for(store, "meldingen", public, audit)
    assert read_for(store, "meldingen", own, audit).area_code.tolist() == ["GM9901"]  # only their own rows
    with pytest.raises(UdcError, match="outside the scope of b"):
        read_for(store, "meldingen", other, audit)
    for user in (public, own, RESEARCHER, User("root", "admin")):
        with pytest.raises(UdcError, match="microdata leave only through the disclosure gate"):
            read_for(store, "synth_persons_yearly", user, audit)
    assert '"outcome": "refused"' in audit.entries()[-1]["detail"]


def test_rounding_policy(population: Path, tmp_path: Path) -> None:
    from udc.privacy.policy import set_policy

    shutil.copytree(population, tmp_path / "s")
    with Store(tmp_path / "s") as store:
        set_policy(store, rounding_base=5)
        audit = AuditLog(engine_for(f"sqlite:///{tmp_path / 'op.sqlite'}"), b"k" * 32)
        cells = suppressed(store, ask(["education"], year(2015)), audit).cells
        published = cells["count"].dropna()
        assert len(published) and (published % 5 == 0).all()


def test_linked_tables_share_one_pattern(demo: tuple[Store, AuditLog]) -> None:
    from udc.privacy.gate import linked_crosstabs

    store, audit = demo
    edu, role = linked_crosstabs(
        store,
        ask(["buurt_code", "education", "role"], year(2016), area="buurt_code"),
        [["buurt_code", "education"], ["buurt_code", "role"]],
        user=ADMIN,
        audit=audit,
    )
    shared_edu = edu.cells[edu.cells.education == "Totaal"].set_index("buurt_code").status
    shared_role = role.cells[role.cells.role == "Totaal"].set_index("buurt_code").status
    assert shared_edu.sort_index().equals(shared_role.sort_index())  # a shared margin: one status in both tables
    assert edu.suppressed > 0 and role.suppressed > 0


def test_the_level_a_request_publishes_is_read_from_its_area_codes() -> None:
    """An agreement's levels are checked against the finest level a table shows: an area dimension of any of the
    contract's or the flows' names, or a filter whose codes reach into one gemeente's wijken or one wijk's buurten —
    an odd-length prefix included (BU99011 is wijken 10-15 of one gemeente: a wijk-level selection)."""
    from udc.privacy.gate import _level

    def level(dims: list[str], **f: object) -> str | None:
        filters = [Filter(**f)] if f else []
        return _level(TableRequest(dataset="flows_moves", dimensions=dims, filters=filters))

    assert level(["to_area"]) == "buurt" and level(["from_wk"]) == "wijk" and level(["to_gm"]) == "gemeente"
    assert level(["role"], column="buurt_code", prefix="BU9901") == "gemeente"
    assert level(["role"], column="buurt_code", prefix="BU99011") == "wijk"
    assert level(["role"], column="buurt_code", prefix="BU9901010") == "buurt"
    assert level(["role"], column="to_wk", values=["WK990101"]) == "wijk"
    assert level(["role"], column="from_area", values=["bu99010000"]) == "buurt"
    assert level(["role"], column="buurt_code", prefix="BU99") is None  # the whole region
    # CBS grid cells (found by a cold attack: a gemeente-level party got 500 m cells, one of them a whole buurt)
    assert level(["cell_500m"]) == "buurt" and level(["role"], column="cell_500m", values=["E0345N5225"]) == "buurt"
