"""`python -m sahel db upgrade|current` (the PostgreSQL store's schema) and `history EVENT_ID`."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from sahel.cli import EXIT_FAILED, EXIT_OK, Output, warn
from sahel.schema import COLUMN_NAMES
from sahel.store import DATABASE_ENV, database_url, open_store
from sahel.store.interface import StoreError

DB_DESCRIPTION = f"""\
The PostgreSQL store's schema is created and upgraded by migrations (Alembic), never by hand.

  upgrade   apply the pending migrations (run it after installing a new version; safe to run
            again, and by two machines at once)
  current   print the database's schema revision and the newest this version knows
  --sql     with upgrade: print the SQL instead of running it (for a database administrator)

The database is ${DATABASE_ENV} (a libpq URL, postgresql://user:password@host:5432/database)
or --url. PostGIS must be installed on the server (Debian: postgresql-15-postgis-3).
"""
# Columns shown when a write changed them; the rest of a revision is in `previous`.
SHOWN_VALUE_CHARS = 60


def add_db_command(sub: Any) -> None:
    """Register `db upgrade|current [--url URL] [--sql]` on the sub-command parsers."""
    parser = sub.add_parser("db", help="create or upgrade the PostgreSQL store's schema",
                            description=DB_DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["upgrade", "current"])
    parser.add_argument("--url", metavar="URL", help=f"database URL (default: ${DATABASE_ENV})")
    parser.add_argument("--sql", action="store_true",
                        help="print the SQL of the pending migrations instead of running them")
    parser.set_defaults(func=run_db)


def add_history_command(sub: Any) -> None:
    """Register `history EVENT_ID` on the sub-command parsers."""
    parser = sub.add_parser(
        "history", help="every recorded write of one incident (PostgreSQL store)",
        description="Print every write of one incident, oldest first: when, who, from which "
                    "file, report or deletions list, and which values it changed. The "
                    "PostgreSQL store records them; the embedded store keeps no history.")
    parser.add_argument("event_id", metavar="EVENT_ID")
    parser.set_defaults(func=run_history)


def run_db(args: argparse.Namespace) -> int:
    """Upgrade the database's schema, or print its revision; 2 when it cannot."""
    from sahel.store import migrate

    url = args.url or database_url()
    if not url:
        warn(f"db: name the database: set {DATABASE_ENV} or pass --url")
        return EXIT_FAILED
    out = Output()
    try:
        if args.action == "current":
            current = migrate.current_revision(url)
            out.line(f"schema revision {current or 'none (not migrated)'}; "
                     f"this version's newest: {migrate.head_revision()}")
        elif args.sql:
            out.line(migrate.upgrade_sql(url).rstrip())
        else:
            before = migrate.current_revision(url)
            migrate.upgrade(url)
            after = migrate.current_revision(url)
            out.line(f"schema at revision {after}" + ("" if before == after
                                                      else f" (was {before or 'empty'})"))
    except StoreError as error:
        warn(f"db: {error}")
        return EXIT_FAILED
    return out.finish(EXIT_OK)


def run_history(args: argparse.Namespace) -> int:
    """Print one incident's recorded writes; 2 when the store keeps none or has none."""
    from sahel.store.postgres import PostgresStore

    store = open_store()
    if not isinstance(store, PostgresStore):
        removals = getattr(store, "removals_log", "removals.jsonl")
        warn(f"history: the embedded store keeps no history (only removals, in {removals}); "
             f"the PostgreSQL store ({DATABASE_ENV}) records every write")
        return EXIT_FAILED
    try:
        history = store.history(args.event_id)
        current = store.load_row(args.event_id)
    except StoreError as error:
        warn(f"history: {error}")
        return EXIT_FAILED
    if history.empty:
        warn(f"history: no recorded write of {args.event_id.strip()} in {store.location}")
        return EXIT_FAILED
    out = Output()
    for line in history_lines(history, current):
        out.line(line)
    return out.finish(EXIT_OK)


def history_lines(history: pd.DataFrame, current: dict[str, Any] | None) -> list[str]:
    """Return one incident's history as lines: each write, then the values it changed."""
    # The row a write left is the `previous` of the next write, or the row stored now.
    after = [*history["previous"].iloc[1:], current]
    lines = []
    for entry, left in zip(history.itertuples(index=False), after, strict=True):
        when = pd.Timestamp(entry.changed_at).tz_convert("UTC").strftime("%Y-%m-%d %H:%M:%S")
        revision = "" if pd.isna(entry.revision) else f" · revision {int(entry.revision)}"
        lines.append(f"{when} UTC · {entry.action} by {entry.changed_by} · from "
                     f"{entry.changed_from}{revision}")
        if entry.action == "updated" and isinstance(entry.previous, dict) and left:
            for column, old, new in changed_values(entry.previous, left):
                lines.append(f"    {column}: {old} → {new}")
    return lines


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Return (column, old, new) for each column whose value differs (schema order), shortened."""
    return [(column, _shown(before.get(column)), _shown(after.get(column)))
            for column in COLUMN_NAMES[1:]
            if _comparable(before.get(column)) != _comparable(after.get(column))]


def _comparable(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _shown(value: Any) -> str:
    text = _comparable(value)
    if not text:
        return "(empty)"
    return text if len(text) <= SHOWN_VALUE_CHARS else text[: SHOWN_VALUE_CHARS - 1] + "…"
