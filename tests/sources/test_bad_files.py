"""A corpus of bad files, generated here: each is refused with one line naming the file, the line and what was
expected, and the store is byte-for-byte what it was before (nothing half-imported)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from cli_runner import udc
from shared_data import DATA

GOOD = "gemeente;jaar;bijstand\nGM0917;2022;12\nGM0899;2022;5\n"
CORPUS: dict[str, tuple[bytes, str]] = {
    "unterminated_quote.csv": (
        b'gemeente;jaar;bijstand\nGM0917;2022;"12\nGM0899;2022;5\n',
        r"row 2: a quoted field opens here and is never closed",
    ),
    "ragged.csv": (
        b"gemeente;jaar;bijstand\nGM0917;2022;12;99\nGM0899;2022;5\n",
        r"row 2: 4 fields where the header has 3",
    ),
    "truncated.csv": (
        b"gemeente;jaar;bijstand\nGM0917;2022;12\nGM0899;20",
        r"row 3: 2 fields where the header has 3 "
        r"\(a truncated line\?\)",
    ),
    "nul.csv": (b"gemeente;jaar;bijstand\nGM0917;2022;12\nGM08\x0099;2022;5\n", r"row 3: a NUL byte"),
    "mixed_encoding.csv": (
        "gemeente;jaar;naam\nGM0917;2022;Zuid-Limburg café\n".encode() + "GM0899;2022;Brunssum é\n".encode("cp1252"),
        r"mixed encodings: line 3 is not UTF-8",
    ),
    "stray_text.csv": (
        b"gemeente;jaar;bijstand\nGM0917;2022;1.234,5\nGM0899;2022;onbekend\nGM0882;2022;7\n"
        b"GM0928;2022;8\nGM0986;2022;9\n",
        r"row 3, field 'bijstand': column is numeric except for "
        r"'onbekend'.*--missing onbekend",
    ),
    "duplicate_key.csv": (
        b"gemeente;jaar;bijstand\nGM0917;2022;12\nGM0917;2022;5\n",
        r"row 3: 1 row\(s\) repeat a key \(area_code, year\).*--on-duplicate",
    ),
    "unknown_code.csv": (
        b"gemeente;jaar;bijstand\nGM0917;2022;12\nGM9999;2022;5\n",
        r"row 3, field 'gemeente': unknown area code 'GM9999'",
    ),
    "not_a_zip.xlsx": (b"this is not a spreadsheet", r"cannot open as Excel"),
    "damaged.ods": (b"PK\x03\x04 damaged", r"cannot open as ODS \(BadZipFile"),
    "damaged.parquet": (b"PAR1", r"cannot read Parquet"),
    "broken.json": (b'{"value": [ {"a": 1}, ', r"row 1: not valid JSON"),
    "scalar.json": (b"42", r"expected an object, an array of objects or GeoJSON"),
    "empty.csv": (b"", r"empty file"),
}


def fingerprint(store: Path) -> str:
    """The catalogue and every table's rows, as a stable hash (the DuckDB file itself moves with checkpoints)."""
    import udc as api

    s = api.open(store)
    digest = hashlib.sha256()
    for entry in s.catalogue():
        digest.update(repr(sorted((k, str(v)) for k, v in entry.items() if k != "retrieved_at")).encode())
        digest.update(s.read(entry["name"]).to_csv(index=False).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bad") / "store"
    udc("--store", str(path), "areas", "import", str(DATA / "nlextract" / "gemeentelijke-indeling.csv"))
    good = path.parent / "good.csv"
    good.write_text(GOOD)
    udc(
        "--store",
        str(path),
        "import",
        str(good),
        "--dataset",
        "bijstand",
        "--area-column",
        "gemeente",
        "--period-column",
        "jaar",
    )
    return path


@pytest.mark.parametrize("name", sorted(CORPUS))
def test_bad_file_is_refused_in_one_line_and_nothing_changes(store: Path, name: str) -> None:
    content, expected = CORPUS[name]
    bad = store.parent / name
    bad.write_bytes(content)
    before = fingerprint(store)
    tabular = name.endswith(".csv") and b"gemeente" in content
    args = ["--area-column", "gemeente", "--period-column", "jaar"] if tabular else []
    for dataset in ("bijstand", "nieuw"):  # replacing an existing dataset, and adding one
        result = udc("--store", str(store), "import", str(bad), "--dataset", dataset, *args, check=False)
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith(f"udc: error: {bad}") and "Traceback" not in result.stderr
        assert re.search(expected, result.stderr), result.stderr
    assert fingerprint(store) == before


def test_declared_missing_values_and_duplicates_import_honestly(store: Path) -> None:
    import udc as api

    stray = store.parent / "stray.csv"
    stray.write_bytes(CORPUS["stray_text.csv"][0])
    out = udc(
        "--store",
        str(store),
        "import",
        str(stray),
        "--dataset",
        "met_onbekend",
        "--area-column",
        "gemeente",
        "--period-column",
        "jaar",
        "--missing",
        "onbekend",
    ).stdout
    assert "'onbekend' 1× as missing" in out and "5 area code(s) in 5 rows" in out
    frame = api.open(store).read("met_onbekend").set_index("area_code")
    assert frame.loc["GM0917", "bijstand"] == 1234.5  # the Dutch number, not a text column
    assert frame.loc["GM0899", "bijstand__symbol"] == "onbekend" and frame["bijstand"].isna().sum() == 1
    twice = store.parent / "twice.csv"
    twice.write_bytes(CORPUS["duplicate_key.csv"][0])
    summed = udc(
        "--store",
        str(store),
        "import",
        str(twice),
        "--dataset",
        "opgeteld",
        "--area-column",
        "gemeente",
        "--period-column",
        "jaar",
        "--on-duplicate",
        "sum",
    ).stdout
    assert "1 duplicate row(s) summed" in summed and "1 area code(s) in 2 rows" in summed
    frame = api.open(store).read("opgeteld")
    assert len(frame) == 1 and frame["bijstand"].iloc[0] == 17 and frame["jaar"].iloc[0] == 2022


def test_schema_errors_accept_dutch_numbers_and_name_the_right_row(store: Path) -> None:
    table = store.parent / "schema.csv"
    table.write_text("gemeente;jaar;bedrag\nGM0917;2022;1.234,5\nGM0899;2022;veel\nGM0882;2022;7\n")
    schema = store.parent / "schema.json"
    schema.write_text('{"columns": {"bedrag": {"type": "number"}}}')
    result = udc("--store", str(store), "import", str(table), "--dataset", "s", "--schema", str(schema), check=False)
    assert result.returncode == 1 and "row 3, field 'bedrag': 'veel' is not a valid number" in result.stderr
