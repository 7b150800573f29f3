"""Time linking 100,000 records against 100,000 (`python bench/bench_links.py [N]`), and
relinking 1,000 new records in a store of 100,000 (`python bench/bench_links.py --store [N]
[NEW]`; with SAHEL_DATABASE_URL set, in that PostgreSQL database, emptied first).

Dataset A is `sahel.synthetic` (seed 1); dataset B holds noisy copies of 60% of A's events
(a day off, the point moved up to ~15 km, other tolls) and 40% events of its own (seed 2), so
the run finds real links and builds groups. Prints the times of each step and the counts.

The store case: A and B (N/2 each) are stored and linked once (`link_upkeep.relink`), then NEW
noisy copies of A's events arrive as dataset C and `link_upkeep.after_write` links them
against everything (`among=`): the time an import or a report added pays for its links.
"""

from __future__ import annotations

import sys
import tempfile
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


def noisy_copies(records: pd.DataFrame, n: int, prefix: str, seed: int) -> pd.DataFrame:
    """Return `n` copies of `records` a day off, moved a few km, with other tolls."""
    rng = np.random.default_rng(seed)
    copies = records.sample(n=n, random_state=seed).reset_index(drop=True)
    copies["event_id"] = prefix + copies["event_id"]
    copies["event_date"] = copies["event_date"] + pd.to_timedelta(
        rng.choice([-1, 0, 0, 1], len(copies)), unit="D")
    copies["latitude"] += rng.normal(0, 0.05, len(copies))
    copies["longitude"] += rng.normal(0, 0.05, len(copies))
    return copies


def store_case(n: int = 100_000, new: int = 1_000) -> None:
    """Store n records, link them once, add `new` records and time relinking them."""
    from sahel import link_upkeep
    from sahel.store import database_url, open_store

    records = two_datasets(n // 2)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(folder)
        if database_url():
            _empty_database(database_url() or "")
        started = time.perf_counter()
        store.add(records)
        stored = time.perf_counter()
        everything = link_upkeep.relink(store)
        linked = time.perf_counter()
        arriving = noisy_copies(records[records["dataset_name"] == "A"], new, "C-", 11).assign(
            dataset_name="C")
        summary = store.add(arriving)
        added = time.perf_counter()
        relinked = link_upkeep.after_write(store, summary)
        done = time.perf_counter()
        groups = link_upkeep.current_groups(store)
        read = time.perf_counter()
    print(f"store: {store.location.split('@')[-1]}; {len(records):,} records stored in "
          f"{stored - started:.1f} s, linked once in {linked - stored:.1f} s "
          f"({everything.added:,} links)")
    print(f"relinking {new:,} new records against {len(records):,}: {done - added:.2f} s "
          f"(the write itself {added - linked:.2f} s) — {relinked.text()}")
    print(f"current_groups: {read - done:.2f} s ({groups['event_group'].nunique():,} groups)")


def _empty_database(url: str) -> None:
    import psycopg

    from sahel.store.postgres import STORE_TABLES

    emptied = ", ".join(t for t in STORE_TABLES if t != "store_state")
    with psycopg.connect(url) as connection:
        connection.execute(f"TRUNCATE {emptied} RESTART IDENTITY")


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
    if sys.argv[1:2] == ["--store"]:
        numbers = [int(a) for a in sys.argv[2:4]]
        store_case(*numbers)
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000)
