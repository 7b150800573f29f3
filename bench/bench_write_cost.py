"""Time what a small write costs a dashboard replica: each step until the default view is ready.

    python bench/bench_write_cost.py [--sizes 100000 1000000] [--repeat 3] [--rows 10]
                                     [--stores postgresql embedded embedded-reload]
                                     [--modes whole incremental]

For each size, seeded synthetic incidents (bench_pg_dashboard.incidents: sahel.synthetic's,
copied with new ids past 100,000) are written into a store: PostgreSQL (a throwaway cluster,
migrated) and the embedded one. "embedded-reload" is the embedded store as it was before it
recorded what its writes changed: the same store, read again after every write (its
`changes_since` asks for a reload), for a before/after in one run. A dashboard process's caches
(dashboard_cache.py, called here without a Streamlit server, as serve.py's `warm` does) are
filled for the default view. Then, --repeat times for each mode, another store object ("another
process", the store API) writes --rows rows: new incidents, and one revision of an incident held
(the CLI's `after_write` keeps the links up to date after it), and each step a dashboard run
takes until the default view is ready again is timed on the replica's side, in the order a run
asks for them (each step's inputs are ready before it is timed):

- refresh: the store's version read and the rows written since brought in (Replica.refresh);
- choices: the sidebar's choices (overview.filter_choices);
- popup codes: every incident's popup facet codes and id parts (map_payload.facet_codes);
- linked: the stored links and event groups; counted once: the sources with each event group once;
- selection: the default view's rows and figures; layer: its map layer (payload included);
- below map: its table and chart; trends: its regions' trends.

Modes: "whole" makes everything again from the incidents (dashboard_cache.INCREMENTAL off);
"incremental" lets dashboard_cache follow the change from what it made at the version before:
the choices (overview.ChoiceCounts), the popup codes (map_payload.followed_codes), the views in
use (query.followed_view). Both modes run in the same process, alternately, on the same store.
To time the code before a change, run this file from a checkout of that commit (the mode is
then ignored). Medians of --repeat, fastest–slowest.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from unittest import mock

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench"), str(ROOT / "tests" / "e2e")]

from bench_pg_dashboard import incidents, new_stores  # noqa: E402

import dashboard_cache  # noqa: E402
from sahel.i18n import DEFAULT_LANGUAGE  # noqa: E402
from sahel.link_upkeep import after_write  # noqa: E402
from sahel.maps import DEFAULT_LAYERS  # noqa: E402
from sahel.store import DATABASE_ENV, Changes, IncidentStore, Mark, Store  # noqa: E402
from sahel.store.local_cluster import throwaway_cluster  # noqa: E402
from sahel.trends import DEFAULT_SPAN  # noqa: E402

STEPS = ("refresh", "choices", "popup codes", "linked", "counted once", "selection", "layer",
         "below map", "trends")


def timed(action: Callable[[], Any]) -> float:
    """Return how long `action` took, in seconds."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def replica_steps(store_dir: str) -> dict[str, float]:
    """Time each step of a dashboard run after a write, until the default view is ready."""
    out: dict[str, float] = {}
    out["refresh"] = timed(lambda: dashboard_cache.store_version(store_dir, max_age=0)
                           and dashboard_cache.refresh_if_changed(store_dir))
    out["choices"] = timed(lambda: dashboard_cache.choices_for(store_dir))
    query = dashboard_cache.default_query(store_dir)
    lang, metric, measure = (DEFAULT_LANGUAGE, dashboard_cache.DEFAULT_METRIC,
                             dashboard_cache.DEFAULT_MEASURE)
    out["popup codes"] = timed(lambda: dashboard_cache.popup_codes(store_dir))
    out["linked"] = timed(lambda: dashboard_cache.linked(store_dir))
    out["counted once"] = timed(lambda: dashboard_cache.counted_once(store_dir, query))
    out["selection"] = timed(lambda: dashboard_cache.selection(store_dir, query))
    out["layer"] = timed(lambda: dashboard_cache.view_layer(store_dir, query, metric, lang,
                                                            DEFAULT_LAYERS))
    out["below map"] = timed(lambda: dashboard_cache.below_map(store_dir, query, lang, measure))
    out["trends"] = timed(lambda: dashboard_cache.trends_for(store_dir, query, lang,
                                                             DEFAULT_SPAN, measure))
    out["total"] = sum(out[s] for s in STEPS)
    return out


def write_rows(store: Store, held: Any, rows: int, seed: int) -> None:
    """Write `rows` rows as another process would: rows-1 new incidents and one revision."""
    written = incidents(rows - 1, seed=seed).assign(
        event_id=lambda f: f"W{seed}-" + f["event_id"])
    revised = held.iloc[[seed % len(held)]].assign(notes=f"Revised in write {seed}")
    summary = store.add(pd.concat([written, revised], ignore_index=True))
    after_write(store, summary)


def read_again(store: IncidentStore, mark: Mark) -> Changes:
    """The embedded store's `changes_since` before it recorded its writes: reload on a change."""
    now = store.version()
    return Changes(mark) if now == mark.version else Changes(Mark(now), reload=True)


def one_store(label: str, make_store: Callable[[], Store], store_dir: str, args: argparse.Namespace
              ) -> dict[str, dict[str, list[float]]]:
    """Fill the caches, then time the modes alternately over --repeat writes each."""
    if label == "embedded-reload":
        with mock.patch.object(IncidentStore, "changes_since", read_again):
            return one_store("embedded (read again)", make_store, store_dir, args)
    dashboard_cache.forget()
    warmed = timed(lambda: dashboard_cache.warm(store_dir))
    print(f"  {label}: caches filled in {warmed:.1f} s", flush=True)
    found: dict[str, dict[str, list[float]]] = {m: {} for m in args.modes}
    for k in range(args.repeat):
        for mode in args.modes:
            dashboard_cache.INCREMENTAL = mode == "incremental"
            held = dashboard_cache.incidents_frame(store_dir)
            # Stores sharing a folder (embedded, embedded-reload) write other rows each.
            seed = (1000 * (k + 1) + len(found[mode].get("total", [])) + 7 * len(mode)
                    + 100_000 * len(label))
            write_rows(make_store(), held.loc[held["dataset_name"].ne("") &
                                              ~held["dataset_name"].str.startswith("demo: ")],
                       args.rows, seed)
            steps = replica_steps(store_dir)
            for step, seconds in steps.items():
                found[mode].setdefault(step, []).append(seconds)
            print(f"  {label} {mode} #{k + 1}: " + ", ".join(
                f"{s} {v:.2f}" for s, v in steps.items()), flush=True)
    dashboard_cache.INCREMENTAL = True
    dashboard_cache.forget()
    return found


def main() -> None:
    """Fill the stores for each size, time the writes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="writes per mode (median shown)")
    parser.add_argument("--rows", type=int, default=10, help="rows per write")
    parser.add_argument("--stores", nargs="+", default=["postgresql", "embedded"],
                        choices=["postgresql", "embedded", "embedded-reload"])
    parser.add_argument("--modes", nargs="+", default=["whole", "incremental"],
                        choices=["whole", "incremental"])
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    results: dict[tuple[int, str], dict[str, dict[str, list[float]]]] = {}
    with tempfile.TemporaryDirectory() as folder, throwaway_cluster() as cluster:
        for n in args.sizes:
            frame = incidents(n, args.seed)
            store_dir, url, makers = new_stores(Path(folder), cluster, n)
            for label in dict.fromkeys(s.split("-")[0] for s in args.stores):
                makers[label]().add(frame)
            del frame
            print(f"{n:,} incidents written", flush=True)
            for label in args.stores:
                if label == "postgresql":
                    os.environ[DATABASE_ENV] = url
                else:
                    os.environ.pop(DATABASE_ENV, None)
                results[n, label] = one_store(label, makers[label.split("-")[0]],
                                              str(store_dir), args)
            os.environ.pop(DATABASE_ENV, None)
    print_table(args, results)


def print_table(args: argparse.Namespace,
                results: dict[tuple[int, str], dict[str, dict[str, list[float]]]]) -> None:
    """Print one row per size, store and mode: each step's median seconds."""
    print(f"\nReplica side after a {args.rows}-row write, medians of {args.repeat} "
          "(seconds; total: fastest–slowest)")
    print("| incidents | store | mode | " + " | ".join(STEPS) + " | total |")
    print("|---:|---|---|" + "---:|" * (len(STEPS) + 1))
    for (n, label), modes in results.items():
        for mode, steps in modes.items():
            cells = " | ".join(f"{statistics.median(steps[s]):.2f}" for s in STEPS)
            total = steps["total"]
            print(f"| {n:,} | {label} | {mode} | {cells} | {statistics.median(total):.2f} "
                  f"({min(total):.2f}–{max(total):.2f}) |")


if __name__ == "__main__":
    main()
