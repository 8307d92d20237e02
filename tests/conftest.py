"""Shared fixtures: a fresh store per test and the real CBS/PDOK files in ../shared/data (read in place)."""

from __future__ import annotations

from pathlib import Path

import pytest

from udc.store import Store

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_configure(config: pytest.Config) -> None:
    if not DATA.is_dir():
        raise pytest.UsageError(f"real test data not found at {DATA} (expected ../shared/data next to the repo)")


@pytest.fixture
def data() -> Path:
    return DATA


@pytest.fixture
def store(tmp_path: Path) -> Store:
    with Store(tmp_path / "store") as s:
        yield s


@pytest.fixture
def registry_store(store: Store, data: Path) -> Store:
    """A store with the real validity list and the real 81734NED region code list."""
    from udc.areas import registry

    registry.import_file(store, data / "nlextract" / "gemeentelijke-indeling.csv")
    registry.import_file(store, data / "algorithm_geovis" / "RegioVanVestigingCodes.csv")
    return store
