"""The initial population's template: households as the model's own dynamics leave them after decades.

A population drawn with arbitrary ages is not in equilibrium with the yearly rates: it ages, births and moves drift
for a generation. So the first snapshot is drawn from households of a long run of the same model with the default
``Params`` — in-migration fills the natural deficit, so the long run levels off — and the population is stationary
from its first year. Rerun after changing the default rates (each run starts from the current template)::

    python -m udc.synth.calibrate [--persons 60000] [--years 60] [--households 10000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from udc.synth.params import Params
from udc.synth.population import CODES, PULL, ROLES, TEMPLATE, Sink, World, day
from udc.synth.region import build_region

FIRST_YEAR = 1970  # the model's dates are days since 1970: a vacancy date before it would read as "never"


def calibrate(
    persons: int = 60_000, years: int = 60, households: int = 10_000, seed: int = 7
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Run the model ``years`` years from the current template: a sample of the last 1 January's households, and
    the municipalities' attraction then."""
    world = World(build_region(seed), persons, seed, Params(), first_year=FIRST_YEAR)
    sink = Sink(lambda name, frame: None)
    for year in range(FIRST_YEAR, FIRST_YEAR + years):
        world.simulate_year(year, world.snapshot(year, sink))
        for table in ("events", "vacancies", "youth_care", "newborns"):
            world.drain(table)
    today = day(FIRST_YEAR + years)
    h = world.households(today, income=False)
    rng = np.random.default_rng(seed)
    chosen = rng.choice(np.flatnonzero(h["members"] > 0), households, replace=False)
    live = np.flatnonzero(world.alive & world.present & world.of(chosen))
    renumber = np.full(len(world.hh_dwelling), -1)
    renumber[np.sort(chosen)] = np.arange(households)
    frame = pd.DataFrame(
        {
            "household": renumber[world.hh[live]],
            "municipality": CODES[world.buurt_gm[world.dw_buurt[world.hh_dwelling[world.hh[live]]]]],
            "role": ROLES[world.role[live]],
            "age": np.round(h["age"][live], 1),
            "sex": world.sex[live],
        }
    )
    frame = frame.sort_values(["household", "role", "age"], ascending=[True, True, False], ignore_index=True)
    return frame, pd.DataFrame({"municipality": CODES, "pull": world.pull.round(4)})


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m udc.synth.calibrate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=60_000, help="size of the long run (default 60000)")
    parser.add_argument("--years", type=int, default=60, help="years simulated (default 60)")
    parser.add_argument("--households", type=int, default=10_000, help="households in the template (default 10000)")
    parser.add_argument("--out", type=Path, default=TEMPLATE, help=f"where to write (default {TEMPLATE})")
    args = parser.parse_args(argv)
    frame, pull = calibrate(args.persons, args.years, args.households)
    frame.to_csv(args.out, index=False)
    pull.to_csv(args.out.with_name(PULL.name), index=False)
    print(f"{args.out}: {frame['household'].nunique()} households, {len(frame)} persons")


if __name__ == "__main__":
    main()
