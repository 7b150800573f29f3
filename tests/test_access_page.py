"""Who may do what, on the page (dashboard_access, through AppTest): viewers get no uploader and
no report form, anonymous people only a sign-in message, and a write that reaches the server
from someone whose role does not allow it (a forged state, a page older than a change of role)
is refused with nothing written.

AppTest sends no request headers, so the request is handed in by replacing
`dashboard_access.request_facts`, the one function that reads it.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from streamlit.testing.v1 import AppTest

from dashboard_access import ROLES_KEY, RequestFacts
from sahel.datasets import list_datasets
from sahel.export import to_csv_bytes
from sahel.store import IncidentStore
from sahel.store.roles import roles_for
from sahel.synthetic import synthetic_incidents

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = str(ROOT / "dashboard.py")
REPORT_PAGE = str(ROOT / "pages" / "1_Add_from_report.py")
REPORT = ("PUBLISHED: 2023-11-25\n---\nAu Mali, des hommes armés ont attaqué vendredi le camp "
          "militaire de Goundam, tuant trois soldats.\n")
VIEWER_SAYS = ("You may read the incidents and download them, but not add incidents from "
               "reports: ask an administrator for the role editor.")


class Request:
    """The request the page sees: who the proxy names, and from which address."""

    def __init__(self) -> None:
        self.facts = RequestFacts()

    def from_proxy(self, name: str | None, peer: str = "127.0.0.1") -> None:
        headers = (("X-Sahel-User", name),) if name is not None else ()
        self.facts = RequestFacts(headers=headers, peer=peer)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Return a store folder where amina is an editor and moussa a viewer (proxy sign-in)."""
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    monkeypatch.setenv("SAHEL_AUTH", "proxy")
    roles = roles_for(IncidentStore(tmp_path))
    roles.grant("amina", "editor", "jean")
    roles.grant("moussa", "viewer", "jean")
    return tmp_path


@pytest.fixture
def request_(store: Path) -> Iterator[Request]:
    request = Request()
    with mock.patch("dashboard_access.request_facts", side_effect=lambda config: request.facts):
        yield request


@pytest.fixture
def no_maps() -> Iterator[list[Any]]:
    """Count the maps pages hand to st_folium (AppTest runs no JavaScript)."""
    drawn: list[Any] = []
    with mock.patch("streamlit_folium.st_folium", lambda fmap, **kwargs: drawn.append(fmap)):
        yield drawn


def open_dashboard() -> AppTest:
    return AppTest.from_file(DASHBOARD, default_timeout=60).run().run()


def page_links(at: AppTest) -> list[str]:
    return [link.proto.label for link in at.get("page_link")]


def sidebar_captions(at: AppTest) -> list[str]:
    return [c.value for c in at.sidebar.caption]


def stored(store: Path) -> int:
    return len(IncidentStore(store).load())


class ForgedUpload(io.BytesIO):
    """An uploaded file as the uploader's value holds it."""

    def __init__(self, name: str, data: bytes) -> None:
        super().__init__(data)
        self.name = name
        self.file_id = f"forged-{name}"
        self.type = "text/csv"
        self.size = len(data)


def test_without_sign_in_nothing_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    # Even a name sent in the header means nothing: there is no sign-in.
    with mock.patch("dashboard_access.request_facts",
                    return_value=RequestFacts((("X-Sahel-User", "moussa"),), "127.0.0.1")):
        at = open_dashboard()
        assert not at.exception
        assert at.file_uploader(key="upload") is not None
        assert page_links(at) == ["Incident map", "Add from report", "Datasets and people"]
        assert not any(c.startswith("Signed in") for c in sidebar_captions(at))
        upload = to_csv_bytes(synthetic_incidents(5, seed=1))
        at.file_uploader(key="upload").set_value(("mine.csv", upload, "text/csv")).run()
        assert "5 kept" in at.sidebar.success[0].value
    assert stored(tmp_path) == 5


def test_an_editor_gets_the_uploader_and_the_report_link(request_: Request) -> None:
    request_.from_proxy("amina")
    at = open_dashboard()
    assert not at.exception
    assert at.file_uploader(key="upload") is not None
    assert page_links(at) == ["Incident map", "Add from report"]
    assert "Signed in as amina (editor)" in sidebar_captions(at)


def test_a_viewer_gets_neither(request_: Request) -> None:
    request_.from_proxy("moussa")
    at = open_dashboard()
    assert not at.exception
    assert not at.get("file_uploader")
    assert page_links(at) == ["Incident map"]
    assert "Signed in as moussa (viewer)" in sidebar_captions(at)
    assert at.metric  # they read the map and its figures


def test_the_signed_in_line_speaks_french(request_: Request) -> None:
    request_.from_proxy("moussa")
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    at.session_state["lang"] = "fr"
    at.run().run()
    assert "Connecté en tant que moussa (lecteur)" in sidebar_captions(at)


@pytest.mark.parametrize(("name", "peer"), [
    (None, "127.0.0.1"),  # the proxy named nobody
    ("jean", "203.0.113.7"),  # the header forged by someone who is not the proxy
])
def test_anonymous_people_see_only_the_sign_in_message(
        request_: Request, no_maps: list[Any], name: str | None, peer: str) -> None:
    request_.from_proxy(name, peer)
    at = open_dashboard()
    assert not at.exception
    assert [i.value for i in at.info] == [
        "Open this tool through your organisation's address for it: this server could not "
        "tell who you are."]
    assert not no_maps and not at.metric and not at.sidebar.children
    assert not at.get("file_uploader")


def test_someone_not_listed_is_a_viewer_or_nobody(request_: Request, no_maps: list[Any],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    request_.from_proxy("awa")
    at = open_dashboard()
    assert "Signed in as awa (viewer)" in sidebar_captions(at)
    monkeypatch.setenv("SAHEL_DEFAULT_ROLE", "none")
    drawn = len(no_maps)
    at = open_dashboard()
    assert [w.value for w in at.warning] == [
        "You are signed in as awa, who has no access to this tool: ask an administrator for a "
        "role."]
    assert len(no_maps) == drawn and not at.metric


def test_oidc_offers_a_sign_in_button(store: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAHEL_AUTH", "oidc")
    with mock.patch("dashboard_access.request_facts", return_value=RequestFacts()):
        at = open_dashboard()
    assert [i.value for i in at.info] == ["Sign in to see the incidents."]
    assert at.button(key="sign_in").label == "Sign in"
    # The real request_facts from here: AppTest signs nobody in; no [auth] in the secrets.
    at.button(key="sign_in").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Sign-in is not set up on this server yet; the administrator will find why in its log."]
    with mock.patch("dashboard_access.request_facts",
                    return_value=RequestFacts(signed_in_email="amina")):
        at = open_dashboard()
    assert "Signed in as amina (editor)" in sidebar_captions(at)
    assert at.button(key="sign_out").label == "Sign out"


def test_a_forged_upload_from_a_viewer_is_refused(request_: Request, store: Path) -> None:
    request_.from_proxy("moussa")
    at = AppTest.from_file(DASHBOARD, default_timeout=60)
    # The uploader's value, as a client that forged it would have the server hold it.
    at.session_state["upload"] = ForgedUpload(
        "forged.csv", to_csv_bytes(synthetic_incidents(5, seed=2)))
    at.run().run()
    assert not at.exception
    assert [e.value for e in at.sidebar.error] == [
        "moussa may not import files: the role viewer does not allow it."]
    assert not at.get("file_uploader")
    assert not (store / "incidents.parquet").exists()


def test_an_upload_records_the_signed_in_editor_as_its_importer(request_: Request,
                                                                store: Path) -> None:
    # The embedded store names who imported each file: the signed-in editor, not the server's
    # login; `datasets` and the Datasets and people page say it.
    request_.from_proxy("amina")
    at = open_dashboard()
    upload = to_csv_bytes(synthetic_incidents(5, seed=4))
    at.file_uploader(key="upload").set_value(("mine.csv", upload, "text/csv")).run()
    assert not at.exception and stored(store) == 5
    (mine,) = [d for d in list_datasets(IncidentStore(store)) if d.name == "mine.csv"]
    assert mine.imported_by == "amina"


def test_an_upload_after_the_role_was_taken_away_is_refused(request_: Request,
                                                            store: Path) -> None:
    request_.from_proxy("amina")
    at = open_dashboard()
    assert at.file_uploader(key="upload") is not None
    roles_for(IncidentStore(store)).grant("amina", "viewer", "jean")  # from another process
    upload = to_csv_bytes(synthetic_incidents(5, seed=3))
    at.file_uploader(key="upload").set_value(("late.csv", upload, "text/csv")).run()
    assert not at.exception
    assert [e.value for e in at.sidebar.error] == [
        "amina may not import files: the role viewer does not allow it."]
    assert not (store / "incidents.parquet").exists()
    # The refusal read the role anew: the page no longer offers the uploader.
    assert not at.get("file_uploader") and page_links(at) == ["Incident map"]


def test_the_report_page_tells_a_viewer_and_draws_no_form(request_: Request) -> None:
    request_.from_proxy("moussa")
    at = AppTest.from_file(REPORT_PAGE, default_timeout=60).run()
    assert not at.exception
    assert [i.value for i in at.info] == [VIEWER_SAYS]
    assert not at.text_area and not at.button and not at.get("file_uploader")


def test_the_report_page_asks_anonymous_people_to_sign_in(request_: Request) -> None:
    request_.from_proxy(None)
    at = AppTest.from_file(REPORT_PAGE, default_timeout=60).run()
    assert not at.exception
    assert not at.text_area and not at.title[0].value.startswith("Add")


def _extracted(store: Path) -> AppTest:
    at = AppTest.from_file(REPORT_PAGE, default_timeout=60).run()
    at.text_area(key="report_text").set_value(REPORT)
    at.date_input(key="report_published").set_value(date(2023, 11, 25))
    at.button(key="extract").click().run()
    assert not at.exception
    assert at.button(key="add_to_store") is not None
    return at


def test_a_report_added_by_an_editor_is_stored(request_: Request, store: Path,
                                               no_maps: list[Any]) -> None:
    request_.from_proxy("amina")
    at = _extracted(store)
    at.button(key="add_to_store").click().run()
    assert not at.exception and not at.error
    assert stored(store) == 1


def test_a_report_added_after_the_role_was_taken_away_is_refused(
        request_: Request, store: Path, no_maps: list[Any]) -> None:
    request_.from_proxy("amina")
    at = _extracted(store)
    roles_for(IncidentStore(store)).grant("amina", "viewer", "jean")
    at.button(key="add_to_store").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "amina may not add incidents from reports: the role viewer does not allow it."]
    assert stored(store) == 0


def test_a_viewer_whose_session_claims_editor_is_refused(
        request_: Request, store: Path, no_maps: list[Any]) -> None:
    request_.from_proxy("moussa")
    at = AppTest.from_file(REPORT_PAGE, default_timeout=60)
    # The session's memory of the role forged: the page offers the form, the store says viewer.
    at.session_state[ROLES_KEY] = {"moussa": "editor"}
    at.run()
    at.text_area(key="report_text").set_value(REPORT)
    at.date_input(key="report_published").set_value(date(2023, 11, 25))
    at.button(key="extract").click().run()
    at.button(key="add_to_store").click().run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "moussa may not add incidents from reports: the role viewer does not allow it."]
    assert stored(store) == 0


def test_the_history_names_the_signed_in_writer(request_: Request, postgres_url: str,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    import psycopg

    from sahel.store.postgres import PostgresStore

    monkeypatch.setenv("SAHEL_DATABASE_URL", postgres_url)
    monkeypatch.setenv("SAHEL_USER", "the-server")
    with psycopg.connect(postgres_url) as connection:
        connection.execute("TRUNCATE sahel_users")
    roles_for(PostgresStore(postgres_url)).grant("amina", "editor", "jean")
    request_.from_proxy("amina")
    at = open_dashboard()
    frame = synthetic_incidents(3, seed=4)
    at.file_uploader(key="upload").set_value(("team.csv", to_csv_bytes(frame), "text/csv")).run()
    assert not at.exception and "3 kept" in at.sidebar.success[0].value
    history = PostgresStore(postgres_url).history(str(frame["event_id"].iloc[0]))
    assert list(history["changed_by"]) == ["amina"]
