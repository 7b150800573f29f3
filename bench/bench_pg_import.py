"""Time importing a seeded 100,000-row ACLED-layout CSV into the PostgreSQL store (target: < 10 s).

    python bench/bench_pg_import.py [--rows 100000] [--seed 2026]

Starts a throwaway PostgreSQL + PostGIS cluster (sahel.store.local_cluster: Debian's postgresql
and postgresql-15-postgis-3 must be installed; `make database`), migrates it, then times, in one
run, with the embedded store beside it for comparison:
- reading the file (the same for both stores),
- the first import (every row added), the same file again (every row unchanged), a revision of
  every row (every row updated, its previous version kept in the history),
- loading the whole store back, as a dashboard does.
The cluster runs with fsync off (a throwaway), so the times leave out the disk's flushes: on a
server with synchronous commits, expect a few milliseconds more per import, not per row.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
from bench_import import write_acled_csv  # bench/ is the script's folder, so on sys.path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sahel.sources import ImportResult, read_incidents  # noqa: E402
from sahel.store import IncidentStore, Store, migrate  # noqa: E402
from sahel.store.local_cluster import throwaway_cluster  # noqa: E402
from sahel.store.postgres import PostgresStore  # noqa: E402


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    """Return how long `action` took (seconds) and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def revised(result: ImportResult) -> ImportResult:
    """Return the same file with every row one second newer (ACLED's next revision)."""
    incidents = result.incidents.assign(timestamp=result.incidents["timestamp"] + 1)
    return ImportResult(source_name="revised.csv", format=result.format,
                        container=result.container, rows_read=result.rows_read,
                        incidents=incidents, rejected=result.rejected, unknown_actors={})


def run_store(label: str, store: Store, result: ImportResult, read_seconds: float) -> None:
    """Import, import again, import a revision and load back; print each time."""
    first, summary = timed(lambda: store.add_import(result, "bench"))
    again, unchanged = timed(lambda: store.add_import(result, "bench"))
    update, updated = timed(lambda: store.add_import(revised(result), "bench"))
    load, frame = timed(store.load)
    print(f"{label}: first import {first:.2f} s ({summary.added:,} added; with the read "
          f"{read_seconds + first:.2f} s) · same file again {again:.2f} s "
          f"({unchanged.unchanged:,} unchanged) · every row revised {update:.2f} s "
          f"({updated.updated:,} updated) · load {load:.2f} s ({len(frame):,} rows)")


def main() -> None:
    """Generate the file, start a cluster, import into both stores and print the timings."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "acled.csv"
        write_acled_csv(path, args.rows, 0.0, args.seed)
        read_seconds, result = timed(lambda: read_incidents(path))
        print(f"read {args.rows:,}-row ACLED CSV: {read_seconds:.2f} s ({result.kept:,} kept)")
        run_store("embedded", IncidentStore(Path(folder) / "store"), result, read_seconds)
        with throwaway_cluster() as cluster:
            with psycopg.connect(cluster.url(), autocommit=True) as connection:
                connection.execute("CREATE DATABASE bench")
            url = cluster.url("bench")
            migrate.upgrade(url)
            run_store("postgresql", PostgresStore(url, reports_dir=Path(folder) / "rejects"),
                      result, read_seconds)
            with psycopg.connect(url) as connection:
                (history,) = connection.execute("SELECT count(*) FROM incident_history").fetchone()
            print(f"postgresql: {history:,} history rows")


if __name__ == "__main__":
    main()
