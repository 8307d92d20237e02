"""Reading delimited text the way it arrives at a municipality: any encoding, any separator, Dutch numbers."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from udc.errors import InputError


@dataclass
class Text:
    text: str
    encoding: str
    separator: str


def decode(path: Path) -> tuple[str, str]:
    """UTF-8 (with or without BOM), UTF-16 with a BOM (Excel's "Unicode text") or cp1252; a file mixing encodings
    or holding NUL bytes (a binary file, a damaged copy) is an error naming the first odd line."""
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError as exc:
            raise InputError(f"UTF-16 file with a broken character at byte {exc.start}", file=str(path)) from None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(
            "a NUL byte: this is not a text file (binary, UTF-16 without BOM, or damaged)", file=str(path), row=line
        )
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = raw.split(b"\n")
    utf8_non_ascii = [i for i, line in enumerate(lines) if not line.isascii() and _is_utf8(line)]
    bad = [i for i, line in enumerate(lines) if not _is_utf8(line)]
    if utf8_non_ascii and bad:
        raise InputError(
            f"mixed encodings: line {bad[0] + 1} is not UTF-8 while line {utf8_non_ascii[0] + 1} is; "
            "save the file in one encoding (UTF-8)",
            file=str(path),
        )
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError as exc:
        raise InputError(f"neither UTF-8 nor cp1252 (byte {exc.start})", file=str(path)) from None


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def sniff_separator(text: str, path: Path) -> str:
    head = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(head, delimiters=";,\t|").delimiter
    except csv.Error:
        first = text.splitlines()[0] if text else ""
        counts = {sep: first.count(sep) for sep in ";,\t|"}
        best = max(counts, key=counts.__getitem__)
        if counts[best] == 0:
            raise InputError("cannot find the separator (expected ';', ',', tab or '|')", file=str(path)) from None
        return best


def read_rows(path: Path, separator: str | None = None) -> tuple[list[str], list[list[str]], Text]:
    """Header and rows as strings, every row checked for the header's width. Never half-read: an unterminated
    quote, a ragged or truncated row is an error naming its line (``row`` is the line number in the file)."""
    text, encoding = decode(path)
    if not text.strip():
        raise InputError("empty file", file=str(path))
    sep = separator or sniff_separator(text, path)
    reader = csv.reader(io.StringIO(text), delimiter=sep, strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError("empty file", file=str(path)) from None
    except csv.Error as exc:
        raise InputError(f"the header does not parse: {exc}", file=str(path), row=1) from None
    rows = []
    line = reader.line_num  # the last line of the previous record
    try:
        for row in reader:
            start, line = line + 1, reader.line_num
            if not row or all(not c.strip() for c in row):
                continue
            if is_footer(row):
                break
            if len(row) != len(header):
                hint = (
                    " (wrong separator?)"
                    if len(row) == 1
                    else (" (a truncated line?)" if len(row) < len(header) else "")
                )
                raise InputError(
                    f"{len(row)} fields where the header has {len(header)}{hint}", file=str(path), row=start
                )
            rows.append(row)
    except csv.Error as exc:
        start = line + 1
        if "unexpected end of data" in str(exc):
            raise InputError(
                "a quoted field opens here and is never closed (unterminated quote): nothing was imported",
                file=str(path),
                row=start,
            ) from None
        raise InputError(f"does not parse as '{sep}'-separated text: {exc}", file=str(path), row=start) from None
    return header, rows, Text(text, encoding, sep)


def is_footer(row: list[str]) -> bool:
    """StatLine downloads end with lines such as "Bron: CBS" (only the first field filled)."""
    first = row[0].strip().strip('"')
    return first.lower().startswith(("bron:", "bron ", "source:")) and not any(c.strip() for c in row[1:])


def parse_number(text: str, style: str) -> float:
    """``style`` 'nl' (1.234,5) or 'en' (1,234.5); plain digits in both."""
    s = text.strip().replace(" ", "")
    s = s.replace(".", "").replace(",", ".") if style == "nl" else s.replace(",", "")
    return float(s)


_NUMERIC = re.compile(r"^\s*-?[\d.,]*\d[\d.,]*\s*$")


def file_number_style(columns: list[list[str]], separator: str) -> str:
    """One convention per file: 'nl' (decimal comma) when numbers carry commas and ',' is not the separator."""
    if separator == ",":
        return "en"
    for values in columns:
        for v in values:
            if "," in v and _NUMERIC.match(v):
                return "nl"
    return "en"


def number_style(values: list[str], style: str) -> str | None:
    """``style`` if every non-empty value parses as a number in it, else None (a text column)."""
    present = [v.strip() for v in values if v.strip()]
    if not present:
        return None
    try:
        for v in present:
            if not _NUMERIC.match(v):
                return None
            parse_number(v, style)
    except ValueError:
        return None
    return style
