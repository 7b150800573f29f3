"""People's roles, kept with the incidents: `users.json` in the embedded store's folder, or the
`sahel_users` table of the PostgreSQL store (migration 0002). `sahel.access` says what each role
may do; `python -m sahel users list|set|remove` changes them.

Only people whose role differs from SAHEL_DEFAULT_ROLE need to be listed: a named person the
store does not list gets that role (viewer by default).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sahel.access import ROLES, clean_name
from sahel.store.interface import StoreError

if TYPE_CHECKING:
    import psycopg

    from sahel.store.interface import Store
    from sahel.store.postgres import PostgresStore

USERS_FILE = "users.json"
USERS_TABLE = "sahel_users"
NOT_MIGRATED = ("the database {where} has no {table} table yet: run `python -m sahel db "
                "upgrade` with SAHEL_DATABASE_URL set")


class RoleError(ValueError):
    """A name or role that cannot be recorded; one sentence."""


@dataclass(frozen=True)
class Grant:
    """One person's recorded role: who gave it and when (UTC)."""

    name: str
    role: str
    granted_by: str
    granted_at: datetime


class Roles(Protocol):
    """Where people's roles are kept."""

    @property
    def location(self) -> str:
        """Return where the roles are kept, for people."""
        ...

    def role_of(self, name: str) -> str | None:
        """Return the role recorded for `name`, None when it is not listed."""
        ...

    def grants(self) -> list[Grant]:
        """Return every recorded role, by name."""
        ...

    def grant(self, name: str, role: str, granted_by: str) -> str | None:
        """Record `role` for `name`; return the role recorded before (None: not listed)."""
        ...

    def revoke(self, name: str) -> str | None:
        """Remove `name`'s recorded role; return it (None: nothing was recorded)."""
        ...


def roles_for(store: Store) -> Roles:
    """Return the roles kept with `store` (its folder's users.json, or its database's table)."""
    from sahel.store.embedded import IncidentStore

    if isinstance(store, IncidentStore):
        return EmbeddedRoles(store)
    return PostgresRoles(store)  # type: ignore[arg-type]


def checked(name: str, role: str) -> tuple[str, str]:
    """Return (name, role) cleaned; raise RoleError for an empty name or an unknown role."""
    cleaned = clean_name(name)
    if cleaned is None:
        raise RoleError(f"{name!r} is no user name: give the name the proxy sets or the "
                        "e-mail address the sign-in provider gives")
    if role not in ROLES:
        raise RoleError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return cleaned, role


class EmbeddedRoles:
    """Roles in `users.json` beside the embedded store's files, replaced atomically under the
    store's lock (two commands at once never lose a change)."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.path = Path(store.directory) / USERS_FILE

    @property
    def location(self) -> str:
        """Return the users file's path."""
        return str(self.path)

    def role_of(self, name: str) -> str | None:
        """Return the role recorded for `name`, None when it is not listed."""
        found = self._read().get(name.strip())
        return found.role if found else None

    def grants(self) -> list[Grant]:
        """Return every recorded role, by name."""
        return sorted(self._read().values(), key=lambda g: g.name)

    def grant(self, name: str, role: str, granted_by: str) -> str | None:
        """Record `role` for `name`; return the role recorded before."""
        name, role = checked(name, role)
        with self._changing() as users:
            before = users.get(name)
            users[name] = Grant(name, role, granted_by, datetime.now(UTC))
        return before.role if before else None

    def revoke(self, name: str) -> str | None:
        """Remove `name`'s recorded role; return it."""
        with self._changing() as users:
            before = users.pop(name.strip(), None)
        return before.role if before else None

    @contextlib.contextmanager
    def _changing(self) -> Iterator[dict[str, Grant]]:
        with self.store._locked():  # the store's own lock: one writer at a time
            users = self._read()
            yield users
            document = {"version": 1, "users": [
                {**asdict(g), "granted_at": g.granted_at.isoformat()}
                for g in sorted(users.values(), key=lambda g: g.name)]}
            data = (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
            self.store._replace(self.path, lambda stream: stream.write(data))

    def _read(self) -> dict[str, Grant]:
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            return {entry["name"]: Grant(entry["name"], entry["role"], entry["granted_by"],
                                         datetime.fromisoformat(entry["granted_at"]))
                    for entry in document["users"]}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise StoreError(f"{self.path} cannot be read ({type(error).__name__}): fix it or "
                             "move it aside and set the roles again") from None


class PostgresRoles:
    """Roles in the PostgreSQL store's `sahel_users` table."""

    def __init__(self, store: PostgresStore) -> None:
        self.store = store

    @property
    def location(self) -> str:
        """Return the database (never its password) and the table."""
        return f"{self.store.location} ({USERS_TABLE})"

    def role_of(self, name: str) -> str | None:
        """Return the role recorded for `name`, None when it is not listed."""
        with self._session() as connection:
            found = connection.execute(f"SELECT role FROM {USERS_TABLE} WHERE name = %s",
                                       (name.strip(),)).fetchone()
        return None if found is None else str(found[0])

    def grants(self) -> list[Grant]:
        """Return every recorded role, by name."""
        with self._session() as connection:
            rows = connection.execute(f"SELECT name, role, granted_by, granted_at FROM "
                                      f"{USERS_TABLE} ORDER BY name").fetchall()
        return [Grant(name, role, by, at.astimezone(UTC)) for name, role, by, at in rows]

    def grant(self, name: str, role: str, granted_by: str) -> str | None:
        """Record `role` for `name`; return the role recorded before."""
        name, role = checked(name, role)
        with self._session() as connection:
            before = connection.execute(f"SELECT role FROM {USERS_TABLE} WHERE name = %s "
                                        "FOR UPDATE", (name,)).fetchone()
            connection.execute(
                f"INSERT INTO {USERS_TABLE} (name, role, granted_by) VALUES (%s, %s, %s) "
                "ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, "
                "granted_by = EXCLUDED.granted_by, granted_at = now()", (name, role, granted_by))
        return None if before is None else str(before[0])

    def revoke(self, name: str) -> str | None:
        """Remove `name`'s recorded role; return it."""
        with self._session() as connection:
            gone = connection.execute(f"DELETE FROM {USERS_TABLE} WHERE name = %s RETURNING role",
                                      (name.strip(),)).fetchone()
        return None if gone is None else str(gone[0])

    @contextlib.contextmanager
    def _session(self) -> Iterator[psycopg.Connection[Any]]:
        import psycopg

        try:
            # The store's connection: its URL, time-out and one-sentence errors.
            with self.store._session() as connection:
                yield connection
        except psycopg.errors.UndefinedTable:
            raise StoreError(NOT_MIGRATED.format(where=self.store.location,
                                                 table=USERS_TABLE)) from None
