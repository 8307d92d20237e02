"""Definition packages: indicator definitions another Urban Data Center can import, verify on its own engine and
only then run on its own data.

A package is a zip file:

- ``manifest.json`` — package format and definition-schema version, author organisation, creation time, per
  definition its file, id, version, definition hash and sha256, the datasets and columns it needs (so the importer
  knows which of its tables must follow the microdata contract), and the sha256 of every other file;
- ``definitions/<id>.yaml`` — the definitions;
- ``fixture/<dataset>.csv`` — a small synthetic input in exactly the needed columns (types in the manifest);
- ``expected.csv`` — what the exporter's engine computed from the fixture under the default disclosure policy.

``verify`` checks every hash, validates every definition against the schema, loads the fixture into a scratch
store, computes the definitions there with this installation's engine and compares the result with
``expected.csv`` cell by cell. ``import`` verifies first and adds nothing unless everything agrees.
"""

from __future__ import annotations

import hashlib
import io
import json
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from udc import yamltext
from udc.errors import InputError, UdcError
from udc.indicators.compute import compute
from udc.indicators.model import Count, Indicator, library
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.dimensions import DERIVED
from udc.store import catalogue
from udc.store.db import Store

FORMAT = 1
SCHEMA_VERSION = 1  # of the definition schema (docs/indicators.schema.json)
FIXTURE_ROWS = 800
FIXTURE_YEARS = (2020, 2021)
FIXTURE_AREAS = ["BU99990101", "BU99990102", "BU99990201", "BU99990202"]  # one fictional gemeente, two wijken
COMPARED = ["indicator", "area_code", "period", "value", "numerator", "denominator", "ci_low", "ci_high", "status"]
MAX_PACKAGE = 20_000_000  # bytes: a definition package is small; a larger file is not one


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _dump(indicator: Indicator) -> bytes:
    return yaml.safe_dump(
        indicator.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False
    ).encode()


def requirements(indicators: list[Indicator]) -> dict[str, list[str]]:
    """dataset → the columns the definitions read (area, year or the inputs of a derived year, filters, measure)."""
    needs: dict[str, set[str]] = {}
    for indicator in indicators:
        for count in indicator.counts:
            columns = needs.setdefault(count.dataset, set())
            columns.add(count.area)
            columns.update(DERIVED[count.year].needs if count.year in DERIVED else (count.year,))
            columns.update(f.column for f in count.filters)
            if count.measure:
                columns.add(count.measure)
    return {name: sorted(columns) for name, columns in sorted(needs.items())}


def _kinds(indicators: list[Indicator], dataset: str, columns: list[str]) -> dict[str, str]:
    """Column → bool, int, date or text, from how the definitions use it (the fixture's types)."""
    kinds = {c: "text" for c in columns}
    for indicator in indicators:
        for count in indicator.counts:
            if count.dataset != dataset:
                continue
            if count.year in DERIVED:
                kinds.update({c: "date" for c in DERIVED[count.year].needs})
            else:
                kinds[count.year] = "int"
            if count.measure:
                kinds[count.measure] = "int"
            for f in count.filters:
                if f.between is not None:
                    kinds[f.column] = "int"
                elif f.values is not None and {str(v).lower() for v in f.values} <= {"true", "false"}:
                    kinds[f.column] = "bool"
    return kinds


def _fixture_column(kind: str, counts: list[Count], column: str, rng: np.random.Generator, n: int) -> Any:
    filters = [f for c in counts for f in c.filters if f.column == column]
    if kind == "bool":
        return rng.random(n) < 0.35
    if kind == "date":
        days = pd.date_range(f"{FIXTURE_YEARS[0]}-01-01", f"{FIXTURE_YEARS[1]}-12-31", freq="D")
        return rng.choice(days.to_numpy(), n)
    if kind == "int":
        spans = [f.between for f in filters if f.between is not None]
        low = max(0, min((s[0] for s in spans), default=0) - 10)
        high = max((s[1] for s in spans), default=5) + 10
        return rng.integers(low, min(high, low + 130) + 1, n)
    choices = sorted(
        {str(v) for f in filters for v in (f.values or [])} | {f.prefix + "x" for f in filters if f.prefix} | {"overig"}
    )
    return rng.choice(choices, n)


def fixture(indicators: list[Indicator], seed: int = 37120) -> dict[str, pd.DataFrame]:
    """A small synthetic input per dataset: every needed column, values inside and outside every filter, four
    buurten, two years, a record key (so counts get the same cell-key protection as real microdata)."""
    rng = np.random.default_rng(seed)
    frames = {}
    for dataset, columns in requirements(indicators).items():
        counts = [c for i in indicators for c in i.counts if c.dataset == dataset]
        kinds = _kinds(indicators, dataset, columns)
        area_columns = {c.area for c in counts}
        year_columns = {c.year for c in counts if c.year not in DERIVED}
        data: dict[str, Any] = {}
        for column in columns:
            if column in area_columns:
                data[column] = rng.choice(FIXTURE_AREAS, FIXTURE_ROWS)
            elif column in year_columns:
                data[column] = rng.choice(list(FIXTURE_YEARS), FIXTURE_ROWS)
            else:
                data[column] = _fixture_column(kinds[column], counts, column, rng, FIXTURE_ROWS)
        data["record_key"] = rng.integers(0, 2**32, FIXTURE_ROWS)
        frames[dataset] = pd.DataFrame(data)
    return frames


def _types(frame: pd.DataFrame) -> dict[str, str]:
    def kind(dtype: Any) -> str:
        if pd.api.types.is_bool_dtype(dtype):
            return "bool"
        if pd.api.types.is_integer_dtype(dtype):
            return "int"
        return "date" if pd.api.types.is_datetime64_any_dtype(dtype) else "text"

    return {column: kind(dtype) for column, dtype in frame.dtypes.items()}


def _read_fixture(data: bytes, types: dict[str, str], name: str) -> pd.DataFrame:
    frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    if sorted(frame.columns) != sorted(types):
        raise InputError(f"columns {sorted(frame.columns)} differ from the manifest's {sorted(types)}", file=name)
    for column, kind in types.items():
        if kind == "bool":
            frame[column] = frame[column].str.lower() == "true"
        elif kind == "int":
            frame[column] = pd.to_numeric(frame[column]).astype("int64")
        elif kind == "date":
            frame[column] = pd.to_datetime(frame[column])
    return frame


def run_fixture(
    frames: dict[str, pd.DataFrame], indicators: list[Indicator], *, user: User, audit: AuditLog
) -> pd.DataFrame:
    """The definitions computed on the fixture in a scratch store (this installation's engine, default policy)."""
    with tempfile.TemporaryDirectory(prefix="udc-package-") as folder, Store(Path(folder)) as store:
        for dataset, frame in frames.items():
            catalogue.save(
                store,
                catalogue.Dataset(
                    name=dataset, title=f"fixture {dataset}", source="package fixture", sensitivity="microdata"
                ),
                frame,
            )
        result = pd.concat(
            [compute(store, i, years=list(FIXTURE_YEARS), user=user, audit=audit) for i in indicators],
            ignore_index=True,
        )
    return result[COMPARED]


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, date_format="%Y-%m-%d", float_format="%.10g").encode()


def export(
    indicators: list[Indicator],
    out: Path,
    *,
    organisation: str,
    user: User,
    audit: AuditLog,
    contract: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Write a definition package for ``indicators`` to ``out`` (a .zip); returns its manifest."""
    if not indicators:
        raise UdcError("a package needs at least one definition")
    open_series = [i.id for i in indicators if i.weighted is not None]
    if open_series:  # their check is the published series itself, not a fixture of microdata counted by the gate
        raise UdcError(
            f"{', '.join(open_series)}: roll up an open series (rate, mean or divide); a package carries counted "
            "definitions with a fixture — share these as their YAML files (udc indicators add)"
        )
    frames = fixture(indicators)
    expected = run_fixture(frames, indicators, user=user, audit=audit)
    files: dict[str, bytes] = {f"definitions/{i.id}.yaml": _dump(i) for i in indicators}
    files |= {f"fixture/{name}.csv": _csv(frame) for name, frame in frames.items()}
    files["expected.csv"] = _csv(expected)
    manifest = {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "organisation": organisation,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "created_by": user.name,
        "definitions": [
            {"id": i.id, "version": i.version, "digest": i.digest(), "file": f"definitions/{i.id}.yaml"}
            for i in indicators
        ],
        "requires": {
            name: {"columns": columns, "contract": (contract or {}).get(name)}
            for name, columns in requirements(indicators).items()
        },
        "fixture": {name: {"file": f"fixture/{name}.csv", "types": _types(frame)} for name, frame in frames.items()},
        "expected": "expected.csv",
        "sha256": {name: _sha(data) for name, data in sorted(files.items())},
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
        for name, data in files.items():
            archive.writestr(name, data)
    return manifest


@dataclass
class Verified:
    """What verifying a package found: its manifest, definitions, and the comparison on this engine."""

    manifest: dict[str, Any]
    indicators: list[Indicator]
    cells: int = 0
    largest_difference: float = 0.0
    notes: list[str] = field(default_factory=list)


def _open(path: Path) -> dict[str, bytes]:
    if not path.is_file():
        raise InputError("no such file", file=str(path))
    if path.stat().st_size > MAX_PACKAGE:
        raise InputError(f"{path.stat().st_size} bytes: a definition package is at most {MAX_PACKAGE}", file=str(path))
    try:
        with zipfile.ZipFile(path) as archive:
            if sum(i.file_size for i in archive.infolist()) > 10 * MAX_PACKAGE:
                raise InputError("unpacks to more than a definition package can hold", file=str(path))
            return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    except zipfile.BadZipFile:
        raise InputError(
            "not a zip file (expected a package made by 'udc definitions export')", file=str(path)
        ) from None


def _manifest(files: dict[str, bytes], path: Path) -> dict[str, Any]:
    if "manifest.json" not in files:
        raise InputError("no manifest.json: not a definition package", file=str(path))
    try:
        manifest = json.loads(files["manifest.json"])
    except ValueError as exc:
        raise InputError(f"manifest.json is not JSON: {exc}", file=str(path)) from None
    if manifest.get("format") != FORMAT or manifest.get("schema_version") != SCHEMA_VERSION:
        raise InputError(
            f"package format {manifest.get('format')} / schema {manifest.get('schema_version')}: this "
            f"udc reads format {FORMAT} / schema {SCHEMA_VERSION}",
            file=str(path),
        )
    for name, digest in manifest.get("sha256", {}).items():
        if name not in files:
            raise InputError(f"{name} is listed in the manifest but missing", file=str(path))
        if _sha(files[name]) != digest:
            raise InputError(f"{name}: sha256 differs from the manifest (changed after export)", file=str(path))
    unlisted = set(files) - set(manifest.get("sha256", {})) - {"manifest.json"}
    if unlisted:
        raise InputError(f"files not in the manifest: {', '.join(sorted(unlisted))}", file=str(path))
    return manifest


def _compare(expected: pd.DataFrame, actual: pd.DataFrame, path: Path) -> tuple[int, float]:
    keys = ["indicator", "area_code", "period"]
    actual = actual.astype({"period": str})
    expected = expected.astype({"period": str}).assign(file_row=range(2, len(expected) + 2))  # the file's line numbers
    merged = expected.merge(actual, on=keys, how="outer", suffixes=("_expected", ""), indicator=True)
    merged = merged.sort_values("file_row", na_position="first")
    missing = merged[merged._merge != "both"]
    if len(missing):
        row = missing.iloc[0]
        raise InputError(
            f"{row.indicator} {row.area_code} {row.period}: in only one of expected.csv and this engine's result",
            file=str(path),
        )
    largest = 0.0
    for row in merged.itertuples():
        number = int(row.file_row)
        if row.status_expected != row.status:
            raise InputError(
                f"expected.csv row {number} ({row.indicator} {row.area_code} {row.period}): status "
                f"{row.status_expected}, this engine {row.status}",
                file=str(path),
            )
        for column in ("value", "numerator", "denominator", "ci_low", "ci_high"):
            want, got = getattr(row, f"{column}_expected"), getattr(row, column)
            if pd.isna(want) and pd.isna(got):
                continue
            difference = abs(float(want) - float(got)) if pd.notna(want) and pd.notna(got) else float("inf")
            if difference > 1e-6 * max(1.0, abs(float(want) if pd.notna(want) else 0.0)):
                raise InputError(
                    f"expected.csv row {number} ({row.indicator} {row.area_code} {row.period}): "
                    f"{column} {want}, this engine {got}",
                    file=str(path),
                )
            largest = max(largest, difference)
    return len(merged), largest


def verify(path: Path, *, user: User, audit: AuditLog) -> Verified:
    """Hashes, schema, and the fixture recomputed here equal to ``expected.csv`` — or a one-line error naming the
    file (and row) that differs."""
    from udc.indicators.model import Indicator as Model
    from udc.privacy.request import first_error

    files = _open(path)
    manifest = _manifest(files, path)
    indicators = []
    for entry in manifest.get("definitions", []):
        try:
            indicator = Model.model_validate(yamltext.safe_load(files[entry["file"]]))
        except (ValidationError, yaml.YAMLError, TypeError) as exc:  # reported as one line
            message = first_error(exc) if hasattr(exc, "errors") else str(exc).splitlines()[0]
            raise InputError(message, file=f"{path}:{entry.get('file')}") from None
        if indicator.digest() != entry.get("digest"):
            raise InputError(
                f"{entry['file']}: definition hash {indicator.digest()} differs from the manifest's", file=str(path)
            )
        indicators.append(indicator)
    frames = {
        name: _read_fixture(files[spec["file"]], spec["types"], f"{path}:{spec['file']}")
        for name, spec in manifest.get("fixture", {}).items()
    }
    expected = pd.read_csv(io.BytesIO(files[manifest["expected"]]), dtype={"period": str})
    actual = run_fixture(frames, indicators, user=user, audit=audit)
    cells, largest = _compare(expected, actual, path)
    result = Verified(manifest, indicators, cells, largest)
    for indicator in indicators:
        builtin = library().get(indicator.id)
        if builtin is not None:
            same = "the same definition" if builtin.digest() == indicator.digest() else "a different definition"
            result.notes.append(f"{indicator.id}: built in here ({same}; not imported)")
    return result


def readiness(store: Store, manifest: dict[str, Any]) -> list[str]:
    """What this store lacks to run the package on its own data: datasets or columns (empty: ready)."""
    missing = []
    for name, spec in manifest.get("requires", {}).items():
        if not catalogue.exists(store, name):
            missing.append(f"dataset {name}")
            continue
        have = set(store.columns(catalogue.table_of(store, name)))
        lacking = [c for c in spec["columns"] if c not in have]
        if lacking:
            missing.append(f"{name}: columns {', '.join(lacking)}")
    return missing
