"""The fictional German Kreis's own statistics, as its statistical office publishes them: Regionalstatistik flat
CSV files (ffcsv) the demo imports with ``udc regionalstatistik import`` like a real download.

- ``12411-01-01-5``: population by sex and 17 age groups on 31 December per Gemeinde and for the Kreis (an older
  age structure than the Dutch side, as across the real border);
- ``45412-01-03-5``: tourism nights per Gemeinde and calendar year, secret (``.``) in the smallest Gemeinde, where
  too few establishments would be recognisable.

Deterministic from the seed; nothing here is a real place or a real figure.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from udc.sources.regionalstatistik import AGE_GROUPS
from udc.synth.region import GEMEINDEN, KREIS

# Shares of the 17 age groups (roughly Germany's, which is older than the Netherlands).
AGE_SHARES = np.array([2.9, 2.9, 3.7, 4.6, 2.8, 1.9, 5.2, 5.9, 6.6, 6.4, 6.0, 5.7, 7.2, 8.2, 7.4, 11.2, 11.4])
HEADER = (
    "statistics_code;statistics_label;time_code;time_label;time;1_variable_code;1_variable_label;"
    "1_variable_attribute_code;1_variable_attribute_label;2_variable_code;2_variable_label;"
    "2_variable_attribute_code;2_variable_attribute_label;3_variable_code;3_variable_label;"
    "3_variable_attribute_code;3_variable_attribute_label;value;value_unit;value_variable_code;value_variable_label"
)
SEXES = [("GESM", "männlich", 0.49), ("GESW", "weiblich", 0.51)]


def _place(code: str) -> tuple[str, str, str]:
    """(variable, AGS, label) of a Kreis or Gemeinde code."""
    ags = code[3:]
    if code == KREIS[0]:
        return "KREISE", ags, "Kreise und krfr. Städte"
    return "GEMEIN", ags, "Gemeinden"


def population(years: tuple[int, int], seed: int) -> dict[tuple[str, int], np.ndarray]:
    """Per (Gemeinde, year of the 1 January it stands for) the persons per sex (rows) and age group (columns)."""
    rng = np.random.default_rng(seed + 49)
    out = {}
    for code, _, size, _ in GEMEINDEN:
        tilt = rng.normal(0, 0.08, len(AGE_SHARES))
        shares = AGE_SHARES * np.exp(tilt)
        shares /= shares.sum()
        growth = rng.normal(-0.002, 0.004)
        ageing = rng.uniform(0.01, 0.03)  # per year: the older groups grow, the younger shrink (a greying Kreis)
        for year in range(years[0], years[1] + 1):
            total = size * (1 + growth) ** (year - years[0])
            now = shares * np.exp(ageing * (year - years[0]) * np.linspace(-1, 1, len(shares)))
            now /= now.sum()
            out[(code, year)] = np.round(np.outer([s for *_, s in SEXES], now) * total).astype(int)
    return out


def write(folder: Path, years: tuple[int, int], seed: int) -> list[Path]:
    """The two files, written into ``folder``; returns their paths."""
    people = population(years, seed)
    rows = []
    for year in range(years[0], years[1] + 1):
        day = f"31.12.{year - 1}"  # the stock on 31 December: the population of 1 January of ``year``
        kreis = sum(people[(code, year)] for code, *_ in GEMEINDEN)
        for code, counts in [*((c, people[(c, year)]) for c, *_ in GEMEINDEN), (KREIS[0], kreis)]:
            variable, ags, label = _place(code)
            name = KREIS[1] if code == KREIS[0] else next(n for c, n, *_ in GEMEINDEN if c == code)
            for s, (sex, sex_label, _) in [*enumerate(SEXES), (None, ("", "Insgesamt", 1.0))]:
                by_age = counts.sum(axis=0) if s is None else counts[s]
                for (age, age_label), n in [*zip(AGE_GROUPS, by_age, strict=True), (("", "Insgesamt"), by_age.sum())]:
                    rows.append(
                        f"12411;Fortschreibung des Bevölkerungsstandes;STAG;Stichtag;{day};{variable};{label};{ags};"
                        f"{name};GES;Geschlecht;{sex};{sex_label};ALTX17;Altersgruppen (unter 3 bis 75 u. m.);"
                        f"{age};{age_label};{int(n)};Anzahl;BEVSTD;Bevölkerungsstand"
                    )
    first = folder / "12411-01-01-5.csv"
    first.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    rng = np.random.default_rng(seed + 45412)
    tourism = []
    smallest = min(GEMEINDEN, key=lambda g: g[2])[0]
    for year in range(years[0], years[1] + 1):
        for code, name, size, _ in GEMEINDEN:
            nights = "." if code == smallest else str(int(size * rng.uniform(1.5, 4.0)))
            tourism.append(
                f"45412;Monatserhebung im Tourismus;JAHR;Jahr;{year};GEMEIN;Gemeinden;{code[3:]};{name};;;;;;;;;"
                f"{nights};Anzahl;GAST02;Übernachtungen"
            )
    second = folder / "45412-01-03-5.csv"
    second.write_text(HEADER + "\n" + "\n".join(tourism) + "\n", encoding="utf-8")
    return [first, second]
