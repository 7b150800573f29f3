"""Time linking 100,000 records against 100,000 (`python bench/bench_links.py [N]`).

Dataset A is `sahel.synthetic` (seed 1); dataset B holds noisy copies of 60% of A's events
(a day off, the point moved up to ~15 km, other tolls) and 40% events of its own (seed 2), so
the run finds real links and builds groups. Prints the times of each step and the counts.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sahel.links import link_records  # noqa: E402
from sahel.synthetic import synthetic_incidents  # noqa: E402


def two_datasets(n: int) -> pd.DataFrame:
    """Return 2·n synthetic records: n in dataset "A", n in dataset "B" (60% copies of A's)."""
    rng = np.random.default_rng(7)
    first = synthetic_incidents(n, seed=1).assign(dataset_name="A")
    copies = first.sample(n=int(n * 0.6), random_state=3).reset_index(drop=True)
    copies["event_id"] = "B-" + copies["event_id"]
    copies["event_date"] = copies["event_date"] + pd.to_timedelta(
        rng.choice([-1, 0, 0, 1], len(copies)), unit="D")
    copies["latitude"] += rng.normal(0, 0.05, len(copies))
    copies["longitude"] += rng.normal(0, 0.05, len(copies))
    copies["fatalities"] = (copies["fatalities"] * rng.uniform(0.5, 2.0, len(copies))).round()
    own = synthetic_incidents(n - len(copies), seed=2)
    second = pd.concat([copies, own], ignore_index=True).assign(dataset_name="B")
    return pd.concat([first, second], ignore_index=True)


def main(n: int = 100_000) -> None:
    """Build the two datasets, link them, print the times."""
    started = time.perf_counter()
    records = two_datasets(n)
    built = time.perf_counter()
    result = link_records(records)
    done = time.perf_counter()
    print(f"records: {n:,} (A) against {n:,} (B), built in {built - started:.1f} s")
    print(f"linking: {done - built:.1f} s — {result.candidates:,} candidate pairs, "
          f"{int(result.links['accepted'].sum()):,} links accepted, "
          f"{int(result.links['grouped'].sum()):,} kept in "
          f"{result.groups['event_group'].nunique():,} event groups")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
