"""A synthetic register population with yearly dynamics, simulated with NumPy arrays (no loop per person).

The state is a set of arrays over persons, households and dwellings. Each year:

1. a snapshot of 1 January is written (persons and households, with socio-economics derived that day);
2. events are drawn and applied in a fixed order — deaths (and widowhood), leaving the parental home, moving in
   together, separation, births, moves of whole households, in-migration — each event dated within the year.

Every change of address is an event whose origin is the person's current dwelling, so snapshots follow from the
events. A person takes part in at most one move per year; a dwelling is only reused after it fell vacant.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from udc.privacy.magnitude import mix
from udc.synth.params import Params
from udc.synth.region import ABROAD, GEMEINDEN, GERMANY_SHARE, REGION, REST_OF_PROVINCE, UNIVERSITY_CITIES, Area

HH_TYPES = np.array(["single", "couple", "couple_with_children", "single_parent", "other"])
ROLES = np.array(["reference", "partner", "child", "other"])
EDUCATION = np.array(["low", "middle", "high"])
STUDY = np.array(["none", "mbo", "hbo", "wo"])
TENURE = np.array(["owner", "social_rent", "private_rent"])
DWELLING_TYPE = np.array(["single_family", "apartment"])
REF, PARTNER, CHILD, OTHER = 0, 1, 2, 3
TEMPLATE = Path(__file__).parent / "data" / "households.csv"  # built by python -m udc.synth.calibrate
PULL = TEMPLATE.with_name("pull.csv")  # the municipalities' attraction at the end of the same run
CODES = np.array([m.code for m in REGION])
SINGLE, COUPLE, COUPLE_KIDS, SINGLE_PARENT, OTHER_HH = 0, 1, 2, 3, 4


def day(year: int, month: int = 1, dom: int = 1) -> int:
    return (date(year, month, dom) - date(1970, 1, 1)).days


def cat(codes: np.ndarray, labels: np.ndarray) -> pd.Categorical:
    """Codes + labels as a categorical: cheap to build and written as a Parquet dictionary column."""
    return pd.Categorical.from_codes(codes.astype(np.int32), labels)


def scramble(index: np.ndarray, salt: int, multiplier: int = 2654435761) -> np.ndarray:
    """Pseudonymous ids: an odd multiplier modulo 2**32 is a bijection, so ids never collide."""
    return ((index.astype(np.uint64) * np.uint64(multiplier) + np.uint64(salt)) % np.uint64(2**32)).astype(np.int64)


@dataclass
class Sink:
    """Where yearly batches go (a Parquet writer per table, or lists in memory for tests)."""

    write: Callable[[str, pd.DataFrame | dict[str, Any]], None]


@cache
def template() -> dict[str, np.ndarray]:
    """The calibrated households (udc.synth.calibrate): members' role, age and sex, and each household's rows."""
    frame = pd.read_csv(TEMPLATE)
    size = np.bincount(frame["household"].to_numpy())
    return {
        "role": pd.Categorical(frame["role"], categories=ROLES).codes.astype(np.int8),
        "age": frame["age"].to_numpy(float),
        "sex": frame["sex"].to_numpy(np.int8),
        "size": size,
        "start": np.cumsum(size) - size,
        "gm": np.searchsorted(CODES, frame.groupby("household")["municipality"].first().to_numpy(str)),
        "pull": pd.read_csv(PULL).set_index("municipality").loc[CODES, "pull"].to_numpy(float),
    }


@dataclass
class _Year:
    """What the steps of one simulated year share: its first day and the next year's, the ages on 1 January, who
    already had an event this year (``busy``: at most one move per person per year) and the random stream."""

    start: int
    end: int
    age: np.ndarray
    busy: np.ndarray
    rng: np.random.Generator

    def dates(self, k: int) -> np.ndarray:
        """``k`` days drawn within the year."""
        return self.rng.integers(self.start, self.end, k)


class World:
    """Arrays of the simulation. Index = internal id; exported ids are scrambled."""

    def __init__(self, areas: list[Area], persons: int, seed: int, params: Params, first_year: int = 2015) -> None:
        self.p = params
        self.first_year = first_year
        self.seed = seed
        self.rng = np.random.default_rng(seed)
        buurten = [a for a in areas if a.kind == "BU"]
        self.buurt_geometry = [b.geometry for b in buurten]
        self.place_rng = np.random.default_rng(seed + 7919)  # where dwellings stand: a stream of its own
        self.cell_codes: list[str] = []  # the CBS 500 m cells dwellings stand in (dw_cell indexes this)
        self.cell_index: dict[str, int] = {}
        self.buurt_code = np.array([b.code for b in buurten])
        self.buurt_gm = np.array([next(i for i, m in enumerate(REGION) if m.code[2:] == b.code[2:6]) for b in buurten])
        self.buurt_urban = np.array([b.urban for b in buurten])
        self.buurt_kvs = np.array([f"WK{b.code[2:8]}" in params.kvs_wijken for b in buurten])  # the programme
        # A buurt's social status: poverty concentrates in some buurten, most strongly in the core city.
        spread = 0.35 + 0.5 * self.buurt_urban
        self.buurt_status = self.rng.normal(0.15 * (1 - self.buurt_urban), spread)
        scale = persons / sum(m.population for m in REGION)
        self.gm_target = np.array([m.population * scale for m in REGION])
        self.buurt_share = np.array([b.weight for b in buurten])  # within its municipality
        self.outside = {
            "province": [c for c, _, _ in REST_OF_PROVINCE],
            "country": [c for c, _, _ in UNIVERSITY_CITIES],
            "abroad": [c for c, _ in ABROAD],
        }
        # Where those leaving (or arriving from outside) go within each class: the first university cities most;
        # abroad, half over the border to the German Kreis's Gemeinden by their size, half to the rest of the world.
        german = np.array([population for _, _, population, _ in GEMEINDEN], float)
        self._outside_weights = {
            "province": np.full(len(REST_OF_PROVINCE), 1 / len(REST_OF_PROVINCE)),
            "country": np.array([0.4, 0.2, 0.15, 0.15, 0.1]),
            "abroad": np.append(german / german.sum() * GERMANY_SHARE, 1 - GERMANY_SHARE),
        }
        self._events: list[pd.DataFrame] = []
        self._vacancies: list[pd.DataFrame] = []
        self._youth: list[pd.DataFrame] = []
        self._newborns: list[pd.DataFrame] = []
        self.pull = template()["pull"].copy()  # each municipality's attraction for movers (see simulate_year)
        self._init_population()

    # -- initial population ------------------------------------------------------------------------------
    def _init_population(self) -> None:
        rng = self.rng
        t = template()
        # Households drawn from the calibrated template, each municipality from its own households.
        # Shuffled: dwelling numbers say nothing about the municipality.
        gm = rng.permutation(
            np.concatenate(
                [np.full(int(target / t["size"][t["gm"] == g].mean()), g) for g, target in enumerate(self.gm_target)]
            )
        )
        n_hh = len(gm)
        urban = np.array([m.urban for m in REGION])[gm]
        pick = np.empty(n_hh, np.int64)
        for g in range(len(REGION)):
            rows = np.flatnonzero(gm == g)
            pick[rows] = rng.choice(np.flatnonzero(t["gm"] == g), len(rows))
        buurt = self._pick_buurt(gm, rng.normal(0, 1, n_hh))
        size = t["size"][pick]
        hh_of = np.repeat(np.arange(n_hh), size)
        pos = np.arange(len(hh_of)) - np.repeat(np.cumsum(size) - size, size)  # position within household
        member = t["start"][pick][hh_of] + pos
        role = t["role"][member]
        ages = np.maximum(t["age"][member] + rng.uniform(-0.5, 0.5, n_hh)[hh_of], 0.01)
        sex = t["sex"][member]
        start = day(self.first_year)
        n = len(hh_of)
        self.birth = (start - ages * 365.25).astype(np.int32)
        self.sex = sex
        self.alive = np.ones(n, bool)
        self.present = np.ones(n, bool)
        self.death = np.full(n, -1, np.int32)
        self.hh = hh_of.astype(np.int64)
        self.role = role.astype(np.int8)
        status = self.buurt_status[buurt][hh_of]
        edu_score = status + 0.4 * urban[hh_of] + rng.normal(0, 1, n)
        self.edu = np.digitize(edu_score, [-0.45, 0.75]).astype(np.int8)
        self.zpot = (0.55 * self.edu + 0.6 * status + rng.normal(0, 0.6, n)).astype(np.float32)
        self.study = np.zeros(n, np.int8)
        self.youth_until = np.full(n, -1, np.int32)
        self.record_key = rng.integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)
        # Dwellings: one per household plus a few vacant ones.
        n_vacant = int(n_hh * self.p.vacancy_extra)
        dw_buurt = np.concatenate(
            [buurt, self._pick_buurt(rng.choice(len(REGION), n_vacant, p=self.gm_target / self.gm_target.sum()))]
        )
        self._new_dwellings(dw_buurt, built=np.full(len(dw_buurt), -1, np.int32))
        self.dw_vacant_since[n_hh:] = start - rng.integers(1, 400, n_vacant)
        self.dw_occupied[:n_hh] = True
        self.hh_dwelling = np.arange(n_hh, dtype=np.int64)
        self.hh_last_birth = np.full(n_hh, -10_000, np.int32)
        baby = np.flatnonzero((role == CHILD) & (ages < 1))
        self.hh_last_birth[hh_of[baby]] = self.birth[baby]
        self._assign_study(start)

    def _new_dwellings(self, buurt: np.ndarray, built: np.ndarray) -> np.ndarray:
        rng = self.rng
        status = self.buurt_status[buurt]
        urban = self.buurt_urban[buurt]
        apartment = rng.random(len(buurt)) < 0.15 + 0.55 * urban
        social = rng.random(len(buurt)) < np.clip(0.3 - 0.25 * status, 0.03, 0.8)
        private = ~social & (rng.random(len(buurt)) < 0.15 + 0.15 * urban)
        tenure = np.where(social, 1, np.where(private, 2, 0)).astype(np.int8)
        woz = np.exp(12.45 + 0.25 * status - 0.35 * apartment - 0.15 * social + rng.normal(0, 0.18, len(buurt)))
        x, y = self._places(buurt, urban)
        fields = {
            "dw_x": x,
            "dw_y": y,
            "dw_cell": self._cells_of(x, y),
            "dw_buurt": buurt.astype(np.int32),
            "dw_type": apartment.astype(np.int8),
            "dw_tenure": tenure,
            "dw_woz": (woz / 1000).round().astype(np.int32) * 1000,
            "dw_built": built,
            "dw_occupied": np.zeros(len(buurt), bool),
            "dw_vacant_since": np.full(len(buurt), -1, np.int32),
        }
        first = len(getattr(self, "dw_buurt", []))
        for name, values in fields.items():
            setattr(self, name, np.concatenate([getattr(self, name), values]) if first else values)
        return np.arange(first, first + len(buurt))

    def _tilted(self, evs: np.ndarray, cars: np.ndarray, base: np.ndarray, pct: np.ndarray) -> np.ndarray:
        """Electric cars where a driveway makes them easy: a household in a single-family house adopts at 1.7 times
        the base rate, one in an apartment at 0.35 times, and higher incomes more — as buurten with driveways lead
        in the Netherlands. The base draw (``evs``, from the world's stream) is thinned or topped up from a stream
        of its own, so every other draw of the world stays as it was."""
        rng = self.place_rng
        single = self.dw_type[np.maximum(self.hh_dwelling, 0)] == 0
        wanted = np.clip(base * np.where(single, 1.7, 0.35) * (0.6 + 0.8 * pct / 100), 0, 1)
        keep = np.clip(wanted / np.maximum(base, 1e-12), 0, 1)
        thinned = rng.binomial(evs, keep)
        extra = np.clip((wanted - base) / np.maximum(1 - base, 1e-12), 0, 1)
        return thinned + rng.binomial(cars - evs, np.where(wanted > base, extra, 0.0))

    def _places(self, buurt: np.ndarray, urban: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Where new dwellings stand (RD New metres): clustered around their buurt's built-up centre (a disc of a few
        hundred metres, tighter in towns), inside the buurt — fields and woods between, as in a real buurt. Drawn
        from a stream of its own, so placing dwellings changes nothing else of the world."""
        rng = self.place_rng
        x, y = np.zeros(len(buurt)), np.zeros(len(buurt))
        for b in np.unique(buurt):
            rows = np.flatnonzero(buurt == b)
            shape = self.buurt_geometry[b]
            centre = shape.representative_point()
            radius = 220 + 500 * (1 - float(urban[rows[0]]))
            todo = rows
            for _ in range(20):
                angle = rng.uniform(0, 2 * np.pi, len(todo))
                distance = radius * np.sqrt(rng.random(len(todo)))
                px, py = centre.x + distance * np.cos(angle), centre.y + distance * np.sin(angle)
                inside = shapely.contains_xy(shape, px, py)
                x[todo[inside]], y[todo[inside]] = px[inside], py[inside]
                todo = todo[~inside]
                if not len(todo):
                    break
            x[todo], y[todo] = centre.x, centre.y  # a sliver of a buurt: its centre
        return x, y

    def _cells_of(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """The index of each point's CBS 500 m cell in :attr:`cell_codes` (new cells appended)."""
        out = np.empty(len(x), np.int32)
        for i, (cx, cy) in enumerate(zip((x // 500).astype(int), (y // 500).astype(int), strict=True)):
            code = f"E{cx * 5:04d}N{cy * 5:04d}"
            if code not in self.cell_index:
                self.cell_index[code] = len(self.cell_codes)
                self.cell_codes.append(code)
            out[i] = self.cell_index[code]
        return out

    def _pick_buurt(self, gm: np.ndarray, income_z: np.ndarray | None = None) -> np.ndarray:
        """A buurt within each municipality: by residents' share, tilted towards matching status."""
        rng = self.rng
        out = np.empty(len(gm), np.int64)
        for g in np.unique(gm):
            rows = np.flatnonzero(gm == g)
            cands = np.flatnonzero(self.buurt_gm == g)
            base = self.buurt_share[cands]
            if income_z is None:
                out[rows] = rng.choice(cands, len(rows), p=base / base.sum())
                continue
            # Gumbel trick: argmax(log w + status affinity + noise) samples a weighted choice per row.
            # In chunks, so national-scale runs keep the rows × buurten matrix small.
            for lo in range(0, len(rows), 200_000):
                part = rows[lo : lo + 200_000]
                affinity = np.outer(income_z[part], self.buurt_status[cands]) * 0.9
                noise = -np.log(-np.log(rng.random((len(part), len(cands)))))
                out[part] = cands[np.argmax(np.log(base)[None, :] + affinity + noise, axis=1)]
        return out

    def _assign_study(self, today: int) -> None:
        """At 18 a young person starts MBO, HBO or WO (by education level) or no study."""
        age = (today - self.birth) / 365.25
        fresh = self.alive & (age >= 18) & (age < 24) & (self.study == 0) & (self.role == CHILD)
        shares = np.array([self.p.student_share[k] for k in ("low", "middle", "high")])
        studies = fresh & (self.rng.random(len(age)) < shares[self.edu])
        kind = np.where(
            self.edu == 2,
            np.where(self.rng.random(len(age)) < 0.55, 3, 2),
            np.where(self.edu == 1, np.where(self.rng.random(len(age)) < 0.35, 2, 1), 1),
        )
        self.study = np.where(studies, kind, self.study).astype(np.int8)

    # -- derived per year --------------------------------------------------------------------------------
    def households(self, today: int, income: bool = True) -> dict[str, np.ndarray]:
        """Composition (and, with ``income``, employment and income percentile) of every living household."""
        live = self.alive & self.present
        n_hh = len(self.hh_dwelling)
        age = (today - self.birth) / 365.25
        members = np.bincount(self.hh[live], minlength=n_hh)
        partners = np.bincount(self.hh[live & (self.role == PARTNER)], minlength=n_hh)
        children = np.bincount(self.hh[live & (self.role == CHILD)], minlength=n_hh)
        others = np.bincount(self.hh[live & (self.role == OTHER)], minlength=n_hh)
        minors = np.bincount(self.hh[live & (age < 18)], minlength=n_hh)
        adults = members - minors
        kind = np.select(
            [
                (members == 1),
                (partners > 0) & (children == 0) & (others == 0),
                (partners > 0) & (others == 0),
                (partners == 0) & (children > 0) & (others == 0),
            ],
            [SINGLE, COUPLE, COUPLE_KIDS, SINGLE_PARENT],
            OTHER_HH,
        )
        composition = {"members": members, "kind": kind, "minors": minors, "adults": adults, "age": age}
        if not income:
            return composition
        working_age = live & (age >= 18) & (age < 67)
        propensity = self.zpot + self.rng.normal(0, 0.5, len(age))
        pool = working_age & (self.study == 0)
        cut = np.quantile(propensity[pool], 1 - self.p.employment_rate) if pool.any() else 0.0
        employed = pool & (propensity > cut)
        earnings = np.where(employed, np.exp(10.4 + 0.35 * self.zpot), 0.0)
        earnings += np.where(live & (age >= 67), np.exp(9.9 + 0.2 * self.zpot), 0.0)  # pensions
        earnings += np.where(working_age & ~employed, 14_000.0, 0.0)  # benefits floor
        income = np.bincount(self.hh[live], weights=earnings[live], minlength=n_hh)
        equivalent = income / (1 + 0.5 * np.maximum(adults - 1, 0) + 0.3 * minors)
        exists = members > 0
        pct = np.zeros(n_hh)
        order = equivalent[exists].argsort()
        ranks = np.empty(len(order), np.int64)
        ranks[order] = np.arange(len(order))  # the inverse permutation: one sort, not two
        pct[exists] = np.floor(100 * ranks / max(exists.sum(), 1)) + 1
        workers = np.bincount(self.hh[employed], minlength=n_hh)
        return {**composition, "pct": pct, "exists": exists, "workers": workers, "employed_person": employed}

    def income_class(self, pct: np.ndarray) -> np.ndarray:
        return np.where(pct <= self.p.income_cut_low, 0, np.where(pct <= self.p.income_cut_high, 1, 2))

    # -- snapshot ----------------------------------------------------------------------------------------
    def snapshot(self, year: int, sink: Sink) -> dict[str, np.ndarray]:
        p, rng = self.p, self.rng
        today = day(year)
        self._assign_study(today)
        h = self.households(today)
        age = h["age"]
        self.study = np.where(age >= np.array([0, 21, 22, 23])[self.study], 0, self.study).astype(np.int8)
        live = self.alive & self.present
        idx = np.flatnonzero(h["exists"])
        cls = self.income_class(h["pct"])
        low = cls == 0
        # Income support: low-income households of working age, mostly without work; calibrated so that about
        # bijstand_low_income of all low-income households receive it.
        n_hh = len(cls)
        working_age_adults = np.bincount(self.hh[live & (age >= 18) & (age < 67)], minlength=n_hh)
        weight = np.where(h["exists"] & low & (working_age_adults > 0), np.where(h["workers"] == 0, 1.0, 0.08), 0.0)
        scale = p.bijstand_low_income * (h["exists"] & low).sum() / max(weight.sum(), 1e-9)
        bijstand = rng.random(n_hh) < np.minimum(weight * scale, 1.0)
        debt = h["exists"] & (rng.random(len(cls)) < np.where(low, p.debt_help_low_income, 0.008))
        ev_share = p.ev_share_2015 + (p.ev_share_2024 - p.ev_share_2015) * np.clip((year - 2015) / 9, 0, 1.5)
        urban = self.buurt_urban[self.dw_buurt[self.hh_dwelling]]
        lam = p.cars_base * (0.5 + h["pct"] / 100) * (1.25 - 0.6 * urban) * np.minimum(h["adults"], 2) / 1.6
        cars = rng.poisson(np.where(h["exists"], lam, 0))
        base = np.clip(ev_share * (0.4 + 1.4 * h["pct"] / 100), 0, 1)
        evs = self._tilted(rng.binomial(cars, base), cars, base, h["pct"])
        dwelling = self.hh_dwelling[idx]
        sink.write(
            "households",
            (
                {
                    "year": np.full(len(idx), year, np.int16),
                    "household_id": scramble(idx, self.seed, 40503),
                    "dwelling_id": dwelling,
                    "buurt_code": cat(self.dw_buurt[dwelling], self.buurt_code),
                    "household_type": cat(h["kind"][idx], HH_TYPES),
                    "size": h["members"][idx].astype(np.int16),
                    "minors": h["minors"][idx].astype(np.int16),
                    "income_percentile": h["pct"][idx].astype(np.int16),
                    "income_class": cat(cls[idx], np.array(["low", "middle", "high"])),
                    "bijstand": bijstand[idx],
                    "debt_help": debt[idx],
                    "cars": cars[idx].astype(np.int16),
                    "electric_cars": evs[idx].astype(np.int16),
                    # the dwelling's type (a single-family house has its own driveway, an apartment not: the proxy
                    # the laadpalen study uses for private parking) and its CBS 500 m cell
                    "dwelling_type": cat(self.dw_type[dwelling], DWELLING_TYPE),
                    "cell_500m": cat(self.dw_cell[dwelling], np.array(self.cell_codes)),
                    # its BAG verblijfsobject: the demo's BAG extract numbers dwellings as 99 + 14 digits
                    "verblijfsobject": np.char.add("99", np.char.zfill(dwelling.astype(str), 14)),
                    # the household's cell-key record key, fixed for its life (a hash: no draw from the stream)
                    "record_key": (mix(idx.astype(np.uint64) ^ np.uint64(self.seed * 40503)) >> np.uint64(32)).astype(
                        np.int64
                    ),
                }
            ),
        )
        who = np.flatnonzero(live)
        sink.write(
            "persons_yearly",
            (
                {
                    "year": np.full(len(who), year, np.int16),
                    "person_id": scramble(who, self.seed),
                    "household_id": scramble(self.hh[who], self.seed, 40503),
                    "buurt_code": cat(self.dw_buurt[self.hh_dwelling[self.hh[who]]], self.buurt_code),
                    "role": cat(self.role[who], ROLES),
                    "age": np.floor(age[who]).astype(np.int16),
                    "education": cat(self.edu[who], EDUCATION),
                    "student": cat(self.study[who], STUDY),
                    "employed": h["employed_person"][who],
                    "youth_care": (self.youth_until[who] > today),
                    "record_key": self.record_key[who].astype(np.int64),
                }
            ),
        )
        self._youth_care(today, h)  # spells starting during the year, after the 1 January snapshot
        return h

    def _youth_care(self, today: int, h: dict[str, np.ndarray]) -> None:
        p, rng = self.p, self.rng
        live = self.alive & self.present
        minor = live & (h["age"] < 18) & (self.youth_until <= today)
        hh_low = self.income_class(h["pct"])[self.hh] == 0
        single_parent = h["kind"][self.hh] == SINGLE_PARENT
        excess_buurt = np.char.startswith(self.buurt_code.astype(str), "BU" + p.youth_care_excess_wijk[2:])
        dwelling = self.hh_dwelling[self.hh]  # -1: a household without a dwelling (not present)
        in_excess = (dwelling >= 0) & excess_buurt[self.dw_buurt[np.maximum(dwelling, 0)]]
        risk = (
            p.youth_care_base
            * np.where(hh_low, p.youth_care_low_income, 1)
            * np.where(single_parent, p.youth_care_single_parent, 1)
            * np.where(in_excess, p.youth_care_excess, 1)
        )
        start = minor & (rng.random(len(risk)) < risk)
        who = np.flatnonzero(start)
        begin = today + rng.integers(0, 365, len(who))
        end = begin + (rng.exponential(p.youth_care_duration_years, len(who)) * 365 + 30).astype(np.int32)
        self.youth_until[who] = end
        self._youth.append(pd.DataFrame({"person_id": scramble(who, self.seed), "start": begin, "end": end}))

    # -- events ------------------------------------------------------------------------------------------
    def _event(
        self,
        who: np.ndarray,
        when: np.ndarray,
        kind: str,
        change: str | None = None,
        from_dw: np.ndarray | None = None,
        to_dw: np.ndarray | None = None,
        from_area: np.ndarray | None = None,
        to_area: np.ndarray | None = None,
    ) -> None:
        n = len(who)
        if n == 0:
            return
        none = np.full(n, -1, np.int64)
        code = np.full(n, None, object)
        fdw = none if from_dw is None else from_dw
        tdw = none if to_dw is None else to_dw
        self._events.append(
            pd.DataFrame(
                {
                    "person_id": scramble(who, self.seed),
                    "date": when.astype(np.int32),
                    "event": kind,
                    "household_change": change,
                    "from_dwelling": fdw,
                    "to_dwelling": tdw,
                    "from_area": np.where(fdw >= 0, self.buurt_code[self.dw_buurt[np.maximum(fdw, 0)]], code)
                    if from_area is None
                    else from_area,
                    "to_area": np.where(tdw >= 0, self.buurt_code[self.dw_buurt[np.maximum(tdw, 0)]], code)
                    if to_area is None
                    else to_area,
                }
            )
        )

    def of(self, households: np.ndarray) -> np.ndarray:
        """Whether each person belongs to one of ``households`` (a lookup, not np.isin's sort of every person)."""
        member = np.zeros(len(self.hh_dwelling), bool)
        member[households] = True
        return member[self.hh]

    def _vacate(self, dwellings: np.ndarray, when: np.ndarray) -> None:
        """Dwellings whose household is gone fall vacant on ``when``."""
        live = self.alive & self.present
        occupied = np.zeros(len(self.dw_buurt), bool)
        occupied[self.hh_dwelling[self.hh[live]]] = True
        empty = ~occupied[dwellings] & self.dw_occupied[dwellings]
        d, w = dwellings[empty], when[empty]
        order = np.argsort(w)
        d, w = d[order], w[order]
        d, first = np.unique(d, return_index=True)
        self.dw_occupied[d] = False
        self.dw_vacant_since[d] = w[first]

    def _occupy(self, buurt: np.ndarray, when: np.ndarray) -> np.ndarray:
        """A dwelling in each requested buurt, vacant since before the move date; new ones are built if needed."""
        result = np.empty(len(buurt), np.int64)
        vacant = np.flatnonzero(~self.dw_occupied & (self.dw_vacant_since >= 0))
        order = np.lexsort((self.dw_vacant_since[vacant], self.dw_buurt[vacant]))
        vacant = vacant[order]
        v_buurt = self.dw_buurt[vacant]
        req = np.lexsort((when, buurt))
        build_buurt, build_rows = [], []
        for b in np.unique(buurt):
            rows = req[buurt[req] == b]
            lo, hi = np.searchsorted(v_buurt, [b, b + 1])
            cands = vacant[lo:hi]
            k = min(len(rows), len(cands))
            ok = self.dw_vacant_since[cands[:k]] < when[rows[:k]]
            result[rows[:k][ok]] = cands[:k][ok]
            rest = np.concatenate([rows[:k][~ok], rows[k:]])
            build_buurt.append(np.full(len(rest), b))
            build_rows.append(rest)
        if build_rows:
            rows = np.concatenate(build_rows).astype(np.int64)
            if len(rows):
                built = self._new_dwellings(np.concatenate(build_buurt), built=when[rows].astype(np.int32))
                result[rows] = built
        since = self.dw_vacant_since[result]
        spell = since >= 0  # new buildings were never vacant
        self._vacancies.append(
            pd.DataFrame({"dwelling_id": result[spell], "start": since[spell], "end": when[spell].astype(np.int32)})
        )
        self.dw_occupied[result] = True
        self.dw_vacant_since[result] = -1
        return result

    def _destination(
        self, home_gm: np.ndarray | None, family: np.ndarray, young: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Municipality index of the destination (-1 = outside) and the outside class for those leaving; without
        ``home_gm`` (arrivals) any municipality of the region."""
        p, rng = self.p, self.rng
        n = len(family)
        arriving = home_gm is None
        stay = np.zeros(n, bool) if arriving else rng.random(n) < 0.55
        leave_region = ~stay & ~arriving & (rng.random(n) < p.out_of_region)
        weights = np.tile(self.gm_target / self.gm_target.sum() * self.pull, (n, 1))
        urban = np.array([m.urban for m in REGION])
        # Families favour green villages/towns. The formula gives the core city 0, so a family living in the region
        # keeps a small weight for it (family_to_core): some come back. Families arriving from outside still settle
        # outside the core; with them the core city would gain young families on balance. Young adults favour it.
        floor = 0.0 if arriving else p.family_to_core
        family_weight = np.maximum(1.6 - urban * (1 + p.family_core_to_village), floor)
        weights *= np.where(family[:, None], family_weight[None, :], 1.0)
        weights *= np.where(young[:, None], 0.6 + 1.2 * urban[None, :], 1.0)
        weights = np.clip(weights, 1e-6, None)
        if not arriving:
            weights[np.arange(n), home_gm] = 0
        weights /= weights.sum(axis=1, keepdims=True)
        other = (weights.cumsum(axis=1) > rng.random(n)[:, None]).argmax(axis=1)
        dest = other if arriving else np.where(stay, home_gm, other)
        dest = np.where(leave_region, -1, dest)
        classes = np.array(list(p.out_class_shares))
        cls = rng.choice(classes, n, p=np.array(list(p.out_class_shares.values())))
        return dest, np.where(leave_region, cls, None)

    def _outside_code(self, classes: np.ndarray, students: np.ndarray | None = None) -> np.ndarray:
        rng = self.rng
        out = np.empty(len(classes), object)
        for cls, codes in self.outside.items():
            rows = np.flatnonzero(classes == cls)
            weights = self._outside_weights[cls]
            out[rows] = rng.choice(codes, len(rows), p=weights)
        if students is not None:
            out[students] = rng.choice(self.outside["country"][:3], students.sum(), p=[0.5, 0.3, 0.2])
        return out

    def _move_units(
        self,
        who: np.ndarray,
        when: np.ndarray,
        family: np.ndarray,
        young: np.ndarray,
        change: str | None,
        new_household: bool,
        students: np.ndarray | None = None,
    ) -> np.ndarray:
        """Move persons (one per unit, ``new_household``: each starts a household); returns those leaving."""
        from_dw = self.hh_dwelling[self.hh[who]]
        home_gm = self.buurt_gm[self.dw_buurt[from_dw]]
        dest, cls = self._destination(home_gm, family, young)
        if students is not None:
            dest = np.where(students, -1, dest)
            cls = np.where(students, "country", cls)
        leaving = dest < 0
        if new_household:
            first = len(self.hh_dwelling)
            new_ids = np.arange(first, first + len(who))
            self.hh_dwelling = np.concatenate([self.hh_dwelling, np.full(len(who), -1, np.int64)])
            self.hh_last_birth = np.concatenate([self.hh_last_birth, np.full(len(who), -10_000, np.int32)])
            self.hh[who] = new_ids
            self.role[who] = REF
        stay = ~leaving
        z = self.zpot[who]
        buurt = self._pick_buurt(dest[stay], z[stay])
        to_dw = np.full(len(who), -1, np.int64)
        to_dw[stay] = self._occupy(buurt, when[stay])
        if new_household:
            self.hh_dwelling[self.hh[who[stay]]] = to_dw[stay]
        to_area = np.full(len(who), None, object)
        to_area[leaving] = self._outside_code(cls[leaving], None if students is None else students[leaving])
        self._event(
            who,
            when,
            "move",
            change,
            from_dw=from_dw,
            to_dw=to_dw,
            to_area=np.where(leaving, to_area, self.buurt_code[self.dw_buurt[np.maximum(to_dw, 0)]]),
        )
        self.present[who[leaving]] = False
        self._vacate(from_dw, when)
        return who[leaving]

    def simulate_year(self, year: int, h: dict[str, np.ndarray]) -> None:
        """One year of events between two snapshots (``h``: the households of 1 January), step by step.

        The order of the steps is the order of the random draws: moving one changes every table a seed gives."""
        y = _Year(day(year), day(year + 1), h["age"], np.zeros(len(self.birth), bool), self.rng)
        self._update_pull()
        deaths = self._deaths(y, h)
        self._leaving_home(y)
        self._unions(y)
        self._separations(y)
        births = self._conceptions(y)
        self._relocations(y)
        self._in_migration(y, deaths=deaths, births=births)

    def _update_pull(self) -> None:
        """Housing pulls: a municipality that shrank (vacant dwellings) attracts movers, one that grew repels them;
        the attraction adjusts every year until the flows balance (it starts where the calibration left it)."""
        live = self.alive & self.present
        inhabitants = np.bincount(self.buurt_gm[self.dw_buurt[self.hh_dwelling[self.hh[live]]]], minlength=len(REGION))
        shares = (self.gm_target / self.gm_target.sum()) / (np.maximum(inhabitants, 1) / max(inhabitants.sum(), 1))
        self.pull = self.pull * shares**self.p.housing_pull
        self.pull /= self.pull.mean()

    def _deaths(self, y: _Year, h: dict[str, np.ndarray]) -> int:
        """1. Deaths and widowhood; returns how many died. Children always live with a parent: the last adult of a
        household with minors does not die in this model."""
        p, age, n = self.p, y.age, len(y.busy)
        live = self.alive & self.present
        dies = live & (y.rng.random(n) < np.minimum(np.exp(p.mortality_a + p.mortality_b * age), 0.5))
        n_hh = len(self.hh_dwelling)
        parents_left = live & ~dies & (age >= 18) & np.isin(self.role, [REF, PARTNER])
        adults_left = np.bincount(self.hh[parents_left], minlength=n_hh)
        with_minors = np.bincount(self.hh[live & (age < 18)], minlength=n_hh) > 0
        spare = np.flatnonzero(
            dies & (age >= 18) & np.isin(self.role, [REF, PARTNER]) & with_minors[self.hh] & (adults_left[self.hh] == 0)
        )
        _, first = np.unique(self.hh[spare], return_index=True)
        dies[spare[first]] = False
        who = np.flatnonzero(dies)
        when = y.dates(len(who))
        self.alive[who] = False
        self.death[who] = when
        y.busy[who] = True
        self._event(who, when, "death", from_dw=self.hh_dwelling[self.hh[who]])
        # Widowhood: the surviving partner becomes (or stays) the reference person.
        live_now = self.alive & self.present
        partner_of = np.full(len(self.hh_dwelling), -1, np.int64)
        adults = np.flatnonzero(live_now & np.isin(self.role, [REF, PARTNER]))
        partner_of[self.hh[adults]] = adults
        dead_couple = who[
            np.isin(self.role[who], [REF, PARTNER])
            & (h["kind"][self.hh[who]] >= COUPLE)
            & (h["kind"][self.hh[who]] <= COUPLE_KIDS)
        ]
        survivors = partner_of[self.hh[dead_couple]]
        ok = survivors >= 0
        survivors, wdates = survivors[ok], self.death[dead_couple[ok]]
        self.role[survivors] = REF
        y.busy[survivors] = True
        self._event(survivors, wdates, "household_change", "widowed")
        # A household that lost its reference person and has no partner: the oldest member takes over.
        live_now = self.alive & self.present
        has_ref = np.bincount(self.hh[live_now & (self.role == REF)], minlength=n_hh) > 0
        orphaned = np.flatnonzero(live_now & ~has_ref[self.hh])
        if len(orphaned):
            oldest = orphaned[np.lexsort((self.birth[orphaned], self.hh[orphaned]))]
            _, first = np.unique(self.hh[oldest], return_index=True)
            self.role[oldest[first]] = REF
        self._vacate(self.hh_dwelling[self.hh[who]], when)
        return len(who)

    def _leaving_home(self, y: _Year) -> None:
        """2. Leaving the parental home (students mostly to a university city)."""
        p, age, n = self.p, y.age, len(y.busy)
        live = self.alive & self.present
        child = live & ~y.busy & (self.role == CHILD) & (age >= 18) & (age < 31)
        hazard = p.leave_home_peak * np.exp(-(((age - 22) / 4.5) ** 2)) + np.where(self.study >= 2, 0.25, 0) * (
            age < 20
        )
        leaves = np.flatnonzero(child & (y.rng.random(n) < hazard))
        students = (self.study[leaves] >= 2) & (y.rng.random(len(leaves)) < p.student_leaves_region)
        when = y.dates(len(leaves))
        y.busy[leaves] = True
        self._event(leaves, when, "household_change", "left_parental_home")
        self._move_units(
            leaves,
            when,
            np.zeros(len(leaves), bool),
            np.ones(len(leaves), bool),
            "left_parental_home",
            new_household=True,
            students=students,
        )

    def _unions(self, y: _Year) -> None:
        """3. Moving in together: singles are paired; the second moves into the first's dwelling."""
        age, busy = y.age, y.busy
        live = self.alive & self.present
        kind = self.households(y.start, income=False)["kind"][self.hh]
        singles = np.flatnonzero(live & ~busy & (kind == SINGLE) & (age >= 20) & (age < 46))
        singles = singles[y.rng.random(len(singles)) < self.p.union_rate]
        y.rng.shuffle(singles)
        pairs = singles[: len(singles) // 2 * 2].reshape(-1, 2)
        a, b = pairs[:, 0], pairs[:, 1]
        when = y.dates(len(a))
        from_dw = self.hh_dwelling[self.hh[b]]
        self.hh[b] = self.hh[a]
        self.role[b] = PARTNER
        to_dw = self.hh_dwelling[self.hh[a]]
        busy[a] = busy[b] = True
        self._event(a, when, "household_change", "moved_in_together")
        self._event(b, when, "household_change", "moved_in_together")
        self._event(b, when, "move", "moved_in_together", from_dw=from_dw, to_dw=to_dw)
        self._vacate(from_dw, when)

    def _separations(self, y: _Year) -> None:
        """4. Separation: the partner leaves and starts a household; children stay."""
        busy = y.busy
        live = self.alive & self.present
        kind = self.households(y.start, income=False)["kind"][self.hh]
        couple_partner = np.flatnonzero(live & ~busy & (self.role == PARTNER) & np.isin(kind, [COUPLE, COUPLE_KIDS]))
        refs = np.full(len(self.hh_dwelling), -1, np.int64)
        ref_idx = np.flatnonzero(live & (self.role == REF))
        refs[self.hh[ref_idx]] = ref_idx
        leavers = couple_partner[y.rng.random(len(couple_partner)) < self.p.separation_rate]
        leavers = leavers[~busy[refs[self.hh[leavers]]]]
        when = y.dates(len(leavers))
        stayers = refs[self.hh[leavers]]
        busy[leavers] = busy[stayers] = True
        self._event(stayers, when, "household_change", "separated")
        self._event(leavers, when, "household_change", "separated")
        self._move_units(
            leavers, when, np.zeros(len(leavers), bool), y.age[leavers] < 35, "separated", new_household=True
        )

    def _conceptions(self, y: _Year) -> int:
        """5. Births to women in couples whose household does not move this year; returns how many."""
        p, age = self.p, y.age
        live = self.alive & self.present
        h = self.households(y.start)
        kind = h["kind"][self.hh]
        hh_busy = np.bincount(self.hh[y.busy & live], minlength=len(self.hh_dwelling)) > 0
        fert = p.fertility_peak * np.exp(-(((age - p.fertility_peak_age) / p.fertility_width) ** 2))
        mothers = np.flatnonzero(
            live
            & (self.sex == 1)
            & np.isin(self.role, [REF, PARTNER])
            & np.isin(kind, [COUPLE, COUPLE_KIDS])
            & ~hh_busy[self.hh]
            & (age >= 17)
            & (age < 46)
            & (y.rng.random(len(y.busy)) < fert)
        )
        self._births(mothers, y.dates(len(mothers)), h, age)
        return len(mothers)

    def _relocations(self, y: _Year) -> None:
        """6. Moves of whole households (more often for the young and after a birth); newborns count as not busy."""
        p, start = self.p, y.start
        busy = np.concatenate([y.busy, np.zeros(len(self.birth) - len(y.busy), bool)])  # newborns
        age = (start - self.birth) / 365.25
        live = self.alive & self.present
        h = self.households(start, income=False)
        hh_busy = np.bincount(self.hh[busy & live], minlength=len(self.hh_dwelling)) > 0
        hh_dead = np.bincount(self.hh[~self.alive & (self.death >= start)], minlength=len(self.hh_dwelling)) > 0
        ref = np.flatnonzero(live & (self.role == REF))
        ref = ref[~hh_busy[self.hh[ref]] & ~hh_dead[self.hh[ref]]]
        hh_ids = self.hh[ref]
        rate = np.where(age[ref] < 35, p.move_rate_young, p.move_rate_old)
        rate += np.where(self.hh_last_birth[hh_ids] >= start - 365, p.move_after_birth, 0)
        moving = np.unique(hh_ids[y.rng.random(len(ref)) < rate])
        self._move_households(moving, y.dates(len(moving)), h, age)

    def _in_migration(self, y: _Year, *, deaths: int, births: int) -> None:
        """7. In-migration replaces those who left and, as net immigration does in the Netherlands, the natural
        deficit (deaths over births): the population stays level unless a scenario changes inflow_factor."""
        gone = int((~self.present & self.alive).sum() - getattr(self, "_gone_before", 0))
        self._gone_before = int((~self.present & self.alive).sum())
        deficit = max(deaths - births, 0)
        self._immigrate(int((gone + deficit) * self.p.inflow_factor), y.start, y.end)

    def _births(self, mothers: np.ndarray, when: np.ndarray, h: dict[str, np.ndarray], age: np.ndarray) -> None:
        p, rng = self.p, self.rng
        k = len(mothers)
        if k == 0:
            return
        hh = self.hh[mothers]
        first = len(self.birth)
        babies = np.arange(first, first + k)
        self._grow(k)
        self.birth[babies] = when
        self.sex[babies] = rng.integers(0, 2, k)
        self.hh[babies] = hh
        self.role[babies] = CHILD
        self.edu[babies] = np.where(rng.random(k) < 0.6, self.edu[mothers], rng.integers(0, 3, k))
        self.zpot[babies] = 0.5 * self.zpot[mothers] + rng.normal(0, 0.6, k)
        self.hh_last_birth[hh] = when
        dw = self.hh_dwelling[hh]
        self._event(babies, when, "birth", to_dw=dw)
        parents = np.flatnonzero(self.alive & self.present & np.isin(self.role, [REF, PARTNER]) & self.of(hh))
        parent_date = dict(zip(hh.tolist(), when.tolist(), strict=True))
        self._event(
            parents, np.array([parent_date[x] for x in self.hh[parents].tolist()]), "household_change", "child_born"
        )
        # Perinatal outcomes correlated with household risk factors (Kansrijk van Start).
        low = self.income_class(h["pct"][hh]) == 0
        single = h["kind"][hh] == SINGLE_PARENT
        young = age[mothers] < 20
        youth = (
            np.bincount(self.hh[(self.youth_until > when.min()) & self.alive], minlength=len(self.hh_dwelling))[hh] > 0
        )
        risk = p.preterm_base * np.where(low, p.preterm_low_income, 1) * np.where(single, p.preterm_single_parent, 1)
        risk *= np.where(young, p.preterm_young_mother, 1) * np.where(youth, p.preterm_youth_care, 1)
        programme = self.buurt_kvs[self.dw_buurt[dw]] & (when >= day(p.kvs_start))  # the planted effect
        risk = np.where(programme, risk - p.kvs_effect, risk)
        preterm = rng.random(k) < risk
        weeks = np.where(preterm, rng.integers(28, 37, k), rng.integers(37, 42, k))
        weight = rng.normal(3450, 430, k) - np.where(preterm, (37 - weeks) * 230 + 300, 0) - np.where(low, 90, 0)
        self._newborns.append(
            pd.DataFrame(
                {
                    "person_id": scramble(babies, self.seed),
                    "birth_date": when,
                    "buurt_code": self.buurt_code[self.dw_buurt[dw]],
                    "gestational_weeks": weeks.astype(np.int8),
                    "birth_weight": np.clip(weight, 600, 5500).round().astype(np.int16),
                    "preterm": preterm,
                    "low_birth_weight": weight < 2500,
                    "risk_low_income": low,
                    "risk_single_parent": single,
                    "risk_young_mother": young,
                    "risk_youth_care_household": youth,
                }
            )
        )

    def _move_households(self, hh_ids: np.ndarray, when: np.ndarray, h: dict[str, np.ndarray], age: np.ndarray) -> None:
        if len(hh_ids) == 0:
            return
        live = self.alive & self.present
        family = np.isin(h["kind"][hh_ids], [COUPLE_KIDS, SINGLE_PARENT])
        ref_age = np.zeros(len(self.hh_dwelling))
        refs = np.flatnonzero(live & (self.role == REF))
        ref_age[self.hh[refs]] = age[refs]
        from_dw = self.hh_dwelling[hh_ids]
        home_gm = self.buurt_gm[self.dw_buurt[from_dw]]
        dest, cls = self._destination(home_gm, family, ref_age[hh_ids] < 30)
        leaving = dest < 0
        z = np.zeros(len(self.hh_dwelling))
        np.maximum.at(z, self.hh[live], self.zpot[live])
        to_dw = np.full(len(hh_ids), -1, np.int64)
        stay = ~leaving
        to_dw[stay] = self._occupy(self._pick_buurt(dest[stay], z[hh_ids][stay]), when[stay])
        outside = np.full(len(hh_ids), None, object)
        outside[leaving] = self._outside_code(cls[leaving])
        members = np.flatnonzero(live & self.of(hh_ids))
        pos = np.searchsorted(np.sort(hh_ids), self.hh[members])
        order = np.argsort(hh_ids)
        unit = order[pos]
        self._event(
            members,
            when[unit],
            "move",
            None,
            from_dw=from_dw[unit],
            to_dw=to_dw[unit],
            to_area=np.where(leaving[unit], outside[unit], self.buurt_code[self.dw_buurt[np.maximum(to_dw[unit], 0)]]),
        )
        self.hh_dwelling[hh_ids[stay]] = to_dw[stay]
        self.present[members[leaving[unit]]] = False
        self.hh_dwelling[hh_ids[leaving]] = -1
        self._vacate_households(from_dw, when)

    def _vacate_households(self, dwellings: np.ndarray, when: np.ndarray) -> None:
        self.dw_occupied[dwellings] = False
        self.dw_vacant_since[dwellings] = when

    def _grow(self, k: int) -> None:
        """Room for ``k`` new persons (births or in-migrants)."""
        defaults = {
            "birth": 0,
            "sex": 0,
            "alive": True,
            "present": True,
            "death": -1,
            "hh": -1,
            "role": OTHER,
            "edu": 0,
            "zpot": 0.0,
            "study": 0,
            "youth_until": -1,
        }
        for name, value in defaults.items():
            arr = getattr(self, name)
            setattr(self, name, np.concatenate([arr, np.full(k, value, arr.dtype)]))
        self.record_key = np.concatenate(
            [self.record_key, self.rng.integers(0, 2**32, k, dtype=np.uint64).astype(np.uint32)]
        )

    def _immigrate(self, k: int, start: int, end: int) -> None:
        """New households arriving from outside: returners after study, young families, others."""
        p, rng = self.p, self.rng
        if k <= 0:
            return
        units = max(1, int(k / 1.9))
        profile = rng.choice(3, units, p=[p.return_after_study, 0.3, 1 - p.return_after_study - 0.3])
        size = np.where(profile == 0, 1, np.where(profile == 1, rng.choice([3, 4], units), rng.choice([1, 2], units)))
        first_p, first_h = len(self.birth), len(self.hh_dwelling)
        total = int(size.sum())
        self._grow(total)
        people = np.arange(first_p, first_p + total)
        unit = np.repeat(np.arange(units), size)
        pos = np.arange(total) - np.repeat(np.cumsum(size) - size, size)
        ref_age = np.where(
            profile == 0,
            rng.uniform(23, 30, units),
            np.where(profile == 1, rng.uniform(28, 42, units), rng.uniform(20, 55, units)),
        )
        age = np.where(
            pos == 0,
            ref_age[unit],
            np.where(pos == 1, ref_age[unit] + rng.normal(0, 2, total), rng.uniform(0, 12, total)),
        )
        when = rng.integers(start, end, units)
        self.birth[people] = (when[unit] - age * 365.25).astype(np.int32)
        self.sex[people] = np.where(pos == 1, 1 - rng.integers(0, 2, total), rng.integers(0, 2, total))
        self.role[people] = np.where(pos == 0, REF, np.where(pos == 1, PARTNER, CHILD))
        self.edu[people] = np.where(profile[unit] == 0, 2, rng.integers(0, 3, total))
        self.zpot[people] = (0.55 * self.edu[people] + rng.normal(0, 0.7, total)).astype(np.float32)
        self.hh[people] = first_h + unit
        self.hh_dwelling = np.concatenate([self.hh_dwelling, np.full(units, -1, np.int64)])
        self.hh_last_birth = np.concatenate([self.hh_last_birth, np.full(units, -10_000, np.int32)])
        family = profile == 1
        dest, _ = self._destination(None, family, profile == 0)
        dest = np.where(profile == 0, np.where(rng.random(units) < 0.5, 0, dest), dest)  # returners: core city
        dw = self._occupy(self._pick_buurt(dest, self.zpot[people[pos == 0]]), when)
        self.hh_dwelling[first_h:] = dw
        origin = rng.choice(list(p.out_class_shares), units, p=list(p.out_class_shares.values()))
        origin_code = self._outside_code(origin)
        change = np.where(
            profile[unit] == 1, None, np.where((profile[unit] == 2) & (size[unit] == 2), "moved_in_together", None)
        )
        for c in ("moved_in_together", None):
            rows = change == c
            self._event(
                people[rows], when[unit][rows], "move", c, to_dw=dw[unit][rows], from_area=origin_code[unit][rows]
            )

    # -- one-off tables ----------------------------------------------------------------------------------
    def drain(self, name: str) -> pd.DataFrame:
        """Accumulated rows of an event-like table, emptied after reading."""
        store = {
            "events": self._events,
            "vacancies": self._vacancies,
            "youth_care": self._youth,
            "newborns": self._newborns,
        }[name]
        frame = pd.concat(store, ignore_index=True) if store else pd.DataFrame()
        store.clear()
        return frame
