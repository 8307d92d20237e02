"""A short offline HTML report per region: balance per target group, a Sankey of origins and destinations, a trend.

Every number comes from protected flow tables (the gate's cell-key method); plotly.js is embedded from the installed
plotly package, so the file opens without internet. Suppressed cells are left out of the charts and listed.
"""

from __future__ import annotations

import html
from pathlib import Path

import pandas as pd

from udc.analysis import flows
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.cube import one
from udc.store.db import Store

WITHHELD = "–"  # the report's legend explains it: small counts are left out
GROUP_LABELS = {
    "adults": "Volwassenen (18+)",
    "young-families": "Jonge gezinnen",
    "middle-income": "Middeninkomens",
    "students": "Studenten",
    "seniors": "Senioren (65+)",
}
CLASS_LABELS = {
    "neighbour": "buurgemeente",
    "rest_of_region": "rest van de regio",
    "rest_of_province": "rest van de provincie",
    "rest_of_country": "rest van Nederland",
    "germany": "Duitsland",
    "belgium": "België",
    "abroad": "overig buitenland",
    "same_municipality": "zelfde gemeente",
}


def build(store: Store, area: str, years: tuple[int, int], *, user: User, audit: AuditLog, out: Path) -> Path:
    import plotly.graph_objects as go
    from plotly.io import to_html

    key = flows._key(area)
    tables = flows.study(
        store,
        [area],
        years=years,
        groups=list(GROUP_LABELS),
        views=("balance", "destinations", "origins", "trend", "rates"),
        user=user,
        audit=audit,
    )
    policy_version = tables["balance"].policy.version

    def view(name: str, group: str) -> pd.DataFrame:
        return one(tables[name], area=key, group=group).cells

    rows = []
    for group, label in GROUP_LABELS.items():
        summary = flows.balance_summary(
            flows.FlowTable("balance", area, years, group, one(tables["balance"], area=key, group=group))
        )
        rates = view("rates", group).set_index("measure")["per_1000"]
        rows.append({"group": label, **summary, "out_per_1000": rates.get("out"), "in_per_1000": rates.get("in")})
    balance = pd.DataFrame(rows)
    bars = go.Figure(
        [
            go.Bar(name=label, x=balance.group, y=balance[key])
            for key, label in (("in", "Vestiging"), ("out", "Vertrek"), ("net", "Saldo"))
        ]
    )
    bars.update_layout(barmode="group", title=f"Verhuisbalans per doelgroep, {years[0]}–{years[1]}")

    def classes(name: str) -> pd.DataFrame:
        frame = view(name, "adults")
        frame = frame[(frame.other_gm == "Totaal") & (frame.other_class != "Totaal")]
        return frame.dropna(subset=["count"])

    origins, destinations = classes("origins"), classes("destinations")
    labels = (
        [f"uit {CLASS_LABELS[c]}" for c in origins.other_class]
        + [area]
        + [f"naar {CLASS_LABELS[c]}" for c in destinations.other_class]
    )
    centre = len(origins)
    sankey = go.Figure(
        go.Sankey(
            node={"label": labels},
            link={
                "source": list(range(centre)) + [centre] * len(destinations),
                "target": [centre] * centre + list(range(centre + 1, centre + 1 + len(destinations))),
                "value": list(origins["count"]) + list(destinations["count"]),
            },
        )
    )
    sankey.update_layout(title=f"Herkomst en bestemming van verhuizers (18+), {years[0]}–{years[1]}")
    trend = view("trend", "adults")
    trend = trend[(trend.year != "Totaal") & trend.direction.isin(["in", "out"])].dropna(subset=["count"])
    line = go.Figure(
        [
            go.Scatter(
                name={"in": "Vestiging", "out": "Vertrek"}[d], x=part.year, y=part["count"], mode="lines+markers"
            )
            for d, part in trend.groupby("direction")
        ]
    )
    line.update_layout(title="Trend (18+)")
    # Counts as whole numbers (not 87.0), rates with one decimal; a withheld cell is a dash, never "<NA>".
    for columns, pattern in ((("in", "out", "within", "net"), "{:.0f}"), (("out_per_1000", "in_per_1000"), "{:.1f}")):
        for column in set(columns) & set(balance.columns):
            values = pd.to_numeric(balance[column], errors="coerce")
            balance[column] = [WITHHELD if pd.isna(v) else pattern.format(v) for v in values]
    table = balance.rename(
        columns={
            "group": "doelgroep",
            "in": "vestiging",
            "out": "vertrek",
            "within": "binnen",
            "net": "saldo",
            "out_per_1000": "vertrek per 1 000 inwoners per jaar",
            "in_per_1000": "vestiging per 1 000 inwoners per jaar",
        }
    ).to_html(index=False, na_rep=WITHHELD)
    parts = [
        to_html(bars, include_plotlyjs=True, full_html=False),
        to_html(sankey, include_plotlyjs=False, full_html=False),
        to_html(line, include_plotlyjs=False, full_html=False),
    ]
    import datetime

    from udc.areas import registry
    from udc.store import catalogue

    name = registry.names(store).get(area, area)
    moves = catalogue.get(store, "flows_moves") if catalogue.exists(store, "flows_moves") else None
    source = html.escape(moves.source if moves else "udc flows")
    page = f"""<!doctype html><html lang="nl"><head><meta charset="utf-8">
<title>Verhuisstromen {html.escape(area)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:4px 8px;text-align:right}}</style></head>
<body><h1>Verhuisstromen {html.escape(name)}, {years[0]}–{years[1]}</h1>
<p>Gemaakt op {datetime.date.today().isoformat()} · Bron: {source} · Urban Data Center</p>
<p>Alle aantallen zijn beschermd door de onthullingspoort (cell-key-methode, beleid versie
{policy_version}); kleine aantallen zijn weggelaten (–).
Synthetische demodata waar de bron <code>synth_*</code> is.</p>
<h2>Balans per doelgroep</h2>{table}{parts[0]}<h2>Herkomst en bestemming</h2>{parts[1]}<h2>Trend</h2>{parts[2]}
</body></html>"""
    if out.suffix.lower() == ".pdf":  # printed by headless Chromium once its charts are drawn
        from udc.printing import pdf

        return pdf(page, out.resolve(), wait_ms=8000)
    out.write_text(page, encoding="utf-8")
    return out
