"""An incident's history on the page (dashboard_history): offered in the map's popups to
editors of the PostgreSQL store, shown in a dialog; viewers are neither offered it nor shown it
when they ask."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from dashboard_access import RequestFacts
from sahel.maps import asked_history, incident_layer, with_history_links
from sahel.synthetic import synthetic_incidents

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = str(ROOT / "dashboard.py")


def test_the_popups_offer_the_history_only_when_asked_and_draw_the_same_view() -> None:
    layer = incident_layer(synthetic_incidents(5, seed=3))
    offered = with_history_links(layer)
    (plain,) = layer._children.values()
    (linked,) = offered._children.values()
    assert "history" not in plain.view_settings and linked.view_settings["history"] is True
    assert linked.token == plain.token and linked.payload_literal == plain.payload_literal
    assert linked.view_settings["layers"] == plain.view_settings["layers"]


@pytest.mark.parametrize(("value", "expected"), [
    ({"painted": "drawn", "layers": ["points"], "seq": 2, "history": "ACL-1"}, "ACL-1"),
    ({"painted": "drawn", "layers": ["points"], "seq": 2}, None),
    ({"history": "  "}, None), ({"history": 3}, None), (None, None), ("ACL-1", None)])
def test_the_maps_value_names_the_incident_asked_for(value: Any, expected: str | None) -> None:
    assert asked_history(value) == expected


@pytest.fixture
def team_store(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A PostgreSQL store with one file imported by amina (editor); moussa is a viewer."""
    import psycopg

    from sahel.store.postgres import PostgresStore
    from sahel.store.roles import roles_for

    monkeypatch.setenv("SAHEL_DATABASE_URL", postgres_url)
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    monkeypatch.setenv("SAHEL_AUTH", "proxy")
    with psycopg.connect(postgres_url) as connection:
        connection.execute("TRUNCATE sahel_users")
    roles = roles_for(PostgresStore(postgres_url))
    roles.grant("amina", "editor", "jean")
    roles.grant("moussa", "viewer", "jean")
    frame = synthetic_incidents(3, seed=41)
    store = PostgresStore(postgres_url, user="amina")
    store.add(frame)
    changed = frame.iloc[[0]].copy()
    changed["notes"] = "revised"
    changed["timestamp"] = changed["timestamp"] + 10
    store.add(changed)
    return str(frame["event_id"].iloc[0])


@pytest.fixture
def signed_in() -> Iterator[list[str]]:
    who: list[str] = []

    def facts(config: object) -> RequestFacts:
        return RequestFacts(headers=(("X-Sahel-User", who[0]),), peer="127.0.0.1")

    with mock.patch("dashboard_access.request_facts", side_effect=facts):
        yield who


def history_table(at: AppTest) -> Any:
    """Return the dialog's table (the page has others: the incidents under the map)."""
    tables = [frame.value for frame in at.dataframe
              if {"What", "Quoi"} & set(frame.value.columns)]
    assert len(tables) == 1, [list(frame.value.columns) for frame in at.dataframe]
    return tables[0]


def open_as(who: list[str], name: str, asked: str | None = None) -> AppTest:
    who[:] = [name]
    at = AppTest.from_file(DASHBOARD, default_timeout=60).run().run()
    if asked is not None:
        at.session_state["history_of"] = asked  # what the popup's click sets
        at.run()
    return at


def test_an_editor_sees_each_write_of_the_incident(team_store: str,
                                                   signed_in: list[str]) -> None:
    at = open_as(signed_in, "amina", team_store)
    assert not at.exception, at.exception
    table = history_table(at)
    assert list(table["What"]) == ["updated", "added"]
    assert list(table["Who"]) == ["amina", "amina"]
    assert "notes: " in table["Changed"].iloc[0] and "→ revised" in table["Changed"].iloc[0]
    assert "history_of" not in at.session_state


def test_a_viewer_asking_for_it_sees_nothing(team_store: str, signed_in: list[str]) -> None:
    at = open_as(signed_in, "moussa", team_store)
    assert not at.exception, at.exception
    assert not any("Changed" in frame.value.columns for frame in at.dataframe)
    assert at.dataframe  # the page itself is there


def test_the_history_in_french(team_store: str, signed_in: list[str]) -> None:
    at = open_as(signed_in, "amina")
    at.radio(key="lang").set_value("fr").run()
    at.session_state["history_of"] = team_store
    at.run()
    table = history_table(at)
    assert list(table.columns) == ["Quand (UTC)", "Quoi", "Qui", "Depuis", "Modifications"]
    assert list(table["Quoi"]) == ["modifié", "ajouté"]


def test_the_embedded_store_offers_no_history(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard_history import offers_history

    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    assert not offers_history(str(tmp_path))
