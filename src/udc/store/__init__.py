"""The store: a directory with one DuckDB database, read through Ibis."""

from udc.store.catalogue import Dataset
from udc.store.db import Store, default_store_path

__all__ = ["Dataset", "Store", "default_store_path"]
