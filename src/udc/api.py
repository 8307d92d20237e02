"""Python API entry points that the CLI mirrors (``udc info`` ↔ :func:`store_info`), audited where they change data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from udc.areas import registry
from udc.privacy.audit import logged
from udc.store import catalogue
from udc.store.db import Store


def store_info(store: Store) -> dict[str, Any]:
    """What ``udc info`` shows: datasets (with sensitivity and rows), area versions, regions."""
    return {
        "store": str(store.path),
        "schema_version": store.schema_version,
        "datasets": catalogue.list_datasets(store),
        "areas": registry.summary(store),
        "regions": registry.list_regions(store),
    }


@logged(
    "import.areas",
    lambda path, **kw: {"file": str(path), "kind": kw.get("kind"), "year": kw.get("year")},
    lambda r: {"detected": r.detected, "areas": r.areas},
)
def import_areas(store: Store, path: Path, **options: Any) -> registry.ImportReport:
    """``udc areas import``: one area file (recognised by content) into the registry, in one transaction."""
    return registry.import_file(store, path, **options)
