"""The laadpalen prognosis as one printable, self-contained page (HTML, or PDF through Chromium): per buurt the
electric cars, needed and present public connectors and the gap, the NAL cells without a point within reach, and
the assumptions (scenario, parameters). One language per page; buurten by name and code."""

from __future__ import annotations

import datetime
import html

import pandas as pd

from udc.analysis.charging import Parameters, Prognosis, scenarios

TEXT = {
    "nl": {
        "title": "Laadpalen in de woonwijken: prognose {year}, scenario {scenario}",
        "intro": "Per buurt het aantal elektrische auto's in {year} (de beschermde aantallen uit de registers × het "
        "scenario), de publieke laadaansluitingen die daarvoor nodig zijn, de aanwezige en het tekort (negatief: "
        "ruimte over). Gesorteerd op het tekort.",
        "buurt": "Buurt",
        "evs": "Elektrische auto's",
        "needed": "Nodig",
        "present": "Aanwezig",
        "gap": "Tekort",
        "nal": "Vierkanten zonder publiek laadpunt binnen bereik (NAL)",
        "nal_intro": "Vierkanten van 500 m met {households} of meer huishoudens en geen publiek laadpunt binnen "
        "{distance} m van het midden.",
        "cell": "Vierkant",
        "households": "Huishoudens",
        "nearest": "Dichtstbijzijnde punt (m)",
        "none": "Geen: elk vierkant met genoeg huishoudens heeft een punt binnen bereik.",
        "method": "Aannames: {per} elektrische auto's per publieke aansluiting; van de auto's met eigen oprit laadt "
        "{share} % toch publiek; een semipublieke aansluiting telt voor {weight}. Scenario {scenario}: landelijk "
        "aandeel elektrisch {shares}. Bron scenario's: {source}.",
        "caveat": "Wat dit niet zegt: waar precies een paal moet staan; het zijn aantallen per buurt uit beschermde "
        "tellingen, geen uitspraken over een huishouden.",
        "made": "Gemaakt op {date} · Bron: registers via de onthullingspoort, laadpunten (open data) · Urban Data "
        "Center",
        "scenarios": {"laag": "laag", "midden": "midden", "hoog": "hoog"},
    },
    "en": {
        "title": "Charging points in residential areas: prognosis {year}, scenario {scenario}",
        "intro": "Per neighbourhood the electric cars in {year} (the registers' protected counts × the scenario), the "
        "public charging connectors they need, those present and the gap (negative: room to spare). Sorted by the "
        "gap.",
        "buurt": "Neighbourhood",
        "evs": "Electric cars",
        "needed": "Needed",
        "present": "Present",
        "gap": "Gap",
        "nal": "Grid cells without a public charging point within reach (NAL)",
        "nal_intro": "500 m cells with {households} households or more and no public charging point within "
        "{distance} m of the centre.",
        "cell": "Cell",
        "households": "Households",
        "nearest": "Nearest point (m)",
        "none": "None: every cell with enough households has a point within reach.",
        "method": "Assumptions: {per} electric cars per public connector; of the cars with a driveway {share} % "
        "still charge in public; a semi-public connector counts as {weight}. Scenario {scenario}: national electric "
        "share {shares}. Scenario source: {source}.",
        "caveat": "What this does not say: where exactly a point should stand; these are counts per neighbourhood "
        "from protected tables, nothing about a household.",
        "made": "Made on {date} · Source: registers through the disclosure gate, charging points (open data) · "
        "Urban Data Center",
        "scenarios": {"laag": "low", "midden": "mid", "hoog": "high"},
    },
}
STYLE = (
    "body{font-family:sans-serif;margin:2em;color:#111}table{border-collapse:collapse;margin:1em 0}"
    "td,th{border-bottom:1px solid #ccc;padding:3px 8px;text-align:left}td.num,th.num{text-align:right}"
    "p.note{color:#444;font-size:90%}"
)


def _num(value: object, language: str) -> str:
    if value is None or pd.isna(value):
        return "–"
    text = f"{round(float(value)):,}"
    return text.replace(",", ".") if language == "nl" else text


def page(result: Prognosis, parameters: Parameters, language: str = "nl") -> str:
    """The page for one prognosis (``result``: its rows and NAL cells)."""
    t = TEXT[language]
    e = html.escape
    definition = result.definition
    scenario = t["scenarios"].get(definition["scenario"], definition["scenario"])
    rows = result.rows.sort_values("gap", ascending=False, na_position="last")
    body = [
        f"<h1>{e(t['title'].format(year=definition['year'], scenario=scenario))}</h1>",
        f"<p>{e(t['intro'].format(year=definition['year']))}</p>",
        "<table><thead><tr>"
        + "".join(f"<th{' class=num' if k != 'buurt' else ''}>{e(t[k])}</th>"
                  for k in ("buurt", "evs", "needed", "present", "gap"))
        + "</tr></thead><tbody>",
    ]  # fmt: skip
    for r in rows.itertuples():
        body.append(
            f"<tr><td>{e(str(r.name))} ({e(r.area_code)})</td>"
            + "".join(
                f"<td class=num>{_num(getattr(r, k), language)}</td>" for k in ("evs", "needed", "present", "gap")
            )
            + "</tr>"
        )
    body.append("</tbody></table>")
    flagged = result.nal[result.nal.flagged]
    body.append(f"<h2>{e(t['nal'])}</h2>")
    body.append(
        f"<p>{e(t['nal_intro'].format(households=parameters.nal_households, distance=int(parameters.nal_distance_m)))}"
        "</p>"
    )
    if flagged.empty:
        body.append(f"<p>{e(t['none'])}</p>")
    else:
        body.append(f"<table><tr><th>{e(t['cell'])}</th><th class=num>{e(t['households'])}</th>"
                    f"<th class=num>{e(t['nearest'])}</th></tr>")  # fmt: skip
        for c in flagged.itertuples():
            body.append(f"<tr><td>{e(c.cell)}</td><td class=num>{_num(c.households, language)}</td>"
                        f"<td class=num>{_num(c.nearest_m, language)}</td></tr>")  # fmt: skip
        body.append("</table>")
    shares = ", ".join(f"{y}: {v * 100:.0f} %".replace(".", ",") if language == "nl" else f"{y}: {v * 100:.0f} %"
                       for y, v in sorted(scenarios()[definition["scenario"]].items()))  # fmt: skip
    method = t["method"].format(
        per=f"{parameters.evs_per_public_connector:g}",
        share=f"{parameters.public_share_with_private_parking * 100:g}",
        weight=f"{parameters.semi_public_weight:g}",
        scenario=scenario,
        shares=shares,
        source="ElaadNL Outlook (illustratief)" if language == "nl" else "ElaadNL Outlook (illustrative)",
    )
    body += [f"<p class=note>{e(method)}</p>", f"<p class=note>{e(t['caveat'])}</p>"]
    body.append(f"<p class=note>{e(t['made'].format(date=datetime.date.today().isoformat()))}</p>")
    return (
        f"<!doctype html><html lang={language}><head><meta charset=utf-8><title>"
        f"{e(t['title'].format(year=definition['year'], scenario=scenario))}</title><style>{STYLE}</style></head>"
        f"<body>{''.join(body)}</body></html>"
    )
