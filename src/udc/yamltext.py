"""YAML parsed by libyaml where PyYAML was built with it — ten times faster than PyYAML's pure-Python parser, and
every process reads the indicator library (67 files) and the KWB registry — else by PyYAML's own. Both are the safe
loader: plain data, no Python objects."""

from __future__ import annotations

from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def safe_load(text: str) -> Any:
    """``yaml.safe_load`` through the fastest safe loader available (errors are PyYAML's ``YAMLError``)."""
    return yaml.load(text, Loader=_LOADER)
