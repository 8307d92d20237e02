"""The StatLine client against a loopback replay of real CBS responses (the network is never used)."""

from __future__ import annotations

from pathlib import Path

import pytest

from udc.sources.http import Http, SourceError
from udc.sources.replay import Replay, ReplayTable
from udc.sources.statline import StatLine


def client(replay: Replay, tmp_path: Path | None = None, max_age: float = 12 * 3600) -> StatLine:
    return StatLine(tmp_path, base_url=replay.url, http=Http(retries=3, backoff=0.01), max_age=max_age)


def test_paging_across_several_pages_is_concurrent_and_complete(cbs_tables: dict, tmp_path: Path) -> None:
    with Replay(cbs_tables, page_size=1000) as replay:
        result = client(replay).fetch("83625NED")
    assert len(result.data) == 5000
    assert result.data.RegioS.str.len().max() <= 6 and (result.data.RegioS == "NL01").any()  # padding stripped
    assert {"year", "period_kind", "RegioS_label"} <= set(result.data.columns)
    skips = [p for p in replay.log if "TypedDataSet" in p and "%24skip" in p]
    assert len(skips) == 5  # $skip 0, 1000, … 4000
    topic = next(c for c in result.columns if c.name == "GemiddeldeVerkoopprijs_1")
    assert (topic.unit, topic.decimals, topic.role) == ("euro", 0, "value")


def test_follows_next_links_when_no_count_is_offered(cbs_tables: dict) -> None:
    with Replay(cbs_tables, page_size=700, inline_count=False) as replay:
        result = client(replay).fetch("83625NED", labels=False)
    assert len(result.data) == 5000
    assert sum("TypedDataSet" in p for p in replay.log) == 8  # ceil(5000 / 700) pages via odata.nextLink


def test_a_500_then_success_and_an_aborted_connection(cbs_tables: dict) -> None:
    faults = [("TypedDataSet", "500"), ("%24skip=2000", "abort"), ("%24skip=3000", "truncate")]
    with Replay(cbs_tables, page_size=1000, faults=faults) as replay:
        result = client(replay).fetch("83625NED", labels=False)
    assert len(result.data) == 5000
    assert result.data.drop_duplicates().shape[0] == 5000


def test_the_real_cbs_error_body_is_quoted(data: Path) -> None:
    body = (data / "vjenne" / "verhuizingen_twenterand.json").read_text().strip()
    tables = {
        "70072ned": ReplayTable(
            v3={
                "TableInfos": [{"Title": "Kerncijfers", "Modified": "2025-01-01"}],
                "DataProperties": [],
                "TypedDataSet": [{"ID": 0, "Perioden": "2019JJ00"}],
            }
        )
    }
    with Replay(tables) as replay, pytest.raises(SourceError) as error:
        client(replay).fetch("70072ned", select=["VestigingUitAndereGemeente_21"])
    assert body in str(error.value) and "HTTP 400" in str(error.value)


def test_non_json_and_unknown_table(cbs_tables: dict) -> None:
    with Replay(cbs_tables) as replay, pytest.raises(SourceError, match="HTTP 404"):
        client(replay).fetch("99999NED")


def test_cache_by_modified_date_and_offline_reuse(cbs_tables: dict, tmp_path: Path) -> None:
    with Replay(cbs_tables, page_size=1000) as replay:
        first = client(replay, tmp_path).fetch("83625NED")
        before = len(replay.log)
        recent = client(replay, tmp_path).fetch("83625NED")
        assert len(replay.log) == before and recent.from_cache  # checked less than max_age ago: no request
        again = client(replay, tmp_path, max_age=0).fetch("83625NED")
        assert len(replay.log) - before == 1  # only TableInfos, to see whether CBS changed the table
        assert again.from_cache and again.data.equals(first.data)
        replay.tables["83625NED"].v3["TableInfos"][0]["Modified"] = "2025-07-01T02:00:00"
        changed = client(replay, tmp_path, max_age=0).fetch("83625NED")
        assert not changed.from_cache and len(changed.data) == 5000
        url = replay.url
    offline = StatLine(tmp_path, base_url=url, http=Http(retries=0), max_age=0).fetch("83625NED")  # server gone
    assert len(offline.data) == 5000


def test_same_rows_as_cbsodata(cbs_tables: dict) -> None:
    import cbsodata  # a dev dependency: pointed at the same replay server

    with Replay(cbs_tables, page_size=1000) as replay:
        ours = client(replay).fetch("83625NED", labels=False).data
        cbsodata.options.use_https = False
        theirs = cbsodata.get_data("83625NED", catalog_url=replay.url.removeprefix("http://"))
    assert len(theirs) == len(ours) == 5000
    prices = ours["GemiddeldeVerkoopprijs_1"].astype(object).where(ours["GemiddeldeVerkoopprijs_1"].notna(), None)
    assert [r["GemiddeldeVerkoopprijs_1"] for r in theirs] == prices.tolist()
    assert [r["Perioden"] for r in theirs] == ours["year"].astype(str).tolist()  # cbsodata shows titles


def test_v4_observations_with_codes_and_paging() -> None:
    from cbs_fixtures import table_woonplaatsen_v4

    with Replay({"85210NED": table_woonplaatsen_v4()}, page_size=5000) as replay:
        result = client(replay).fetch_v4("85210NED")
        assert sum("Observations" in p for p in replay.log) == 4  # 17 507 rows in pages of 5 000
    frame = result.data
    assert len(frame) == 17_507
    row = frame[(frame.Measure == "GM000C") & (frame.RegioS == "WP1925")].iloc[0]
    assert row.StringValue.strip() == "Almelo" and row.RegioS_label == "Aadorp"
    assert set(frame.value_symbol.dropna()) == set() and result.api == "v4"


def test_bulk_feed_and_progress(cbs_tables: dict) -> None:
    seen: list[tuple[int, int | None]] = []
    with Replay(cbs_tables, page_size=1500) as replay:
        client = StatLine(None, base_url=replay.url, bulk=True, progress=lambda d, t: seen.append((d, t)))
        result = client.fetch("83625NED", labels=False)
    assert len(result.data) == 5000
    assert all("/ODataFeed/odata/" in p for p in replay.log)
    assert seen[-1] == (5000, None)


def test_english_labels_from_the_twin_table(cbs_tables: dict) -> None:
    from cbs_fixtures import table_83625eng

    with Replay({**cbs_tables, "83625ENG": table_83625eng()}, page_size=5000) as replay:
        result = client(replay).fetch("83625NED", english=True)
    labelled = result.data.dropna(subset=["RegioS_label"])
    assert len(labelled) > 0
    assert (labelled.RegioS_label_en == labelled.RegioS_label + " [en]").all()


def test_v4_code_groups(data) -> None:
    import csv

    from cbs_fixtures import table_woonplaatsen_v4

    table = table_woonplaatsen_v4()
    with (data / "algorithm_geovis" / "RegioVanVestigingGroups.csv").open(encoding="utf-8") as f:
        groups = list(csv.DictReader(f, delimiter=";"))
    table.v4["RegioSCodes"] = [{**c, "DimensionGroupId": groups[0]["Id"]} for c in table.v4["RegioSCodes"]]
    table.v4["RegioSGroups"] = groups
    with Replay({"85210NED": table}) as replay:
        frame = client(replay).fetch_v4("85210NED").data
    assert set(frame.RegioS_group_label) == {groups[0]["Title"]}
