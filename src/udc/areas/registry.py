"""The area registry in the store: versions, hierarchy, changes, sizes, geometry, adjacency, regions.

Every import runs in one transaction: a bad row anywhere means nothing of that file is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import shapely

from udc.areas import codelists, geometry
from udc.areas.changes import Change, deduplicate
from udc.areas.codes import KINDS, kind_from_name, kind_of, normalise, parent_from_code
from udc.errors import NotFound, UdcError
from udc.store import catalogue
from udc.store.db import Store, quote

if TYPE_CHECKING:
    import duckdb

PARENT_KIND = {"BU": "WK", "WK": "GM", "GM": "PV", "PV": "LD", "LD": "NL", "lau": "nuts", "kreis": "nuts"}


@dataclass
class ImportReport:
    """What an import did, for the CLI to print and tests to check."""

    file: str
    detected: str
    areas: int = 0
    changes: int = 0
    geometries: int = 0
    adjacent_pairs: int = 0
    sizes: int = 0
    repaired: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def jan1(year: int) -> date:
    return date(year, 1, 1)


# -- writing ----------------------------------------------------------------------------------------
Version = tuple[str, str, str, date, date | None, str | None, str]
"""One area version to record: code, kind, name, valid from, valid to (None: still valid), parent, source."""


def _upsert_versions(store: Store, versions: list[Version]) -> None:
    """Record that each code existed in [from, to): a version already covering that start only gets a missing
    parent; an adjacent version with the same name is extended; otherwise a new version. Set by set, in runs of
    distinct codes so that a later version of a code sees an earlier one of the same file — the same outcome as
    row by row, which made a buurt file's import three queries per buurt."""
    run: list[Version] = []
    for version in versions:
        if any(v[0] == version[0] for v in run):
            _upsert_run(store, run)
            run = []
        run.append(version)
    if run:
        _upsert_run(store, run)


_VERSION_COLUMNS = ["code", "kind", "name", "v_from", "v_to", "parent", "source"]


def _upsert_run(store: Store, run: list[Version]) -> None:
    """:func:`_upsert_versions` for versions of distinct codes: each one's fate depends only on what was stored."""
    con = store.con
    frame = pd.DataFrame(run, columns=_VERSION_COLUMNS).astype({"v_from": "datetime64[s]", "v_to": "datetime64[s]"})
    frame["i"] = range(len(frame))
    con.register("_udc_versions", frame)
    try:
        found = con.execute(
            "SELECT (SELECT min(a.valid_from) FROM areas a WHERE a.code = v.code AND a.valid_from <= v.v_from::DATE "
            "AND (a.valid_to IS NULL OR a.valid_to > v.v_from::DATE)) AS covering, "
            "(SELECT min(a.valid_from) FROM areas a WHERE a.code = v.code AND a.valid_to = v.v_from::DATE "
            "AND a.name = v.name) AS adjacent FROM _udc_versions v ORDER BY v.i"
        ).df()
    finally:
        con.unregister("_udc_versions")
    covered, adjacent = found.covering.notna().to_numpy(), found.adjacent.notna().to_numpy()
    frame["hit"] = found.covering.where(found.covering.notna(), found.adjacent).astype("datetime64[s]").to_numpy()
    statements = {
        "UPDATE areas SET parent_code = coalesce(areas.parent_code, u.parent) FROM _udc_part u "
        "WHERE areas.code = u.code AND areas.valid_from = u.hit::DATE": frame[covered & frame.parent.notna()],
        "UPDATE areas SET valid_to = u.v_to::DATE FROM _udc_part u "
        "WHERE areas.code = u.code AND areas.valid_from = u.hit::DATE": frame[~covered & adjacent],
        "INSERT INTO areas (code, kind, name, valid_from, valid_to, parent_code, source) "
        "SELECT code, kind, name, v_from::DATE, v_to::DATE, parent, source FROM _udc_part": frame[~covered & ~adjacent],
    }
    for sql, part in statements.items():
        if part.empty:
            continue
        con.register("_udc_part", part)
        try:
            con.execute(sql)
        finally:
            con.unregister("_udc_part")


def _store_changes(store: Store, changes: list[Change], source: str) -> int:
    for c in deduplicate(changes):
        store.con.execute(
            "INSERT INTO area_changes VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (change_date, from_code, to_code) "
            "DO UPDATE SET change_kind = excluded.change_kind, hectare = coalesce(excluded.hectare, hectare), "
            "woningen = coalesce(excluded.woningen, woningen), inwoners = coalesce(excluded.inwoners, inwoners)",
            [c.date, c.from_code, c.to_code, c.kind, c.hectare, c.woningen, c.inwoners, source],
        )
    return len(deduplicate(changes))


def import_codes(
    store: Store, entries: list[codelists.CodeEntry], source: str, year: int | None = None
) -> ImportReport:
    """A CBS code list: names, provinces, begin/end dates and the changes in the descriptions."""
    report = ImportReport(file=source, detected="codes")
    with store.transaction():
        validity_codes = {
            r["code"] for r in store.rows("SELECT DISTINCT code FROM areas WHERE source LIKE 'validity:%'")
        }
        all_changes: list[Change] = []
        versions: list[Version] = []
        for e in entries:
            all_changes.extend(e.changes)
            if e.code in validity_codes:  # the validity list knows the exact intervals
                store.con.execute(
                    "UPDATE areas SET parent_code = coalesce(parent_code, ?) WHERE code = ?",
                    [e.parent_code, e.code],
                )
                continue
            begin = e.begin or (jan1(year) if year else codelists.BEFORE_1830)
            end = e.end if e.end and e.end > begin else None
            parent = e.parent_code or parent_from_code(e.code)
            versions.append((e.code, e.kind, e.name, begin, end, parent, f"codes:{source}"))
            report.areas += 1
        _upsert_versions(store, versions)
        report.changes = _store_changes(store, all_changes, source)
    return report


def import_validity(store: Store, entries: list[codelists.ValidityEntry], source: str) -> ImportReport:
    """The validity list replaces what code lists guessed about municipal intervals."""
    report = ImportReport(file=source, detected="validity")
    with store.transaction() as con:
        codes = sorted({e.code for e in entries})
        con.execute("DELETE FROM areas WHERE kind = 'GM' AND code IN (SELECT unnest(?::VARCHAR[]))", [codes])
        for e in entries:
            con.execute(
                "INSERT INTO areas (code, kind, name, valid_from, valid_to, parent_code, source) "
                "VALUES (?, 'GM', ?, ?, ?, ?, ?)",
                [e.code, e.name, e.begin, e.end, e.province_code or None, f"validity:{source}"],
            )
        report.areas = len(entries)
    return report


def import_geometry(
    store: Store,
    features: list[geometry.Feature],
    source: str,
    year: int | None,
    *,
    adjacency: bool = True,
    open_ended: bool = False,
) -> ImportReport:
    """Polygons for one year: versions, sizes (hectares from the geometry), web versions, adjacency."""
    report = ImportReport(file=source, detected="geometry")
    years = {f.year or year for f in features}
    if None in years:
        raise UdcError(f"{source}: the file does not say which year it describes; pass --year")
    simplified = geometry.simplify([f.geometry for f in features])
    with store.transaction() as con:
        shapes, sizes, versions = [], [], []
        for f, small in zip(features, simplified, strict=True):
            y = f.year or year
            assert y is not None
            parent = parent_from_code(f.code) if f.kind in ("BU", "WK") else f.parent_code
            end = None if open_ended else jan1(y + 1)  # open_ended: the areas stay as drawn (synthetic region)
            versions.append((f.code, f.kind, f.name, jan1(y), end, parent, f"geometry:{source}"))
            shapes.append((f.code, y, f.kind, shapely.to_wkb(f.geometry), shapely.to_wkb(small), f.repaired, source))
            figures = {"hectare": round(geometry.to_rd(f.geometry).area / 10_000, 1), **f.sizes}
            sizes.append((f.code, y, figures.get("inwoners"), figures.get("woningen"), figures["hectare"], source))
            report.sizes += 1 if ("inwoners" in f.sizes or "woningen" in f.sizes) else 0
            if f.repaired:
                report.repaired.append((f.code, f.repaired))
        _upsert_versions(store, versions)
        _store_shapes(con, shapes, sizes)
        report.geometries = len(features)
        report.areas = len(features)
        for y in sorted(years):  # type: ignore[type-var]
            for kind in sorted({f.kind for f in features if (f.year or year) == y}):
                _derive_parents(store, y, kind)
                if adjacency:
                    report.adjacent_pairs += compute_adjacency(store, y, kind)
    return report


def _store_shapes(con: duckdb.DuckDBPyConnection, shapes: list[tuple], sizes: list[tuple]) -> None:
    """Geometries (a later feature of the same code and year replaces an earlier one) and sizes (a later feature's
    known figures win, unknown ones keep what is stored) in one statement each: row by row, the primary-key checks
    made the synthetic region's registration the slowest part of building a population."""
    columns = ["code", "year", "kind", "geometry", "simplified", "repaired", "source"]
    frame = pd.DataFrame(shapes, columns=columns).drop_duplicates(["code", "year"], keep="last")
    con.register("_udc_shapes", frame)
    con.execute("INSERT OR REPLACE INTO geometries SELECT * FROM _udc_shapes")
    con.unregister("_udc_shapes")
    known = pd.DataFrame(sizes, columns=["code", "year", "inwoners", "woningen", "hectare", "source"])
    known = known.groupby(["code", "year"], as_index=False, sort=False).last()  # per column the last known value
    con.register("_udc_sizes", known)
    con.execute(
        "INSERT INTO area_sizes SELECT code, year, inwoners, woningen, hectare, source FROM _udc_sizes "
        "ON CONFLICT (code, year) DO UPDATE SET "
        "inwoners = coalesce(excluded.inwoners, inwoners), woningen = coalesce(excluded.woningen, woningen),"
        " hectare = coalesce(excluded.hectare, hectare), source = excluded.source"
    )
    con.unregister("_udc_sizes")


def _derive_parents(store: Store, year: int, kind: str) -> None:
    """Areas whose code does not imply a parent get one from geometry (the parent that contains them)."""
    parent_kind = PARENT_KIND.get(kind)
    if parent_kind is None:
        return
    parents = store.rows(  # the most specific first: a LAU's NUTS 3 region before its NUTS 2 and 1
        "SELECT code, geometry FROM geometries WHERE year = ? AND kind = ? ORDER BY length(code) DESC, code",
        [year, parent_kind],
    )
    if not parents:
        return
    orphans = store.rows(
        "SELECT g.code, g.geometry FROM geometries g JOIN areas a ON a.code = g.code "
        "AND a.valid_from <= ? AND (a.valid_to IS NULL OR a.valid_to > ?) "
        "WHERE g.year = ? AND g.kind = ? AND a.parent_code IS NULL",
        [jan1(year), jan1(year), year, kind],
    )
    if not orphans:
        return
    tree_geoms = [shapely.from_wkb(p["geometry"]) for p in parents]
    tree = shapely.STRtree(tree_geoms)
    for orphan in orphans:
        point = shapely.from_wkb(orphan["geometry"]).representative_point()
        hits = sorted(tree.query(point, predicate="within"))
        if len(hits):
            store.con.execute(
                "UPDATE areas SET parent_code = ? WHERE code = ? AND valid_from <= ? "
                "AND (valid_to IS NULL OR valid_to > ?)",
                [parents[int(hits[0])]["code"], orphan["code"], jan1(year), jan1(year)],
            )


# Kinds compared with one another for adjacency: a Dutch gemeente and a German (or Belgian) LAU are both
# municipalities, so Kerkrade borders Herzogenrath across the national border.
MUNICIPAL = ("GM", "lau")


def compute_adjacency(store: Store, year: int, kind: str) -> int:
    """Pairs of areas of ``kind`` (a municipality with the other countries' LAU of the same year too) sharing a
    border in ``year``, stored under the kind of the pair's first area."""
    kinds = list(MUNICIPAL) if kind in MUNICIPAL else [kind]
    marks = ", ".join("?" for _ in kinds)
    rows = store.rows(
        f"SELECT code, geometry FROM geometries WHERE year = ? AND kind IN ({marks}) ORDER BY code", [year, *kinds]
    )
    pairs = geometry.adjacency([r["code"] for r in rows], [shapely.from_wkb(r["geometry"]) for r in rows])
    store.con.execute(f"DELETE FROM adjacency WHERE year = ? AND kind IN ({marks})", [year, *kinds])
    if pairs:
        frame = pd.DataFrame([(year, kind, a, b, length) for a, b, length in pairs])
        frame.columns = ["year", "kind", "code_a", "code_b", "shared_border"]
        store.con.register("_udc_pairs", frame)
        store.con.execute("INSERT INTO adjacency SELECT * FROM _udc_pairs")
        store.con.unregister("_udc_pairs")
    return len(pairs)


def import_file(
    store: Store,
    path: str | Path,
    *,
    year: int | None = None,
    kind: str | None = None,
    allow_missing_geometry: bool = False,
    layer: str | None = None,
) -> ImportReport:
    """Import any area file udc recognises (geometry, code list, validity list)."""
    path = Path(path)
    detected = codelists.detect(path)
    kind_prefix = kind_from_name(kind) if kind else None
    if detected in ("geojson", "gpkg"):
        features = geometry.read(path, kind=kind_prefix, year=year, layer=layer, allow_missing=allow_missing_geometry)
        report = import_geometry(store, features, path.name, year)
    elif detected == "codes-v4":
        report = import_codes(store, codelists.read_codes_v4(path), path.name, year)
    elif detected == "codes-v3":
        report = import_codes(store, codelists.read_codes_v3(path), path.name, year)
    elif detected == "validity":
        report = import_validity(store, codelists.read_validity(path), path.name)
    else:
        raise UdcError(f"{path}: JSON that is neither GeoJSON nor a CBS code list")
    report.detected = detected
    return report


def add_area(store: Store, code: str, name: str, *, valid_from: date | None = None, parent: str | None = None) -> None:
    """Register one area by hand, e.g. a foreign NUTS/LAU area for cross-border work."""
    code = normalise(code)
    kind = kind_of(code)
    with store.transaction():
        _upsert_versions(store, [(code, kind, name, valid_from or codelists.BEFORE_1830, None, parent, "manual")])


# -- reading ----------------------------------------------------------------------------------------
def valid_codes(store: Store, on: date, kind: str | None = None) -> dict[str, str]:
    """code → name of the areas valid on a date."""
    sql = "SELECT code, name FROM areas WHERE valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"
    params: list[Any] = [on, on]
    if kind:
        sql += " AND kind = ?"
        params.append(kind)
    return {r["code"]: r["name"] for r in store.rows(sql, params)}


def list_areas(
    store: Store, *, kind: str | None = None, year: int | None = None, within: str | None = None
) -> list[dict[str, Any]]:
    """Area versions, optionally of one kind, valid on 1 January of a year, inside an area or region."""
    sql = "SELECT code, kind, name, valid_from, valid_to, parent_code FROM areas WHERE TRUE"
    params: list[Any] = []
    if kind:
        sql += " AND kind = ?"
        params.append(kind_from_name(kind))
    if year:
        sql += " AND valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)"
        params += [jan1(year), jan1(year)]
    rows = store.rows(sql + " ORDER BY code, valid_from", params)
    if within:
        allowed = descendants(store, within)
        rows = [r for r in rows if r["code"] in allowed]
    return rows


def descendants(store: Store, code: str) -> set[str]:
    """Every area below ``code`` (or below the members of region ``code``), at any version."""
    code = normalise(code)
    roots = set(region_members(store, code)) if kind_of(code) == "region" else {code}
    if kind_of(code) != "region" and not store.rows(
        "SELECT 1 FROM areas WHERE code = ? OR parent_code = ? LIMIT 1", [code, code]
    ):
        raise UdcError(f"unknown area '{code}' (see 'udc areas list')")
    children: dict[str, set[str]] = {}
    for r in store.rows("SELECT DISTINCT code, parent_code FROM areas WHERE parent_code IS NOT NULL"):
        children.setdefault(r["parent_code"], set()).add(r["code"])
    found, todo = set(roots), list(roots)
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found - ({code} if kind_of(code) != "region" else set())


def neighbours(store: Store, code: str, year: int) -> list[str]:
    """Areas sharing a border with ``code`` in ``year`` (from the adjacency computed at import)."""
    rows = store.rows(
        "SELECT CASE WHEN code_a = ? THEN code_b ELSE code_a END AS other FROM adjacency "
        "WHERE year = ? AND (code_a = ? OR code_b = ?) ORDER BY other",
        [code, year, code, code],
    )
    return [r["other"] for r in rows]


# -- regions ----------------------------------------------------------------------------------------
def define_region(store: Store, name: str, members: list[str], title: str | None = None) -> None:
    """A user-defined region such as ``parkstad``; members must be known area codes."""
    if kind_of(name) != "region":
        raise UdcError(f"region name '{name}' must be lower-case letters, digits, '-' or '_' (e.g. parkstad)")
    codes = [normalise(m) for m in members if m.strip()]
    if not codes:
        raise UdcError("a region needs at least one member (--members GM0917,GM0899,…)")
    known = known_codes(store)
    unknown = [c for c in codes if kind_of(c) != "region" and c not in known]
    for c in codes:
        kind_of(c)  # validates the shape
    if unknown:
        raise UdcError(f"unknown member area(s) {', '.join(unknown)}: import the areas first ('udc areas import')")
    with store.transaction() as con:
        con.execute("DELETE FROM region_members WHERE region = ?", [name])
        con.execute("DELETE FROM regions WHERE name = ?", [name])
        con.execute("INSERT INTO regions (name, title) VALUES (?, ?)", [name, title or name])
        for c in sorted(set(codes)):
            con.execute("INSERT INTO region_members VALUES (?, ?)", [name, c])


def region_members(store: Store, name: str) -> list[str]:
    rows = store.rows("SELECT member_code FROM region_members WHERE region = ? ORDER BY 1", [name])
    if not rows and not store.rows("SELECT 1 FROM regions WHERE name = ?", [name]):
        raise UdcError(f"unknown region '{name}' (see 'udc regions list')")
    return [r["member_code"] for r in rows]


def list_regions(store: Store) -> list[dict[str, Any]]:
    rows = store.rows(
        "SELECT r.name, r.title, string_agg(m.member_code, ',' ORDER BY m.member_code) AS members, "
        "count(m.member_code) AS member_count FROM regions r LEFT JOIN region_members m ON m.region = r.name "
        "GROUP BY r.name, r.title ORDER BY r.name"
    )
    for r in rows:
        r["members"] = (r["members"] or "").split(",") if r["members"] else []
    return rows


def summary(store: Store) -> list[dict[str, Any]]:
    """Area versions per kind: how many codes, the validity span, which years have geometry."""
    rows = store.rows(
        "SELECT a.kind, count(DISTINCT a.code) AS codes, count(*) AS versions, min(a.valid_from) AS first_valid, "
        "max(coalesce(a.valid_to, DATE '9999-12-31')) AS last_valid FROM areas a GROUP BY a.kind ORDER BY a.kind"
    )
    years = store.rows("SELECT kind, list(DISTINCT year ORDER BY year) AS years FROM geometries GROUP BY kind")
    by_kind = {r["kind"]: r["years"] for r in years}
    for r in rows:
        r["label"] = KINDS.get(r["kind"], r["kind"])
        r["geometry_years"] = by_kind.get(r["kind"], [])
        if r["last_valid"] == date(9999, 12, 31):
            r["last_valid"] = None
    return rows


def set_parent(store: Store, codes: list[str], parent: str) -> None:
    """Attach areas to a parent where neither codes nor geometry can tell (e.g. a fictional province)."""
    with store.transaction() as con:
        con.execute("UPDATE areas SET parent_code = ? WHERE code IN (SELECT unnest(?::VARCHAR[]))", [parent, codes])


# -- lookups used by studies, the web app and importers (the only SQL on the area tables outside imports) -----------
def names(store: Store) -> dict[str, str]:
    """code → its most recent name (every code ever registered)."""
    return {
        r["code"]: r["name"]
        for r in store.rows("SELECT code, arg_max(name, valid_from) AS name FROM areas GROUP BY code")
    }


def named_areas(store: Store) -> dict[str, str]:
    """Every area name the store knows: the registry's, the regions' titles, then the names open tables give their
    own areas (the peer municipalities of a benchmark lie outside the registered region)."""
    found: dict[str, str] = {}
    for entry in catalogue.entries(store, sensitivity="open"):
        columns = catalogue.roles(store, entry["name"])
        area = catalogue.area_column(store, entry["name"])
        label = next((c for c in ("naam", "name", "gemeentenaam") if c in columns), None)
        if area and label and entry.get("table_name"):
            rows = store.rows(
                f"SELECT DISTINCT {quote(area)}::VARCHAR AS code, {quote(label)}::VARCHAR AS name "
                f"FROM {quote(entry['table_name'])} WHERE {quote(label)} IS NOT NULL LIMIT 100000"
            )
            found.update({row["code"]: row["name"] for row in rows})
    regions = {r["name"]: r["title"] for r in list_regions(store) if r.get("title")}  # demoregio → its title
    return {**found, **regions, **names(store)}


def known_codes(store: Store) -> set[str]:
    return {r["code"] for r in store.rows("SELECT DISTINCT code FROM areas")}


def codes_in_municipalities(store: Store, prefixes: list[str], municipalities: list[str]) -> set[str]:
    """Every code (any version) of the kinds ``prefixes`` (BU, WK, GM) whose four municipal digits are one of
    ``municipalities`` — the categories a gate table by area lists, inhabited or not."""
    rows = store.rows(
        "SELECT DISTINCT code FROM areas WHERE substr(code, 1, 2) IN (SELECT unnest(?::VARCHAR[])) "
        "AND substr(code, 3, 4) IN (SELECT unnest(?::VARCHAR[]))",
        [prefixes, municipalities],
    )
    return {r["code"] for r in rows}


def kinds(store: Store) -> set[str]:
    return {r["kind"] for r in store.rows("SELECT DISTINCT kind FROM areas")}


def version_years(store: Store) -> list[int]:
    """Years in which some area version starts (candidates when a year lacks a kind)."""
    return [r["y"] for r in store.rows("SELECT DISTINCT year(valid_from) AS y FROM areas ORDER BY 1")]


def current(store: Store, kind: str | None = None) -> list[dict[str, Any]]:
    """One row per code: kind, most recent name and parent."""
    sql = (
        "SELECT code, kind, arg_max(name, valid_from) AS name, arg_max(parent_code, valid_from) AS parent_code "
        "FROM areas {} GROUP BY code, kind ORDER BY code"
    )
    return store.rows(sql.format("WHERE kind = ?" if kind else ""), [kind] if kind else [])


def area(store: Store, code: str) -> dict[str, Any]:
    """The most recent version of one area; NotFound when the registry lacks it."""
    rows = store.rows(
        "SELECT code, kind, name, parent_code, valid_from, valid_to FROM areas WHERE code = ? "
        "ORDER BY valid_from DESC LIMIT 1",
        [code],
    )
    if not rows:
        raise NotFound(f"area '{code[:40]}' is not in the registry")
    return rows[0]


def parent(store: Store, code: str) -> str | None:
    """The registered parent of an area's most recent version, else the one its code implies."""
    try:
        return area(store, code)["parent_code"] or parent_from_code(code)
    except NotFound:
        return parent_from_code(code)


def children(store: Store, code: str) -> list[dict[str, Any]]:
    """Areas directly below ``code`` (at any version), with their most recent name."""
    return store.rows(
        "SELECT code, arg_max(name, valid_from) AS name, kind FROM areas WHERE parent_code = ? "
        "GROUP BY code, kind ORDER BY code",
        [code],
    )


def members(store: Store, region: str) -> list[str]:
    """A region's member codes (see :func:`region_members`)."""
    return region_members(store, region)


def all_members(store: Store) -> dict[str, list[str]]:
    """region → member codes, for every region."""
    out: dict[str, list[str]] = {}
    for r in store.rows("SELECT region, member_code FROM region_members ORDER BY 1, 2"):
        out.setdefault(r["region"], []).append(r["member_code"])
    return out


def regions_of(store: Store, codes: list[str]) -> list[str]:
    """Regions with at least one member among ``codes``."""
    wanted = set(codes)
    return sorted(region for region, found in all_members(store).items() if wanted & set(found))


def adjacent_pairs(store: Store, kind: str, year: int | None = None) -> list[tuple[str, str]]:
    """Pairs of areas of one kind sharing a border (the latest year with adjacency unless ``year`` is given)."""
    rows = store.rows(
        "SELECT code_a, code_b FROM adjacency WHERE kind = ? AND year = coalesce(?, (SELECT max(year) FROM adjacency "
        "WHERE kind = ?)) ORDER BY 1, 2",
        [kind, year, kind],
    )
    return [(r["code_a"], r["code_b"]) for r in rows]


def geometry_codes(store: Store, kind: str) -> list[str]:
    return [r["code"] for r in store.rows("SELECT DISTINCT code FROM geometries WHERE kind = ? ORDER BY 1", [kind])]


def newest_shapes(store: Store, kind: str, codes: list[str] | None = None) -> dict[str, bytes]:
    """code → full-resolution WKB (WGS84) of the newest imported year, for areas of ``kind`` (or just ``codes``)."""
    rows = store.con.execute(
        "SELECT code, arg_max(geometry, year) FROM geometries WHERE kind = ? AND (?::VARCHAR[] IS NULL OR code IN "
        "(SELECT unnest(?::VARCHAR[]))) GROUP BY code",
        [kind, codes, codes],
    ).fetchall()
    return dict(rows)


def geometry_years(store: Store, kind: str) -> list[int]:
    """The years of which boundaries of ``kind`` (GM, WK, BU) were imported."""
    return [
        int(r["year"]) for r in store.rows("SELECT DISTINCT year FROM geometries WHERE kind = ? ORDER BY 1", [kind])
    ]


def simplified_shapes(store: Store, codes: list[str], year: int | None = None) -> list[tuple[str, bytes]]:
    """(code, WKB) of each code's web geometry of the year nearest ``year`` (see :func:`nearest_shapes`)."""
    return [(code, blob) for code, blob, _ in nearest_shapes(store, codes, year)]


def nearest_shapes(store: Store, codes: list[str], year: int | None = None) -> list[tuple[str, bytes, int]]:
    """(code, WKB, geometry year) of each code's web geometry: the latest year ≤ ``year``, else the earliest after
    it (figures of 2016 on the 2022 buurt map rather than no map); the newest when ``year`` is None."""
    rows = store.con.execute(
        "SELECT code, coalesce(arg_max(simplified, year) FILTER (WHERE ?::INTEGER IS NULL OR year <= ?), "
        "arg_min(simplified, year) FILTER (WHERE year > ?)) AS g, coalesce(max(year) FILTER (WHERE ?::INTEGER IS "
        "NULL OR year <= ?), min(year) FILTER (WHERE year > ?)) AS y FROM geometries "
        "WHERE code IN (SELECT unnest(?::VARCHAR[])) GROUP BY code ORDER BY code",
        [year, year, year, year, year, year, codes],
    ).fetchall()
    return [(code, blob, int(y)) for code, blob, y in rows]


def shapes_with_names(store: Store, year: int, prefix: str) -> pd.DataFrame:
    """code, kind, name, parent_code, geometry_wkb of the areas whose code (after its kind) starts with ``prefix``,
    as valid on 1 January of ``year`` (the demo region's open area table)."""
    return store.query(
        "SELECT g.code, g.kind, a.name, a.parent_code, g.simplified AS geometry_wkb FROM geometries g "
        "JOIN areas a ON a.code = g.code AND a.valid_from <= ? AND (a.valid_to IS NULL OR a.valid_to > ?) "
        "WHERE g.year = ? AND substr(g.code, 3, ?) = ? ORDER BY g.code",
        [jan1(year), jan1(year), year, len(prefix), prefix],
    )


def count_by_kind(store: Store, prefix: str) -> dict[str, int]:
    """Areas per kind whose code (after its kind) starts with ``prefix``."""
    rows = store.rows(
        "SELECT kind, count(*) AS n FROM areas WHERE substr(code, 3, ?) = ? GROUP BY kind ORDER BY kind",
        [len(prefix), prefix],
    )
    return {r["kind"]: r["n"] for r in rows}


def parents_by_code(store: Store, kind: str) -> dict[str, set[str]]:
    """code → every parent any version of it had (areas of one kind)."""
    out: dict[str, set[str]] = {}
    for r in store.rows(
        "SELECT DISTINCT code, parent_code FROM areas WHERE kind = ? AND parent_code IS NOT NULL", [kind]
    ):
        out.setdefault(r["code"], set()).add(r["parent_code"])
    return out


def shapes(store: Store, kind: str, year: int) -> tuple[int | None, list[tuple[str, bytes]]]:
    """(year used, [(code, WKB)]) of the full-resolution geometry of one kind: the latest year ≤ ``year`` that has
    it, else the earliest after; (None, []) when the registry has no geometry of that kind."""
    years = [r["year"] for r in store.rows("SELECT DISTINCT year FROM geometries WHERE kind = ? ORDER BY 1", [kind])]
    if not years:
        return None, []
    before = [y for y in years if y <= year]
    chosen = before[-1] if before else years[0]
    rows = store.con.execute(
        "SELECT code, geometry FROM geometries WHERE kind = ? AND year = ? ORDER BY code", [kind, chosen]
    ).fetchall()
    return chosen, [(code, blob) for code, blob in rows]


def sizes(store: Store, kind: str, year: int) -> dict[str, float]:
    """code → inhabitants of the areas of one kind in ``year`` (CBS's key figures, imported with the geometry)."""
    rows = store.rows(
        "SELECT s.code, s.inwoners FROM area_sizes s JOIN areas a ON a.code = s.code AND a.kind = ? "
        "WHERE s.year = ? AND s.inwoners IS NOT NULL",
        [kind, year],
    )
    return {r["code"]: float(r["inwoners"]) for r in rows}
