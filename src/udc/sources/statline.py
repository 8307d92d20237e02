"""A CBS StatLine client for OData v3 (opendata.cbs.nl, dataderden) and v4 (datasets.cbs.nl).

What it adds over cbsodata: pages fetched concurrently (v3 ``$inlinecount`` → ``$skip`` pages; cbsodata follows
``odata.nextLink`` one page at a time), retries, an on-disk cache keyed by the table's ``Modified`` date (only
refetched when CBS changed the table; pages are cached as they arrive, so an interrupted fetch resumes), current
v4 support, and normalisation: padded codes stripped, periods parsed, units and decimals kept as column metadata.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
import urllib.parse
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from udc.sources.http import Http, SourceError
from udc.sources.symbols import VALUE_ATTRIBUTES, parse_period, strip_code

HOSTS = {"v3": "https://opendata.cbs.nl", "v4": "https://datasets.cbs.nl", "dataderden": "https://dataderden.cbs.nl"}
V3_PAGE = 10_000  # the ODataApi returns at most 10 000 rows per request
# DataProperties types that are dimensions. ``GeoDetail`` is the area dimension of the wijk-and-buurt tables (the
# police tables on dataderden, Kerncijfers wijken en buurten): its name does not end in "Dimension".
DIMENSION_TYPES = {"Dimension": "dimension", "TimeDimension": "period", "GeoDimension": "area", "GeoDetail": "area"}


@dataclass
class Column:
    """Metadata of one output column (from DataProperties / MeasureCodes)."""

    name: str
    role: str  # area, period, dimension, value, label, symbol
    title: str = ""
    unit: str | None = None
    decimals: int | None = None
    description: str | None = None


@dataclass
class StatlineTable:
    """A fetched table: rows, column metadata and where it came from."""

    table: str
    title: str
    data: pd.DataFrame
    columns: list[Column]
    modified: str | None
    url: str
    api: str
    from_cache: bool = False
    provenance: dict[str, Any] = field(default_factory=dict)


def _host(base_url: str | None, default: str) -> str:
    """``--base-url`` replaces scheme and host only; CBS's own paths stay."""
    if not base_url:
        return default
    parts = urllib.parse.urlsplit(base_url if "://" in base_url else f"http://{base_url}")
    return f"{parts.scheme}://{parts.netloc}"


def _key(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:16]


class StatLine:
    """``StatLine(cache_dir).fetch("83625NED")`` — see the module docstring for what it does."""

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        base_url: str | None = None,
        catalog: str = "CBS",
        http: Http | None = None,
        page_size: int = V3_PAGE,
        max_age: float = 12 * 3600,
        bulk: bool = False,
        progress: Any = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.catalog = catalog
        default_v3 = HOSTS["dataderden"] if catalog.lower() == "dataderden" else HOSTS["v3"]
        self.v3 = _host(base_url, default_v3)
        self.v4 = _host(base_url, HOSTS["v4"])
        self.http = http or Http()
        self.page_size = page_size
        self.max_age = max_age  # seconds a cached TableInfos is trusted before asking CBS for Modified again
        self.bulk = bulk  # ODataFeed: CBS's bulk service, paged by nextLink only
        self.progress = progress  # called as progress(rows_so_far, total_or_None)

    # -- cache ---------------------------------------------------------------------------------------------
    def _cached(self, path: Path | None, load: Any) -> Any:
        if path is not None and path.exists():
            return json.loads(path.read_text(encoding="utf-8"))
        value = load()
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(".part")
            tmp.write_text(json.dumps(value), encoding="utf-8")
            tmp.replace(path)  # a page is either complete on disk or absent
        return value

    def _folder(self, api: str, table: str, modified: str | None) -> Path | None:
        if self.cache_dir is None:
            return None
        stamp = (modified or "unknown").replace(":", "").replace("/", "")
        return self.cache_dir / "statline" / api / self.catalog.lower() / table.upper() / stamp

    # -- v3 ------------------------------------------------------------------------------------------------
    def _v3_url(self, table: str, name: str = "") -> str:
        service = "ODataFeed" if self.bulk else "ODataApi"
        return f"{self.v3}/{service}/odata/{table}/{name}".rstrip("/")

    def table_info(self, table: str) -> dict[str, Any]:
        """TableInfos of a v3 table (title, Modified, period coverage …)."""
        values = self.http.get_json(self._v3_url(table, "TableInfos"), {"$format": "json"}).get("value") or []
        if not values:
            raise SourceError(f"{self._v3_url(table, 'TableInfos')}: no TableInfos (is '{table}' a table?)")
        return values[0]

    def _v3_load(self, table: str, name: str) -> list[dict[str, Any]]:
        """A v3 list (DataProperties, a code list …), every page of it, uncached."""
        rows: list[dict[str, Any]] = []
        url: str | None = self._v3_url(table, name)
        params: dict[str, Any] | None = {"$format": "json"}
        while url:
            page = self.http.get_json(url, params)
            rows.extend(page.get("value") or [])
            url, params = page.get("odata.nextLink"), None
        return rows

    def _v3_list(
        self, table: str, name: str, folder: Path | None, loaded: list[dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """A v3 list from the cache, else from CBS (``loaded``: already fetched, only to be cached)."""
        return self._cached(
            folder / f"{name}.json" if folder else None,
            (lambda: loaded) if loaded is not None else (lambda: self._v3_load(table, name)),
        )

    def _v3_rows(
        self,
        table: str,
        folder: Path | None,
        filters: str | None,
        select: list[str] | None,
        extra: list[Any],
        prefetch: list[Any] = (),  # type: ignore[assignment]
        first_page: tuple[Any, bytes] | None = None,
    ) -> tuple[pd.DataFrame, list[Any]]:
        """TypedDataSet: the first page (with ``prefetch`` callables beside it) tells the row count; the other
        pages and the ``extra`` callables then run concurrently. Returns the rows (each page made a frame by the
        worker that fetched it, while other pages are still on their way) + prefetch and extra results.
        ``first_page``: the first page, already fetched (it is only cached here)."""
        params = self._v3_params(filters, select)
        pages = folder / "data" / _key(filters, select) if folder else None
        url = self._v3_url(table, "TypedDataSet")
        preloaded = {0: first_page} if first_page is not None else {}

        def page(skip: int) -> dict[str, Any]:
            path = pages / f"{skip:09d}.json" if pages else None
            if path is not None and path.exists():
                return json.loads(path.read_bytes())
            if skip in preloaded:
                value, raw = preloaded.pop(skip)
            else:
                value, raw = self.http.get_json_bytes(url, {**params, "$skip": skip})
            if path is not None:  # a page is either complete on disk or absent
                path.parent.mkdir(parents=True, exist_ok=True)
                path.with_suffix(".part").write_bytes(raw)
                path.with_suffix(".part").replace(path)
            return value

        first, *early = self.http.map(lambda job: job(), [lambda: page(0), *prefetch])
        first_rows = first.get("value") or []
        count = first.get("odata.count")
        total = int(count) if count is not None else None
        step = max(len(first_rows), 1)
        skips = list(range(len(first_rows), total, step)) if total is not None and first_rows else []
        done = [len(first_rows)]

        def counted(skip: int) -> pd.DataFrame:
            result = page(skip).get("value") or []
            done[0] += len(result)
            if self.progress:
                self.progress(done[0], total)
            return pd.DataFrame.from_records(result)

        if self.progress:
            self.progress(done[0], total)
        jobs = [lambda s=s: counted(s) for s in skips] + list(extra)
        results = self.http.map(lambda job: job(), jobs)
        frames = [pd.DataFrame.from_records(first_rows), *results[: len(skips)]]
        if total is None:  # no count offered (or the bulk feed): follow nextLinks one by one
            link = first.get("odata.nextLink")
            rows = len(first_rows)
            while link:
                result = self.http.get_json(link)
                frames.append(pd.DataFrame.from_records(result.get("value") or []))
                rows += len(frames[-1])
                link = result.get("odata.nextLink")
                if self.progress:
                    self.progress(rows, None)
        return _concat_pages(frames), early + results[len(skips) :]

    def _v3_params(self, filters: str | None, select: list[str] | None) -> dict[str, Any]:
        params: dict[str, Any] = {"$format": "json"}
        if not self.bulk:
            params.update({"$top": self.page_size, "$inlinecount": "allpages"})
        if filters:
            params["$filter"] = filters
        if select:
            params["$select"] = ",".join(select)
        return params

    def info(self, table: str) -> dict[str, Any]:
        """What ``udc statline info`` shows: title, modified, dimensions and topics with units."""
        info = self.table_info(table)
        folder = self._folder("v3", table, info.get("Modified"))
        props = self._v3_list(table, "DataProperties", folder)
        return {
            "table": table,
            "title": info.get("Title"),
            "modified": info.get("Modified"),
            "period": info.get("Period"),
            "frequency": info.get("Frequency"),
            "summary": info.get("Summary"),
            "dimensions": [p["Key"] for p in props if p.get("Type") in DIMENSION_TYPES],
            "topics": [
                {"key": p["Key"], "title": p.get("Title"), "unit": p.get("Unit"), "decimals": p.get("Decimals")}
                for p in props
                if p.get("Type") == "Topic"
            ],
        }

    def fetch(
        self,
        table: str,
        *,
        filters: str | None = None,
        select: list[str] | None = None,
        labels: bool = True,
        english: bool = False,
    ) -> StatlineTable:
        """A v3 TypedDataSet as a normalised DataFrame with column metadata."""
        cached = self._latest_cache("v3", table)
        fresh = cached is not None and time.time() - (cached / "TableInfos.json").stat().st_mtime < self.max_age
        early_props: list[dict[str, Any]] | None = None
        early_page: tuple[Any, bytes] | None = None
        if fresh:
            assert cached is not None
            info = json.loads((cached / "TableInfos.json").read_text(encoding="utf-8"))[0]
        elif cached is None:
            # Nothing cached: nothing to reuse, so TableInfos, DataProperties and the first page are asked at once
            # (one round trip instead of two; the cache folder, named by Modified, is known when they are back).
            url0 = self._v3_url(table, "TypedDataSet")
            params0 = {**self._v3_params(filters, select), "$skip": 0}
            info, early_props, early_page = self.http.map(
                lambda job: job(),
                [
                    lambda: self.table_info(table),
                    lambda: self._v3_load(table, "DataProperties"),
                    lambda: self.http.get_json_bytes(url0, params0),
                ],
            )
        else:
            try:
                info = self.table_info(table)
            except SourceError:
                if cached is None:
                    raise
                info = json.loads((cached / "TableInfos.json").read_text(encoding="utf-8"))[0]  # offline
        modified = info.get("Modified")
        folder = self._folder("v3", table, modified)
        from_cache = bool(folder and (folder / "data" / _key(filters, select)).exists())
        if folder is not None and not fresh:
            (folder / "TableInfos.json").unlink(missing_ok=True)  # rewritten: its age is the last check
            self._cached(folder / "TableInfos.json", lambda: [info])
        provenance = {"filter": filters, "select": select, "catalog": self.catalog}
        url = self._v3_url(table, "TypedDataSet")
        done = (
            folder / "data" / _key(filters, select) / f"table{'' if labels else '_nolabels'}.parquet"
            if folder
            else None
        )
        if done is not None:
            _wait_for_write(done)
        if done is not None and done.exists():  # the normalised result of an earlier complete fetch
            frame = pd.read_parquet(done)
            meta = json.loads(done.with_suffix(".json").read_text(encoding="utf-8"))
            return StatlineTable(
                table,
                info.get("Title", table),
                frame,
                [Column(**c) for c in meta],
                modified,
                url,
                "v3",
                True,
                provenance,
            )
        # DataProperties comes with the first page; the dimension code lists with the remaining pages.
        holder: dict[str, Any] = {}

        def code_list(position: int) -> Any:
            dims = holder["dims"]
            if not labels or position >= len(dims):
                return None
            return self._v3_list(table, dims[position]["Key"], folder)

        def properties() -> list[dict[str, Any]]:
            props = self._v3_list(table, "DataProperties", folder, early_props)
            dims = [p for p in props if p.get("Type") in DIMENSION_TYPES]
            holder["dims"] = [p for p in dims if not select or p["Key"] in select]
            return props

        expected = 8 if labels else 0  # upper bound of dimensions; unused slots return None
        frame, fetched = self._v3_rows(
            table,
            folder,
            filters,
            select,
            [lambda i=i: code_list(i) for i in range(expected)],
            [properties],
            early_page,
        )
        props, code_lists_fetched = fetched[0], fetched[1:]
        dim_props = holder["dims"]
        fetched = code_lists_fetched[: len(dim_props)] if labels else []
        if labels and len(dim_props) > expected:  # more dimensions than slots: fetch the rest now
            fetched += self.http.map(lambda p: self._v3_list(table, p["Key"], folder), dim_props[expected:])
        if "ID" in frame.columns:
            frame = frame.drop(columns="ID")
        columns: list[Column] = []
        dims = [p for p in dim_props if p["Key"] in frame.columns]
        dim_lists = [lst for p, lst in zip(dim_props, fetched, strict=False) if p["Key"] in frame.columns]
        distinct: dict[str, tuple[Any, pd.Series]] = {}  # each code column factorised once: positions, codes
        for prop in dims:
            key = prop["Key"]
            positions, codes = pd.factorize(frame[key])
            distinct[key] = (positions, pd.Series(codes, dtype=object).str.strip())
            frame[key] = _spread(positions, distinct[key][1], frame.index)
            role = DIMENSION_TYPES[prop["Type"]]
            columns.append(Column(key, role, prop.get("Title", key), description=prop.get("Description")))
        for prop, code_list_rows in zip(dims, dim_lists, strict=False):
            titles = {strip_code(c["Key"]): c.get("Title") for c in code_list_rows}
            positions, codes = distinct[prop["Key"]]
            frame[f"{prop['Key']}_label"] = _spread(positions, codes.map(titles), frame.index)
            columns.append(Column(f"{prop['Key']}_label", "label", f"{prop.get('Title', prop['Key'])} (naam)"))
        for prop in props:
            if prop.get("Type") == "Topic" and prop["Key"] in frame.columns:
                columns.append(
                    Column(
                        prop["Key"],
                        "value",
                        prop.get("Title", prop["Key"]),
                        prop.get("Unit"),
                        _int(prop.get("Decimals")),
                        prop.get("Description"),
                    )
                )
        if english:
            self._english_labels(table, dims, frame, columns)
        _add_period_columns(frame, [c for c in columns if c.role == "period"], columns)
        if done is not None:
            _write_later(done, frame, columns)
        return StatlineTable(
            table, info.get("Title", table), frame, columns, modified, url, "v3", from_cache, provenance
        )

    def _english_labels(self, table: str, dims: list[dict], frame: pd.DataFrame, columns: list[Column]) -> None:
        """CBS publishes English as a twin table (``…NED`` → ``…ENG``): its code lists give ``<dim>_label_en``."""
        if not table.upper().endswith("NED"):
            raise SourceError(f"{table}: English labels come from the twin table …ENG of a …NED table")
        twin = table[:-3] + "ENG"
        for prop in dims:
            codes = self.http.get_json(self._v3_url(twin, prop["Key"]), {"$format": "json"}).get("value") or []
            titles = {strip_code(c["Key"]): c.get("Title") for c in codes}
            frame[f"{prop['Key']}_label_en"] = _by_value(frame[prop["Key"]], lambda codes, t=titles: codes.map(t))
            columns.append(Column(f"{prop['Key']}_label_en", "label", f"{prop['Key']} (English)"))

    def _latest_cache(self, api: str, table: str) -> Path | None:
        """The most recently checked cached version of a table."""
        if self.cache_dir is None:
            return None
        base = self.cache_dir / "statline" / api / self.catalog.lower() / table.upper()
        versions = [p for p in base.glob("*") if (p / "TableInfos.json").exists()] if base.exists() else []
        return max(versions, key=lambda p: (p / "TableInfos.json").stat().st_mtime) if versions else None

    # -- v4 ------------------------------------------------------------------------------------------------
    def _v4_url(self, table: str, name: str = "") -> str:
        return f"{self.v4}/odata/v1/{self.catalog}/{table}/{name}".rstrip("/")

    def _v4_list(self, table: str, name: str, folder: Path | None, params: dict | None = None) -> list[dict]:
        def load() -> list[dict[str, Any]]:
            rows: list[dict[str, Any]] = []
            url: str | None = self._v4_url(table, name)
            query = params
            while url:
                page = self.http.get_json(url, query)
                rows.extend(page.get("value") or [])
                url, query = page.get("@odata.nextLink"), None
            return rows

        suffix = f"_{_key(params)}" if params else ""
        return self._cached(folder / f"{name}{suffix}.json" if folder else None, load)

    def fetch_v4(self, table: str, *, filters: str | None = None) -> StatlineTable:
        """v4 Observations (long: one row per measure × dimensions) with measure titles and units."""
        props = self.http.get_json(self._v4_url(table, "Properties"))
        modified = props.get("Modified")
        folder = self._folder("v4", table, modified)
        dims = self._v4_list(table, "Dimensions", folder)
        measures = {m["Identifier"]: m for m in self._v4_list(table, "MeasureCodes", folder)}
        obs = self._v4_list(table, "Observations", folder, {"$filter": filters} if filters else None)
        frame = pd.DataFrame(obs).drop(columns=["Id"], errors="ignore")
        columns = [Column("Measure", "dimension", "Onderwerp")]
        frame["Measure_label"] = frame["Measure"].map({k: m.get("Title") for k, m in measures.items()})
        frame["unit"] = frame["Measure"].map({k: m.get("Unit") for k, m in measures.items()})
        for dim in dims:
            key = dim["Identifier"]
            if key not in frame.columns:
                continue
            frame[key] = frame[key].map(strip_code)
            kind = dim.get("Kind", "")
            role = "area" if "Geo" in kind else "period" if "Time" in kind else "dimension"
            columns.append(Column(key, role, dim.get("Title", key)))
            codes = self._v4_list(table, f"{key}Codes", folder)
            frame[f"{key}_label"] = frame[key].map({strip_code(c["Identifier"]): c.get("Title") for c in codes})
            if any(c.get("DimensionGroupId") not in (None, "") for c in codes):  # the code list's hierarchy
                try:
                    groups = {g["Id"]: g.get("Title") for g in self._v4_list(table, f"{key}Groups", folder)}
                except SourceError:
                    groups = {}
                group_of = {strip_code(c["Identifier"]): c.get("DimensionGroupId") for c in codes}
                frame[f"{key}_group"] = frame[key].map(group_of)
                frame[f"{key}_group_label"] = frame[f"{key}_group"].map(groups)
                columns.append(Column(f"{key}_group", "label", f"{dim.get('Title', key)} (groep)"))
        if "ValueAttribute" in frame.columns:
            frame["value_symbol"] = frame.pop("ValueAttribute").map(lambda v: VALUE_ATTRIBUTES.get(v, v))
        columns.append(Column("Value", "value", "Waarde"))
        _add_period_columns(frame, [c for c in columns if c.role == "period"], columns)
        return StatlineTable(
            table,
            props.get("Title", table),
            frame,
            columns,
            modified,
            self._v4_url(table),
            "v4",
            provenance={"filter": filters, "catalog": self.catalog},
        )


# The normalised result of a fetch is written to the cache beside the caller's own work (a thread the interpreter
# waits for at exit); a fetch of the same result waits for the write first.
_WRITES: dict[Path, threading.Thread] = {}
_WRITES_LOCK = threading.Lock()


def _write_result(done: Path, frame: pd.DataFrame, columns: list[dict[str, Any]]) -> None:
    """The parquet under a private name, renamed when complete: a reader sees the whole result or none. If the
    write fails (disk full, the cache folder removed) there is no result file and the next fetch rebuilds it from
    the cached pages, so the error is not the caller's."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    part = done.with_name(f"{done.stem}.{uuid.uuid4().hex}.part")
    try:
        done.with_suffix(".json").write_text(json.dumps(columns), encoding="utf-8")
        # what DataFrame.to_parquet writes, converted on this thread only: pyarrow's own pool refuses work once the
        # interpreter is shutting down, which is when a short-lived ``udc statline fetch`` may still be writing
        pq.write_table(pa.Table.from_pandas(frame, nthreads=1), part)
        part.replace(done)
    except OSError:
        part.unlink(missing_ok=True)


def _write_later(done: Path, frame: pd.DataFrame, columns: list[Column]) -> None:
    """Write the result in the background (a copy: the caller may change its frame meanwhile)."""
    thread = threading.Thread(
        target=_write_result, args=(done, frame.copy(), [c.__dict__ for c in columns]), name=f"udc-cache {done}"
    )
    with _WRITES_LOCK:
        _WRITES[done] = thread
    thread.start()


def _wait_for_write(done: Path) -> None:
    with _WRITES_LOCK:
        thread = _WRITES.pop(done, None)
    if thread is not None:
        thread.join()


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _concat_pages(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The pages' frames as one, with the column types one frame of all rows would have: a column that is empty
    (all None, so ``object``) in one page and numeric in the others is numeric again."""
    frames = [f for f in frames if len(f)]
    if len(frames) <= 1:
        return frames[0] if frames else pd.DataFrame()
    with warnings.catch_warnings():  # pandas 2.2 warns about all-empty columns; the types are settled below
        warnings.simplefilter("ignore", FutureWarning)
        frame = pd.concat(frames, ignore_index=True)
    typed = {c for f in frames for c in f.columns if f[c].dtype != object}
    mixed = [c for c in frame.columns if frame[c].dtype == object and c in typed]
    if mixed:
        frame[mixed] = frame[mixed].infer_objects()
    return frame


def _spread(positions: Any, values: pd.Series, index: pd.Index) -> pd.Series:
    """Values of the distinct codes (``pd.factorize``) spread back over the rows; position -1 (a missing code) is
    not in ``values``' index, so reindexing gives NaN/NaT there, in the values' own dtype."""
    return pd.Series(values.reset_index(drop=True).reindex(positions).to_numpy(), index=index)


def _by_value(column: pd.Series, fn: Any) -> pd.Series:
    """``fn`` applied to the distinct values of a column and spread back: a code column of 1 000 000 rows holds a
    few thousand codes, so stripping or labelling each distinct code once is what costs nothing."""
    positions, distinct = pd.factorize(column)
    return _spread(positions, fn(pd.Series(distinct, dtype=object)), column.index)


def _add_period_columns(frame: pd.DataFrame, periods: list[Column], columns: list[Column]) -> None:
    """``Perioden`` = 2019JJ00 → ``year``, ``period_kind``, ``period_start``, ``period_end``."""
    if not periods:
        return
    positions, distinct = pd.factorize(frame[periods[0].name])
    parsed = [parse_period(code) for code in distinct]
    for name, attribute in (
        ("year", "year"),
        ("period_kind", "kind"),
        ("period_start", "start"),
        ("period_end", "end"),
    ):
        values = pd.Series([getattr(p, attribute) for p in parsed], dtype=object)
        values = pd.to_datetime(values) if attribute in ("start", "end") else values.infer_objects()
        frame[name] = _spread(positions, values, frame.index)
    columns += [
        Column("year", "label", "Jaar"),
        Column("period_kind", "label", "Soort periode"),
        Column("period_start", "label", "Begin periode"),
        Column("period_end", "label", "Einde periode"),
    ]
