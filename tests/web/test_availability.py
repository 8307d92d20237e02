"""Finding 7 of issue 26, "one request freezes the site": heavy work (downloads in every format, map documents) runs
in the pool of heavy work, never on the event loop, and answers 503 with Retry-After when the pool is full; the map
cache is bounded in bytes and only takes years the store has; numbers out of range are 422, never 500."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from conftest import Site
from udc.store import Store

HUGE = "100000000000000000000"  # 10^20: beyond every integer type of DuckDB and SQLite


@pytest.fixture(scope="module")
def web(site: Site) -> Iterator[TestClient]:
    from udc.web.app import create_app

    with TestClient(create_app(site.store), base_url="http://127.0.0.1") as client:
        yield client


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/map/GM?year={HUGE}",
        "/api/v1/map/GM?year=1e20",
        "/api/v1/map/BU?year=99999",
        "/api/v1/map/WK?year=-1",
        f"/api/v1/explore?table=kerncijfers_inwoners&year={HUGE}",
        f"/api/v1/datasets/kerncijfers_inwoners/rows?version={HUGE}",
        f"/api/v1/datasets/kerncijfers_inwoners/download?version={HUGE}",
    ],
)
def test_numbers_out_of_range_in_the_api_are_422_in_one_line(web: TestClient, url: str) -> None:
    answer = web.get(url)
    assert answer.status_code == 422, (url, answer.status_code, answer.text[:200])
    assert set(answer.json()) == {"error"} and "\n" not in answer.json()["error"]


def test_an_out_of_range_version_of_a_catalogue_page_is_422(web: TestClient) -> None:
    answer = web.get(f"/catalogus/kerncijfers_inwoners?versie={HUGE}")
    assert answer.status_code == 422 and "less than or equal to" in answer.text


@pytest.mark.parametrize(
    "query", [f"page={HUGE}", "page=1e20", f"page_size={HUGE}", "page=0", f"service_request_id={HUGE}"]
)
def test_open311_numbers_out_of_range_are_the_specs_400_not_500(web: TestClient, query: str) -> None:
    answer = web.get(f"/open311/v2/requests.json?{query}")
    assert answer.status_code == 400, (query, answer.status_code, answer.text[:200])  # GeoReport v2: invalid = 400
    error = answer.json()[0]
    assert error["code"] == 400 and error["description"] and "internal" not in error["description"]


def test_the_map_takes_only_the_years_the_store_has(web: TestClient) -> None:
    refused = web.get("/api/v1/map/GM?year=1500")
    assert refused.status_code == 422 and "this store has areas for the years" in refused.json()["error"]
    assert web.get(f"/api/v1/map/GM?year={time.localtime().tm_year + 5}").status_code == 422
    assert web.get("/api/v1/map/GM?year=2020").status_code == 200


def test_the_map_cache_is_bounded_in_bytes_whatever_years_are_asked(web: TestClient) -> None:
    from udc.web import data

    app = web.app
    first = web.get("/api/v1/map/BU?year=2020")
    assert first.status_code == 200
    app.state.maps = data.map_cache(limit=len(first.content) * 2 + 10)  # room for two buurt maps
    for year in range(2010, time.localtime().tm_year + 1):  # every year the store has since 2010
        for kind in ("BU", "WK", "GM"):
            assert web.get(f"/api/v1/map/{kind}?year={year}").status_code == 200
    cache = app.state.maps
    assert 0 < cache.currsize <= cache.maxsize
    # years between two imports of boundaries share one document: one entry per boundary year, not per year asked
    app.state.maps = data.map_cache()
    for year in range(2010, time.localtime().tm_year + 1):
        web.get(f"/api/v1/map/GM?year={year}")
    with Store(app.state.store_path, read_only=True, locked_down=True) as store:  # as the app holds it
        imported = data.registry.geometry_years(store, "GM")
    assert len(app.state.maps) <= len(imported) + 1  # and one for the years before the first import


def test_a_download_does_not_block_the_pages_and_a_full_pool_answers_503_with_retry_after(site: Site) -> None:
    import udc.web.api as api_module
    from udc.web.app import create_app

    release, building = threading.Event(), threading.Semaphore(0)
    original = api_module.download

    def slow(*args: object, **kwargs: object) -> object:
        building.release()
        release.wait(30)
        return original(*args, **kwargs)

    # the pages are checked while the stand-in holds both workers, before any file is built: the format and the size
    # prove nothing here (test_api builds every format); a workbook of every indicator, written in worker processes
    # started for it, took 10-20 s once released
    url = "/api/v1/datasets/kerncijfers_inwoners/download?format=csv"
    with TestClient(create_app(site.store), base_url="http://127.0.0.1") as c:
        api_module.download = slow  # building the file now takes until released
        answers: list[int] = []
        workers = [threading.Thread(target=lambda: answers.append(c.get(url).status_code)) for _ in range(2)]
        try:
            for worker in workers:
                worker.start()
            for _ in workers:  # both downloads admitted and building (no fixed sleep: on time, however loaded)
                assert building.acquire(timeout=30)
            began = time.perf_counter()
            assert c.get("/api/v1/datasets").status_code == 200  # the pages go on while two downloads are built
            assert c.get("/").status_code == 200
            assert time.perf_counter() - began < 5
            busy = c.get(url)  # both download workers taken: refused at once, not queued
            assert busy.status_code == 503 and int(busy.headers["retry-after"]) > 0
            assert "busy" in busy.json()["error"]
        finally:
            release.set()
            for worker in workers:
                worker.join(60)
            api_module.download = original
        assert answers == [200, 200]
        assert c.app.state.pool.usage()["held"] == 0  # slots and memory given back


def test_work_over_the_time_limit_is_answered_503_and_its_slot_is_kept_until_it_ends(site: Site) -> None:
    from dataclasses import replace

    import udc.web.api as api_module
    from udc.web import workers
    from udc.web.app import create_app

    release = threading.Event()
    original = api_module.download

    def slow(*args: object, **kwargs: object) -> object:
        release.wait(30)
        return original(*args, **kwargs)

    with TestClient(create_app(site.store), base_url="http://127.0.0.1") as c:
        pool = c.app.state.pool
        pool.limits["export"] = replace(workers.LIMITS["export"], seconds=0.5, slots=1)
        api_module.download = slow
        try:
            late = c.get("/api/v1/datasets/kerncijfers_inwoners/download?format=csv")
            assert late.status_code == 503 and "took longer than 0.5 s" in late.json()["error"]
            assert pool.usage()["running"]["export"] == 1  # still building: the limit on slots stays true
            assert c.get("/api/v1/datasets/kerncijfers_inwoners/download?format=csv").status_code == 503
        finally:
            release.set()
            api_module.download = original
        deadline = time.monotonic() + 10
        while pool.usage()["running"]["export"] and time.monotonic() < deadline:
            time.sleep(0.05)
        assert pool.usage() == {"running": dict.fromkeys(pool.limits, 0), "held": 0, "budget": pool.memory}


def test_a_download_larger_than_the_memory_budget_is_refused_in_one_line(site: Site) -> None:
    from udc.web.app import create_app

    with TestClient(create_app(site.store, work_memory=64 * 1024 * 1024), base_url="http://127.0.0.1") as c:
        answer = c.get("/api/v1/datasets/indicatoren/download?format=geojson")
        assert answer.status_code == 422 and "more than the server's 64 MB" in answer.json()["error"]
        assert c.get("/api/v1/datasets/kerncijfers_inwoners/download?format=csv").status_code == 200
