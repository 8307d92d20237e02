"""The label tables, re-exported from :mod:`udc.labelling` (where the CLI and the Python API read them too)."""

from udc.labelling import (
    CLASSES,
    EXPECTED,
    FUNNEL,
    GROUPS,
    LEVELS,
    RATE_MEASURES,
    SECTORS,
    STATUS,
    THEMES,
    TRIGGERS,
    label,
)

__all__ = [
    "CLASSES",
    "EXPECTED",
    "FUNNEL",
    "GROUPS",
    "LEVELS",
    "RATE_MEASURES",
    "SECTORS",
    "STATUS",
    "THEMES",
    "TRIGGERS",
    "label",
]
