"""Frames as downloads: text a spreadsheet would run as a formula is quoted (found by a cold attack: a label
``=HYPERLINK(…)`` imported from a file reached CSV and Excel downloads as it stood)."""

from __future__ import annotations

import io

import pandas as pd
from openpyxl import load_workbook

from udc.store.frames import spreadsheet_safe
from udc.web import workers


def test_formula_text_is_quoted_and_numbers_are_left_alone() -> None:
    frame = pd.DataFrame({"label": ['=HYPERLINK("http://x")', "+1", "@SUM(A1)", "gewoon", None], "n": [1, -2, 3, 4, 5]})
    safe = spreadsheet_safe(frame)
    assert safe.label.tolist()[:4] == ['\'=HYPERLINK("http://x")', "'+1", "'@SUM(A1)", "gewoon"]
    assert safe.label.isna().tolist()[4] and safe.n.tolist() == [1, -2, 3, 4, 5]
    sheet = load_workbook(io.BytesIO(workers.excel(safe)), read_only=True).active
    cells = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert cells[0] == '\'=HYPERLINK("http://x")'  # a text cell, not a formula Excel would run
