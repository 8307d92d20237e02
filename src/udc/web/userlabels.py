"""Labels a user edits: ``labels.yaml`` beside the store's database names columns and category values in Dutch and
English where neither the source's metadata nor udc has a label (a municipal file's raw column names), and overrides
them where a municipality words things its own way. Re-read when the file changes; a mistake is one line naming the
file and the field.

```yaml
columns:
  Wonen_Woningen_naar_bewoning_Percentage_onbewoond: {nl: Onbewoonde woningen (%), en: Unoccupied dwellings (%)}
values:
  tenure:
    social_rent: {nl: sociale huurwoning, en: social rented dwelling}
```
"""

from __future__ import annotations

import functools
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

FILE = "labels.yaml"


class Pair(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nl: str = Field(min_length=1, max_length=200)
    en: str | None = Field(None, min_length=1, max_length=200)

    def text(self, language: str) -> str:
        return self.en if language == "en" and self.en else self.nl


class Labels(BaseModel):
    model_config = ConfigDict(extra="forbid")
    columns: dict[str, Pair] = {}
    values: dict[str, dict[str, Pair]] = {}

    def column(self, name: str, language: str) -> str | None:
        pair = self.columns.get(name)
        return pair.text(language) if pair else None

    def value(self, column: str, value: str, language: str) -> str | None:
        pair = self.values.get(column, {}).get(value)
        return pair.text(language) if pair else None


EMPTY = Labels()
_read: dict[Path, tuple[float, Labels]] = {}


@functools.cache
def builtin() -> Labels:
    """Labels udc ships for values of its own series: the KWB variables (``variable`` of ``udc kwb import``'s
    series) by their registry labels, so the explorer's variable filter reads "Inwoners", not ``inwoners``, and
    the library's indicators by their titles (an indicator table across the border in the explorer)."""
    from udc.indicators.model import library
    from udc.sources.kwb import registry

    variables = {v.id: Pair(nl=v.label["nl"], en=v.label.get("en")) for v in registry().variables.values()}
    indicators = {i.id: Pair(nl=i.title.nl, en=i.title.en) for i in library().values()}
    return Labels(values={"variable": variables, "indicator": indicators})


def value_label(store_path: Path, column: str, value: str, language: str) -> str:
    """A value of ``column`` in words: the store's labels file, udc's own labels, else the value itself."""
    from udc.labelling import value_text

    return value_text(column, value, language, load(store_path))


def load(store_path: Path) -> Labels:
    """The store's labels file over udc's own (a municipality's wording wins), read again only when the file's
    modification time changes."""
    from udc.indicators.model import read

    path = Path(store_path) / FILE
    try:
        stamp = path.stat().st_mtime
    except FileNotFoundError:
        return builtin()
    cached = _read.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    own = read(path, Labels)
    values = {k: {**builtin().values.get(k, {}), **v} for k, v in own.values.items()}
    labels = Labels(columns=own.columns, values={**builtin().values, **values})
    _read[path] = (stamp, labels)
    return labels
