"""Printing a self-contained HTML page to PDF with Debian's headless Chromium — the area, flows and monitor
reports. Offline: the pages carry their own scripts and styles."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from udc.errors import UdcError, Unavailable

CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-pdf-header-footer"]


def pdf(page: str, out: Path, *, wait_ms: int = 0) -> Path:
    """Print the page to PDF with headless Chromium (offline: the page has no external resources). ``wait_ms``:
    virtual time for the page's own scripts (charts drawn by plotly.js inside the page) before printing."""
    browser = next((b for b in CHROMIUM if shutil.which(b)), None)
    if browser is None:
        raise Unavailable("no Chromium to print the PDF with: install Debian's chromium, or write --out FILE.html")
    with tempfile.TemporaryDirectory(prefix="udc-pdf-") as folder:
        source = Path(folder) / "report.html"
        source.write_text(page, encoding="utf-8")
        budget = [f"--virtual-time-budget={wait_ms}"] if wait_ms else []
        done = subprocess.run(
            [browser, *FLAGS, *budget, f"--user-data-dir={folder}/profile", f"--print-to-pdf={out}", source.as_uri()],
            capture_output=True,
            text=True,
            timeout=180,
        )
    if done.returncode != 0 or not out.exists():
        raise Unavailable(f"Chromium could not print the PDF: {(done.stderr or '').strip().splitlines()[-1:] or ''}")
    return out


def write_page(page: str, out: Path) -> Path:
    """A report page to ``out``: printed to PDF when the name ends in .pdf, else the HTML itself."""
    if not out.parent.is_dir():
        raise UdcError(f"--out {out}: the folder {out.parent} does not exist")
    if out.suffix.lower() == ".pdf":
        return pdf(page, out)
    out.write_text(page, encoding="utf-8")
    return out
