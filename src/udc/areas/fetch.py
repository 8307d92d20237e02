"""Download official boundaries from PDOK (CBS gebiedsindelingen / wijken en buurten) and cache them.

Inside the secure environment there is no internet: fetch once outside, copy the cache folder along,
and ``udc areas fetch`` imports from the cache without touching the network. ``base_url`` replaces only
scheme and host, so a mirror or a replay server can stand in for PDOK.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from udc.areas.codes import kind_from_name
from udc.errors import UdcError

PDOK = "https://service.pdok.nl"
PAGE = 1000
_LAYERS = {
    "GM": ("gebiedsindelingen", "gebiedsindelingen:gemeente_gegeneraliseerd"),
    "PV": ("gebiedsindelingen", "gebiedsindelingen:provincie_gegeneraliseerd"),
    "CR": ("gebiedsindelingen", "gebiedsindelingen:coropgebied_gegeneraliseerd"),
    "WK": ("wijkenbuurten", "wijkenbuurten:wijken"),
    "BU": ("wijkenbuurten", "wijkenbuurten:buurten"),
}


def url_for(kind: str, year: int, start: int = 0, base_url: str = PDOK) -> str:
    """The PDOK WFS GetFeature URL for one page of a boundary layer."""
    prefix = kind_from_name(kind)
    if prefix not in _LAYERS:
        raise UdcError(f"no PDOK layer for kind '{kind}': expected gemeente, provincie, corop, wijk or buurt")
    service, layer = _LAYERS[prefix]
    parts = urllib.parse.urlsplit(base_url)
    query = urllib.parse.urlencode(
        {
            "service": "WFS",
            "version": "2.0.0",
            "request": "GetFeature",
            "typeNames": layer,
            "outputFormat": "json",
            "count": PAGE,
            "startIndex": start,
        }
    )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, f"/cbs/{service}/{year}/wfs/v1_0", query, ""))


def fetch(
    kind: str,
    year: int,
    cache_dir: Path,
    *,
    base_url: str = PDOK,
    refresh: bool = False,
    timeout: float = 60.0,
) -> Path:
    """A cached GeoJSON of all features of ``kind`` in ``year``; downloads (paged) only when not cached."""
    prefix = kind_from_name(kind)
    target = cache_dir / f"pdok_{prefix.lower()}_{year}.geojson"
    if target.exists() and not refresh:
        return target
    features: list[dict] = []
    crs = None
    start = 0
    while True:
        url = url_for(prefix, year, start, base_url)
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                page = json.load(response)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise UdcError(
                f"cannot download {url}: {reason} (offline? copy a cached {target.name} into {cache_dir})"
            ) from None
        except json.JSONDecodeError:
            raise UdcError(f"{url} did not return GeoJSON") from None
        batch = page.get("features") or []
        crs = crs or page.get("crs")
        features.extend(batch)
        if len(batch) < PAGE:
            break
        start += PAGE
    if not features:
        raise UdcError(f"{url_for(prefix, year, 0, base_url)} returned no features (is {year} published?)")
    cache_dir.mkdir(parents=True, exist_ok=True)
    collection = {"type": "FeatureCollection", "features": features, **({"crs": crs} if crs else {})}
    partial = target.with_suffix(".part")
    partial.write_text(json.dumps(collection), encoding="utf-8")
    partial.replace(target)  # atomic: a half-written download never looks like a cache hit
    return target
