"""One set of labels at every door (issue 28 item 2): the library's labelled view, the CLI's tables and exports with
``--labels``, and the pages' downloads (tests/web/test_crawl.py) say the same words."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import udc
from cli_runner import udc as run
from udc import labelling

NAMES = {"GM9901": "Kernstad", "DE_99001": "Grenzkreis (fiktiv)", "WK990100": "Kernstad wijk 00"}


def test_values_become_labels_and_numbers_stay() -> None:
    frame = pd.DataFrame(
        {
            "period": ["2019-2019", "2019-2021"],
            "area": ["GM9901", "Totaal"],
            "other_gm": ["DE_99001", "ZZ_BUITENLAND"],
            "group": ["young-families", "Totaal"],
            "trigger": ["child_born", "none"],
            "count": pd.array([12, None], dtype="Int64"),
            "status": ["perturbed", "suppressed"],
        }
    )
    nl = labelling.labelled(frame, "nl", NAMES)
    assert nl.iloc[0].tolist()[:5] == [
        "2019",
        "Kernstad (GM9901)",
        "Grenzkreis (fiktiv)",
        "Jonge gezinnen",
        "kind geboren",
    ]
    assert nl.iloc[1].tolist()[:5] == ["2019–2021", "Totaal", "buitenland (overig)", "Totaal", "geen verandering"]
    en = labelling.labelled(frame, "en", NAMES)
    assert en.status.tolist() == ["with noise (cell key)", "withheld"] and en.area.tolist()[1] == "Total"
    assert en["count"].dtype == "Int64" and en["count"].tolist()[0] == 12  # numbers untouched, still whole


def test_python_cli_and_export_say_the_same_words(demo_store: Path, tmp_path: Path) -> None:
    s = udc.open(demo_store)
    view = s.labelled(s.read("verhuisstromen_triggers"), "en")
    assert {"child born", "Total"} <= set(view.trigger) and "child_born" not in set(view.trigger)
    assert all(" (GM" in a or a in ("Total", "Demoregio (fictief)") for a in view.area)
    out = tmp_path / "triggers.csv"
    run("--store", str(demo_store), "export", "verhuisstromen_triggers", "--out", str(out), "--labels", "--lang", "en")
    written = pd.read_csv(out)
    assert list(written.columns)[:4] == ["Period", "Area", "Target group", "Trigger"]
    assert set(written.Trigger) == set(view.trigger)
    table = run(
        "--store", str(demo_store), "flows", "--municipality", "GM9901", "--view", "triggers", "--years", "2019"
    )
    assert "Aanleiding" in table.stdout and "kind geboren" in table.stdout and "child_born" not in table.stdout
    machine = run(
        "--store",
        str(demo_store),
        "flows",
        "--municipality",
        "GM9901",
        "--view",
        "triggers",
        "--years",
        "2019",
        "-f",
        "json",
    )
    assert "child_born" in machine.stdout  # programs keep the codes
