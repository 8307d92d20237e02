"""Verhuisstromen across the border (issue 31, item 4): moves to and from the fictional German Kreis's Gemeinden
are their own class (Germany, by Gemeinde), apart from the rest of the world — never one "abroad" with Spain — and
the flow map draws a published flow to a German Gemeinde at its place."""

from __future__ import annotations

import pytest

from udc.analysis import flows
from udc.privacy.access import User
from udc.privacy.audit import AuditLog, engine_for
from udc.store import Store
from udc.synth.generate import generate
from udc.synth.region import GEMEINDEN

GERMAN = {code for code, *_ in GEMEINDEN}
RESEARCHER = User("onderzoeker", "researcher")


@pytest.fixture(scope="module")
def moved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, AuditLog]:
    """100 000 synthetic persons over 2019–2020: enough moves over the border for Gemeinden to be published."""
    path = tmp_path_factory.mktemp("flows-border") / "s"
    store = Store(path)
    generate(store, persons=100_000, seed=6, years=(2019, 2020))
    flows.prepare(store)
    return store, AuditLog(engine_for(f"sqlite:///{path.parent / 'op.sqlite'}"), b"k" * 32)


def test_destinations_list_the_german_gemeinden_apart_from_the_rest_of_the_world(moved: tuple) -> None:
    store, audit = moved
    table = flows.flows(store, "demoregio", view="destinations", group="all", years=(2019, 2020), user=RESEARCHER,
                        audit=audit)  # fmt: skip
    rows = table.frame
    germany = rows[rows.other_class == "germany"]
    listed = set(germany.other_gm) - {"Totaal"}
    assert listed <= GERMAN and len(listed) >= 2  # the Kreis's larger Gemeinden by name, with a published count
    assert germany[germany.other_gm.isin(listed)]["count"].notna().all()
    world = rows[rows.other_class == "abroad"]
    assert set(world.other_gm) - {"Totaal"} == {"ZZ_BUITENLAND"}  # the rest of the world, nothing German in it
    assert {"germany", "belgium", "abroad"} <= set(rows.other_class)  # every class listed, moved or not
    kreis = germany[germany.other_gm == "Totaal"]["count"].iloc[0]
    assert kreis >= germany[germany.other_gm.isin(listed)]["count"].sum() * 0.8  # the Kreis: its Gemeinden and more
    neighbours = rows[rows.other_class == "neighbour"]
    assert not (set(neighbours.other_gm) & GERMAN)  # bordering, but over the border: Germany, not "buurgemeente"


def test_the_flow_map_draws_a_published_flow_to_a_german_gemeinde_at_its_place(moved: tuple) -> None:
    from udc.web.i18n import translator
    from udc.web.routes.flows import flow_map

    store, audit = moved
    kw = {"group": "all", "years": (2019, 2020), "user": RESEARCHER, "audit": audit}
    out = flows.flows(store, "GM9901", view="destinations", **kw).frame
    into = flows.flows(store, "GM9901", view="origins", **kw).frame
    published = out[out.other_gm.isin(GERMAN) & (out.other_class == "Totaal") & out["count"].notna()]
    assert len(published)  # Kernstad's largest German destination has a count of its own
    figure, rows = flow_map(store, "GM9901", into, out, "nl", translator("nl"))
    assert figure is not None
    names = dict(zip(*zip(*((c, n) for c, n, *_ in GEMEINDEN), strict=False), strict=True))
    lines = [t for t in figure["data"][1:] if t["type"] == "scatter"]
    drawn = [t for t in lines if any(names[c] in t["text"][0] for c in published.other_gm)]
    assert drawn and all(len(t["x"]) == 2 and t["x"][0] != t["x"][1] for t in drawn)  # a line, not a dot
    assert {names[c] for c in published.other_gm} <= {r["area"] for r in rows}  # by name in the table beside it
