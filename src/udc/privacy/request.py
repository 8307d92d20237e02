"""The typed table request: the one way to ask the disclosure gate for a table (Python API, CLI, web form, JSON API).

A caller names a dataset, up to three dimensions, optional typed filters (``column in [values]``, ``column between a
and b``, ``column starts with prefix``) and optionally one magnitude measure. Nothing in a request is SQL: names are
checked against the dataset's published schema and the derived-dimension registry, values are bound as literals by
Ibis, which compiles the request for the backend that runs it (DuckDB here, Spark later).
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import ibis
import ibis.expr.types as ir
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from udc.errors import Forbidden, UdcError
from udc.privacy import dimensions

Name = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Value = Annotated[str, StringConstraints(max_length=100)] | int | bool
MAX_VALUES = 200
# Each key in a magnitude: sum of record keys modulo 2**32, summed exactly (decimal(38,0)) so that any path to a cell
# (a crosstab, a cube's partial sums) gives it the same key and so the same noise.
KEY_MODULUS = 4294967296


class Filter(BaseModel):
    """One typed predicate on a dimension column: exactly one of ``values``, ``between`` or ``prefix``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    column: Name = Field(description="A dimension column of the dataset (or a derived dimension)")
    values: list[Value] | None = Field(None, max_length=MAX_VALUES, description="Keep rows whose value is one of these")
    between: tuple[float, float] | None = Field(None, description="Keep rows with a ≤ value ≤ b (numeric columns)")
    prefix: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,12}$")] | None = Field(
        None, description="Keep rows whose value starts with this code prefix (e.g. BU)"
    )

    @model_validator(mode="after")
    def _one_kind(self) -> Filter:
        given = [k for k in ("values", "between", "prefix") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(f"filter on '{self.column}': give exactly one of values, between or prefix")
        if self.values is not None and not self.values:
            raise ValueError(f"filter on '{self.column}': values is empty")
        if self.between is not None and self.between[0] > self.between[1]:
            raise ValueError(f"filter on '{self.column}': between needs a ≤ b")
        return self

    def describe(self) -> str:
        if self.values is not None:
            return f"{self.column} in {list(self.values)}"
        if self.between is not None:
            return f"{self.column} between {self.between[0]:g} and {self.between[1]:g}"
        return f"{self.column} starts with {self.prefix}"


class TableRequest(BaseModel):
    """A protected table of a microdata dataset: what to count, by what, among whom."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    dataset: Name = Field(description="A microdata dataset in the catalogue")
    dimensions: list[Name] = Field(min_length=1, max_length=3, description="Columns or derived dimensions")
    filters: list[Filter] = Field(default_factory=list, max_length=8, description="Typed filters on dimensions")
    measure: Name | None = Field(None, description="A numeric column to sum (magnitude table; nk and p% rules)")
    area: Name | None = Field(None, description="The dimension holding buurt codes (rolled up to wijk, gemeente)")

    @model_validator(mode="after")
    def _distinct(self) -> TableRequest:
        if len(set(self.dimensions)) != len(self.dimensions):
            raise ValueError("a dimension is named twice")
        if self.area is not None and self.area not in self.dimensions:
            raise ValueError(f"area '{self.area}' is not one of the dimensions")
        if self.measure is not None and self.measure in {*self.dimensions, *(f.column for f in self.filters)}:
            raise ValueError(
                f"measure '{self.measure}' is a dimension or filter: a sum of a value the request fixes "
                "is a count in disguise"
            )
        return self

    def summary(self) -> dict[str, Any]:
        """A bounded, JSON-ready description for the audit log."""
        return {
            "dataset": self.dataset,
            "dimensions": list(self.dimensions),
            "filters": [f.describe()[:300] for f in self.filters],
            "measure": self.measure,
        }


def first_error(exc: ValidationError) -> str:
    """A request's validation error as one line naming the field (the CLI, definition files and the API use it)."""
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body") or "request"
    return f"field '{where}': {first.get('msg', 'invalid')}"[:300]


_FILTER = re.compile(r"^\s*([a-z][a-z0-9_]{0,62})\s*(=|\^=)\s*(.+?)\s*$")


def parse_filter(text: str) -> Filter:
    """``column=a,b`` (one of), ``column=lo..hi`` (between) or ``column^=PREFIX`` — the CLI's ``--filter``."""
    match = _FILTER.match(text)
    if not match:
        raise UdcError(f"--filter '{text[:80]}': expected column=value[,value], column=low..high or column^=PREFIX")
    column, op, rest = match.groups()
    if op == "^=":
        return Filter(column=column, prefix=rest)
    if re.fullmatch(r"-?\d+(\.\d+)?\.\.-?\d+(\.\d+)?", rest):
        low, high = rest.split("..")
        return Filter(column=column, between=(float(low), float(high)))
    return Filter(column=column, values=[v.strip() for v in rest.split(",") if v.strip()])


def _literal(column: str, value: Any, dtype: Any) -> Any:
    """A filter value as the column's type (CLI and form values arrive as text)."""
    try:
        if dtype.is_boolean():
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "ja", "nee", "1", "0"):
                    raise ValueError(value)
                return value.lower() in ("true", "ja", "1")
            return bool(value)
        if dtype.is_integer():
            number = int(value)
            if not dtype.bounds.lower <= number <= dtype.bounds.upper:
                raise UdcError(f"filter on '{column}': value {str(value)[:40]} is outside the range of a {dtype}")
            return number
        if dtype.is_numeric():
            return float(value)
        return str(value)
    except (TypeError, ValueError):
        raise UdcError(f"filter on '{column}': value '{str(value)[:40]}' is not a {dtype}") from None


def predicate(table: ir.Table, f: Filter) -> ir.BooleanValue:
    """A typed filter as an Ibis condition on ``table`` (values typed to the column; never text pasted as SQL)."""
    column = table[f.column]
    dtype = column.type()
    if f.values is not None:
        return column.isin([_literal(f.column, v, dtype) for v in f.values])
    if f.between is not None:
        if not dtype.is_numeric():
            raise UdcError(f"filter on '{f.column}': between needs a numeric column, it is {dtype}")
        return column.between(f.between[0], f.between[1])
    if not dtype.is_string():
        raise UdcError(f"filter on '{f.column}': a prefix needs a text column, it is {dtype}")
    return column.startswith(f.prefix)


class Compiled:
    """A request bound to a dataset's table: the filtered, derived relation and its checks."""

    def __init__(self, table: ir.Table, request: TableRequest, roles: dict[str, str | None]) -> None:
        columns = {name: str(dtype) for name, dtype in table.schema().items()}
        for name in request.dimensions:
            dimensions.check(name, columns, roles, what="dimension")
        for f in request.filters:
            dimensions.check(f.column, columns, roles, what="filter column")
        if request.measure is not None:
            if request.measure not in columns or not table.schema()[request.measure].is_numeric():
                raise UdcError(f"measure '{request.measure}' is not a numeric column of '{request.dataset}'")
            if dimensions.identifying(request.measure, roles.get(request.measure)):
                raise Forbidden(f"measure '{request.measure}' is an identifier, not a magnitude")
        for name in request.dimensions:
            if name in columns and table.schema()[name].is_floating():
                raise Forbidden(f"dimension '{name}' is a continuous number, not a category: ask for a derived band")
        self.request = request
        self.columns = columns
        self.lumped: dict[str, list[str]] = {}  # dimension → rare values counted as 'overig' (privacy.categories)
        self.profile: Any = None  # the measure over the whole dataset (privacy.magnitude.Profile), set by the gate
        self.whole: dict[str, dict[str, int]] = {}  # column → units per value in the whole dataset (categories)
        self.has_key = "record_key" in columns
        needed = {*request.dimensions, *(f.column for f in request.filters)}
        derived = {n: dimensions.DERIVED[n].build(table) for n in needed if n not in columns}
        self.base = table.mutate(**derived) if derived else table

    def filtered(self) -> ir.Table:
        """The relation with every filter applied."""
        wanted = self.request.filters
        return self.base.filter(*[predicate(self.base, f) for f in wanted]) if wanted else self.base

    def population(self, by: str | None = None) -> ir.Table:
        """Units left after the filters, with their key sum (the differencing guard compares the cell-key count, a
        protected value, with the policy's minimum); ``by``: per value of that column (per snapshot period)."""
        t = self.filtered()
        metrics = {"units": t.count(), "key_sum": self._key_sum(t)}
        return t.group_by(by).aggregate(**metrics) if by else t.aggregate(**metrics)

    def _key_sum(self, t: ir.Table) -> ir.Scalar:
        return (t.record_key.cast("decimal(38, 0)").sum() % KEY_MODULUS).cast("int64")

    def aggregate(self) -> ir.Table:
        """Counts, exact key sums and (for a measure) total, largest and second largest contribution per leaf."""
        t = self.filtered()
        by = list(self.request.dimensions)
        for d, rare in self.lumped.items():
            text = t[d].cast("string")
            t = t.mutate(**{d: ibis.ifelse(text.isin(rare), "overig", text)})
        measure = self.request.measure
        metrics: dict[str, Any] = {"count": t.count()}
        if self.has_key:
            metrics["key_sum"] = self._key_sum(t)
        if measure is not None:
            value = t[measure].cast("float64")
            metrics |= {"total": value.sum(), "top1": value.max()}
        grouped = t.group_by(by).aggregate(**metrics)
        if measure is not None:  # the second largest: top1 again when two share it, else the largest below it
            rows = t.select(*by, _v=t[measure].cast("float64")).inner_join(grouped.select(*by, _t1=grouped.top1), by)
            second = rows.group_by(by).aggregate(
                _ties=(rows._v >= rows._t1).sum(), _below=rows._v.max(where=rows._v < rows._t1)
            )
            joined = grouped.left_join(second, by)
            top2 = ibis.ifelse(joined._ties >= 2, joined.top1, joined._below.fill_null(0.0))
            grouped = joined.select(*by, *[c for c in metrics], top2=top2)
        return grouped.mutate(**{d: grouped[d].cast("string") for d in by})
