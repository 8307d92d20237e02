"""How the StatLine client spends its round trips and writes its cache (issue 29: fetching ≥ 3× cbsodata at 300 ms
per request): a first fetch asks TableInfos, DataProperties and the first page at once; each page becomes a frame in
its worker; the normalised result is written beside the caller's work and is whole when read — also when the
process ends right after the fetch."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd

from cbs_fixtures import table_83625ned
from udc.sources.http import Http
from udc.sources.replay import Replay
from udc.sources.statline import StatLine, _concat_pages

ROOT = Path(__file__).resolve().parents[2]


def client(replay: Replay, cache: Path | None, **kw: object) -> StatLine:
    return StatLine(cache, base_url=replay.url, http=Http(retries=1, backoff=0.01), **kw)  # type: ignore[arg-type]


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    """Equal frames; a missing label may be None on one side and NaN on the other (parquet keeps None)."""

    def plain(frame: pd.DataFrame) -> pd.DataFrame:
        text = frame.select_dtypes(object).columns
        return frame.assign(**{c: frame[c].where(frame[c].notna(), None) for c in text})

    pd.testing.assert_frame_equal(plain(a), plain(b))


def test_a_first_fetch_asks_for_infos_properties_and_the_first_page_in_one_round(tmp_path: Path) -> None:
    with Replay({"83625NED": table_83625ned()}, page_size=1000) as replay:
        client(replay, tmp_path).fetch("83625NED")
    first_round = replay.log[:3]
    assert sorted(p.split("?")[0].rsplit("/", 1)[-1] for p in first_round) == [
        "DataProperties",
        "TableInfos",
        "TypedDataSet",
    ]
    assert all("%24skip=1000" not in p for p in first_round)
    assert sum("TypedDataSet" in p for p in replay.log) == 5  # page 0 is not asked twice


def test_a_checked_cache_is_not_fetched_again_and_equals_the_first_result(tmp_path: Path) -> None:
    with Replay({"83625NED": table_83625ned()}, page_size=1000) as replay:
        first = client(replay, tmp_path).fetch("83625NED")
        asked = len(replay.log)
        again = client(replay, tmp_path).fetch("83625NED")  # waits for the first fetch's write, then reads it
        assert len(replay.log) == asked  # within max_age: not even TableInfos
        stale = client(replay, tmp_path, max_age=0).fetch("83625NED")
        assert [p for p in replay.log[asked:] if "TypedDataSet" in p or "DataProperties" in p] == []
    assert again.from_cache and stale.from_cache and not first.from_cache
    same(again.data, first.data)
    same(stale.data, first.data)
    assert [c.__dict__ for c in again.columns] == [c.__dict__ for c in first.columns]


def test_pages_as_frames_type_like_one_frame_of_all_rows() -> None:
    rows = [{"a": "x", "v": 1}, {"a": "y", "v": 2.5}, {"a": "z", "v": None}, {"a": "w", "v": None}]
    pages = [pd.DataFrame.from_records(rows[:2]), pd.DataFrame.from_records(rows[2:])]  # the 2nd page: v all None
    whole = pd.DataFrame.from_records(rows)
    pd.testing.assert_frame_equal(_concat_pages(pages), whole)
    assert _concat_pages([pd.DataFrame(), pages[0]]).equals(pages[0])
    assert _concat_pages([]).empty


def test_the_cached_result_is_whole_when_the_process_ends_right_after_the_fetch(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(ROOT / "tests")!r})
        from cbs_fixtures import table_83625ned
        from udc.sources.replay import Replay
        from udc.sources.statline import StatLine
        with Replay({{"83625NED": table_83625ned()}}) as replay:
            StatLine(Path({str(tmp_path)!r}), base_url=replay.url).fetch("83625NED")
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    results = list(tmp_path.rglob("table.parquet"))
    assert len(results) == 1 and not list(tmp_path.rglob("*.part"))
    assert len(pd.read_parquet(results[0])) == 5000
