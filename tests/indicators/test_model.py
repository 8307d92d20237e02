"""Indicator definitions: the library validates against the published JSON Schema (checked by an independent
validator), and a mistaken file is one line naming the field."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from udc.errors import InputError
from udc.indicators.model import library, load, schema

PUBLISHED = Path(__file__).resolve().parents[2] / "docs" / "indicators.schema.json"
LIBRARY = Path(__file__).resolve().parents[2] / "src" / "udc" / "indicators" / "library"


def test_the_published_schema_is_the_code_s_schema() -> None:
    published = json.loads(PUBLISHED.read_text(encoding="utf-8"))
    assert published == schema(), f"stale: run 'udc indicators schema > {PUBLISHED}'"


@pytest.mark.parametrize("path", sorted(LIBRARY.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_library_definition_is_valid_by_the_published_schema(path: Path) -> None:
    jsonschema.validate(yaml.safe_load(path.read_text(encoding="utf-8")), schema())
    assert load(path).id == path.stem


def test_the_library_covers_the_seed_themes() -> None:
    themes = {i.theme for i in library().values()}
    assert {"armoede_schulden", "jeugd", "mobiliteit", "bevolking", "werk_onderwijs"} <= themes
    assert len(library()) >= 24


def test_a_mistaken_definition_is_one_line_naming_the_field(tmp_path: Path) -> None:
    good = yaml.safe_load((LIBRARY / "jeugd_jeugdzorg.yaml").read_text(encoding="utf-8"))
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump({**good, "unit": "percentage"}))
    with pytest.raises(InputError, match=r"bad.yaml: field 'unit': Input should be 'percent'"):
        load(bad)
    sql = tmp_path / "sql.yaml"
    sql.write_text(yaml.safe_dump({**good, "numerator": {**good["numerator"], "where": "1=1"}}))
    with pytest.raises(InputError, match=r"numerator.where'?: Extra inputs are not permitted"):
        load(sql)  # no SQL in a definition, ever
    mixed = tmp_path / "mixed.yaml"
    mixed.write_text(yaml.safe_dump({**good, "denominator": {"dataset": "synth_households"}}))
    with pytest.raises(InputError, match="numerator and denominator must use the same dataset"):
        load(mixed)
