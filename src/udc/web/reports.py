"""Stand-alone reports of the web pages (area profile, verhuisstromen, monitor): one HTML file that opens offline
(plotly.js inside), and the same page printed to PDF by headless Chromium — with date, sources and protection."""

from __future__ import annotations

import datetime
import tempfile
from pathlib import Path
from typing import Any

from fastapi.responses import Response

from udc import printing
from udc.errors import NotFound
from udc.store import catalogue
from udc.store.db import Store
from udc.web.workers import Pool


def assets(store: Store, tables: list[str], language: str = "nl") -> dict[str, Any]:
    """What a report template needs besides its page: the scripts inlined, today's date and the sources."""
    import plotly

    script = (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")
    app_js = (Path(__file__).parent / "static" / "app.js").read_text(encoding="utf-8")
    return {
        "plotly_js": script,
        "app_js": app_js,
        "sources": sources(store, tables, language),
        "today": datetime.date.today(),
    }


def sources(store: Store, names: list[str], language: str = "nl") -> list[dict[str, Any]]:
    """What a report's figures come from: per table its title, source (a gate release: the titles of the
    microdata it was computed from), protection method (in words) and policy version."""
    from udc.web.wording import METHODS

    out = []
    for name in dict.fromkeys(names):
        if not catalogue.exists(store, name):
            continue
        entry = catalogue.get(store, name)
        provenance = entry.provenance or {}
        method = provenance.get("method")
        pair = METHODS.get(method or "")
        out.append(
            {
                "title": entry.title,
                "source": source_text(store, entry.source or "", language),
                "method": (pair[0] if language == "nl" else pair[1]) if pair else (method or "—"),
                "policy": provenance.get("policy_version", "—"),
            }
        )
    return out


def source_text(store: Store, source: str, language: str) -> str:
    """ "udc gate: flows_moves" → "Verhuizingen … (microdata, via de onthullingspoort)"; other sources as given."""
    if not source.startswith("udc gate: "):
        return source
    inputs = [n.strip() for n in source.removeprefix("udc gate: ").split(",") if n.strip()]
    titles = [catalogue.get(store, n).title if catalogue.exists(store, n) else n for n in inputs]
    how = "microdata, via de onthullingspoort" if language == "nl" else "microdata, through the disclosure gate"
    return f"{'; '.join(titles)} ({how})"


async def respond(page: str, stem: str, kind: str, *, pool: Pool, wait_ms: int = 8000) -> Response:
    """The report as a download: the HTML itself, or that page printed to PDF once its charts are drawn — by a
    Chromium of its own, so in the app's pool of heavy work (``pdf``: one at a time, a time limit, 503 when busy)."""
    if kind not in ("html", "pdf"):
        raise NotFound(f"no report format '{kind}': choose rapport.html or rapport.pdf")
    filename = f"{stem}.{kind}"
    disposition = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if kind == "html":
        return Response(page.encode("utf-8"), media_type="text/html; charset=utf-8", headers=disposition)
    with tempfile.TemporaryDirectory(prefix="udc-report-") as folder:
        out = Path(folder) / filename
        await pool.run("pdf", lambda _job: printing.pdf(page, out, wait_ms=wait_ms))
        body = out.read_bytes()
    return Response(body, media_type="application/pdf", headers=disposition)
