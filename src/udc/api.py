"""Python API entry points that the CLI mirrors one to one (``udc info`` ↔ :func:`store_info`)."""

from __future__ import annotations

from typing import Any

from udc.areas import registry
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
