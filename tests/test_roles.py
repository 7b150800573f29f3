"""People's roles in the store (sahel.store.roles) and `python -m sahel users`, on both stores."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sahel.__main__ import main
from sahel.store import IncidentStore, Store, StoreError
from sahel.store.roles import USERS_FILE, RoleError, Roles, roles_for

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fresh_store(new_store: Callable[[], Store]) -> Iterator[Callable[[], Store]]:
    """Yield the store factory of conftest's `new_store` with nobody listed yet."""
    store = new_store()
    if not isinstance(store, IncidentStore):
        import psycopg

        with psycopg.connect(store.url) as connection:  # type: ignore[attr-defined]
            connection.execute("TRUNCATE sahel_users")
    yield new_store


@pytest.fixture
def roles(fresh_store: Callable[[], Store]) -> Callable[[], Roles]:
    return lambda: roles_for(fresh_store())


def test_nobody_is_listed_at_first(roles: Callable[[], Roles]) -> None:
    assert roles().grants() == []
    assert roles().role_of("amina") is None


def test_a_role_set_is_read_back_by_another_process(roles: Callable[[], Roles]) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    assert roles().grant("amina", "editor", "jean") is None
    assert roles().grant(" moussa ", "viewer", "jean") is None
    assert roles().role_of("amina") == "editor"
    assert roles().role_of("moussa") == "viewer"
    grants = roles().grants()
    assert [(g.name, g.role, g.granted_by) for g in grants] == [
        ("amina", "editor", "jean"), ("moussa", "viewer", "jean")]
    assert all(before < g.granted_at <= datetime.now(UTC) + timedelta(seconds=5)
               for g in grants)


def test_setting_again_replaces_and_says_what_was(roles: Callable[[], Roles]) -> None:
    roles().grant("amina", "viewer", "jean")
    assert roles().grant("amina", "admin", "fatou") == "viewer"
    [grant] = roles().grants()
    assert (grant.role, grant.granted_by) == ("admin", "fatou")


def test_names_are_exact(roles: Callable[[], Roles]) -> None:
    roles().grant("Amina", "editor", "jean")
    assert roles().role_of("amina") is None
    assert roles().role_of("Amina") == "editor"


def test_remove_says_what_was_removed(roles: Callable[[], Roles]) -> None:
    roles().grant("amina", "editor", "jean")
    assert roles().revoke("amina") == "editor"
    assert roles().revoke("amina") is None
    assert roles().grants() == []


@pytest.mark.parametrize(("name", "role", "message"), [
    ("", "editor", "'' is no user name"),
    ("  ", "editor", "is no user name"),
    ("bad\nname", "editor", "is no user name"),
    ("amina", "owner", "unknown role 'owner': use one of viewer, editor, admin"),
])
def test_what_cannot_be_recorded(roles: Callable[[], Roles], name: str, role: str,
                                 message: str) -> None:
    with pytest.raises(RoleError, match=message):
        roles().grant(name, role, "jean")
    assert roles().grants() == []


# Each writer is a process of its own, started afresh: not multiprocessing's spawn, which runs
# the parent's __main__ again (after an AppTest, one of its temporary scripts).
GRANT_MANY = """
import sys
from sahel.store import IncidentStore
from sahel.store.roles import roles_for
roles = roles_for(IncidentStore(sys.argv[1]))
for i in range(10):
    roles.grant(f"user-{sys.argv[2]}-{i}", "editor", f"worker-{sys.argv[2]}")
"""


def test_embedded_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    workers = [subprocess.Popen([sys.executable, "-c", GRANT_MANY, str(tmp_path), str(w)],
                                cwd=ROOT) for w in range(3)]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0]
    assert len(roles_for(IncidentStore(tmp_path)).grants()) == 30
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_embedded_users_file(tmp_path: Path) -> None:
    roles_for(IncidentStore(tmp_path)).grant("amina", "editor", "jean")
    document = json.loads((tmp_path / USERS_FILE).read_text(encoding="utf-8"))
    assert document["version"] == 1
    assert [(u["name"], u["role"], u["granted_by"]) for u in document["users"]] == [
        ("amina", "editor", "jean")]


def test_an_unreadable_users_file_is_one_sentence(tmp_path: Path) -> None:
    (tmp_path / USERS_FILE).write_text("{not json", encoding="utf-8")
    with pytest.raises(StoreError, match=r"users\.json cannot be read \(JSONDecodeError\): "):
        roles_for(IncidentStore(tmp_path)).role_of("amina")


def test_a_database_without_the_roles_table_says_to_upgrade(postgres_cluster: object) -> None:
    import psycopg

    from sahel.store import migrate
    from sahel.store.postgres import PostgresStore

    admin = postgres_cluster.url()  # type: ignore[attr-defined]
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS sahel_roles_0001")
        connection.execute("CREATE DATABASE sahel_roles_0001")
    url = postgres_cluster.url("sahel_roles_0001")  # type: ignore[attr-defined]
    migrate.upgrade(url, "0001")
    with pytest.raises(StoreError, match=r"no sahel_users table yet: run `python -m sahel db "
                                         r"upgrade`"):
        roles_for(PostgresStore(url)).role_of("amina")
    migrate.upgrade(url)
    assert migrate.current_revision(url) == migrate.head_revision()
    assert roles_for(PostgresStore(url)).role_of("amina") is None


# The command line.

def _users(store: Store, *words: str) -> int:
    where = (["--store", str(store.directory)] if isinstance(store, IncidentStore)
             else ["--url", store.url])  # type: ignore[attr-defined]
    return main(["users", *words, *where])


def test_users_command(fresh_store: Callable[[], Store], monkeypatch: pytest.MonkeyPatch,
                       capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SAHEL_USER", "jean")
    store = fresh_store()
    assert _users(store, "list") == 0
    assert capsys.readouterr().out.startswith("(nobody listed in ")
    assert _users(store, "set", "amina", "editor") == 0
    assert capsys.readouterr().out == "amina is now editor\n"
    assert _users(store, "set", "amina", "admin") == 0
    assert capsys.readouterr().out == "amina is now admin (was editor)\n"
    assert _users(store, "list") == 0
    out = capsys.readouterr().out
    assert out.startswith("amina · admin · given by jean on ") and out.endswith(" UTC\n")
    assert _users(store, "remove", "amina") == 0
    assert capsys.readouterr().out == ("amina removed (was admin); now $SAHEL_DEFAULT_ROLE "
                                       "applies to them\n")
    assert _users(store, "remove", "amina") == 2
    assert capsys.readouterr().err.startswith("users: amina is not listed in ")
    assert _users(store, "set", " ", "editor") == 2
    assert capsys.readouterr().err.startswith("users: ' ' is no user name")
    assert roles_for(fresh_store()).grants() == []


def test_users_command_options_before_the_action(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["users", "--store", str(tmp_path), "set", "amina", "viewer"]) == 0
    assert main(["users", "--store", str(tmp_path), "list"]) == 0
    assert "amina · viewer" in capsys.readouterr().out


def test_users_command_refuses_an_unknown_role(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["users", "set", "amina", "owner", "--store", str(tmp_path)])
    assert not (tmp_path / USERS_FILE).exists()
