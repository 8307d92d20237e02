"""Readers for the files that describe areas: CBS code lists and the municipal validity list.

Each reader returns plain records and raises :class:`InputError` naming the file and row when the
shape is not what CBS publishes. :func:`detect` recognises a file by its content, not its name,
because downloads arrive as ``Codes (3).csv`` and ``data.json``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from udc.areas import changes as ch
from udc.areas.codes import kind_of, normalise
from udc.errors import InputError

BEFORE_1830 = date(1830, 1, 1)  # CBS: "Begindatum voor 1830"


@dataclass
class CodeEntry:
    """One region code from a CBS code list, with the changes its description spells out."""

    code: str
    kind: str
    name: str
    parent_code: str | None
    begin: date | None
    end: date | None
    changes: list[ch.Change] = field(default_factory=list)


@dataclass
class ValidityEntry:
    """One row of the CBS 'gemeentelijke indeling' validity list: a code valid in [begin, end)."""

    code: str
    name: str
    province_code: str
    begin: date
    end: date | None


def _read_text(path: Path) -> str:
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError("cannot decode as UTF-8 or cp1252", file=str(path))


def detect(path: Path) -> str:
    """'geojson', 'gpkg', 'codes-v3', 'codes-v4' or 'validity', judged by content."""
    if not path.exists():
        raise InputError("file not found", file=str(path))
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(b"SQLite format 3"):
        return "gpkg"
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    if text.startswith("{") or text.startswith("["):
        if '"FeatureCollection"' in text or '"features"' in text or '"Feature"' in text:
            return "geojson"
        if '"odata.metadata"' in text or '"Key"' in text or '"value"' in text:
            return "codes-v3"
        return "geojson" if '"type"' in text else "unknown-json"
    first = text.splitlines()[0].lower() if text else ""
    if "identifier" in first and "title" in first:
        return "codes-v4"
    if "gemeentecode" in first and "begindatum" in first:
        return "validity"
    raise InputError(
        "not a recognised area file: expected GeoJSON, GeoPackage, a CBS code list (odata4 *Codes.csv "
        "or v3 dimension JSON) or the gemeentelijke-indeling validity list (CSV with begindatum/einddatum)",
        file=str(path),
    )


def _entry(code: str, title: str, description: str | None, group: str | None, file: str) -> CodeEntry:
    code = normalise(code)
    try:
        kind = kind_of(code)
    except Exception as exc:  # UdcError: re-raised with location
        raise InputError(str(exc), file=file, row=code) from None
    found = ch.parse_description(code, description, file=file) if kind == "GM" else []
    parent = None
    if group and kind == "GM" and group.upper().startswith("GMPV") and len(group) >= 6:
        parent = "PV" + group[4:6]
    ends = [c.date for c in found if c.from_code == code and c.kind in ("dissolve", "rename")]
    begin = ch.begin_date(description)
    if begin is None and description and "begindatum voor" in description.lower():
        begin = BEFORE_1830
    return CodeEntry(code, kind, title.strip(), parent, begin, min(ends) if ends else None, found)


def read_codes_v4(path: Path) -> list[CodeEntry]:
    """An odata4 ``*Codes.csv`` (``;``-separated, multi-line quoted descriptions)."""
    text = _read_text(path)
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    needed = {"Identifier", "Title"}
    if not needed <= set(reader.fieldnames or []):
        raise InputError(f"expected columns {sorted(needed)}, found {reader.fieldnames}", file=str(path))
    entries = []
    for number, row in enumerate(reader, start=2):
        if not (row.get("Identifier") or "").strip():
            raise InputError("empty Identifier", file=str(path), row=number, field="Identifier")
        entries.append(
            _entry(
                row["Identifier"],
                row["Title"] or "",
                row.get("Description"),
                row.get("DimensionGroupId"),
                str(path),
            )
        )
    return entries


def read_codes_v3(path: Path) -> list[CodeEntry]:
    """A v3 dimension response: ``{"odata.metadata": …, "value": [{"Key", "Title", "Description"}]}``."""
    try:
        data = json.loads(_read_text(path))
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON at line {exc.lineno}: {exc.msg}", file=str(path)) from None
    values = data.get("value") if isinstance(data, dict) else data
    if not isinstance(values, list):
        raise InputError("expected a JSON object with a 'value' list of codes", file=str(path))
    entries = []
    for number, item in enumerate(values):
        if not isinstance(item, dict) or "Key" not in item or "Title" not in item:
            raise InputError("expected an object with 'Key' and 'Title'", file=str(path), row=number)
        entries.append(
            _entry(item["Key"], item["Title"], item.get("Description"), item.get("CategoryGroupID"), str(path))
        )
    return entries


def read_validity(path: Path) -> list[ValidityEntry]:
    """CBS gemeentelijke indeling: ``provinciecode;provincienaam;gemeentecode;gemeentenaam;begindatum;einddatum``."""
    text = _read_text(path)
    sample = text.splitlines()[0]
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if sample.count(";") else ",")
    fields = {f.strip().lower(): f for f in reader.fieldnames or []}
    needed = ["gemeentecode", "gemeentenaam", "begindatum", "einddatum", "provinciecode"]
    missing = [n for n in needed if n not in fields]
    if missing:
        raise InputError(f"missing columns {missing}", file=str(path))
    entries = []
    for number, row in enumerate(reader, start=2):
        raw = (row[fields["gemeentecode"]] or "").strip()
        code = raw if raw.upper().startswith("GM") else f"GM{raw.zfill(4)}"
        if not raw.isdigit() and kind_of(code) != "GM":
            raise InputError(f"'{raw}' is not a gemeentecode (expected 4 digits)", file=str(path), row=number)
        try:
            begin = date.fromisoformat(row[fields["begindatum"]].strip())
            end_text = (row[fields["einddatum"]] or "").strip()
            end = date.fromisoformat(end_text) if end_text else None
        except ValueError:
            raise InputError(
                "dates must be YYYY-MM-DD", file=str(path), row=number, field="begindatum/einddatum"
            ) from None
        if end is not None and end <= begin:
            raise InputError(f"einddatum {end} is not after begindatum {begin}", file=str(path), row=number)
        province = (row[fields["provinciecode"]] or "").strip()
        entries.append(
            ValidityEntry(
                code=code.upper(),
                name=row[fields["gemeentenaam"]].strip(),
                province_code=f"PV{province.zfill(2)}" if province else "",
                begin=begin,
                end=end,
            )
        )
    return entries
