"""What a program and a first-hour user get from the CLI: strict JSON lists with whole-number counts from every
``--format json``, a one-line usage error (never a traceback) for every missing argument, and a mistyped --store
refused instead of silently made into an empty store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from test_help import commands

from cli_runner import udc
from udc.cli.common import CREATE_STORE

# A command's arguments on the demo store, for every command with --format json.
ON_DEMO: dict[str, list[str]] = {
    "udc info": [],
    "udc settings": [],
    "udc areas list": ["--kind", "gemeente"],
    "udc kwb variables": [],
    "udc areas changes": [],
    "udc areas crosswalk": ["--from-year", "2015", "--to-year", "2024"],
    "udc areas neighbours": ["GM9901", "--year", "2024"],
    "udc regions list": [],
    "udc catalog": [],
    "udc catalog show": ["kerncijfers_inwoners"],
    "udc audit show": [],
    "udc users list": [],
    "udc users tokens": [],
    "udc parties list": [],
    "udc parties show": ["gemeente"],
    "udc agreements list": [],
    "udc participation reports": [],
    "udc participation categories list": [],
    "udc microdata contract": [],
    "udc indicators list": [],
    "udc indicators benchmark": ["GM9901", "--indicator", "armoede_bijstand"],
    "udc indicators iso37120": ["GM9901"],
    "udc indicators compute": ["--ids", "armoede_bijstand,bevolking_0_17", "--level", "gemeente"],
    "udc monitor list": [],
    "udc study determinants": ["--outcome", "youth_care"],
    "udc study expected": ["--outcome", "youth_care"],
    "udc study stacking": ["--level", "gemeente"],
    "udc leegstand woningen": ["--level", "gemeente"],
    "udc winkelgebieden leegstand": [],
}
# Commands with --format json this test does not run, and why (each is covered by its own module's tests).
NOT_HERE = {
    "udc check": "needs a table file to check",
    "udc kwb import": "needs KWB files: tests/sources/test_kwb.py (its JSON read strictly there)",
    "udc kwb import-statline": "reads a StatLine server: tests/sources/test_kwb_statline.py (JSON read strictly)",
    "udc statline info": "reads a StatLine server",
    "udc link persons": "needs two person-level tables",
    "udc gate crosstab": "a protected table: tests/privacy",
    "udc gate run": "needs a definition file",
    "udc flows": "a gated study, seconds: tests/cli/test_flows_cli.py",
    "udc laden prognose": "a population dense enough: tests/analysis/test_charging.py (its JSON read strictly there)",
    "udc laden nal": "a population dense enough: tests/analysis/test_charging.py (its JSON read strictly there)",
    "udc flows study": "writes a study: tests/cli/test_flows_cli.py",
    "udc definitions verify": "needs a package: tests/indicators/test_package.py",
    "udc definitions import": "needs a package: tests/indicators/test_package.py",
    "udc monitor report": "a monitor run, seconds: tests/monitoring",
}
COUNTS = {
    "count",
    "rows",
    "numerator",
    "denominator",
    "member_count",
    "peer_count",
    "n",
    "exposure",
    "observed",
    "with_0",
    "with_1",
    "with_2_or_more",
}
# Commands that run without arguments and make or serve a store: not run with none here.
LONG_RUNNING = {"udc demo", "udc serve"}


def has_json(command: click.Command) -> bool:
    return any("--format" in getattr(p, "opts", []) for p in command.params)


def strict(text: str) -> Any:
    def refuse(constant: str) -> None:
        raise ValueError(f"not JSON: {constant}")

    return json.loads(text, parse_constant=refuse)


def counts_of(value: Any) -> list[tuple[str, Any]]:
    """Every (key, value) whose key names a count, anywhere in the document."""
    if isinstance(value, list):
        return [pair for item in value for pair in counts_of(item)]
    if isinstance(value, dict):
        found = [(k, v) for k, v in value.items() if k in COUNTS and v is not None and not isinstance(v, list)]
        return found + [pair for v in value.values() for pair in counts_of(v)]
    return []


def test_every_json_output_is_a_strict_list_with_whole_counts(demo_store: Path) -> None:
    with_json = {name for name, command in commands() if has_json(command)}
    assert with_json - set(ON_DEMO) - set(NOT_HERE) == set(), "a new --format json command: add it to ON_DEMO"
    checked = 0
    for name, args in ON_DEMO.items():
        ran = udc("--store", str(demo_store), *name.split()[1:], *args, "--format", "json")
        document = strict(ran.stdout)
        assert isinstance(document, list), name
        for key, value in counts_of(document):
            assert isinstance(value, int) and not isinstance(value, bool), (name, key, value)
            checked += 1
    assert checked > 0  # the demo has counts (denominators, rows, members) to check


def test_counts_are_integers_in_python_csv_and_parquet_for_every_release(demo_store: Path, tmp_path: Path) -> None:
    """Every released table with a count column, read through ``udc.open(...).read`` and written by ``udc export``
    as CSV and Parquet: the counts are integers (a withheld one empty/null), never 234.0. (The indicators' numerator
    and denominator are counts for most indicators but a sum of a measure for averages: one column, decimals.)"""
    import pandas as pd
    import pyarrow.parquet as pq

    import udc as udc_api

    facade = udc_api.open(demo_store)
    released = [d["name"] for d in facade.datasets if d.get("released")]
    checked = []
    for name in released:
        frame = facade.read(name)
        counts = [c for c in frame.columns if c == "count"]
        if not counts:
            continue
        for column in counts:
            assert pd.api.types.is_integer_dtype(frame[column]), (name, column, frame[column].dtype)
        out = tmp_path / f"{name}.csv"
        udc("--store", str(demo_store), "export", name, "--out", str(out))
        text = pd.read_csv(out, dtype=str, keep_default_na=False)
        for column in counts:
            assert not text[column].str.contains(r"\.").any(), (name, column, text[column].head().tolist())
        udc("--store", str(demo_store), "export", name, "--out", str(tmp_path / f"{name}.parquet"))
        schema = pq.read_schema(tmp_path / f"{name}.parquet")
        assert all(str(schema.field(c).type) == "int64" for c in counts), (name, schema)
        checked.append(name)
    assert len(checked) >= 8, checked  # key figures and every verhuisstromen view


def test_compute_writes_null_not_nan_for_withheld_values(demo_store: Path) -> None:
    args = ["indicators", "compute", "--ids", "armoede_bijstand", "--level", "gemeente,wijk", "-f", "json"]
    rows = strict(udc("--store", str(demo_store), *args).stdout)
    withheld = [r for r in rows if r["status"] == "suppressed"]
    assert withheld and all(r["value"] is None for r in withheld)
    assert all(isinstance(r["denominator"], int) for r in rows if r["denominator"] is not None)


def dummy(param: click.Parameter) -> list[str]:
    """A value that parses for ``param`` (an int for an int, a choice for a choice)."""
    value = "1" if isinstance(param.type, click.types.IntParamType | click.types.FloatParamType) else "x"
    if isinstance(param.type, click.Choice):
        value = str(param.type.choices[0])
    if isinstance(param, click.Option):
        return [param.opts[0], value]
    return [value]


def without(required: list[click.Parameter], left: click.Parameter) -> list[str]:
    """Every required parameter but ``left``; positionals are left out from the end (one in the middle would only
    shift the next into its place)."""
    position = required.index(left)
    kept = [
        other
        for i, other in enumerate(required)
        if other is not left
        and not (isinstance(left, click.Argument) and isinstance(other, click.Argument) and i > position)
    ]
    return [part for other in kept for part in dummy(other)]


def one_line_error(ran: Any, name: str) -> str:
    assert ran.returncode != 0, name
    assert "Traceback" not in ran.stdout + ran.stderr, name
    lines = [line for line in ran.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, (name, ran.stderr)
    return lines[0]


def test_every_command_without_its_arguments_is_one_usage_line(tmp_path: Path) -> None:
    """No arguments at all, then each required one left out in turn (the others given a value that parses): never
    a traceback, always one line, and nothing created where the store would be."""
    ran_any = 0
    for name, command in commands():
        if isinstance(command, click.Group) or name in LONG_RUNNING:
            continue
        required = [p for p in command.params if p.required]
        attempts = [[]] + [without(required, left) for left in required]
        if not required:
            attempts = [[]]
        for number, args in enumerate(attempts):
            missing = tmp_path / f"{name.replace(' ', '-')}-{number}"  # a store one command may make is its own
            ran = udc("--store", str(missing), *name.split()[1:], *args, check=False)
            ran_any += 1
            if not required and ran.returncode == 0:  # needs no store (udc settings, udc indicators schema)
                assert "Traceback" not in ran.stdout + ran.stderr, name
                continue
            line = one_line_error(ran, f"{name} {args}")
            if required:
                assert "Missing" in line and "Usage:" in line, (name, args, line)
            else:
                assert "no store at" in line, (name, line)
            if " ".join(name.split()[1:]) not in CREATE_STORE:
                assert not missing.exists(), f"{name} made a store it only should have read"
    assert ran_any >= 100


def test_a_mistyped_store_is_refused_with_the_one_beside_it(tmp_path: Path) -> None:
    udc("--store", str(tmp_path / "udc-data"), "init")
    ran = udc("--store", str(tmp_path / "udc-dat"), "info", check=False)
    line = one_line_error(ran, "info")
    assert f"no store at {tmp_path / 'udc-dat'}" in line and f"did you mean {tmp_path / 'udc-data'}?" in line
    assert "udc init" in line
    assert not (tmp_path / "udc-dat").exists()


@pytest.mark.parametrize("command", [["init"], ["import", "missing.csv", "--dataset", "x"]])
def test_init_and_imports_may_make_a_store(tmp_path: Path, command: list[str]) -> None:
    store = tmp_path / "new"
    ran = udc("--store", str(store), *command, check=False)
    assert "no store at" not in ran.stderr
