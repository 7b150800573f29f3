"""Time the first read of a whole store by PostgreSQL against the embedded one, same run.

    python bench/bench_pg_read.py [--sizes 100000 1000000] [--repeat 3] [--stages]

For each size, seeded synthetic incidents (bench_pg_dashboard's: sahel.synthetic's 100,000,
then copies with new ids and points moved by up to ~1 km) are written once into an embedded
store (`add`) and, by one COPY, into a throwaway PostgreSQL cluster (sahel.store.local_cluster,
migrated). Then, with medians of --repeat runs (fastest–slowest):

- `load_marked`: the first read of the whole store (`Store.load_marked()`, what a dashboard
  replica, `python -m sahel export` and the others pay), both stores;
- with --stages, where PostgreSQL's time goes: the database's own COPY of the rows (server
  only, written to /dev/null by the server), the same rows received by this process and thrown
  away (text CSV and binary), and the reader's steps (rows received, parsed into columns, the
  canonical frame made).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
from psycopg import sql

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The same incidents as that bench, and its timing helpers (bench/ is the script's folder).
from bench_pg_dashboard import cell, incidents, stats, timed  # noqa: E402

from sahel.schema import COLUMN_NAMES  # noqa: E402
from sahel.store import IncidentStore, migrate, pg_read  # noqa: E402
from sahel.store import postgres as pg  # noqa: E402
from sahel.store.incoming import prepare  # noqa: E402
from sahel.store.local_cluster import throwaway_cluster  # noqa: E402


def repeated(action: Callable[[], Any], repeat: int) -> dict[str, float]:
    """Return the median, fastest and slowest seconds of `repeat` runs of `action`."""
    return stats([timed(action)[0] for _ in range(repeat)])


def fill_postgres(url: str, frame: pd.DataFrame) -> None:
    """Write `frame` into the store's incidents table by one COPY (no history: a benchmark)."""
    rows = pd.DataFrame(prepare(frame).drop(columns="geometry"))
    with psycopg.connect(url) as connection:
        pg._copy_in(connection, "incidents", rows)
        connection.execute("UPDATE store_state SET version = version + 1")
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE incidents")


def received(url: str, query: sql.Composable, options: str) -> int:
    """COPY a query's rows to this process and throw them away; return the bytes received."""
    size = 0
    statement = sql.SQL("COPY ({}) TO STDOUT WITH ({})").format(query, sql.SQL(options))
    with psycopg.connect(url) as connection, connection.cursor().copy(statement) as copy:
        for chunk in copy:
            size += len(chunk)
    return size


def server_only(url: str, query: sql.Composable) -> None:
    """COPY a query's rows to /dev/null on the server: the database's own work alone."""
    with psycopg.connect(url) as connection:
        connection.execute(sql.SQL("COPY ({}) TO '/dev/null' WITH (FORMAT csv)").format(query))


def stages(url: str, repeat: int) -> dict[str, dict[str, float]]:
    """Time the database's COPY and the reader's steps on their own (see the docstring)."""
    query = sql.SQL("SELECT {} FROM incidents ORDER BY written").format(pg._names(COLUMN_NAMES))
    out = {"server COPY to /dev/null (csv)": repeated(lambda: server_only(url, query), repeat),
           "COPY received, thrown away (csv)": repeated(
               lambda: received(url, query, "FORMAT csv"), repeat),
           "COPY received, thrown away (binary)": repeated(
               lambda: received(url, query, "FORMAT binary"), repeat)}
    out["reader, one connection: rows received and parsed into columns"] = repeated(
        lambda: read_one_piece(url), repeat)
    table = read_one_piece(url)
    out["reader: the canonical frame made of them (write order, dtypes, geometry)"] = repeated(
        lambda: pg_read.incidents_frame([table]), repeat)
    return out


def read_one_piece(url: str) -> Any:
    """Return the incidents table as the reader parses it, read in one piece (Arrow)."""
    with psycopg.connect(url) as connection:
        pg_read._set_read_settings(connection)
        return pg_read._read_part(connection, sql.SQL("true"), threads=True)


def main() -> None:
    """Fill both stores for each size, time their first reads, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--stages", action="store_true", help="time PostgreSQL's steps too")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rows: list[tuple[int, dict[str, dict[str, float]]]] = []
    with tempfile.TemporaryDirectory() as folder, throwaway_cluster() as cluster:
        for n in args.sizes:
            made, frame = timed(lambda n=n: incidents(n, args.seed))
            store_dir = Path(folder) / f"store_{n}"
            embedded_write, _ = timed(lambda d=store_dir, f=frame: IncidentStore(d).add(f))
            database = f"read_{n}"
            with psycopg.connect(cluster.url(), autocommit=True) as connection:
                connection.execute(f"CREATE DATABASE {database}")
            url = cluster.url(database)
            migrate.upgrade(url)
            copied, _ = timed(lambda u=url, f=frame: fill_postgres(u, f))
            print(f"{n:,} incidents: made {made:.1f} s, embedded add {embedded_write:.1f} s, "
                  f"PostgreSQL COPY {copied:.1f} s", flush=True)
            del frame
            embedded = IncidentStore(store_dir)
            postgres = pg.PostgresStore(url, user="bench", reports_dir=Path(folder) / "rejects")
            for store in (embedded, postgres):  # the same rows, read whole
                assert len(store.load_marked()[0]) == n, "rows missing"
            figures = {"embedded load_marked": repeated(embedded.load_marked, args.repeat),
                       "postgresql load_marked": repeated(postgres.load_marked, args.repeat)}
            if args.stages:
                figures.update(stages(url, args.repeat))
            rows.append((n, figures))
            for name, stat in figures.items():
                print(f"  {n:,} {name}: {cell(stat)}", flush=True)
    print(f"\nFirst read of the whole store, medians of {args.repeat} runs (fastest–slowest)")
    for n, figures in rows:
        ratio = (figures["postgresql load_marked"]["median"]
                 / figures["embedded load_marked"]["median"])
        print(f"| {n:,} | {cell(figures['embedded load_marked'])} | "
              f"{cell(figures['postgresql load_marked'])} | {ratio:.2f} × |")


if __name__ == "__main__":
    main()
