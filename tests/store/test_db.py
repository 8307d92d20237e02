from pathlib import Path

import duckdb
import pandas as pd
import pytest

from udc.errors import UdcError
from udc.store import Dataset, Store, catalogue


def test_new_store_is_migrated_and_reopens(tmp_path: Path) -> None:
    with Store(tmp_path / "s") as s:
        assert s.schema_version >= 1
        tables = {r["table_name"] for r in s.rows("SELECT table_name FROM information_schema.tables")}
        assert {"datasets", "areas", "area_changes", "geometries", "adjacency", "regions"} <= tables
    with Store(tmp_path / "s") as again:
        assert again.migrate() == []  # nothing applied twice


def test_transaction_rolls_back_everything(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as con:
        con.execute("INSERT INTO regions (name, title) VALUES ('x', 'X')")
        raise RuntimeError("boom")
    assert store.rows("SELECT * FROM regions") == []


def test_store_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(UdcError, match="is a file"):
        Store(f)


def test_ibis_reads_the_same_database(store: Store) -> None:
    catalogue.save(store, Dataset(name="t", title="T", source="test"), pd.DataFrame({"a": [1, 2, 3]}))
    table = store.ibis.table("ds_t")
    assert store.ibis.execute(table.a.sum()) == 6
    assert isinstance(store.con, duckdb.DuckDBPyConnection)


def test_catalogue_records_sensitivity_and_rows(store: Store) -> None:
    catalogue.save(
        store,
        Dataset(name="brp", title="BRP", source="municipal: Heerlen BRP", sensitivity="microdata"),
        pd.DataFrame({"x": range(5)}),
    )
    [entry] = catalogue.list_datasets(store)
    assert (entry["name"], entry["sensitivity"], entry["rows"]) == ("brp", "microdata", 5)
    assert catalogue.get(store, "brp").source == "municipal: Heerlen BRP"


@pytest.mark.parametrize(
    ("name", "sensitivity", "message"),
    [
        ("Bad Name", "open", "dataset name"),
        ("ok", "secret", "sensitivity 'secret'"),
    ],
)
def test_catalogue_rejects_bad_entries(name: str, sensitivity: str, message: str) -> None:
    with pytest.raises(UdcError, match=message):
        Dataset(name=name, title="x", source="x", sensitivity=sensitivity)


def test_failed_save_keeps_the_previous_version(store: Store) -> None:
    catalogue.save(store, Dataset(name="t", title="first", source="s"), pd.DataFrame({"a": [1]}))
    with pytest.raises(duckdb.Error):
        catalogue.save(store, Dataset(name="t", title="second", source="s"), pd.DataFrame({"a": [complex(1, 2)]}))
    assert catalogue.get(store, "t").title == "first"
    assert store.rows("SELECT a FROM ds_t") == [{"a": 1}]
