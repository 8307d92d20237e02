"""An indicator definition: what is counted over what, at which scale, for which areas — a portable file.

Numerator and denominator are each a *count* over one dataset with typed filters (the gate's ``Filter``: values,
ranges, prefixes — never SQL), or a sum of a numeric measure. The value is numerator / denominator × scale; both
are published as protected counts, so anyone can recompute the ratio. Definitions are YAML files validated by the
JSON Schema ``udc indicators schema`` prints (``docs/indicators.schema.json``).
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Literal, TypeVar

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from udc import yamltext
from udc.errors import InputError, NotFound
from udc.privacy.request import Filter, Name, first_error

M = TypeVar("M", bound=BaseModel)
SCALES = {
    "percent": 100.0,
    "per_1000": 1_000.0,
    "per_10000": 10_000.0,
    "per_100000": 100_000.0,
    "mean": 1.0,
    "ratio": 1.0,
}
UNIT_LABELS = {
    "percent": "%",
    "per_1000": "per 1 000",
    "per_10000": "per 10 000",
    "per_100000": "per 100 000",
    "mean": "gemiddelde",
    "ratio": "verhouding",
}


OUTPUT = [  # the columns every computed indicator has (udc.indicators.compute and .weighted)
    "indicator",
    "area_code",
    "level",
    "period",
    "value",
    "numerator",
    "denominator",
    "ci_low",
    "ci_high",
    "status",
    "funnel",
]


class Text(BaseModel):
    """The same text in Dutch and English (Dutch first: the UI's default)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    nl: str = Field(min_length=1, max_length=300)
    en: str = Field(min_length=1, max_length=300)


# Column names of imported open tables keep their case (aantalInwoners); they are quoted, never pasted as SQL.
Column = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_]{0,62}$")]


class Count(BaseModel):
    """Units of ``dataset`` (rows; or the sum of ``measure``) that pass ``filters``, per area and year. Over
    microdata the counts come through the gate; over an open or internal area table they are that table's own
    published figures (the sum of ``measure`` per area and year)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    dataset: Name
    filters: list[Filter] = Field(default_factory=list, max_length=8)
    measure: Column | None = Field(default=None, description="A numeric column to sum instead of counting rows")
    area: Column = Field(
        default="buurt_code",
        description="The column with area codes (microdata: buurt codes, rolled up to wijk and gemeente)",
    )
    year: Column = Field(default="year", description="The column with the year")


class Weighted(BaseModel):
    """A rate, share or average an open series publishes per area (CBS Kerncijfers wijken en buurten: crime per
    1 000 inhabitants, electricity per dwelling), with the variable it is a rate or average *of*. Larger areas
    are the ``weight``-weighted mean of the finest areas inside them (buurten, else wijken); where the source
    publishes the area itself, its figure is used and the roll-up shown beside it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    dataset: Name = Field(default="kwb", description="A long series: area_code, year, variable, value, status")
    variable: Column = Field(description="The published rate or average (a variable id of the series)")
    weight: Column = Field(description="What it is a rate or average of (inhabitants, dwellings, households …)")
    unit: Literal["percent", "per_1000", "per_10000", "per_100000", "mean", "ratio"] | None = Field(
        default=None,
        description="The unit the series publishes it in, when the indicator shows another (per_1000 → per_100000)",
    )


class Divided(BaseModel):
    """Two counts an open series publishes per area (registered crimes and inhabitants, establishments and
    inhabitants, cars on other fuels and all cars): the value is numerator / denominator × scale, and a larger
    area's is the quotient of its finest areas' sums — the ``denominator``-weighted mean of their quotients."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    dataset: Name = Field(default="kwb", description="A long series: area_code, year, variable, value, status")
    numerator: Column = Field(description="A count variable of the series (what is counted)")
    denominator: Column = Field(description="A count variable of the series (what it is counted among or per)")
    times: Column | None = Field(
        default=None,
        description="Multiply the numerator by this variable first (an average per dwelling × dwellings = a total)",
    )


class Iso37120(BaseModel):
    """Which entry of the ISO 37120 catalogue (``data/iso37120.yaml``) the indicator computes: by its number where
    the catalogue gives one, else by the catalogue's English title (entries whose number no public source
    confirms)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    number: str | None = Field(
        default=None, pattern=r"^\d{1,2}\.\d{1,2}$", description="ISO 37120:2018 indicator number, e.g. 5.1"
    )
    title: str | None = Field(default=None, max_length=200, description="The catalogue entry's English title")
    formula: str = Field(max_length=300)

    @model_validator(mode="after")
    def _one_key(self) -> Iso37120:
        if (self.number is None) == (self.title is None):
            raise ValueError("give the ISO 37120 entry's number or its title, not both")
        return self


class Indicator(BaseModel):
    """One indicator definition (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z][a-z0-9_]{2,62}$")
    version: int = Field(ge=1)
    title: Text
    description: Text
    theme: Literal[
        "armoede_schulden",
        "jeugd",
        "wonen_leegstand",
        "mobiliteit",
        "bevolking",
        "werk_onderwijs",
        "veiligheid",
        "zorg",
        "participatie",
        "energie",
        "economie",
    ]
    unit: Literal["percent", "per_1000", "per_10000", "per_100000", "mean", "ratio"]
    numerator: Count | None = None
    denominator: Count | None = None
    rate: Weighted | None = Field(default=None, description="A published rate or share, rolled up by its weight")
    mean: Weighted | None = Field(default=None, description="A published average, rolled up by its weight")
    divide: Divided | None = Field(default=None, description="Two published counts of one series, divided")
    universe: Text
    levels: list[Literal["buurt", "wijk", "gemeente", "region", "total"]] = Field(min_length=1)
    polarity: Literal["higher_is_better", "higher_is_worse", "neutral"]
    source: str = Field(max_length=300)
    iso37120: Iso37120 | None = None

    @model_validator(mode="after")
    def _proportion(self) -> Indicator:
        forms = [self.numerator is not None and self.denominator is not None, self.rate is not None]
        forms += [self.mean is not None, self.divide is not None]
        if sum(forms) != 1 or (self.numerator is None) != (self.denominator is None):
            raise ValueError(
                "give either a numerator and a denominator, or one published rate, mean or pair of counts to divide"
            )
        if self.mean is not None and self.unit != "mean":
            raise ValueError("a published mean has unit 'mean'")
        if (self.rate is not None or self.divide is not None) and self.unit == "mean":
            raise ValueError("a rate or a quotient of counts has a unit such as percent or per_1000, not 'mean'")
        if self.numerator is None or self.denominator is None:
            return self
        if self.unit == "percent" and self.numerator.dataset != self.denominator.dataset:
            raise ValueError(
                "a percentage counts a part of its denominator: numerator and denominator must use the same dataset"
            )
        return self

    @property
    def weighted(self) -> Weighted | Divided | None:
        """The open series' rate, mean or pair of counts this indicator rolls up (None: it divides two counts the
        gate protects)."""
        return self.rate or self.mean or self.divide

    @property
    def counts(self) -> list[Count]:
        return [c for c in (self.numerator, self.denominator) if c is not None]

    @property
    def datasets(self) -> list[str]:
        """The datasets the indicator reads (what a store must hold to compute it)."""
        return [c.dataset for c in self.counts] + ([self.weighted.dataset] if self.weighted else [])

    @property
    def scale(self) -> float:
        return SCALES[self.unit]

    def digest(self) -> str:
        """A stable hash of the definition (releases record it)."""
        body = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()[:16]


def schema() -> dict:
    """The JSON Schema every definition file is validated against."""
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "indicators.schema.json",
        **Indicator.model_json_schema(),
    }


def load(path: Path) -> Indicator:
    """A definition file (YAML or JSON); a mistake as one line naming the file and the field."""
    return read(path, Indicator)


def read(path: Path, model: type[M]) -> M:
    """A definition file of any kind (indicator, programme) checked against ``model``; a mistake as one line
    naming the file, the line (bad YAML) or the field."""
    try:
        data = yamltext.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read: {exc}", file=str(path)) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(exc, 'problem', exc)}", file=str(path), row=mark.line + 1 if mark else None
        ) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(first_error(exc), file=str(path)) from None


@lru_cache(maxsize=1)
def library() -> dict[str, Indicator]:
    """The built-in indicators (``udc/indicators/library/*.yaml``), by id — package data, read once per process
    (callers copy before adding to it)."""
    folder = resources.files("udc.indicators") / "library"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            indicator = load(Path(str(entry)))
            found[indicator.id] = indicator
    return found


def added(store_path: Path) -> dict[str, Indicator]:
    """Definitions added to a store (``udc indicators add``), by id."""
    folder = Path(store_path) / "indicators"
    return {i.id: i for i in (load(p) for p in sorted(folder.glob("*.yaml")))} if folder.is_dir() else {}


def add(store_path: Path, path: Path) -> Indicator:
    """Check a definition file and keep it in the store (replacing an earlier version of the same id)."""
    return keep(store_path, load(path), str(path))


def keep(store_path: Path, indicator: Indicator, origin: str) -> Indicator:
    """Keep a checked definition in the store (a file per id: a later version replaces the earlier)."""
    if indicator.id in library():
        raise InputError(f"'{indicator.id}' is a built-in indicator: choose another id", file=origin)
    folder = Path(store_path) / "indicators"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{indicator.id}.yaml").write_text(
        yaml.safe_dump(indicator.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    return indicator


def get(indicator_id: str, extra: dict[str, Indicator] | None = None) -> Indicator:
    known = {**library(), **(extra or {})}
    if indicator_id not in known:
        raise NotFound(f"no indicator '{indicator_id[:60]}' (see 'udc indicators list')")
    return known[indicator_id]
