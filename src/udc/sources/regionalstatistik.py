"""German regional statistics (Regionalstatistik / GENESIS) as flat CSV: the cross-border region's Kreise and
Gemeinden with their own figures (issue 31), offline from a downloaded file.

Two shapes of the same download are read:

- **ffcsv** (the "flat file CSV" of GENESIS-Online and regionalstatistik.de): one row per value with
  ``statistics_code, time_code, time, <n>_variable_code, <n>_variable_attribute_code, <n>_variable_attribute_label,
  …, value, value_unit, value_variable_code`` (and ``value_q`` where the quality symbol has its own column);
- the older **flat** CSV: ``Statistik_Code, Zeit_Code, Zeit, <n>_Merkmal_Code, <n>_Auspraegung_Code,
  <n>_Auspraegung_Label, …`` and one column per measure named ``CODE__Label__Unit``.

Both become one long open table ``(statistic, area_code, level, period, date, reference, <variable>…, measure,
value, unit, status)``:

- the area is the regional variable's attribute: a Gemeinde's AGS (``GEMEIN``, 8 digits; a 12-digit ARS is
  shortened to its AGS) becomes the LAU code ``DE_05334002``, a Kreis (``KREISE``) ``DE_05334``, a Land its NUTS 1
  code (``DEA``), Germany ``DE`` — the codes the area registry and GISCO use;
- a stock on a day (``31.12.2022``, ``2022-12-31``) is aligned to the Dutch convention: 31 December is the
  population of 1 January of the next year, so the period is ``2023`` and ``reference`` says
  ``31.12.2022 (= 1 januari 2023)`` on every value; a year (``2022``) stays the calendar year;
- the symbols are typed, never a zero and never a dropped row: ``-`` is "nothing" (exactly 0, as GENESIS defines
  it), ``.`` unknown or secret, ``x`` not applicable, ``/`` not reliable enough, ``...`` not yet available — all
  missing values with their status in words.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from udc.errors import InputError
from udc.privacy.actions import performs
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store

# The regional variables of GENESIS and what a code of each becomes.
LEVELS = {"GEMEIN": "gemeinde", "KREISE": "kreis", "DLAND": "land", "DINSG": "deutschland"}
# Länder (AGS 01–16) as NUTS 1 regions.
LAND_NUTS = {
    "01": "DEF",
    "02": "DE6",
    "03": "DE9",
    "04": "DE5",
    "05": "DEA",
    "06": "DE7",
    "07": "DEB",
    "08": "DE1",
    "09": "DE2",
    "10": "DEC",
    "11": "DE3",
    "12": "DE4",
    "13": "DE8",
    "14": "DED",
    "15": "DEE",
    "16": "DEG",
}
# GENESIS's symbols: value (None: missing) and status in words.
SYMBOLS: dict[str, tuple[float | None, str]] = {
    "-": (0.0, "nothing (exactly zero)"),
    ".": (None, "unknown or secret"),
    "x": (None, "not applicable"),
    "/": (None, "not reliable enough"),
    "...": (None, "not yet available"),
}
# The 17 age groups of table 12411-01-01-5 (Altersgruppen unter 3 bis 75 u. m.): code and label.
AGE_GROUPS = [
    ("ALT000B03", "unter 3 Jahre"),
    ("ALT003B06", "3 bis unter 6 Jahre"),
    ("ALT006B10", "6 bis unter 10 Jahre"),
    ("ALT010B15", "10 bis unter 15 Jahre"),
    ("ALT015B18", "15 bis unter 18 Jahre"),
    ("ALT018B20", "18 bis unter 20 Jahre"),
    ("ALT020B25", "20 bis unter 25 Jahre"),
    ("ALT025B30", "25 bis unter 30 Jahre"),
    ("ALT030B35", "30 bis unter 35 Jahre"),
    ("ALT035B40", "35 bis unter 40 Jahre"),
    ("ALT040B45", "40 bis unter 45 Jahre"),
    ("ALT045B50", "45 bis unter 50 Jahre"),
    ("ALT050B55", "50 bis unter 55 Jahre"),
    ("ALT055B60", "55 bis unter 60 Jahre"),
    ("ALT060B65", "60 bis unter 65 Jahre"),
    ("ALT065B75", "65 bis unter 75 Jahre"),
    ("ALT075UM", "75 Jahre und mehr"),
]
_AGE = re.compile(r"^ALT(\d{3})(?:B(\d{2,3})|UM)$")
_VARIABLE = re.compile(r"^[a-z][a-z0-9]{1,15}$")
# The columns every row has: a variable may not take one's name (it would overwrite the area or the period).
FIXED = {
    "statistic", "area_code", "level", "period", "date", "reference", "measure", "value", "unit", "status",
    "record_key", "year",
}  # fmt: skip
_DAY = re.compile(r"^(?:(\d{2})\.(\d{2})\.(\d{4})|(\d{4})-(\d{2})-(\d{2}))$")
_NUMBER = re.compile(r"^-?\d+(,\d+)?$")


def age_bounds(code: str) -> tuple[int, int | None] | None:
    """The ages of a GENESIS age-group code: ``ALT065B75`` → (65, 75), ``ALT075UM`` → (75, None); None if the code
    is not an age group."""
    found = _AGE.match(code)
    if not found:
        return None
    return int(found[1]), int(found[2]) if found[2] else None


def _area(variable: str, code: str) -> str | None:
    """The udc code of a regional attribute (``GEMEIN``/``05334002`` → ``DE_05334002``), None if malformed."""
    code = code.strip()
    if variable == "GEMEIN" and len(code) == 12 and code.isdigit():  # an ARS: Land, RB, Kreis, Verband, Gemeinde
        code = code[:5] + code[9:]
    if variable == "GEMEIN":
        return f"DE_{code}" if len(code) == 8 and code.isdigit() else None
    if variable == "KREISE":
        return f"DE_{code}" if len(code) == 5 and code.isdigit() else None
    if variable == "DLAND":
        return LAND_NUTS.get(code)
    return "DE" if variable == "DINSG" else None


def _period(text: str) -> tuple[str, str, str] | None:
    """``(period, date, reference)`` of a GENESIS time: a day (stocks; 31 December → 1 January of the next year)
    or a year (flows over the calendar year)."""
    text = text.strip()
    if re.fullmatch(r"\d{4}", text):
        return text, "", f"kalenderjaar {text}"
    found = _DAY.match(text)
    if not found:
        return None
    d, m, y = (found[1], found[2], found[3]) if found[1] else (found[6], found[5], found[4])
    date = f"{y}-{m}-{d}"
    if (d, m) == ("31", "12"):
        return str(int(y) + 1), date, f"31.12.{y} (= 1 januari {int(y) + 1})"
    return y, date, f"{d}.{m}.{y}"


def _value(text: str, quality: str) -> tuple[float | None, str] | None:
    """A cell's value and status (None: neither a number nor a symbol). German decimals use a comma."""
    text, quality = text.strip(), quality.strip()
    if quality in SYMBOLS:
        return SYMBOLS[quality]
    if text in SYMBOLS:
        return SYMBOLS[text]
    if _NUMBER.match(text):
        return float(text.replace(",", ".")), "published" if not quality else f"published ({quality})"
    return None


def _text(path: str | Path) -> str:
    """The file's text: UTF-8 (with or without BOM) as the new downloads are, else Latin-1 as the older ones."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _records(path: str | Path) -> tuple[list[str], list[dict[str, str]]]:
    file = str(path)
    try:
        text = _text(path)
    except OSError as exc:
        raise InputError(f"not a readable file ({exc.strerror})", file=file) from None
    reader = csv.DictReader(io.StringIO(text), delimiter=";")
    try:
        header = [h.strip() for h in reader.fieldnames or []]
        reader.fieldnames = header
        return header, [{k: (v or "") for k, v in row.items() if k is not None} for row in reader]
    except csv.Error as exc:  # a field over the csv module's limit, a stray quote: not a GENESIS download
        raise InputError(f"not a readable flat CSV (line {reader.line_num}: {exc})", file=file) from None


def _variables(header: list[str], new: bool) -> list[int]:
    """The numbers n of the ``<n>_variable_code`` (``<n>_Merkmal_Code``) columns."""
    suffix = "_variable_code" if new else "_Merkmal_Code"
    return sorted(int(h.split("_")[0]) for h in header if h.endswith(suffix) and h.split("_")[0].isdigit())


def read(path: str | Path) -> pd.DataFrame:
    """A Regionalstatistik flat CSV as the long table above; a bad row is a one-line error naming the file, row and
    field."""
    file = str(path)
    header, records = _records(path)
    new = "statistics_code" in header
    if not new and "Statistik_Code" not in header:
        raise InputError(
            "not a GENESIS flat CSV: expected the columns statistics_code, time, 1_variable_code, … (ffcsv) or "
            "Statistik_Code, Zeit, 1_Merkmal_Code, … (semicolon-separated)",
            file=file,
        )
    if not records:
        raise InputError("the file has no rows", file=file)
    names = {
        "statistic": "statistics_code" if new else "Statistik_Code",
        "time": "time" if new else "Zeit",
        "var": "{n}_variable_code" if new else "{n}_Merkmal_Code",
        "code": "{n}_variable_attribute_code" if new else "{n}_Auspraegung_Code",
    }
    numbers = _variables(header, new)
    measures = [] if new else [h for h in header if h.count("__") >= 1]
    if new and "value" not in header:
        raise InputError("expected a 'value' column (ffcsv)", file=file)
    if not new and not measures:
        raise InputError("expected a measure column named CODE__Label__Unit (flat CSV)", file=file)
    rows: list[dict] = []
    for number, record in enumerate(records, start=2):
        rows += _rows(record, names, numbers, measures, new, file, number)
    if not rows:
        raise InputError("no value for a Gemeinde, Kreis, Land or Germany (GEMEIN, KREISE, DLAND, DINSG)", file=file)
    frame = pd.DataFrame(rows)
    return frame.astype({"value": "float64"}).fillna({c: "Totaal" for c in frame.columns if c not in FIXED})


def _rows(
    record: dict[str, str],
    names: dict[str, str],
    numbers: list[int],
    measures: list[str],
    new: bool,
    file: str,
    number: int,
) -> list[dict]:
    """One source row's values (the flat CSV has one per measure column)."""
    time = record.get(names["time"], "")
    when = _period(time)
    if when is None:
        raise InputError(
            f"'{time[:20]}' is not a day (31.12.2022, 2022-12-31) or a year (2022)",
            file=file,
            row=number,
            field=names["time"],
        )
    area, level, dims = None, None, {}
    for n in numbers:
        variable = record.get(names["var"].format(n=n), "").strip()
        code = record.get(names["code"].format(n=n), "").strip()
        if variable in LEVELS:
            area, level = _area(variable, code), LEVELS[variable]
            if area is None:
                raise InputError(
                    f"'{code[:20]}' is not a {variable} code (e.g. 05334002 for a Gemeinde, 05334 for a Kreis)",
                    file=file,
                    row=number,
                    field=names["code"].format(n=n),
                )
        elif variable:
            name = variable.lower()
            if not _VARIABLE.match(name) or name in FIXED:  # it names a column: never one of ours, never odd
                raise InputError(
                    f"'{variable[:20]}' is not a GENESIS variable code (letters and digits, e.g. GES, ALTX17)",
                    file=file,
                    row=number,
                    field=names["var"].format(n=n),
                )
            dims[name] = code or "Totaal"  # an empty attribute is the variable's total (Insgesamt)
    if area is None:
        raise InputError(
            "no regional variable (GEMEIN, KREISE, DLAND or DINSG) in this row", file=file, row=number, field="variable"
        )
    period, date, reference = when
    base = {
        "statistic": record.get(names["statistic"], "").strip(),
        "area_code": area,
        "level": level,
        "period": period,
        "date": date,
        "reference": reference,
        **dims,
    }
    cells = (
        [(record.get("value_variable_code", "").strip(), record.get("value", ""), record.get("value_q", ""),
          record.get("value_unit", "").strip())]
        if new
        else [(m.split("__")[0], record.get(m, ""), "", m.split("__")[-1] if m.count("__") >= 2 else "")
              for m in measures]
    )  # fmt: skip
    out = []
    for measure, text, quality, unit in cells:
        found = _value(text, quality)
        if found is None:
            raise InputError(
                f"'{text.strip()[:20]}' is not a number or a GENESIS symbol (-, ., x, /, ...)",
                file=file,
                row=number,
                field="value" if new else measure,
            )
        out.append({**base, "measure": measure, "value": found[0], "unit": unit, "status": found[1]})
    return out


COLUMNS = [
    ColumnInfo("statistic", "label", "Statistiek"),
    ColumnInfo("area_code", "area", "Gebied (Gemeinde/Kreis)"),
    ColumnInfo("level", "label", "Niveau"),
    ColumnInfo("period", "period", "Periode (1 januari)"),
    ColumnInfo("date", "label", "Peildatum in de bron"),
    ColumnInfo("reference", "label", "Peildatum (uitgelijnd)"),
    ColumnInfo("measure", "label", "Grootheid"),
    ColumnInfo("value", "value", "Waarde"),
    ColumnInfo("unit", "label", "Eenheid"),
    ColumnInfo("status", "label", "Status"),
]


@performs(
    "import.regionalstatistik",
    lambda path, **kw: {"file": Path(path).name, "dataset": kw.get("dataset")},
    lambda frame: {"rows": len(frame)},
)
def import_file(store: Store, path: str | Path, *, dataset: str) -> pd.DataFrame:
    """One flat CSV as an open dataset (replaced whole; atomic: a bad row leaves the store as it was)."""
    frame = read(path)
    periods = sorted(frame.period.unique())
    statistics = ", ".join(sorted(set(frame.statistic) - {""})) or Path(path).stem
    entry = Dataset(
        name=dataset,
        title=f"Regionalstatistik {statistics}",
        source=f"Statistische Ämter des Bundes und der Länder (Regionalstatistik, flat CSV): {Path(path).name}",
        sensitivity="open",
        licence="dl-de/by-2-0",
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=str(periods[0])[:4],
        period_end=str(periods[-1])[:4],
        provenance={"regionalstatistik": {"file": Path(path).name, "rows": len(frame), "statistics": statistics}},
    )
    catalogue.same_kind(store, dataset, "regionalstatistik")
    catalogue.save(store, entry, frame, columns=COLUMNS)
    return frame
