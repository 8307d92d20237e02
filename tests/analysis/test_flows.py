"""Verhuisstromen: a hand-checkable tiny register, and the demo's phenomena through the gate."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from udc.analysis import flows
from udc.areas import geometry, registry
from udc.privacy.access import User
from udc.privacy.audit import AuditLog, engine_for
from udc.privacy.dimensions import DOMAINS
from udc.privacy.gate import crosstab
from udc.privacy.policy import set_policy
from udc.privacy.request import Filter, TableRequest
from udc.store import Dataset, Store, catalogue
from udc.synth.generate import generate

RESEARCHER = User("onderzoeker", "researcher")


def _square(code: str, x: float) -> geometry.Feature:
    return geometry.Feature(code, code, "GM", shapely.box(5.0 + x, 51.0, 5.1 + x, 51.1), year=2019)


@pytest.fixture
def tiny(tmp_path: Path) -> tuple[Store, AuditLog]:
    """Three municipalities in a row (A–B–C; A and B form region 'ab'), eight moves in 2019, all numbers known."""
    store = Store(tmp_path / "s")
    registry.import_geometry(store, [_square("GM9801", 0), _square("GM9802", 0.1), _square("GM9803", 0.2)], "t", 2019)
    registry.define_region(store, "ab", ["GM9801", "GM9802"])
    moves = [  # person, from, to, household change on the move date
        (1, "BU98010001", "BU98020001", "moved_in_together"),  # A → B (neighbour)
        (2, "BU98010001", "BU98030001", None),  # A → C
        (3, "BU98010001", "BU98010002", None),  # within A
        (4, "BU98020001", "BU98010001", "separated"),  # B → A
        (5, "BU98030001", "BU98010002", None),  # C → A
        (6, "DE_99001", "BU98010001", None),  # abroad → A
        (7, "BU98010002", "GM9921", "left_parental_home"),  # A → rest of the country
        (8, "BU98020001", "BU98030001", None),  # B → C (not A)
    ]
    ages = {1: 30, 2: 40, 3: 50, 4: 35, 5: 17, 6: 28, 7: 19, 8: 60}
    events = []
    for person, src, dst, change in moves:
        events.append(
            {
                "person_id": person,
                "date": date(2019, 5, 1),
                "event": "move",
                "household_change": change,
                "from_dwelling": person,
                "to_dwelling": person + 100,
                "from_area": src,
                "to_area": dst,
            }
        )
        if change:
            events.append(
                {
                    "person_id": person,
                    "date": date(2019, 5, 1),
                    "event": "household_change",
                    "household_change": change,
                    "from_dwelling": -1,
                    "to_dwelling": -1,
                    "from_area": None,
                    "to_area": None,
                }
            )
    persons = pd.DataFrame(
        {
            "person_id": list(ages),
            "birth_date": [date(2019 - a, 1, 1) for a in ages.values()],
            "sex": "v",
            "death_date": None,
            "record_key": np.arange(1, 9) * 1_000_003,
        }
    )
    yearly = pd.DataFrame(
        {
            "year": 2019,
            "person_id": list(ages),
            "household_id": list(ages),
            "buurt_code": [src if src.startswith("BU") else "DE_99001" for _, src, _, _ in moves],  # on 1 January
            "role": "reference",
            "age": list(ages.values()),
            "education": "middle",
            "student": ["none"] * 6 + ["hbo", "none"],
            "employed": True,
            "youth_care": False,
            "record_key": np.arange(1, 9) * 1_000_003,
        }
    )
    households = pd.DataFrame(
        {
            "year": 2019,
            "household_id": list(ages),
            "dwelling_id": 0,
            "buurt_code": "x",
            "household_type": [
                "couple",
                "couple_with_children",
                "single",
                "single_parent",
                "other",
                "couple_with_children",
                "single",
                "couple",
            ],
            "income_class": "middle",
        }
    )
    for name, frame in (  # tables in the microdata contract, as a register mapped onto it would be
        ("events", pd.DataFrame(events)),
        ("persons", persons),
        ("persons_yearly", yearly),
        ("households", households),
    ):
        dataset = Dataset(
            name=f"synth_{name}", title=name, source="test", sensitivity="microdata", provenance={"contract": name}
        )
        catalogue.save(store, dataset, frame)
    set_policy(store, min_count=1, cell_key_d=0, cell_key_v=0.0)  # tiny counts, no noise: every number exact
    flows.prepare(store)
    return store, AuditLog(engine_for(f"sqlite:///{tmp_path / 'op.sqlite'}"), b"k" * 32)


def _values(result: flows.FlowTable, key: str) -> dict:
    return result.frame.set_index(key)["count"].to_dict()


def test_tiny_register_balance_classes_groups_triggers(tiny: tuple[Store, AuditLog]) -> None:
    store, audit = tiny
    kw = {"years": (2019, 2019), "user": RESEARCHER, "audit": audit}
    balance = _values(flows.flows(store, "GM9801", group="all", **kw), "direction")
    assert balance == {"in": 3, "out": 3, "within": 1, "Totaal": 7}  # persons 4,5,6 in; 1,2,7 out; 3 within
    adults = _values(flows.flows(store, "GM9801", group="adults", **kw), "direction")
    assert adults["in"] == 2  # person 5 is 17 at the move
    out = flows.flows(store, "GM9801", view="destinations", group="all", **kw).frame
    leaves = out[(out.other_gm != "Totaal") & (out.other_class != "Totaal")]
    classes = leaves.groupby("other_class")["count"].sum().to_dict()
    assert classes == {"neighbour": 1, "rest_of_country": 2}  # B is adjacent; C is not in a province here
    region = _values(flows.flows(store, "ab", group="all", **kw), "direction")
    assert region == {"in": 2, "out": 3, "within": 3, "Totaal": 8}  # A↔B moves are within the region
    triggers = _values(flows.flows(store, "GM9801", view="triggers", group="all", **kw), "trigger")
    assert triggers["moved_in_together"] == 1 and triggers["separated"] == 1 and triggers["left_parental_home"] == 1
    families = _values(flows.flows(store, "GM9801", group="young-families", **kw), "direction")
    assert {k: v for k, v in families.items() if pd.notna(v)} == {"in": 2, "out": 1, "Totaal": 3}  # 4, 6 in; 2 out
    assert pd.isna(families["within"])  # nobody: listed, and withheld like a small count


def test_one_pass_study_parts_and_whole_and_rates(tiny: tuple[Store, AuditLog]) -> None:
    store, audit = tiny
    tables = flows.study(
        store, ["GM9801", "GM9802", "ab"], years=(2019, 2019), groups=["all"], user=RESEARCHER, audit=audit
    )
    balance = tables["balance"].cells.set_index(["area", "direction"])["count"]
    # the region's within = each member's within + the moves between its members; its in/out exclude those
    a_to_b, b_to_a = 1, 1
    assert balance["ab", "within"] == balance["GM9801", "within"] + a_to_b + b_to_a
    assert balance["ab", "out"] == balance["GM9801", "out"] + balance["GM9802", "out"] - a_to_b - b_to_a
    od = tables["od"].cells
    region_od = od[(od.area == "ab") & (od.from_gm != "Totaal") & (od.to_gm != "Totaal")]
    assert set(region_od.from_gm) | set(region_od.to_gm) <= {"GM9801", "GM9802"}  # a region's od: among members
    rates = flows.flows(store, "GM9801", view="rates", group="all", years=(2019, 2019), user=RESEARCHER, audit=audit)
    per = rates.frame.set_index("measure")
    assert per.loc["residents", "count"] == 4  # persons 1, 2, 3, 7 lived in A on 1 January
    assert per.loc["out", "per_1000"] == 750.0 and per.loc["within", "per_1000"] == 250.0
    assert per.loc["net", "count"] == 0 and per.loc["net", "status"] == "derived"


def test_a_span_nobody_moved_in_lists_every_cell_withheld_not_an_empty_table(tiny: tuple[Store, AuditLog]) -> None:
    """No move in the span: the engine counts no row, and the tables still list every area, group and category — a
    count of 0 is withheld like a few, where an empty table would say "nobody"."""
    store, audit = tiny
    set_policy(store, min_count=3, cell_key_d=0, cell_key_v=0.0)
    tables = flows.study(
        store,
        ["GM9801", "ab"],
        years=(2030, 2031),
        groups=["all", "adults"],
        views=("balance", "triggers"),
        user=RESEARCHER,
        audit=audit,
    )
    balance = tables["balance"].cells
    assert len(balance) == 2 * 2 * 4 and (balance["status"] == "suppressed").all() and balance["count"].isna().all()
    assert len(tables["triggers"].cells) == 2 * 2 * (len(DOMAINS["trigger"]) + 1)


def test_demo_phenomena_through_the_gate(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    generate(store, persons=25_000, seed=4, years=(2015, 2020))
    audit = AuditLog(engine_for(f"sqlite:///{tmp_path / 'op.sqlite'}"), b"k" * 32)
    flows.prepare(store)
    kw = {"years": (2015, 2020), "user": RESEARCHER, "audit": audit}
    core = flows.balance_summary(flows.flows(store, "GM9901", group="young-families", **kw))
    assert core["out"] > core["in"]  # young families leave the core city …
    od = flows.flows(store, "demoregio", view="od", group="young-families", **kw).frame
    back = od[(od.from_gm != "GM9901") & (od.to_gm == "GM9901") & (od.from_gm != "Totaal")]["count"].sum()
    assert back > 0  # … and some come back
    students = flows.flows(store, "demoregio", view="destinations", group="students", **kw).frame
    leaves = students[(students.other_gm != "Totaal") & (students.other_class != "Totaal")]
    top = leaves.sort_values("count", ascending=False).iloc[0]
    assert top.other_gm in ("GM9921", "GM9922", "GM9923")
    triggers = flows.flows(store, "demoregio", view="triggers", group="adults", **kw).frame.set_index("trigger")
    assert 1 - triggers.loc["none", "count"] / triggers.loc["Totaal", "count"] > 0.5
    # the same flow through different views gets the same protected value; nothing under the threshold is shown
    dest = flows.flows(store, "GM9901", view="destinations", group="adults", **kw).frame
    od = flows.flows(store, "GM9901", view="od", group="adults", **kw).frame
    a = dest[(dest.other_gm == "GM9902")]["count"].iloc[0]
    b = od[(od.from_gm == "GM9901") & (od.to_gm == "GM9902")]["count"].iloc[0]
    assert a == b
    # … and the same cell through the general crosstab: one flow, one number, whichever path (exact key sums)
    request = TableRequest(
        dataset=flows.MOVES,
        dimensions=["to_gm"],
        filters=[
            Filter(column="from_gm", values=["GM9901"]),
            Filter(column="year", between=(2015, 2020)),
            Filter(column="age", between=(18, 200)),
        ],
    )
    general = crosstab(store, request, user=RESEARCHER, audit=audit).cells.set_index("to_gm")["count"]
    assert general["GM9902"] == a
    for frame in (dest, od):
        shown = frame["count"].dropna()
        assert (shown >= 10).all() or (frame.status == "suppressed").any()
        assert "rules" not in frame and not (frame["count"].notna() & (frame["count"] < 10)).any()


@pytest.fixture(scope="module")
def prepared_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """12 000 synthetic persons over 2018–2020 with the moves prepared: generated once for the tests below, which
    each work on a copy (a population and its moves cost seconds; the tests only read them and publish)."""
    path = tmp_path_factory.mktemp("flows-template") / "s"
    with Store(path) as store:
        generate(store, persons=12_000, seed=6, years=(2018, 2020))
        flows.prepare(store)
    return path


@pytest.fixture
def prepared(prepared_template: Path, tmp_path: Path) -> Iterator[Store]:
    shutil.copytree(prepared_template, tmp_path / "s")
    with Store(tmp_path / "s") as store:
        yield store


def test_no_published_cell_under_the_threshold_in_any_view(prepared: Store, tmp_path: Path) -> None:
    store = prepared
    audit = AuditLog(engine_for(f"sqlite:///{tmp_path / 'op.sqlite'}"), b"k" * 32)
    tables = flows.study(
        store, flows.all_areas(store), years=(2019, 2020), views=(*flows.VIEWS, "rates"), user=RESEARCHER, audit=audit
    )
    for view, table in tables.items():
        cells = table.cells
        counts = cells.loc[cells.status != "derived", "count"].dropna()
        assert ((counts == 0) | (counts >= 10)).all(), view  # the default policy's threshold
        assert (cells.loc[cells["count"].isna(), "status"] == "suppressed").all(), view


def test_withheld_tails_are_left_out_unless_asked_and_nothing_else_changes(prepared: Store, tmp_path: Path) -> None:
    """The national study's bulk was one- and two-person flows published as "withheld": by default they are not
    listed; every listed cell is the same as with ``tails=True``, and the tails held nothing but withheld cells."""
    store = prepared
    audit = AuditLog(engine_for(f"sqlite:///{tmp_path / 'op.sqlite'}"), b"k" * 32)
    kw = {"years": (2019, 2020), "views": ("destinations", "origins", "od", "balance"), "user": RESEARCHER}
    short = flows.study(store, flows.all_areas(store), audit=audit, **kw)
    full = flows.study(store, flows.all_areas(store), tails=True, audit=audit, **kw)
    for view, table in short.items():
        keys = table.keys
        both = full[view].cells.merge(table.cells, on=keys, how="left", suffixes=("", "_short"), indicator=True)
        listed = both[both._merge == "both"]
        assert listed["count"].equals(listed["count_short"]) and listed.status.equals(listed.status_short), view
        if view == "balance":
            assert len(table.cells) == len(full[view].cells)  # no tail dimension: nothing left out
            continue
        left_out = both[both._merge == "left_only"]
        assert len(left_out) > 0 and (left_out.status == "suppressed").all(), view
        assert (left_out[list(flows.TAILS[view])] != "Totaal").any(axis=1).all(), view  # margins always listed
        assert any("not listed" in n for n in table.notes), view


def test_report_is_offline_html(prepared: Store, tmp_path: Path) -> None:
    import re

    from udc.analysis.flows_report import build

    store = prepared
    audit = AuditLog(engine_for(f"sqlite:///{tmp_path / 'op.sqlite'}"), b"k" * 32)
    out = build(store, "demoregio", (2019, 2020), user=RESEARCHER, audit=audit, out=tmp_path / "r.html")
    page = out.read_text(encoding="utf-8")
    assert ("Jonge gezinnen" in page and "Sankey" in page) or "sankey" in page
    assert not re.search(r"<script[^>]+src=[\"']https?://", page)  # plotly.js is embedded, no CDN
    assert len(page) > 1_000_000  # the library itself is inside


@pytest.mark.slow
def test_the_report_prints_to_pdf_with_date_source_and_counts_as_integers(demo_store: Path, tmp_path: Path) -> None:
    """Headless Chromium prints it; the PDF is opened and read back (pypdfium2)."""
    import re

    import pypdfium2 as pdfium

    import udc as api

    out = api.open(demo_store).flows.report("GM9901", tmp_path / "r.pdf", years="2020-2021")
    document = pdfium.PdfDocument(out)
    try:
        text = " ".join(document[i].get_textpage().get_text_range() for i in range(len(document)))
    finally:
        document.close()
    assert "Verhuisstromen Kernstad, 2020–2021" in text and "Gemaakt op" in text and "Bron: udc flows" in text
    assert "<NA>" not in text and "nan" not in text  # a withheld cell is a dash
    # The balance table: four counts as integers (not 87.0), then two rates per 1 000 with one decimal.
    rows = [r.split() for r in re.findall(r"((?:\d+|–)(?: (?:-?[\d.]+|–)){5})\s*$", text, re.M)]
    assert rows
    for row in rows:
        assert all(re.fullmatch(r"-?\d+|–", c) for c in row[:4]) and all(re.fullmatch(r"\d+\.\d|–", c) for c in row[4:])


def test_a_release_title_names_its_years_as_a_reader_writes_them() -> None:
    from udc.analysis.flows import span_title

    assert span_title("2021-2021, 2022-2022, 2019-2020") == "2019–2022"
    assert span_title("2020-2020") == "2020"
