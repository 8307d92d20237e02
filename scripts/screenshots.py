"""Screenshots of every page of a store's web app in Debian's Chromium (for the docs): python scripts/screenshots.py
[STORE] [OUT_DIR] [NAMES]. Starts the app on a free loopback port; the pages are the ones docs/web.md describes.

The heerlen_* pages need the real files imported into a copy of the demo store (data: ../shared/data):
    udc areas import DATA/nlextract/gemeentelijke-indeling.csv DATA/cartomap_nl/wijk_2022_parkstad.geojson \
        DATA/cartomap_nl/buurt_2022_parkstad.geojson --store STORE
    udc import DATA/heerlen_urbandata/Kerncijfers_wijken_en_buurten_YEAR_pp.csv --dataset heerlen_kerncijfers_YEAR \
        --area-column Wijk_Buurt --within GM0917 --year YEAR --sensitivity open --store STORE   # 2016 … 2020
and a labels file STORE/labels.yaml naming their raw columns (docs/web.md, "Labels")."""

from __future__ import annotations

import socket
import sys
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from udc.web.app import create_app

PAGES = {
    "home": "/",
    "explorer": "/verkennen?niveau=buurt",
    "profile": "/gebied/GM9901",
    "flows": "/verhuisstromen?gebied=demoregio&jaren=2019-2020&groep=young-families",
    "catalogue": "/catalogus/kerncijfers_inwoners",
    "explorer_en_phone": "/verkennen?niveau=wijk&lang=en",
    "theme": "/thema/armoede_schulden",
    "compare": "/vergelijken?gebied=GM9901&gebied=GM9902&gebied=GM9905",
    "monitor": "/monitor/kansrijk-van-start",
    "flows_map": "/verhuisstromen?gebied=GM9901",
    "heerlen_2019_buurt": "/verkennen?tabel=heerlen_kerncijfers_2019&niveau=buurt",  # a store with the real files
    "heerlen_2016_wijk": "/verkennen?tabel=heerlen_kerncijfers_2016&niveau=wijk",
    "heerlen_2018_buurt_en": "/verkennen?tabel=heerlen_kerncijfers_2018&niveau=buurt&lang=en",
}
PRINTED = {"monitor_pdf": "/monitor/kansrijk-van-start/rapport.html",
           "flows_pdf": "/verhuisstromen/rapport.html?gebied=GM9901&groep=young-families"}  # as Chromium prints them (print media)


def main(store: Path, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(store), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        for name, path in PAGES.items():
            phone = name.endswith("phone")
            page = browser.new_page(viewport={"width": 390, "height": 844} if phone else {"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{port}{path}")
            page.wait_for_load_state("networkidle")
            page.wait_for_timeout(500)
            page.screenshot(path=str(out / f"{name}.png"), full_page=not phone)
            page.close()
            print(out / f"{name}.png")
        for name, path in PRINTED.items():
            page = browser.new_page(viewport={"width": 900, "height": 1200})
            page.set_content(urllib.request.urlopen(f"http://127.0.0.1:{port}{path}").read().decode())
            page.emulate_media(media="print")
            page.screenshot(path=str(out / f"{name}.png"), full_page=True)
            page.close()
            print(out / f"{name}.png")
        browser.close()
    server.should_exit = True


if __name__ == "__main__":
    only = set(sys.argv[3].split(",")) if len(sys.argv) > 3 else None  # e.g. monitor,monitor_pdf
    if only:
        PAGES = {k: v for k, v in PAGES.items() if k in only}
        PRINTED = {k: v for k, v in PRINTED.items() if k in only}
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "udc-data"), Path(sys.argv[2] if len(sys.argv) > 2 else "shots"))
