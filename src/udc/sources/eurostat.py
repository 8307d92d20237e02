"""Eurostat tables in SDMX-CSV (the "SDMX-CSV 1.0" download of the data browser and the dissemination API):
regional statistics per NUTS region for the cross-border region (issue 31), offline from a file.

A file has the columns ``DATAFLOW, LAST UPDATE, <dimensions…>, TIME_PERIOD, OBS_VALUE, OBS_FLAG``; the area is the
``geo`` dimension (a NUTS code such as ``DEA2D`` or ``NL423``, or a country ``DE``). Each row becomes one value of a
long open table ``(dataflow, area_code, period, <other dimensions…>, value, flag, status, reference)``:

- ``flag`` is Eurostat's observation flag, ``status`` says it in words (``provisional``, ``estimated``, ``break in
  time series`` …); a missing value (empty or ``:``) is typed missing (``confidential`` with flag ``c``, else ``not
  available``), never a zero and never a dropped row;
- ``reference`` says what the period means for that dataflow (``1 January`` for the population tables, the calendar
  year for flows such as tourism nights), the note a comparison with Dutch or German figures needs.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from udc.errors import InputError
from udc.privacy.actions import performs
from udc.store import catalogue
from udc.store.catalogue import ColumnInfo, Dataset
from udc.store.db import Store

REQUIRED = ("geo", "TIME_PERIOD", "OBS_VALUE")
META = ("DATAFLOW", "LAST UPDATE", "TIME_PERIOD", "OBS_VALUE", "OBS_FLAG")
GEO = re.compile(r"^[A-Z]{2}[A-Z0-9]{0,3}$")  # a country (DE) or a NUTS 1-3 region (DEA, DEA2, DEA2D)
FLAGS = {
    "b": "break in time series",
    "c": "confidential",
    "d": "definition differs",
    "e": "estimated",
    "f": "forecast",
    "n": "not significant",
    "p": "provisional",
    "r": "revised",
    "s": "Eurostat estimate",
    "u": "low reliability",
    "z": "not applicable",
}
# What TIME_PERIOD means per dataflow (prefix): stocks on a day, or flows over the year.
REFERENCE = {
    "DEMO_R_PJAN": "population on 1 January of the year",
    "DEMO_R_D2JAN": "population on 1 January of the year",
    "TOUR_OCC": "nights spent during the calendar year",
    "DEMO_R_GIND": "events during the calendar year",
}


def reference_of(dataflow: str) -> str:
    """The reference note of a dataflow (``ESTAT:DEMO_R_PJANAGGR3(1.0)`` → population on 1 January)."""
    name = dataflow.split(":")[-1].split("(")[0].upper()
    return next((note for prefix, note in REFERENCE.items() if name.startswith(prefix)), "TIME_PERIOD as published")


def read(path: str | Path) -> pd.DataFrame:
    """An SDMX-CSV file as the long table above; a bad row is a one-line error naming the file, row and field."""
    file = str(path)
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise InputError(f"not a readable SDMX-CSV file ({exc})", file=file) from None
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise InputError(
            f"expected the SDMX-CSV columns {', '.join(REQUIRED)}; missing {', '.join(missing)}", file=file
        )
    if raw.empty:
        raise InputError("the file has no rows", file=file)
    dims = [c for c in raw.columns if c not in (*META, "geo")]
    rows = []
    for number, record in enumerate(raw.to_dict("records"), start=2):
        geo = record["geo"].strip().upper()
        if not GEO.match(geo):
            raise InputError(
                f"'{geo[:20]}' is not a NUTS or country code (e.g. DEA2D, NL423, DE)",
                file=file,
                row=number,
                field="geo",
            )
        period = record["TIME_PERIOD"].strip()
        if not re.match(r"^\d{4}(-(Q[1-4]|S[12]|\d{2}))?$", period):
            raise InputError(
                f"'{period[:20]}' is not a period (2022, 2022-Q1, 2022-01)", file=file, row=number, field="TIME_PERIOD"
            )
        text, flag = record["OBS_VALUE"].strip(), record.get("OBS_FLAG", "").strip().lower()
        value = None
        if text not in ("", ":"):
            try:
                value = float(text)
            except ValueError:
                raise InputError(f"'{text[:20]}' is not a number", file=file, row=number, field="OBS_VALUE") from None
        status = (
            "confidential" if value is None and "c" in flag
            else "not available" if value is None
            else ", ".join(FLAGS.get(f, f) for f in flag) if flag
            else "published"
        )  # fmt: skip
        dataflow = record.get("DATAFLOW", "").strip()
        rows.append(
            {
                "dataflow": dataflow,
                "area_code": geo,
                "period": period,
                **{d: record[d].strip() for d in dims},
                "value": value,
                "flag": flag or None,
                "status": status,
                "reference": reference_of(dataflow),
            }
        )
    return pd.DataFrame(rows).astype({"value": "float64"})


COLUMNS = [
    ColumnInfo("area_code", "area", "Gebied (NUTS)"),
    ColumnInfo("period", "period", "Periode"),
    ColumnInfo("value", "value", "Waarde"),
    ColumnInfo("status", "label", "Status"),
]


@performs(
    "import.eurostat",
    lambda path, **kw: {"file": Path(path).name, "dataset": kw.get("dataset")},
    lambda frame: {"rows": len(frame)},
)
def import_file(store: Store, path: str | Path, *, dataset: str) -> pd.DataFrame:
    """One SDMX-CSV file as an open dataset (replaced whole; atomic: a bad row leaves the store as it was)."""
    frame = read(path)
    periods = sorted(frame.period.unique())
    entry = Dataset(
        name=dataset,
        title=f"Eurostat {', '.join(sorted(set(frame.dataflow) - {''})) or Path(path).stem}",
        source=f"Eurostat (SDMX-CSV): {Path(path).name}",
        sensitivity="open",
        licence="CC BY 4.0",
        retrieved_at=datetime.now(UTC).replace(tzinfo=None),
        period_start=str(periods[0])[:4],
        period_end=str(periods[-1])[:4],
        provenance={"eurostat": {"file": Path(path).name, "rows": len(frame)}},
    )
    catalogue.same_kind(store, dataset, "eurostat")
    catalogue.save(store, entry, frame, columns=COLUMNS)
    return frame
