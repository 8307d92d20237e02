"""The demo's BAG extract: every dwelling of the synthetic world as a verblijfsobject (CSV in NLExtract's shape),
which the demo imports with ``udc bag import`` as a municipality imports its extract. Identificatie ``99`` + the
dwelling's number in 14 digits (no real gemeente code starts with 99); status in use, or "gevormd" (under
construction) for a dwelling built after the extract's date; floor area by type; the dwelling's point."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from udc.store.db import Store


def write(store: Store, folder: Path, year: int, seed: int) -> Path:
    """The extract of 1 January ``year``."""
    rng = np.random.default_rng(seed + 4242)
    frame = store.query(
        "SELECT dwelling_id, dwelling_type::VARCHAR AS kind, x, y, built_date FROM ds_synth_dwellings ORDER BY 1"
    )
    built = frame.built_date.notna() & (frame.built_date.astype("datetime64[ns]") >= np.datetime64(f"{year}-01-01"))
    area = np.where(frame.kind == "apartment", rng.normal(72, 15, len(frame)), rng.normal(118, 25, len(frame)))
    lines = ["identificatie;gebruiksdoel;status;oppervlakte;pandidentificatie;x;y"]
    for r, later, m2 in zip(frame.itertuples(), built, np.clip(area, 25, 400).round(), strict=True):
        status = "Verblijfsobject gevormd" if later else "Verblijfsobject in gebruik"
        lines.append(f"99{r.dwelling_id:014d};woonfunctie;{status};{int(m2)};99{r.dwelling_id:014d};{r.x};{r.y}")
    path = folder / f"bag-{year}.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
