"""docs/python.md is executed, block by block, against a copy of the demo store: the page cannot drift from the
code. The checks after it are on what the walkthrough built."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

PAGE = Path(__file__).resolve().parents[2] / "docs" / "python.md"


def blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


def test_the_walkthrough_runs_as_written(demo_store: Path) -> None:
    namespace: dict[str, object] = {}
    for number, code in enumerate(blocks(), start=1):
        code = code.replace('udc.open("udc-data")', f"udc.open({str(demo_store)!r})")
        try:
            exec(compile(code, f"docs/python.md block {number}", "exec"), namespace)
        except Exception as exc:  # name the block, keep the cause
            raise AssertionError(f"docs/python.md block {number} failed: {exc!r}") from exc
    assert len(blocks()) >= 7
    assert isinstance(namespace["inwoners"], pd.DataFrame) and len(namespace["inwoners"]) > 0
    assert {"BU", "WK", "GM"} <= {c[:2] for c in namespace["table"].cells.buurt_code}  # type: ignore[attr-defined]
    assert [v["version"] for v in namespace["versions"]] == [1, 2]  # type: ignore[attr-defined]
    assert len(namespace["first"]) == namespace["versions"][0]["rows"]  # type: ignore[index]
    assert set(namespace["flows"].frame.direction) >= {"in", "out", "within"}  # type: ignore[attr-defined]
    assert set(namespace["woningen"].gemeente_code) == {"GM9901"}  # type: ignore[attr-defined]
    assert [a["code"][:2] for a in namespace["gemeenten"]] == ["GM"] * len(namespace["gemeenten"])  # type: ignore
    woco = namespace["s"].parties.show("woco")  # type: ignore[attr-defined]
    assert woco["members"] == ["analist"] and woco["agreements"][0]["valid_until"] is not None  # ended today


def test_microdata_cannot_be_read_from_python(demo_store: Path) -> None:
    import pytest

    import udc
    from udc.errors import Forbidden

    with pytest.raises(Forbidden, match="microdata leave only through the disclosure gate"):
        udc.open(demo_store).read("synth_persons_yearly")
    refusals = [e for e in udc.open(demo_store).audit_entries() if e["action"] == "export"]
    assert '"outcome": "refused"' in refusals[-1]["detail"]
