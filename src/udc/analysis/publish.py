"""The demo's open data: key figures per area and the verhuisstromen study, released through the gate.

Dashboards and the open-data catalogue read only open and released tables; this is what ``udc demo`` publishes so
that the web app has something to show. Every table is a gate output (cell key, consistent across queries).
"""

from __future__ import annotations

from udc.analysis import flows
from udc.privacy.access import User
from udc.privacy.audit import AuditLog
from udc.privacy.gate import crosstab, release
from udc.store.db import Store

AGE_BANDS = (
    "CASE WHEN age < 15 THEN '0-14' WHEN age < 25 THEN '15-24' WHEN age < 45 THEN '25-44' "
    "WHEN age < 65 THEN '45-64' ELSE '65+' END"
)
KEY_FIGURES = "kerncijfers_inwoners"
YOUTH_CARE = "kerncijfers_jeugdzorg"


def key_figures(store: Store, *, user: User, audit: AuditLog) -> list[str]:
    """Residents per buurt/wijk/gemeente, year and age band; young people in youth care per area and year."""
    residents = crosstab(
        store,
        "synth_persons_yearly",
        ["buurt_code", "year", "leeftijd"],
        derived={"leeftijd": AGE_BANDS},
        where="buurt_code LIKE 'BU%'",
        method="cellkey",
        area="buurt_code",
        user=user,
        audit=audit,
    )
    release(store, residents, KEY_FIGURES, title="Inwoners per gebied, jaar en leeftijd", user=user, audit=audit)
    care = crosstab(
        store,
        "synth_persons_yearly",
        ["buurt_code", "year", "jeugdzorg"],
        derived={"jeugdzorg": "CASE WHEN youth_care THEN 'ja' ELSE 'nee' END"},
        where="buurt_code LIKE 'BU%' AND age < 18",
        method="cellkey",
        area="buurt_code",
        user=user,
        audit=audit,
    )
    release(
        store, care, YOUTH_CARE, title="Jeugdigen (0-17) met en zonder jeugdzorg per gebied", user=user, audit=audit
    )
    return [KEY_FIGURES, YOUTH_CARE]


def demo(store: Store, years: tuple[int, int], *, user: User, audit: AuditLog) -> list[str]:
    """Everything the dashboards show for the demo region: key figures and verhuisstromen for each of the last four
    years and the last two-year span (a dashboard filter picks one)."""
    names = key_figures(store, user=user, audit=audit)
    flows.prepare(store)
    last = years[1]
    periods = [(y, y) for y in range(max(years[0], last - 3), last + 1)]
    if last - 1 >= years[0]:
        periods.append((last - 1, last))
    if years[0] <= 2019 and last >= 2020:
        periods.append((2019, 2020))  # the Datacenter Parkstad Limburg's first question
    tables = flows.study_periods(store, flows.all_areas(store), periods, user=user, audit=audit)
    span = ", ".join(f"{a}-{b}" for a, b in periods)
    names += flows.release_study(store, tables, "verhuisstromen", years=span, user=user, audit=audit)
    return names
