"""`python -m sahel db upgrade|current` (the PostgreSQL store's schema), `history EVENT_ID` and
`users list|set NAME ROLE|remove NAME` (people's roles, see sahel.access)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import pandas as pd

from sahel.access import DEFAULT_ROLE_ENV, ROLES
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
USERS_DESCRIPTION = f"""\
People's roles, kept with the incidents (the embedded store's users.json, or the PostgreSQL
store's sahel_users table). Viewers read and download; editors also import files, add incidents
from reports and edit; admins also manage users and datasets.

  list               every person listed, with their role, who gave it and when
  set NAME ROLE      give NAME a role ({', '.join(ROLES)}); NAME is the name the reverse proxy
                     sets (SAHEL_AUTH=proxy) or the e-mail address of the sign-in (oidc)
  remove NAME        take NAME off the list: they get ${DEFAULT_ROLE_ENV} (viewer, or none)

Whoever may run this command on the store may change every role: the history names them
($SAHEL_USER, else the operating-system login) as the one who gave it.
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


def add_users_command(sub: Any) -> None:
    """Register `users list | set NAME ROLE | remove NAME` on the sub-command parsers."""
    parser = sub.add_parser("users", help="list, set or remove people's roles (viewer, editor, "
                                          "admin)", description=USERS_DESCRIPTION,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="users_action", required=True, metavar="ACTION")
    actions.add_parser("list", help="every person listed, with their role")
    given = actions.add_parser("set", help="give a person a role")
    given.add_argument("name", metavar="NAME")
    given.add_argument("role", metavar="ROLE", choices=ROLES, help=", ".join(ROLES))
    removed = actions.add_parser("remove", help="take a person off the list")
    removed.add_argument("name", metavar="NAME")
    # Before or after the action; an action's own parser must not reset what came before it.
    for each, default in ((parser, None), *((a, argparse.SUPPRESS)
                                            for a in actions.choices.values())):
        each.add_argument("--store", type=Path, default=default, metavar="DIR",
                          help="embedded store directory (default: $SAHEL_STORE_DIR or ./store)")
        each.add_argument("--url", default=default, metavar="URL",
                          help=f"PostgreSQL store (default: ${DATABASE_ENV})")
    parser.set_defaults(func=run_users)


def run_users(args: argparse.Namespace) -> int:
    """List, set or remove roles; 2 when the store cannot be read or the name is not listed."""
    from sahel.store.postgres import default_user
    from sahel.store.roles import RoleError, roles_for

    roles = roles_for(open_store(args.store, args.url))
    out = Output()
    try:
        if args.users_action == "list":
            grants = roles.grants()
            for grant in grants:
                out.line(f"{grant.name} · {grant.role} · given by {grant.granted_by} on "
                         f"{grant.granted_at:%Y-%m-%d %H:%M} UTC")
            if not grants:
                out.line(f"(nobody listed in {roles.location}: every signed-in person is "
                         f"${DEFAULT_ROLE_ENV}, viewer unless set to none)")
        elif args.users_action == "set":
            before = roles.grant(args.name, args.role, default_user())
            was = f" (was {before})" if before else ""
            out.line(f"{args.name.strip()} is now {args.role}{was}")
        else:
            before = roles.revoke(args.name)
            if before is None:
                warn(f"users: {args.name.strip()} is not listed in {roles.location}")
                return EXIT_FAILED
            out.line(f"{args.name.strip()} removed (was {before}); now "
                     f"${DEFAULT_ROLE_ENV} applies to them")
    except (StoreError, RoleError) as error:
        warn(f"users: {error}")
        return EXIT_FAILED
    return out.finish(EXIT_OK)


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
