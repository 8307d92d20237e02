"""A programme definition: where an intervention runs, since when, what it follows against which targets, and what
it is compared with — a portable YAML file of the same family as the indicator definitions.

Areas are buurten, wijken or municipalities (codes); the comparison is a list of codes, or matched automatically on
the baseline levels of chosen indicators among the areas of the same kind that are not in the programme.
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from udc.errors import InputError, NotFound
from udc.indicators.model import Text, read

AreaCode = str


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float = Field(description="The target value, in the indicator's unit")
    year: int = Field(ge=1990, le=2100)


class Followed(BaseModel):
    """An indicator the programme follows, the direction it hopes for, and an optional target."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    indicator: str = Field(pattern=r"^[a-z][a-z0-9_]{2,62}$")
    direction: Literal["down", "up"]
    target: Target | None = None


class Match(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    k: int = Field(default=8, ge=2, le=50, description="How many comparison areas")
    by: list[str] = Field(min_length=1, max_length=5, description="Indicator ids whose baseline levels are matched")
    within: AreaCode | None = Field(default=None, description="Only areas within this code (e.g. a municipality)")


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    areas: list[AreaCode] | None = Field(default=None, max_length=200)
    match: Match | None = None

    @model_validator(mode="after")
    def _one(self) -> Comparison:
        if (self.areas is None) == (self.match is None):
            raise ValueError("comparison: give either areas (a list of codes) or match (automatic), not both")
        return self


class Programme(BaseModel):
    """One programme definition (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{2,62}$")
    version: int = Field(ge=1)
    title: Text
    description: Text
    owner: str = Field(min_length=1, max_length=200)
    areas: list[AreaCode] = Field(min_length=1, max_length=200, description="Target areas: buurt, wijk or gemeente")
    start: int = Field(ge=1990, le=2100, description="The first year the programme runs (from 1 January)")
    baseline: tuple[int, int] = Field(description="First and last year of the nulmeting, before the start")
    indicators: list[Followed] = Field(min_length=1, max_length=20)
    comparison: Comparison
    placebo: bool = Field(default=False, description="A placebo programme (nothing was done there): a check")

    @model_validator(mode="after")
    def _consistent(self) -> Programme:
        kinds = {code[:2] for code in self.areas}
        if len(kinds) != 1 or not kinds <= {"BU", "WK", "GM"}:
            raise ValueError("areas: codes of one kind (BU…, WK… or GM…)")
        first, last = self.baseline
        if not first <= last < self.start:
            raise ValueError(f"baseline {first}-{last} must end before the start {self.start}")
        if self.comparison.areas and set(self.comparison.areas) & set(self.areas):
            raise ValueError("comparison areas must not be target areas")
        return self

    @property
    def kind(self) -> str:
        return self.areas[0][:2]

    def digest(self) -> str:
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:16]


def load(path: Path) -> Programme:
    """A programme file; a mistake as one line naming the file and the field."""
    return read(path, Programme)


@lru_cache(maxsize=1)
def library() -> dict[str, Programme]:
    """The built-in programmes (the demo's Kansrijk van Start and its placebo), by id."""
    folder = resources.files("udc.monitoring") / "library"
    found = [load(Path(str(e))) for e in sorted(folder.iterdir(), key=lambda e: e.name) if e.name.endswith(".yaml")]
    return {p.id: p for p in found}


def added(store_path: Path) -> dict[str, Programme]:
    folder = Path(store_path) / "programmes"
    return {p.id: p for p in (load(f) for f in sorted(folder.glob("*.yaml")))} if folder.is_dir() else {}


def add(store_path: Path, path: Path) -> Programme:
    """Check a programme file and keep it in the store (a later version replaces the earlier)."""
    programme = load(path)
    if programme.id in library():
        raise InputError(f"'{programme.id}' is a built-in programme: choose another id", file=str(path))
    folder = Path(store_path) / "programmes"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{programme.id}.yaml").write_text(
        yaml.safe_dump(programme.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return programme


def get(programme_id: str, store_path: Path) -> Programme:
    known = {**library(), **added(store_path)}
    if programme_id not in known:
        raise NotFound(f"no programme '{programme_id[:60]}' (see 'udc monitor list')")
    return known[programme_id]
