"""One owner per table: only ``udc.store`` (the catalogue) and ``udc.areas`` (the registry) write SQL on the
catalogue and area tables; everyone else calls their functions. Checked on the source text of every module."""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "udc"
OWNED = (
    "datasets",
    "dataset_columns",
    "dataset_inputs",
    "release_versions",
    "areas",
    "area_changes",
    "area_sizes",
    "geometries",
    "adjacency",
    "regions",
    "region_members",
)
SQL_ON_OWNED = re.compile(
    r"\b(FROM|JOIN|INTO|UPDATE|TABLE|DESCRIBE)\s+\"?(" + "|".join(OWNED) + r")\b\"?(?!\w)", flags=re.IGNORECASE
)


def offenders() -> list[str]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC)
        if relative.parts[0] in ("store", "areas"):
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if SQL_ON_OWNED.search(line) and not line.lstrip().startswith("#"):
                found.append(f"{relative}:{number}: {line.strip()}")
    return found


def test_only_store_and_areas_write_sql_on_their_tables() -> None:
    assert offenders() == []


def test_the_check_would_find_an_offender() -> None:
    assert SQL_ON_OWNED.search('store.rows("SELECT member_code FROM region_members WHERE region = ?")')
    assert SQL_ON_OWNED.search("f'SELECT name FROM datasets WHERE released'")
    assert not SQL_ON_OWNED.search('"areas from the registry"')  # prose is not SQL
