import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from udc.errors import InputError, UdcError
from udc.sources.importer import ImportOptions, import_municipal, import_statline_offline
from udc.sources.link import link_areas, link_persons
from udc.store import Store, catalogue


@pytest.fixture
def parkstad(parkstad_template: Path, tmp_path: Path) -> Store:
    shutil.copytree(parkstad_template, tmp_path / "store")
    with Store(tmp_path / "store") as store:
        yield store


def test_heerlen_names_match_codes_every_year(parkstad: Store, data: Path) -> None:
    for year in range(2016, 2021):
        path = data / "heerlen_urbandata" / f"Kerncijfers_wijken_en_buurten_{year}_pp.csv"
        result = import_municipal(
            parkstad,
            str(path),
            f"heerlen_{year}",
            ImportOptions(area_column="Wijk_Buurt", year=year, within="GM0917", sensitivity="open"),
        )
        assert result.unmatched == []
        frame = parkstad.query(f"SELECT * FROM ds_heerlen_{year}")
        assert frame.area_code.notna().all() and len(frame) == 81  # gemeente + 23 wijken + 57 buurten
        kinds = frame.area_code.str[:2].value_counts().to_dict()
        assert kinds == {"BU": 57, "WK": 23, "GM": 1}
    assert "Bron: CBS" not in set(parkstad.query("SELECT Wijk_Buurt FROM ds_heerlen_2019").Wijk_Buurt)


def test_unknown_name_is_an_error_with_suggestions(parkstad: Store, tmp_path: Path) -> None:
    f = tmp_path / "wijken.csv"
    f.write_text("wijk;aantal\nWijk 10 Maria Gewanden en Terschuren;5\nMaria Gewanden en Terschurn;3\n")
    with pytest.raises(
        InputError,
        match=r"wijken.csv, row 3, field 'wijk': name 'Maria Gewanden en Terschurn' "
        r"matches no area; did you mean",
    ):
        import_municipal(parkstad, str(f), "w", ImportOptions(area_column="wijk", year=2022, within="GM0917"))
    assert catalogue.list_datasets(parkstad) == []


def test_csv_conventions(parkstad: Store, tmp_path: Path) -> None:
    f = tmp_path / "gem.csv"
    f.write_bytes("gemeente;uitkeringen;bedrag\nGM0917;1.234;12,5\nGM0899;987;3,25\n".encode("cp1252"))
    import_municipal(parkstad, str(f), "uitkeringen", ImportOptions(area_column="gemeente", year=2022))
    frame = parkstad.query("SELECT * FROM ds_uitkeringen ORDER BY area_code")
    assert frame.uitkeringen.tolist() == [987, 1234] and frame.bedrag.tolist() == [3.25, 12.5]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("naam\tinwoners\nKerkrade Centrum\t100\nCafé\t5\n".encode("cp1252"))
    import_municipal(parkstad, str(latin), "latin")
    assert "Café" in set(parkstad.query("SELECT naam FROM ds_latin").naam)
    assert catalogue.get(parkstad, "latin").provenance["encoding"] == "cp1252"


def test_mixed_encoding_wrong_separator_and_unknown_code(parkstad: Store, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(b"naam;n\n" + "Café;1\n".encode() + "Bâton;2\n".encode("cp1252"))
    with pytest.raises(InputError, match="mixed encodings: line 3 is not UTF-8"):
        import_municipal(parkstad, str(mixed), "mixed")
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a;b;c\n1;2;3\n4;5\n")
    with pytest.raises(InputError, match="ragged.csv, row 3: 2 fields where the header has 3"):
        import_municipal(parkstad, str(ragged), "ragged")
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("code,n\nGM0917,1\nGM9998,2\n")
    with pytest.raises(InputError, match="row 3, field 'code': unknown area code 'GM9998'"):
        import_municipal(parkstad, str(unknown), "unknown", ImportOptions(area_column="code"))


def test_declared_schema(parkstad: Store, tmp_path: Path) -> None:
    schema = tmp_path / "schema.json"
    schema.write_text(
        '{"columns": {"dossier": {"type": "integer", "unique": true, "required": true},'
        ' "uren": {"type": "number", "min": 0}}}'
    )
    ok = tmp_path / "ok.csv"
    ok.write_text("dossier,uren\n1,2.5\n2,4\n")
    import_municipal(parkstad, str(ok), "ok", ImportOptions(schema=schema))
    dupes = tmp_path / "dupes.csv"
    dupes.write_text("dossier,uren\n1,2.5\n2,4\n1,3\n")
    with pytest.raises(InputError, match="dupes.csv, row 4, field 'dossier': duplicate key '1'"):
        import_municipal(parkstad, str(dupes), "dupes", ImportOptions(schema=schema))
    negative = tmp_path / "negative.csv"
    negative.write_text("dossier,uren\n1,-2\n")
    with pytest.raises(InputError, match="row 2, field 'uren': -2.0 is outside the allowed min 0"):
        import_municipal(parkstad, str(negative), "negative", ImportOptions(schema=schema))


def test_excel_parquet_and_database(parkstad: Store, tmp_path: Path) -> None:
    frame = pd.DataFrame({"gemeente": ["GM0917", "GM0928"], "meldingen": [12, 7]})
    frame.to_excel(tmp_path / "m.xlsx", index=False)
    frame.to_parquet(tmp_path / "m.parquet")
    with sqlite3.connect(tmp_path / "m.db") as con:
        frame.to_sql("meldingen", con, index=False)
    for name, source, extra in (
        ("x", tmp_path / "m.xlsx", {}),
        ("p", tmp_path / "m.parquet", {}),
        ("d", f"sqlite:///{tmp_path / 'm.db'}", {"table": "meldingen"}),
    ):
        import_municipal(parkstad, str(source), name, ImportOptions(area_column="gemeente", year=2022, **extra))
        assert parkstad.query(f"SELECT sum(meldingen) AS s FROM ds_{name}").s[0] == 19
    with pytest.raises(UdcError, match="needs --table"):
        import_municipal(parkstad, f"sqlite:///{tmp_path / 'm.db'}", "nope")


def test_link_areas_rebases_both_sides(parkstad: Store, tmp_path: Path) -> None:
    benefits = tmp_path / "benefits.csv"
    benefits.write_text("gemeente,jaar,uitkeringen\nGM0951,2018,100\nGM0881,2018,50\nGM0962,2018,70\nGM0917,2018,900\n")
    people = tmp_path / "people.csv"
    people.write_text(
        "gemeente;jaar;inwoners\nGM0951;2018;15187\nGM0881;2018;7782\nGM0962;2018;12758\nGM0917;2018;86762\n"
        "GM0899;2018;28241\n"
    )
    import_municipal(parkstad, str(benefits), "benefits", ImportOptions(area_column="gemeente", period_column="jaar"))
    import_municipal(
        parkstad, str(people), "people", ImportOptions(area_column="gemeente", period_column="jaar", sensitivity="open")
    )
    report = link_areas(parkstad, "benefits", "people", "benefits_people", to_year=2019)
    linked = parkstad.query("SELECT * FROM ds_benefits_people").set_index("area_code")
    assert linked.loc["GM1954", "benefits__uitkeringen"] == 220 and linked.loc["GM1954", "people__inwoners"] == 35727
    assert report.counts == {"both": 2, "only_benefits": 0, "only_people": 1}  # Brunssum only in "people"
    entry = catalogue.get(parkstad, "benefits_people")
    assert entry.sensitivity == "internal"  # the stricter of internal and open
    assert {x["input"] for x in catalogue.describe(parkstad, "benefits_people")["lineage"]} == {"benefits", "people"}


def test_link_persons_with_the_demo_microdata(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    from udc.privacy.pseudonyms import synthetic_bsn
    from udc.synth.generate import generate

    monkeypatch.setenv("UDC_PSEUDONYM_KEY", "a-test-key-of-sufficient-length")
    with Store(tmp_path / "s") as store:
        generate(store, persons=5_000, seed=3, years=(2015, 2016))
        n = int(store.query("SELECT count(*) AS n FROM ds_synth_persons").n[0])
        bsns = synthetic_bsn(n, 3)
        chosen = np.random.default_rng(0).choice(n, 300, replace=False)
        rows = [f"{bsns[i]:09d},{i % 3}" for i in chosen]
        rows += ["111222333,1", "123456782,2"]  # valid BSNs of nobody in the demo
        rows.append(rows[0])  # a duplicate
        f = tmp_path / "schuldhulp.csv"
        f.write_text("bsn,trajecten\n" + "\n".join(rows) + "\n")
        result = import_municipal(
            store, str(f), "schuldhulp", ImportOptions(pseudonymise="bsn", key=b"a-test-key-of-sufficient-length")
        )
        assert result.sensitivity == "microdata"
        stored = store.query("SELECT * FROM ds_schuldhulp")
        assert "bsn" not in stored.columns and stored.pseudonym.str.len().eq(32).all()
        report = link_persons(store, "schuldhulp", "synth_persons", "schuldhulp_personen")
        assert report.counts["matched"] == 300
        assert report.counts["unmatched_schuldhulp"] == 2
        assert report.counts["duplicates_schuldhulp"] == 1 and report.counts["duplicates_synth_persons"] == 0
        assert catalogue.get(store, "schuldhulp_personen").sensitivity == "microdata"
        lineage = catalogue.describe(store, "schuldhulp_personen")["lineage"]
        assert {x["input"] for x in lineage} == {"schuldhulp", "synth_persons"}


def test_invalid_bsn_is_rejected(parkstad: Store, tmp_path: Path) -> None:
    f = tmp_path / "p.csv"
    f.write_text("bsn,x\n111222333,1\n123456789,2\n")
    with pytest.raises(InputError, match="p.csv, row 3, field 'bsn': '123456789' is not a valid BSN"):
        import_municipal(parkstad, str(f), "p", ImportOptions(pseudonymise="bsn", key=b"k" * 16))
    assert catalogue.list_datasets(parkstad) == []


def test_offline_statline_import_is_catalogued_open(parkstad: Store, data: Path) -> None:
    result = import_statline_offline(
        parkstad,
        data / "inverseGerrymandering" / "SES_WOA_scores_per_wijk_en_buurt_25042023_160857.csv",
        "ses_woa_2019",
    )
    info = catalogue.describe(parkstad, "ses_woa_2019")
    assert result.rows == 579 and info["sensitivity"] == "open" and info["licence"].startswith("CC BY 4.0")
    roles = {c["name"]: c["role"] for c in info["columns"]}
    assert roles["regiocode_gemeente_wijk_buurt_code"] == "area" and roles["perioden"] == "period"


def test_import_killed_half_way_leaves_the_store_unchanged(tmp_path: Path) -> None:
    store_dir = tmp_path / "s"
    with Store(store_dir) as store:
        f = tmp_path / "a.csv"
        f.write_text("a,b\n1,2\n")
        import_municipal(store, str(f), "first")
    script = (
        "import sys; from udc.store import Store; from udc.sources.importer import import_municipal; "
        f"import_municipal(Store(r'{store_dir}'), r'{f}', 'second')"
    )
    killed = subprocess.run([sys.executable, "-c", script], env={**os.environ, "UDC_CRASH_AT": "catalogue.save"})
    assert killed.returncode == 70
    with Store(store_dir) as store:
        assert [d["name"] for d in catalogue.list_datasets(store)] == ["first"]
        tables = {r["table_name"] for r in store.rows("SELECT table_name FROM information_schema.tables")}
        assert "ds_second" not in tables
