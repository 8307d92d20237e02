"""Plotly figures as plain dicts (rendered by /static/app.js from JSON — no inline script, no CDN, no tiles).

Colour-blind-safe palettes: Okabe–Ito for categories, a cividis-like ramp for maps. Every chart on a page also has
its data as a table (WCAG: a text alternative).
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import shapely

from udc.web.numbers import fmt

CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
SEQUENTIAL = ["#00224e", "#35456c", "#666970", "#948e77", "#c8b866", "#fee838"]
FONT = {"family": "system-ui, sans-serif", "size": 14, "color": "#1a1a1a"}


def _layout(title: str, **extra: Any) -> dict[str, Any]:
    return {"title": {"text": title}, "font": FONT, "margin": {"l": 60, "r": 20, "t": 50, "b": 50}, **extra}


def bars(categories: list[str], series: dict[str, list[float | None]], title: str) -> dict[str, Any]:
    data = [
        {"type": "bar", "name": name, "x": categories, "y": values, "marker": {"color": CATEGORICAL[i % 8]}}
        for i, (name, values) in enumerate(series.items())
    ]
    return {"data": data, "layout": _layout(title, barmode="group")}


def lines(x: list[str], series: dict[str, list[float | None]], title: str) -> dict[str, Any]:
    data = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": x,
            "y": values,
            "line": {"color": CATEGORICAL[i % 8]},
        }
        for i, (name, values) in enumerate(series.items())
    ]
    years = all(str(v).isdigit() for v in x)  # whole years, never 2,016.5: a category axis
    return {"data": data, "layout": _layout(title, **({"xaxis": {"type": "category"}} if years else {}))}


def yearly(
    years: list[int],
    series: dict[str, list[float | None]],
    title: str,
    *,
    x_title: str,
    y_title: str,
    start: int | None = None,
    start_label: str = "",
    target: tuple[int, float, str] | None = None,
) -> dict[str, Any]:
    """Lines over whole years on a *numeric* axis (one tick a year, never 2,016.5), so a reference line such as a
    programme's start is placed in data coordinates: between the last year before and the first year after it. A
    category axis cannot take that — plotly reads a shape at x = "2019" there as the 2019th category and squeezes
    every year to the left. ``target``: (year, value, name) drawn as one marker."""
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": name,
            "x": list(years),
            "y": values,
            "line": {"color": CATEGORICAL[i % 8], **({"dash": "dash"} if i else {})},
            "marker": {"symbol": ["circle", "square"][i % 2]},
        }
        for i, (name, values) in enumerate(series.items())
    ]
    if target is not None:
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": target[2],
                "x": [target[0]],
                "y": [target[1]],
                "marker": {"symbol": "diamond", "size": 13, "color": CATEGORICAL[2]},
            }
        )
    shapes, notes = [], []
    if start is not None:
        shapes.append(
            {
                "type": "line",
                "xref": "x",
                "x0": start - 0.5,
                "x1": start - 0.5,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": "#666", "dash": "dot"},
            }
        )
        notes.append(
            {
                "xref": "x",
                "x": start - 0.5,
                "yref": "paper",
                "y": 1,
                "text": start_label,
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 12, "color": "#444"},
            }
        )
    if target is not None:
        shapes.append(_target_line(target[1]))
    shown = [*years, *([target[0]] if target else [])]
    span = [min(shown) - 0.5, max(shown) + 0.5] if shown else None  # every year and the target's inside the axis
    return {
        "data": data,
        "layout": _layout(
            title,
            shapes=shapes,
            annotations=notes,
            xaxis={
                "type": "linear",
                "dtick": 1,
                "tickformat": "d",
                "title": {"text": x_title},
                **({"range": span} if span else {}),
            },
            yaxis={"title": {"text": y_title}, "automargin": True},
        ),
    }


def _target_line(value: float) -> dict[str, Any]:
    """The target as a dotted line across the plot at its value, so a reader sees at once which side each year is
    on (the target year itself is the diamond marker)."""
    return {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": "y",
        "y0": value,
        "y1": value,
        "line": {"color": CATEGORICAL[2], "dash": "dot", "width": 1.5},
    }


def dots(
    labels: list[str],
    series: dict[str, tuple[list[float | None], list[float | None], list[float | None]]],
    title: str,
    reference: float | None = None,
    axis: str = "",
) -> dict[str, Any]:
    """Dot with interval per label (horizontal), one trace per series: (values, lows, highs); an optional
    reference line (the Netherlands = 100 on an index axis)."""
    data = []
    for i, (name, (values, lows, highs)) in enumerate(series.items()):
        plus = [None if v is None or h is None else h - v for v, h in zip(values, highs, strict=True)]
        minus = [None if v is None or lo is None else v - lo for v, lo in zip(values, lows, strict=True)]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": name,
                "y": labels,
                "x": values,
                "marker": {"color": CATEGORICAL[i % 8], "size": 10, "symbol": ["circle", "diamond", "square"][i % 3]},
                "error_x": {
                    "type": "data",
                    "symmetric": False,
                    "array": plus,
                    "arrayminus": minus,
                    "color": CATEGORICAL[i % 8],
                },
            }
        )
    shapes = (
        [
            {
                "type": "line",
                "x0": reference,
                "x1": reference,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": "#666", "dash": "dot"},
            }
        ]
        if reference is not None
        else []
    )
    height = 120 + 28 * len(labels)
    return {
        "data": data,
        "layout": _layout(
            title,
            shapes=shapes,
            height=height,
            xaxis={"title": {"text": axis}},
            yaxis={"automargin": True, "autorange": "reversed"},
            margin={"l": 20, "r": 20, "t": 50, "b": 50},
        ),
    }


def sankey(labels: list[str], sources: list[int], targets: list[int], values: list[float], title: str) -> dict:
    colours = [CATEGORICAL[i % 8] for i in range(len(labels))]
    return {
        "data": [
            {
                "type": "sankey",
                "node": {"label": labels, "color": colours, "pad": 20},
                "link": {"source": sources, "target": targets, "value": values},
            }
        ],
        "layout": _layout(title),
    }


def choropleth(
    geojson: dict[str, Any],
    values: pd.Series,
    title: str,
    unit: str = "",
    language: str = "nl",
    decimals: int | None = None,
    missing_label: str | None = None,
) -> dict[str, Any]:
    """A map on a blank background: one filled-polygon trace per class (quantiles), hover text at each centroid.
    Areas without a value are grey, named ``missing_label`` (default: withheld, in the page's language; an open
    series' gap is rather "no figure")."""
    shown = values.dropna()
    edges = sorted(set(shown.quantile([0, 0.2, 0.4, 0.6, 0.8, 1.0]).round(1 if decimals is None else decimals)))
    edges = edges if len(shown) else [0.0]
    edges = edges if len(edges) > 1 else [edges[0], edges[0]]  # one value everywhere: one class
    classes = max(1, len(edges) - 1)
    palette = SEQUENTIAL[:: max(1, len(SEQUENTIAL) // classes)][:classes] if classes > 1 else [SEQUENTIAL[2]]
    rings: dict[int, tuple[list, list]] = {}
    hover_x, hover_y, hover_text = [], [], []
    missing: tuple[list, list] = ([], [])
    lat0 = 52.0
    for feature in geojson["features"]:
        code = feature["properties"]["code"]
        shape = shapely.geometry.shape(feature["geometry"])
        value = values.get(code)
        if value is None or pd.isna(value):
            target = missing
        else:
            k = next((i for i in range(classes) if value <= edges[i + 1]), classes - 1)
            target = rings.setdefault(k, ([], []))
        for polygon in getattr(shape, "geoms", [shape]):
            xs, ys = polygon.exterior.coords.xy
            target[0].extend([*map(float, xs), None])
            target[1].extend([*map(float, ys), None])
        point = shape.representative_point()
        lat0 = point.y
        hover_x.append(point.x)
        hover_y.append(point.y)
        label = fmt(value, language, decimals)
        hover_text.append(f"{feature['properties']['name']} ({code}): {label}{unit}")
    data = []
    for k in sorted(rings):
        xs, ys = rings[k]
        low, high = edges[k], edges[min(k + 1, len(edges) - 1)]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "fill": "toself",
                "x": xs,
                "y": ys,
                "name": f"{fmt(low, language, decimals)} – {fmt(high, language, decimals)}",
                "hoverinfo": "skip",
                "fillcolor": palette[k % len(palette)],
                "line": {"color": "#ffffff", "width": 0.8},
            }
        )
    if missing[0]:
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "fill": "toself",
                "x": missing[0],
                "y": missing[1],
                "name": f"– ({missing_label or ('weggelaten' if language == 'nl' else 'withheld')})",
                "hoverinfo": "skip",
                "fillcolor": "#d9d9d9",
                "line": {"color": "#ffffff", "width": 0.8},
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": hover_x,
            "y": hover_y,
            "text": hover_text,
            "hoverinfo": "text",
            "marker": {"size": 6, "opacity": 0},
            "showlegend": False,
        }
    )
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    layout = _layout(
        title,
        xaxis=axis,
        yaxis={**axis, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(lat0))},
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        legend={"title": {"text": unit.strip()}},
    )
    return {"data": data, "layout": layout}


def flowmap(
    geojson: dict[str, Any],
    centre: str,
    flows: list[tuple[str, str, float, str]],
    title: str,
    legend: dict[str, str],
    language: str = "nl",
) -> dict[str, Any]:
    """Flows between one area and others on a blank map: the areas as grey outlines, a line per flow from its
    origin's to its destination's representative point, width by size, an arrowhead at the destination end, one
    colour per direction (``flows``: origin, destination, count, direction key of ``legend``)."""
    outline, points, lat0 = _outlines(geojson, centre)
    data = [outline]
    largest = max((f[2] for f in flows), default=1.0) or 1.0
    colours = dict(zip(legend, CATEGORICAL, strict=False))
    shown: set[str] = set()
    for origin, destination, count, direction in sorted(flows, key=lambda f: -f[2]):
        if origin not in points or destination not in points:
            continue
        (x0, y0, n0), (x1, y1, n1) = points[origin][:3], points[destination][:3]
        text = f"{n0} → {n1}: {fmt(round(count), language)}"
        # shifted to the right of the direction of travel, so a flow and its return run side by side
        sx, sy = 0.02 * (y1 - y0), -0.02 * (x1 - x0)
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "x": [x0 + sx, x0 + sx + 0.92 * (x1 - x0)],
                "y": [y0 + sy, y0 + sy + 0.92 * (y1 - y0)],
                "name": legend[direction],
                "legendgroup": direction,
                "showlegend": direction not in shown,
                "text": [text, text],
                "hoverinfo": "text",
                "line": {"color": colours[direction], "width": 1 + 9 * count / largest},
                "marker": {
                    "symbol": ["circle", "arrow"],
                    "size": [4, 10 + 6 * count / largest],
                    "angleref": "previous",
                    "color": colours[direction],
                },
            }
        )
        shown.add(direction)
    return {"data": data, "layout": _blank_map(title, lat0)}


def _outlines(geojson: dict[str, Any], centre: str | None = None) -> tuple[dict, dict[str, tuple], float]:
    """The areas as one grey outline trace, each area's representative point (x, y, name), and the latitude the
    map's aspect ratio is set for (the centre's, else the last area's)."""
    points: dict[str, tuple] = {}
    xs_all: list = []
    ys_all: list = []
    lat0 = 52.0
    for feature in geojson["features"]:
        shape = shapely.geometry.shape(feature["geometry"])
        for polygon in getattr(shape, "geoms", [shape]):
            xs, ys = polygon.exterior.coords.xy
            xs_all.extend([*map(float, xs), None])
            ys_all.extend([*map(float, ys), None])
        point = shape.representative_point()
        points[feature["properties"]["code"]] = (point.x, point.y, feature["properties"]["name"])
        lat0 = point.y if centre is None or feature["properties"]["code"] == centre else lat0
    trace = {
        "type": "scatter",
        "mode": "lines",
        "x": xs_all,
        "y": ys_all,
        "hoverinfo": "skip",
        "line": {"color": "#9e9e9e", "width": 0.7},
        "fill": "toself",
        "fillcolor": "#f2f2f2",
        "showlegend": False,
    }
    return trace, points, lat0


def _blank_map(title: str, lat0: float) -> dict[str, Any]:
    axis = {"visible": False, "showgrid": False, "zeroline": False}
    return _layout(
        title,
        xaxis=axis,
        plot_bgcolor="#ffffff",
        paper_bgcolor="#ffffff",
        yaxis={**axis, "scaleanchor": "x", "scaleratio": 1 / math.cos(math.radians(lat0))},
    )


def points(geojson: dict[str, Any], places: list[tuple[float, float, str]], title: str) -> dict[str, Any]:
    """Places (lat, long, hover text) as markers over the areas' outlines — residents' reports on a map."""
    outline, _, lat0 = _outlines(geojson)
    markers = {
        "type": "scatter",
        "mode": "markers",
        "x": [p[1] for p in places],
        "y": [p[0] for p in places],
        "text": [p[2] for p in places],
        "hoverinfo": "text",
        "showlegend": False,
        "marker": {"size": 9, "color": CATEGORICAL[0], "line": {"color": "#ffffff", "width": 1}},
    }
    return {"data": [outline, markers], "layout": _blank_map(title, places[0][0] if places else lat0)}
