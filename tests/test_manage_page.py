"""The "Datasets and people" page (pages/2_Manage.py, dashboard_manage.py) through AppTest, on
both stores: an import removed after a step that names it (its rows gone, the removal recorded,
its links dropped, the CLI's `datasets` agreeing), the shipped data kept; roles given and taken
back, an admin's own admin role kept; bad input one sentence; and writes refused, nothing
written, for editors and viewers whose page or session state claims more than the store says.

AppTest sends no request headers: the proxy's name is handed in by replacing
`dashboard_access.request_facts` (as tests/test_access_page.py does).
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from dashboard_access import ROLES_KEY, RequestFacts
from dashboard_manage import CONFIRM_KEY, added_text
from sahel import link_upkeep
from sahel.__main__ import main as cli
from sahel.datasets import Dataset
from sahel.export import to_csv_bytes
from sahel.i18n import use_language
from sahel.sources import read_incidents
from sahel.store import DATABASE_ENV, Store, open_store
from sahel.store.roles import roles_for
from sahel.synthetic import synthetic_incidents

ROOT = Path(__file__).resolve().parents[1]
PAGE = str(ROOT / "pages" / "2_Manage.py")
DASHBOARD = str(ROOT / "dashboard.py")
OWN_GRANT = ("You cannot remove or lower your own admin role: another admin must, so that the "
             "team always keeps someone who can give roles.")
BAD_NAME = ("A name is 1 to 200 printable characters, with no line breaks or other control "
            "characters.")


@pytest.fixture(params=["embedded", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path,
          monkeypatch: pytest.MonkeyPatch) -> Callable[[], Store]:
    """Return a factory of the configured store (the page opens it the same way): the embedded
    one in tmp_path, or the tests' PostgreSQL database, with no roles listed."""
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    monkeypatch.setenv("SAHEL_USER", "the-server")
    if request.param == "postgresql":
        import psycopg

        url = request.getfixturevalue("postgres_url")
        with psycopg.connect(url) as connection:
            connection.execute("TRUNCATE sahel_users")
        monkeypatch.setenv(DATABASE_ENV, url)
    return open_store


def import_file(store: Store, name: str, count: int, seed: int, source: str = "") -> list[str]:
    """Import `count` invented incidents as the dataset `name`, linked as an upload is."""
    frame = synthetic_incidents(count, seed=seed)
    if source:
        frame = frame.assign(event_id=frame["event_id"] + "-b", dataset=source)
    summary = store.add_import(read_incidents(io.BytesIO(to_csv_bytes(frame)), name=name))
    link_upkeep.after_write(store, summary)
    return list(frame["event_id"])


def listed(capsys: pytest.CaptureFixture[str], store_dir: Path) -> str:
    """Return what `python -m sahel datasets` prints."""
    capsys.readouterr()
    assert cli(["datasets", "--store", str(store_dir)]) == 0
    return capsys.readouterr().out


def open_page(lang: str | None = None) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    if lang:
        at.session_state["lang"] = lang
    return at.run()


def click(at: AppTest, key: str) -> None:
    """Press the button `key` and wait for the run; its callback and the run raise nothing."""
    at.button(key=key).click().run()
    assert not at.exception, at.exception


def texts(elements: Any) -> list[str]:
    return [element.value for element in elements]


# --- datasets, one analyst (no sign-in) ----------------------------------------------------

def test_an_import_is_removed_after_a_step_that_names_it(
        store: Callable[[], Store], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = import_file(store(), "mine.csv", 7, seed=11)
    other = import_file(store(), "other.csv", 7, seed=11, source="ucdp_ged")  # the same events
    assert len(store().load_links()) == 7
    at = open_page()
    assert not at.exception and not at.text_input  # no roles without sign-in
    table = at.dataframe[0].value
    assert list(table.columns) == ["Dataset", "Source type", "Rows", "Added"]
    rows = table.set_index("Dataset")
    assert rows.loc["mine.csv", "Rows"] == "7" and rows.loc["mine.csv", "Added"].startswith(
        "imported ")
    assert rows.loc["demo: seed report", "Added"] == "shipped: demonstration data"
    assert at.selectbox(key="manage_dataset").options == ["mine.csv (7 rows)",
                                                          "other.csv (7 rows)"]
    at.selectbox(key="manage_dataset").set_value("mine.csv")
    click(at, "ask_remove")
    assert texts(at.warning) == [
        "Remove the dataset “mine\\.csv” and its 7 rows from the store? The removal is "
        "recorded, and only importing the file again brings the rows back."]
    assert len(store().load()) == 14  # nothing yet

    click(at, "confirm_remove")
    assert not at.exception and not at.error
    assert texts(at.success) == ["Removed the dataset “mine\\.csv”: 7 rows went."]
    assert sorted(store().load()["event_id"]) == sorted(other)
    assert "mine.csv" not in set(at.dataframe[0].value["Dataset"])
    assert len(store().load_links()) == 0  # linking brought up to date
    out = listed(capsys, tmp_path)
    assert "mine.csv" not in out and "other.csv · ucdp_ged · 7 rows · imported" in out
    recorded = store()
    if hasattr(recorded, "history"):
        history = recorded.history(mine[0])
        assert list(history["action"])[-1] == "removed"
        assert list(history["changed_from"])[-1] == "mine.csv"
        assert list(history["changed_by"])[-1] == "the-server"
    else:
        lines = (tmp_path / "removals.jsonl").read_text(encoding="utf-8").splitlines()
        assert sorted(json.loads(line)["event_id"] for line in lines) == sorted(mine)


def test_cancelling_removes_nothing(store: Callable[[], Store]) -> None:
    import_file(store(), "mine.csv", 3, seed=12)
    at = open_page()
    click(at, "ask_remove")
    click(at, "cancel_remove")
    assert not at.warning and not at.success and at.button(key="ask_remove")
    assert len(store().load()) == 3


def test_the_shipped_data_cannot_be_removed(store: Callable[[], Store]) -> None:
    at = open_page()
    assert not at.selectbox and "No imported dataset to remove." in texts(at.caption)
    # A confirmation naming shipped data (no widget offers it): the CLI's rule refuses it.
    at.session_state[CONFIRM_KEY] = ("demo: seed report", 2)
    at.run()
    click(at, "confirm_remove")
    assert texts(at.error) == [
        "“demo: seed report” is shipped demonstration data and cannot be removed: untick "
        "“Include demonstration data” in the map's sidebar to leave it out."]
    assert "demo: seed report" in set(at.dataframe[0].value["Dataset"])


def test_a_dataset_gone_meanwhile_is_one_sentence(store: Callable[[], Store]) -> None:
    import_file(store(), "mine.csv", 3, seed=13)
    at = open_page()
    click(at, "ask_remove")
    store().remove_dataset_rows("mine.csv")  # another admin, through the CLI
    click(at, "confirm_remove")
    assert texts(at.error) == ["No dataset is named “mine\\.csv” any more: the table shows "
                               "the store as it is now."]


# --- people (signed in through a proxy) ----------------------------------------------------

class Request:
    """The request the page sees: who the proxy names."""

    def __init__(self) -> None:
        self.facts = RequestFacts()

    def as_(self, name: str) -> None:
        self.facts = RequestFacts(headers=(("X-Sahel-User", name),), peer="127.0.0.1")


@pytest.fixture
def team(store: Callable[[], Store], monkeypatch: pytest.MonkeyPatch) -> Iterator[Request]:
    """Sign-in by proxy, with awa an admin, amina an editor, moussa a viewer."""
    monkeypatch.setenv("SAHEL_AUTH", "proxy")
    roles = roles_for(store())
    for name, role in (("awa", "admin"), ("amina", "editor"), ("moussa", "viewer")):
        roles.grant(name, role, "jean")
    request = Request()
    with mock.patch("dashboard_access.request_facts", side_effect=lambda config: request.facts):
        yield request


def role_of(store: Callable[[], Store], name: str) -> str | None:
    return roles_for(store()).role_of(name)


def test_an_admin_gives_and_takes_back_roles(team: Request, store: Callable[[], Store]) -> None:
    team.as_("awa")
    at = open_page()
    assert not at.exception
    grants = at.dataframe[1].value
    assert list(grants.columns) == ["Name", "Role", "Granted by", "When"]
    assert list(grants["Name"]) == ["amina", "awa", "moussa"]
    assert list(grants["Role"]) == ["editor", "admin", "viewer"]
    at.text_input(key="grant_name").set_value(" moussa ")
    at.selectbox(key="grant_role").set_value("editor")
    click(at, "set_role")
    assert texts(at.success) == ["moussa is now editor. Before: viewer."]
    assert role_of(store, "moussa") == "editor"
    assert at.text_input(key="grant_name").value == ""
    new = {g.name: g for g in roles_for(store()).grants()}["moussa"]
    assert new.granted_by == "awa"
    at.selectbox(key="revoke_name").set_value("amina")
    click(at, "revoke")
    assert texts(at.success) == ["amina is off the list and now gets the role viewer."]
    assert role_of(store, "amina") is None
    assert "amina" not in set(at.dataframe[1].value["Name"])


def test_an_admin_keeps_their_own_admin_role(team: Request, store: Callable[[], Store]) -> None:
    team.as_("awa")
    at = open_page()
    assert OWN_GRANT in texts(at.caption)
    at.text_input(key="grant_name").set_value("awa")
    at.selectbox(key="grant_role").set_value("viewer")
    click(at, "set_role")
    assert texts(at.error) == [OWN_GRANT]
    at.selectbox(key="revoke_name").set_value("awa")
    click(at, "revoke")
    assert texts(at.error) == [OWN_GRANT]
    assert role_of(store, "awa") == "admin"
    # Another admin may change it.
    roles_for(store()).grant("jean", "admin", "awa")
    team.as_("jean")
    other = open_page()
    other.text_input(key="grant_name").set_value("awa")
    other.selectbox(key="grant_role").set_value("editor")
    click(other, "set_role")
    assert texts(other.success) == ["awa is now editor. Before: admin."]


@pytest.mark.parametrize("name", ["bad\x07name", "two\nlines", "x" * 10_000, "   "],
                         ids=["control", "newline", "10000", "blank"])
def test_a_name_that_is_no_name_is_one_sentence(team: Request, store: Callable[[], Store],
                                                name: str) -> None:
    team.as_("awa")
    at = open_page()
    at.text_input(key="grant_name").set_value(name)
    click(at, "set_role")
    assert not at.exception and texts(at.error) == [BAD_NAME]
    assert [g.name for g in roles_for(store()).grants()] == ["amina", "awa", "moussa"]


def test_an_unknown_role_is_one_sentence(team: Request, store: Callable[[], Store]) -> None:
    team.as_("awa")
    # A role the store does not know, as a page of another version could offer it.
    with mock.patch("dashboard_manage.role_choices",
                    return_value={"viewer": "viewer", "owner": "owner"}):
        at = open_page()
        at.text_input(key="grant_name").set_value("moussa")
        at.selectbox(key="grant_role").set_value("owner")
        click(at, "set_role")
    assert not at.exception
    assert texts(at.error) == ["Choose one of the roles: viewer, editor, admin."]
    assert role_of(store, "moussa") == "viewer"


@pytest.mark.parametrize("who", ["amina", "moussa"])
def test_editors_and_viewers_are_told_they_may_not(team: Request, who: str) -> None:
    team.as_(who)
    at = open_page()
    assert not at.exception
    role = {"amina": "editor", "moussa": "viewer"}[who]
    assert texts(at.info) == [f"{who} may not manage datasets: the role {role} does not allow it."]
    assert not at.dataframe and not at.button and not at.text_input and not at.selectbox


def test_a_viewer_whose_session_claims_admin_writes_nothing(
        team: Request, store: Callable[[], Store]) -> None:
    import_file(store(), "mine.csv", 3, seed=14)
    team.as_("moussa")
    at = AppTest.from_file(PAGE, default_timeout=60)
    # The session's memory of the role forged: the page offers everything, the store says viewer.
    at.session_state[ROLES_KEY] = {"moussa": "admin"}
    at.run()
    at.text_input(key="grant_name").set_value("moussa")
    at.selectbox(key="grant_role").set_value("admin")
    click(at, "set_role")
    assert not at.exception
    assert texts(at.error) == ["moussa may not manage users: the role viewer does not allow it."]
    at.session_state[ROLES_KEY] = {"moussa": "admin"}
    at.run()
    click(at, "revoke")
    assert not at.exception
    assert texts(at.error) == ["moussa may not manage users: the role viewer does not allow it."]
    at.session_state[ROLES_KEY] = {"moussa": "admin"}
    at.run()
    click(at, "ask_remove")
    click(at, "confirm_remove")
    assert not at.exception and texts(at.error) == [
        "moussa may not manage datasets: the role viewer does not allow it."]
    assert len(store().load()) == 3
    assert {g.name: g.role for g in roles_for(store()).grants()} == {
        "amina": "editor", "awa": "admin", "moussa": "viewer"}
    # The refusals read the role anew: the page now offers nothing.
    assert not at.button and texts(at.info) == [
        "moussa may not manage datasets: the role viewer does not allow it."]


def test_an_admin_demoted_since_the_page_opened_writes_nothing(
        team: Request, store: Callable[[], Store]) -> None:
    import_file(store(), "mine.csv", 3, seed=15)
    team.as_("awa")
    at = open_page()
    click(at, "ask_remove")
    roles_for(store()).grant("awa", "editor", "jean")  # another admin, meanwhile
    click(at, "confirm_remove")
    assert not at.exception
    assert texts(at.error) == ["awa may not manage datasets: the role editor does not allow it."]
    assert len(store().load()) == 3


def test_the_page_speaks_french(team: Request) -> None:
    team.as_("awa")
    at = open_page(lang="fr")
    assert not at.exception
    assert texts(at.title) == ["Jeux de données et personnes"]
    assert texts(at.subheader) == ["Jeux de données", "Personnes"]
    assert list(at.dataframe[0].value.columns) == ["Jeu de données", "Type de source", "Lignes",
                                                   "Ajout"]
    assert list(at.dataframe[1].value.columns) == ["Nom", "Rôle", "Attribué par", "Quand"]
    assert list(at.dataframe[1].value["Rôle"]) == ["éditeur", "administrateur", "lecteur"]
    at.text_input(key="grant_name").set_value("awa")
    at.selectbox(key="grant_role").set_value("viewer")
    click(at, "set_role")
    assert texts(at.error) == [
        "Vous ne pouvez pas retirer ni abaisser votre propre rôle d’administrateur : un autre "
        "administrateur doit le faire, pour que l’équipe garde toujours quelqu’un qui puisse "
        "attribuer les rôles."]


@pytest.mark.parametrize(("who", "links"), [
    ("awa", ["Incident map", "Add from report", "Datasets and people"]),
    ("amina", ["Incident map", "Add from report"]),
])
def test_only_admins_get_the_link(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, who: str,
                                  links: list[str]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    monkeypatch.setenv("SAHEL_AUTH", "proxy")
    roles = roles_for(open_store())
    roles.grant("awa", "admin", "jean")
    roles.grant("amina", "editor", "jean")
    facts = RequestFacts((("X-Sahel-User", who),), "127.0.0.1")
    with mock.patch("dashboard_access.request_facts", return_value=facts), \
            mock.patch("streamlit_folium.st_folium", lambda fmap, **kwargs: None):
        at = AppTest.from_file(DASHBOARD, default_timeout=60).run().run()
    assert not at.exception
    assert [link.proto.label for link in at.get("page_link")] == links


@pytest.mark.parametrize(("lang", "by", "expected"), [
    ("en", "amina", "imported 3 Dec 2026 09:05 UTC by amina"),
    ("fr", "amina", "importé le 3 déc. 2026 à 09:05 UTC par amina"),
    ("en", None, "imported 3 Dec 2026 09:05 UTC")])
def test_the_added_column_names_who_imported_when_known(lang: str, by: str | None,
                                                        expected: str) -> None:
    from datetime import UTC, datetime
    dataset = Dataset(name="mine.csv", source_type="acled", rows=3,
                      imported_at=datetime(2026, 12, 3, 9, 5, tzinfo=UTC), file="mine.csv",
                      licence="", demo=False, imported_by=by)
    use_language(lang)  # tests/conftest.py puts English back
    assert added_text(dataset) == expected
