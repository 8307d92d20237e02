"""Fixtures for the sources tests."""

from __future__ import annotations

import pytest

from cbs_fixtures import table_83625ned
from udc.sources.replay import ReplayTable


@pytest.fixture
def cbs_tables() -> dict[str, ReplayTable]:
    return {"83625NED": table_83625ned()}
