"""What the participation tests share: the served demo store's address, an API key and a point inside the region."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Intake:
    store: Path
    base: str
    key: str
    inside: tuple[float, float]  # lat, long in a buurt of GM9901
    buurt: str
