"""What a "spreadsheet" really is, by its first bytes: web pages and CSV files are often saved as ``.xls``/``.xlsx``
(a portal's "Excel" download, a colleague's rename), and pandas then only says "specify an engine manually".

xlsx/xlsm/ods are ZIP archives (``PK\\x03\\x04``), an Excel 97-2003 file is OLE2 (``D0 CF 11 E0``), an HTML page or
an XML spreadsheet starts with ``<`` after whitespace and a byte-order mark, and anything else that decodes as text
with a separator on its first line is CSV.
"""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

ZIP = b"PK\x03\x04"
OLE2 = b"\xd0\xcf\x11\xe0"
BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def sniff(path: Path) -> str:
    """'zip', 'ole2', 'html', 'xml', 'text' (decodes, a separator on its first line) or 'binary'."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(ZIP):
        return "zip"
    if head.startswith(OLE2):
        return "ole2"
    text = _text(head)
    if text is None:
        return "binary"
    start = text.lstrip()[:200].lower()
    if start.startswith("<?xml") and "<html" not in text.lower():
        return "xml"
    if start.startswith("<"):
        return "html"
    first = start.splitlines()[0] if start else ""
    return "text" if any(sep in first for sep in ";,\t|") else "binary"


def _text(head: bytes) -> str | None:
    """The first bytes as text (BOM dropped; UTF-16 with a BOM, UTF-8 or cp1252), None for binary data."""
    for bom, encoding in zip(BOMS, ("utf-8", "utf-16", "utf-16"), strict=True):
        if head.startswith(bom):
            return head.decode(encoding, errors="ignore").lstrip("\ufeff")
    if b"\x00" in head:
        return None
    for encoding in ("utf-8", "cp1252"):
        try:
            return head.decode(encoding)
        except UnicodeDecodeError as exc:
            if exc.start >= len(head) - 3:  # a character cut at the end of the sample
                return head[: exc.start].decode(encoding)
    return None


class _Tables(HTMLParser):
    """Every ``<table>``'s rows as lists of cell texts (``<th>`` and ``<td>``; nested tables are their own)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._open: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._open.append([])
        elif tag == "tr" and self._open:
            self._open[-1].append([])
        elif tag in ("td", "th") and self._open:
            if not self._open[-1]:
                self._open[-1].append([])
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._open:
            self._open[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table" and self._open:
            self.tables.append([row for row in self._open.pop() if row])

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_tables(text: str) -> list[list[list[str]]]:
    """The page's tables as rows of cell texts, exactly as written: the numbers keep their Dutch or English notation
    so the CSV reader's conventions apply (``pandas.read_html`` would read "1.234" as one point two three four)."""
    parser = _Tables()
    parser.feed(text)
    parser.close()
    return parser.tables
