"""Weighted crosswalks between the boundaries of two years.

Boundaries "of year Y" are those of 1 January Y (CBS applies changes on 1 January). Each change date in
between is one step; a step moves every part of an old area to its new area in proportion to the chosen
weight (inwoners, woningen or hectare) as CBS reported it. Steps are chained, so 2015 → 2024 works
across several rounds of mergers, and backwards (a later area split into its former parts).

For an area that continues after giving away a part ("Grenswijziging"), the part that stays is its total
minus what left. The total comes from CBS when it lists the staying part itself (gemeentelijke
herindeling) or from ``area_sizes`` (key figures or geometry). Without a total the tiny partial change is
ignored and the crosswalk says so in its ``note``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from udc.areas.registry import jan1, valid_codes
from udc.errors import UdcError
from udc.store.db import Store

WEIGHTS = ("inwoners", "woningen", "hectare")


@dataclass(frozen=True)
class Link:
    """``share`` of ``from_code`` (boundaries of the source year) lies in ``to_code`` (target year)."""

    from_code: str
    to_code: str
    share: float
    note: str = ""


def _check_weight(weight: str) -> None:
    if weight not in WEIGHTS:
        raise UdcError(f"unknown weight '{weight}': expected one of {', '.join(WEIGHTS)}")


def change_dates(store: Store, from_year: int, to_year: int) -> list[date]:
    low, high = sorted((from_year, to_year))
    rows = store.rows(
        "SELECT DISTINCT change_date FROM area_changes WHERE change_date > ? AND change_date <= ? ORDER BY 1",
        [jan1(low), jan1(high)],
    )
    return [r["change_date"] for r in rows]


def _size(store: Store, code: str, weight: str, year: int) -> tuple[float, int] | None:
    """The nearest known total of ``code`` for ``weight`` and the year it was measured."""
    rows = store.rows(
        f"SELECT {weight} AS v, year FROM area_sizes WHERE code = ? AND {weight} IS NOT NULL "
        "ORDER BY abs(year - ?), year LIMIT 1",
        [code, year],
    )
    return (float(rows[0]["v"]), int(rows[0]["year"])) if rows else None


def step(store: Store, when: date, weight: str, *, backward: bool = False) -> dict[str, list[Link]]:
    """Links for one change date: forward (before → after) or backward (after → before).

    When every transfer of an area is 0 in ``weight`` (a dissolved area of 0 inhabitants, say), that area
    is split by the next weight (woningen, then hectare) and the link notes it.
    """
    rows = store.rows("SELECT * FROM area_changes WHERE change_date = ?", [when])
    before = valid_codes(store, date.fromordinal(when.toordinal() - 1))
    after = valid_codes(store, when)
    result: dict[str, list[Link]] = {}
    for w in [weight] + [x for x in WEIGHTS if x != weight]:
        links = _step_links(store, rows, when, w, backward, before, after)
        for code, items in links.items():
            if code not in result:
                note = "" if w == weight else f"by {w} ({weight} all 0)"
                result[code] = [
                    Link(i.from_code, i.to_code, i.share, "; ".join(filter(None, [i.note, note]))) for i in items
                ]
    return result


def _step_links(
    store: Store,
    rows: list[dict],
    when: date,
    weight: str,
    backward: bool,
    before: dict[str, str],
    after: dict[str, str],
) -> dict[str, list[Link]]:
    flows: dict[tuple[str, str], float] = {}
    stays: dict[str, float] = {}
    renamed: set[tuple[str, str]] = set()
    for r in rows:
        amount = float(r[weight] or 0.0)
        if r["change_kind"] == "rename":
            amount = 1.0
            renamed.add((r["from_code"], r["to_code"]))
        if r["from_code"] == r["to_code"]:
            stays[r["from_code"]] = amount
        else:
            flows[(r["from_code"], r["to_code"])] = amount
    out_sum: dict[str, float] = defaultdict(float)
    in_sum: dict[str, float] = defaultdict(float)
    for (a, b), v in flows.items():
        out_sum[a] += v
        in_sum[b] += v
    # Forward we split what each old area gave away; backward what each new area received.
    links: dict[str, list[Link]] = defaultdict(list)
    for (a, b), v in flows.items():
        source, target = (b, a) if backward else (a, b)
        links[source].append(Link(source, target, v, "renamed" if (a, b) in renamed else ""))
    result: dict[str, list[Link]] = {}
    for code, items in links.items():
        continues = code in before and code in after if before and after else code in out_sum and code in in_sum
        stay: float | None = stays.get(code, 0.0 if not continues else None)
        if stay is None:
            size = _size(store, code, weight, when.year)
            if size is None:
                note = f"partial change of {when:%Y-%m-%d} ignored: no total {weight} of {code}"
                result[code] = [Link(code, code, 1.0, note)]
                continue
            total, measured = size
            # A total measured before the change still includes what left; one measured after, what arrived.
            stay = max(total - (out_sum[code] if measured < when.year else in_sum[code]), 0.0)
        if stay > 0:
            items = [*items, Link(code, code, stay)]
        denominator = sum(i.share for i in items)
        if denominator > 0:
            result[code] = [Link(i.from_code, i.to_code, i.share / denominator, i.note) for i in items]
    return result


def crosswalk(
    store: Store, from_year: int, to_year: int, weight: str = "inwoners", codes: list[str] | None = None
) -> list[Link]:
    """Chained links from the boundaries of ``from_year`` to those of ``to_year`` for ``codes``
    (default: every municipality valid in ``from_year`` and every code a change touches)."""
    _check_weight(weight)
    backward = to_year < from_year
    dates = change_dates(store, from_year, to_year)
    if backward:
        dates.reverse()
    if codes is None:
        starts = set(valid_codes(store, jan1(from_year), "GM")) or {
            r["c"] for r in store.rows("SELECT from_code AS c FROM area_changes UNION SELECT to_code FROM area_changes")
        }
    else:
        small = sorted(c for c in codes if c[:2] in ("WK", "BU"))
        starts = set(codes) - set(small)
        if small:
            overlay_links = overlay(store, from_year, to_year, small)
            if not starts:
                return overlay_links
            return sorted(
                [*crosswalk(store, from_year, to_year, weight, sorted(starts)), *overlay_links],
                key=lambda x: (x.from_code, x.to_code),
            )
    current: dict[str, dict[str, tuple[float, set[str]]]] = {c: {c: (1.0, set())} for c in starts}
    for when in dates:
        links = step(store, when, weight, backward=backward)
        for origin, targets in current.items():
            moved: dict[str, tuple[float, set[str]]] = {}
            for code, (share, notes) in targets.items():
                for link in links.get(code, [Link(code, code, 1.0)]):
                    previous, previous_notes = moved.get(link.to_code, (0.0, set()))
                    extra = {link.note} if link.note else set()
                    moved[link.to_code] = (previous + share * link.share, previous_notes | notes | extra)
            current[origin] = moved
    result = []
    for origin in sorted(current):
        for target, (share, notes) in sorted(current[origin].items()):
            if share > 1e-12:
                result.append(Link(origin, target, share, "; ".join(sorted(notes))))
    return result


def overlay(store: Store, from_year: int, to_year: int, codes: list[str], *, sliver: float = 0.01) -> list[Link]:
    """Wijken/buurten are redrawn without CBS change records: link them by the area of their overlap.

    Generalised polygons disagree by tens of metres, so overlaps below ``sliver`` of the source are dropped and
    the rest renormalised. The weight is always hectare (the only one geometry gives) and the note says so.
    """
    import shapely

    from udc.areas.geometry import to_rd

    if from_year == to_year:
        return [Link(c, c, 1.0) for c in codes]
    kinds = sorted({c[:2] for c in codes})
    out: list[Link] = []
    for kind in kinds:
        wanted = [c for c in codes if c[:2] == kind]
        source = {
            r["code"]: to_rd(shapely.from_wkb(r["geometry"]))
            for r in store.rows("SELECT code, geometry FROM geometries WHERE year = ? AND kind = ?", [from_year, kind])
        }
        target_rows = store.rows("SELECT code, geometry FROM geometries WHERE year = ? AND kind = ?", [to_year, kind])
        missing = [c for c in wanted if c not in source]
        if not target_rows or missing:
            year = to_year if not target_rows else from_year
            what = f"{kind} geometry of {year}" + (f" for {', '.join(missing[:3])}" if missing else "")
            raise UdcError(f"cannot re-base {kind} codes from {from_year} to {to_year}: no {what} (import it first)")
        target_codes = [r["code"] for r in target_rows]
        targets = [to_rd(shapely.from_wkb(r["geometry"])) for r in target_rows]
        tree = shapely.STRtree(targets)
        for code in wanted:
            geom = source[code]
            parts = []
            for j in tree.query(geom, predicate="intersects"):
                share = geom.intersection(targets[int(j)]).area / geom.area
                if share >= sliver:
                    parts.append((target_codes[int(j)], share))
            total = sum(share for _, share in parts)
            if not parts:
                raise UdcError(f"{code} ({from_year}) overlaps no {kind} of {to_year}")
            for target, share in parts:
                exact = len(parts) == 1 and target == code
                out.append(Link(code, target, share / total, "" if exact else "by area overlay (hectare)"))
    return out


def changes_between(store: Store, from_year: int, to_year: int, weight: str = "inwoners") -> list[dict]:
    """The direct changes between two years with CBS's figures and both shares, for ``udc areas changes``."""
    _check_weight(weight)
    low, high = sorted((from_year, to_year))
    rows = store.rows(
        "SELECT c.change_date, c.change_kind, c.from_code, c.to_code, c.inwoners, c.woningen, c.hectare "
        "FROM area_changes c WHERE c.change_date > ? AND c.change_date <= ? ORDER BY c.change_date, c.to_code, "
        "c.from_code",
        [jan1(low), jan1(high)],
    )
    names = {
        r["code"]: r["name"]
        for r in store.rows("SELECT code, arg_max(name, valid_from) AS name FROM areas GROUP BY code")
    }
    by_date: dict[date, tuple[dict, dict]] = {}
    for r in rows:
        if r["change_date"] not in by_date:
            by_date[r["change_date"]] = (
                step(store, r["change_date"], weight),
                step(store, r["change_date"], weight, backward=True),
            )
    out = []
    for r in rows:
        forward, backward = by_date[r["change_date"]]
        # No link although the area has links: nothing moved by this weight (e.g. 0 inwoners) → share 0.
        share_src = next(
            (x.share for x in forward.get(r["from_code"], []) if x.to_code == r["to_code"]),
            0.0 if r["from_code"] in forward else None,
        )
        share_dst = next(
            (x.share for x in backward.get(r["to_code"], []) if x.to_code == r["from_code"]),
            0.0 if r["to_code"] in backward else None,
        )
        out.append(
            {
                "change_date": r["change_date"].isoformat(),
                "kind": r["change_kind"],
                "from_code": r["from_code"],
                "from_name": names.get(r["from_code"]),
                "to_code": r["to_code"],
                "to_name": names.get(r["to_code"]),
                "inwoners": r["inwoners"],
                "woningen": r["woningen"],
                "hectare": r["hectare"],
                "weight": weight,
                "share_of_from": None if share_src is None else round(share_src, 6),
                "share_of_to": None if share_dst is None else round(share_dst, 6),
            }
        )
    return out
