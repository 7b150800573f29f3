"""`make team` end to end: PostgreSQL, two dashboard replicas and nginx, as scripts/team.py starts
them (in a folder of the test's own, on free ports), used through nginx with its passwords.

- an editor adds the seed report through replica A; a viewer whose page is open on replica B sees
  its incidents within 5 s, without reloading;
- a viewer has no uploader and no report link, and the report page lets them add nothing;
- the admin opens "Datasets and people" from the sidebar and makes the viewer an editor; the
  editor and the viewer get no link to it, and its address shows them a refusal;
- forged writes from a viewer change nothing in the database: a Streamlit client written in
  Python (as a forger would) uploads a file and reruns the page with the uploader's widget state,
  and fills and presses the report page's widgets, which the editor's page showed it;
- killing replica A leaves B serving through nginx (and `make team` again brings A back);
- restarting PostgreSQL (as after a crash) loses nothing, and the dashboards recover without a
  restart.

Browsers are Debian's chromium through Playwright (conftest.py); a page pins itself to replica 1
or 2 with the cookie `sahel_replica` (deploy/team-nginx.conf). Without nginx or PostgreSQL the
tests are skipped, unless SAHEL_REQUIRE_NGINX=1 or SAHEL_REQUIRE_POSTGRES=1 (`make test`).
"""

from __future__ import annotations

import base64
import http.client
import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import harness
import pytest

ROOT = Path(__file__).resolve().parents[2]
TEAM_SCRIPT = ROOT / "scripts" / "team.py"
REPLICA_A, REPLICA_B = 1, 2
# A write through one replica is on the other's open page within 5 s (issue #16): measured by
# bench/bench_team.py on a quiet machine. The test only bounds it far above that (a poll every
# 2 s, then a run and a map), so that a busy machine does not fail it.
SEEN_WITHIN_MS = 15_000
# After PostgreSQL restarts, an open page catches up within this.
RECOVERED_WITHIN_MS = 20_000
START_TIMEOUT_S = 400
RUN_TIMEOUT_S = 180

pytestmark = pytest.mark.e2e


def _load_team() -> Any:
    spec = importlib.util.spec_from_file_location("team", TEAM_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("team", module)
    spec.loader.exec_module(module)
    return module


team = _load_team()
processes = sys.modules["team_processes"]  # scripts/team_processes.py, which team.py imports


def _missing_service() -> str | None:
    from sahel.store.local_cluster import ClusterUnavailable, postgis_installed, postgres_bin

    try:
        processes.nginx_binary()
    except processes.TeamError as error:
        return str(error)
    try:
        if not postgis_installed(postgres_bin()):
            return "PostGIS is not installed (make database)"
    except ClusterUnavailable as error:
        return str(error)
    return None


@dataclass
class RunningTeam:
    """A team started by scripts/team.py: its settings, users and database."""

    setup: Any  # team.Team
    users: dict[str, str]
    database_url: str

    @property
    def url(self) -> str:
        return str(self.setup.url)

    def replica_port(self, replica: int) -> int:
        return int(self.setup.replica_ports[replica - 1])


def run_team(action: str, setup: Any) -> subprocess.CompletedProcess[str]:
    """Run scripts/team.py ACTION on the test's team, as `make team` does."""
    ports = ",".join(map(str, setup.replica_ports))
    return subprocess.run(
        [sys.executable, str(TEAM_SCRIPT), action, "--dir", str(setup.folder),
         *(["--port", str(setup.port), "--replica-ports", ports, "--pg-port", str(setup.pg_port)]
           if action == "start" else [])],
        capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)


@pytest.fixture(scope="module")
def running_team() -> Iterator[RunningTeam]:
    """Start a team in a new folder on free ports; stop it and delete the folder afterwards."""
    missing = _missing_service()
    if missing:
        if "1" in (os.environ.get("SAHEL_REQUIRE_NGINX"), os.environ.get(
                "SAHEL_REQUIRE_POSTGRES")):
            pytest.fail(f"the team's tests are required but {missing}")
        pytest.skip(missing)
    # In /tmp itself: PostgreSQL and nginx's workers run as their own users and must reach it.
    folder = Path(tempfile.mkdtemp(prefix="sahel-team-e2e-"))
    setup = team.Team(folder, harness.free_port(), [harness.free_port(), harness.free_port()],
                      harness.free_port())
    try:
        started = run_team("start", setup)
        assert started.returncode == 0, started.stdout + started.stderr
        yield RunningTeam(setup, team.read_users(folder),
                          setup.path("database.url").read_text(encoding="utf-8").strip())
    finally:
        run_team("stop", setup)
        shutil.rmtree(folder, ignore_errors=True)


# --- plain HTTP and the database ------------------------------------------------------------

def basic_auth(running: RunningTeam, user: str) -> str:
    token = f"{user}:{running.users[user]}".encode()
    return "Basic " + base64.b64encode(token).decode()


def http_get(running: RunningTeam, path: str, user: str | None = None,
             cookie: str = "") -> tuple[int, http.client.HTTPMessage]:
    """GET `path` through nginx; return the status and the response's headers."""
    connection = http.client.HTTPConnection("127.0.0.1", running.setup.port, timeout=30)
    headers = {"Cookie": cookie} if cookie else {}
    if user:
        headers["Authorization"] = basic_auth(running, user)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status, response.headers
    finally:
        connection.close()


def database_counts(running: RunningTeam) -> tuple[int, int]:
    """Return the number of incidents and of history rows written by the viewer."""
    import psycopg

    with psycopg.connect(running.database_url) as connection:
        incidents = connection.execute("SELECT count(*) FROM incidents").fetchone()
        by_viewer = connection.execute(
            "SELECT count(*) FROM incident_history WHERE changed_by = 'viewer'").fetchone()
    assert incidents is not None and by_viewer is not None
    return int(incidents[0]), int(by_viewer[0])


def last_written(running: RunningTeam) -> int:
    """Return the store's write counter now (incidents.written of the latest write)."""
    import psycopg

    with psycopg.connect(running.database_url) as connection:
        row = connection.execute("SELECT coalesce(max(written), 0) FROM incidents").fetchone()
    assert row is not None
    return int(row[0])


def written_since(running: RunningTeam, mark: int) -> list[str]:
    """Return the ids of the incidents written after `last_written` said `mark`."""
    import psycopg

    with psycopg.connect(running.database_url) as connection:
        rows = connection.execute("SELECT event_id FROM incidents WHERE written > %s",
                                  (mark,)).fetchall()
    return sorted(str(row[0]) for row in rows)


def write_synthetic(running: RunningTeam, count: int, seed: int) -> None:
    """Add `count` invented incidents to the team's store, as another process would."""
    from sahel.store.postgres import PostgresStore
    from sahel.synthetic import synthetic_incidents

    added = PostgresStore(running.database_url, user="e2e").add(synthetic_incidents(count, seed))
    assert added.added == count


# --- browsers -------------------------------------------------------------------------------

SIDEBAR_FILTERS = '[data-testid="stSidebar"] [data-testid="stMultiSelect"]'
UPLOADER = '[data-testid="stFileUploader"]'
REPORT_LINK = '[data-testid="stSidebar"] a[href*="Add_from_report"]'
MANAGE_LINK = '[data-testid="stSidebar"] a[href$="Manage"]'
DRAWN_INCIDENTS_JS = """() => {
    const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const w = f && f.contentWindow;
    const d = w && w.sahelLayer && w.sahelLayer.data;
    return d && d.lat ? d.lat.length : null;
}"""

# The map sends event ids as prefix + zero-padded number (sahel/map_payload.py, _ids).
DRAWS_EVENTS_JS = """(wanted) => {
    const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const w = f && f.contentWindow;
    const d = w && w.sahelLayer && w.sahelLayer.data;
    if (!d || !d.id || !d.id.k || d.id.k.length === undefined) return false;
    const drawn = new Set();
    for (let i = 0; i < d.id.k.length; i++) {
        const p = d.id.p[d.id.k[i]], n = d.id.n[i];
        drawn.add(p[0] + (n < 0 ? "" : String(n).padStart(p[1], "0")));
    }
    return wanted.every((id) => drawn.has(id));
}"""


@dataclass
class TeamPage:
    """A Playwright page signed in as one user through nginx; outside requests are aborted."""

    page: Any
    external: list[str] = field(default_factory=list)

    def disallowed(self) -> list[str]:
        """Return the outside requests attempted that are not OpenStreetMap tiles."""
        return [url for url in self.external if not url.startswith(harness.ALLOWED_EXTERNAL)]

    def open(self, url: str) -> str:
        """Load `url`, wait for the whole dashboard; return the replica that served it."""
        response = self.page.goto(url)
        assert response is not None and response.ok, response and response.status
        self.page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
        harness.wait_for_map(self.page)
        self.page.wait_for_selector(SIDEBAR_FILTERS, timeout=60_000)
        # The run that drew the filters draws the rest of the sidebar: wait until it is done.
        self.page.wait_for_selector(harness.APP_IDLE, timeout=60_000)
        return str(response.headers.get("x-sahel-replica", ""))

    def drawn_incidents(self) -> int:
        return int(self.page.evaluate(DRAWN_INCIDENTS_JS))

    def wait_for_events(self, event_ids: list[str], timeout_ms: int) -> None:
        """Wait until the map draws every one of `event_ids`."""
        self.page.wait_for_function(DRAWS_EVENTS_JS, arg=event_ids, timeout=timeout_ms)

    def wait_for_incidents(self, count: int, timeout_ms: int) -> None:
        """Wait until the map draws `count` incidents."""
        self.page.wait_for_function(f"() => ({DRAWN_INCIDENTS_JS})() === {count}",
                                    timeout=timeout_ms)


@contextmanager
def team_page(browser: Any, running: RunningTeam, user: str, replica: int | None = None,
              sticky: str | None = None) -> Iterator[TeamPage]:
    """Open a browser context signed in as `user`, pinned to `replica` or with a sticky key."""
    context = browser.new_context(
        viewport={"width": 1400, "height": 1000},
        http_credentials={"username": user, "password": running.users[user], "send": "always"})
    cookies = [("sahel_replica", str(replica))] if replica else []
    cookies += [("sahel_sticky", sticky)] if sticky else []
    if cookies:
        context.add_cookies([{"name": n, "value": v, "url": running.url} for n, v in cookies])
    opened = TeamPage(context.new_page())

    def guard(route: Any) -> None:
        if harness.is_loopback(route.request.url):
            route.continue_()
        else:
            opened.external.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    try:
        yield opened
    finally:
        context.close()


# --- a Streamlit client in Python, as a forger would write one ------------------------------

@dataclass
class Run:
    """What one script run sent: its widgets' ids by key, its texts, its exceptions."""

    widgets: dict[str, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)


class StreamlitClient:
    """A session of the app over its websocket, through nginx, signed in as one user."""

    def __init__(self, running: RunningTeam, headers: dict[str, str], xsrf: str,
                 socket: Any) -> None:
        self.running = running
        self.headers = headers
        self.xsrf = xsrf
        self._socket = socket
        self.session_id = ""

    def run(self, page_name: str = "", widgets: tuple[Any, ...] = ()) -> Run:
        """Rerun the page with these widget states; return what the run (and any rerun it
        asked for) sent, once it has finished."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = BackMsg()
        message.rerun_script.page_name = page_name
        message.rerun_script.widget_states.widgets.extend(widgets)
        self._socket.send(message.SerializeToString())
        run = Run()
        while True:
            received = ForwardMsg.FromString(self._socket.recv(timeout=RUN_TIMEOUT_S))
            kind = received.WhichOneof("type")
            if kind == "new_session":
                self.session_id = received.new_session.initialize.session_id
            elif kind == "delta" and received.delta.WhichOneof("type") == "new_element":
                _read_element(received.delta.new_element, run)
            elif kind == "script_finished" and (
                    received.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN):
                return run

    def upload(self, name: str, data: bytes) -> Any:
        """Put a file into this session's uploads as the uploader would; return its info."""
        from streamlit.proto.Common_pb2 import UploadedFileInfo

        file_id = str(uuid.uuid4())
        where = f"/_stcore/upload_file/{self.session_id}/{file_id}"
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; "
                f"filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n").encode() + data + (
                    f"\r\n--{boundary}--\r\n").encode()
        connection = http.client.HTTPConnection("127.0.0.1", self.running.setup.port, timeout=30)
        try:
            connection.request("PUT", where, body=body, headers={
                **self.headers, "X-Xsrftoken": self.xsrf,
                "Content-Type": f"multipart/form-data; boundary={boundary}"})
            response = connection.getresponse()
            answer = response.read()
        finally:
            connection.close()
        assert response.status == 204, (response.status, answer)
        info = UploadedFileInfo(name=name, size=len(data), file_id=file_id)
        info.file_urls.file_id = file_id
        info.file_urls.upload_url = info.file_urls.delete_url = where
        return info


def _read_element(element: Any, run: Run) -> None:
    kind = element.WhichOneof("type")
    body = getattr(element, kind)
    if kind == "exception":
        run.exceptions.append(f"{body.type}: {body.message}")
    widget_id = getattr(body, "id", "") if "id" in body.DESCRIPTOR.fields_by_name else ""
    if widget_id.startswith("$$ID-"):
        run.widgets[widget_id.split("-", 2)[2]] = widget_id
    if "body" in body.DESCRIPTOR.fields_by_name:
        run.texts.append(str(body.body))


def widget(widget_id: str, **value: Any) -> Any:
    """Return a widget state: `widget(id, trigger_value=True)`, `string_value="…"`, …"""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=widget_id)
    for name, given in value.items():
        if name == "file_uploader_state_value":
            state.file_uploader_state_value.uploaded_file_info.append(given)
        else:
            setattr(state, name, given)
    return state


@contextmanager
def streamlit_client(running: RunningTeam, user: str, replica: int) -> Iterator[StreamlitClient]:
    """Open a session of the app as `user` on `replica`, as the browser's page would."""
    from websockets.sync.client import connect

    # Streamlit's XSRF check wants the same token in a cookie and a header: any page sets it.
    status, headers = http_get(running, "/_stcore/health")
    assert status == 200
    xsrf = re.search(r"_streamlit_xsrf=([^;]+)", ";".join(headers.get_all("Set-Cookie") or []))
    assert xsrf is not None
    sent = {"Authorization": basic_auth(running, user),
            "Cookie": f"sahel_replica={replica}; _streamlit_xsrf={xsrf.group(1)}"}
    with connect(f"ws://127.0.0.1:{running.setup.port}/_stcore/stream",
                 additional_headers=sent, subprotocols=["streamlit"], origin=running.url,
                 open_timeout=30) as socket:
        yield StreamlitClient(running, sent, xsrf.group(1), socket)


# --- the tests ------------------------------------------------------------------------------

def test_the_team_asks_for_a_password_but_not_for_health(running_team: RunningTeam) -> None:
    assert http_get(running_team, "/")[0] == 401
    assert http_get(running_team, "/_stcore/health")[0] == 200
    for user in ("admin", "editor", "viewer"):
        status, headers = http_get(running_team, "/", user)
        assert status == 200 and headers["X-Sahel-Replica"].startswith("127.0.0.1:")


def test_an_editor_adds_the_seed_on_a_and_a_viewer_on_b_sees_it_within_5_s(
        running_team: RunningTeam, _chromium: Any, tmp_path: Path) -> None:
    report = harness.seed_report_file(tmp_path)
    with team_page(_chromium, running_team, "viewer", REPLICA_B) as viewer, \
            team_page(_chromium, running_team, "editor", REPLICA_A) as editor:
        served = viewer.open(running_team.url)
        assert served.endswith(f":{running_team.replica_port(REPLICA_B)}")
        mark = last_written(running_team)

        page = editor.page
        page.goto(f"{running_team.url}/Add_from_report")
        page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
        harness.upload_file(page, report, UPLOADER)
        page.get_by_role("button", name="Extract incidents").click()
        page.get_by_text("2 proposed incidents").wait_for(timeout=120_000)
        page.get_by_role("button", name="Add 2 incidents to the store").click()
        page.get_by_text("2 added", exact=False).wait_for(timeout=60_000)

        added = written_since(running_team, mark)
        assert len(added) == 2
        # Not a count: while the store held nothing of the team's, the page showed the
        # demonstration data, which go once it holds some.
        viewer.wait_for_events(added, SEEN_WITHIN_MS)
        assert viewer.disallowed() == [] and editor.disallowed() == []


def test_a_viewer_gets_no_uploader_and_no_report_link(running_team: RunningTeam,
                                                      _chromium: Any) -> None:
    with team_page(_chromium, running_team, "editor", REPLICA_A) as editor:
        editor.open(running_team.url)
        editor.page.locator(UPLOADER).wait_for(timeout=30_000)
        editor.page.locator(REPORT_LINK).wait_for(timeout=30_000)
        assert editor.page.locator(MANAGE_LINK).count() == 0
    with team_page(_chromium, running_team, "viewer", REPLICA_A) as viewer:
        viewer.open(running_team.url)
        assert viewer.page.locator(UPLOADER).count() == 0
        assert viewer.page.locator(REPORT_LINK).count() == 0
        assert viewer.page.locator(MANAGE_LINK).count() == 0
        # The report page asked for directly: it says why, and offers nothing to fill in.
        viewer.page.goto(f"{running_team.url}/Add_from_report")
        viewer.page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
        viewer.page.locator('[data-testid="stAlert"]').first.wait_for(timeout=30_000)
        for absent in (UPLOADER, '[data-testid="stTextArea"]', "button:has-text('Extract')"):
            assert viewer.page.locator(absent).count() == 0, absent
        assert viewer.disallowed() == []


def test_forged_writes_from_a_viewer_change_nothing(running_team: RunningTeam) -> None:
    from sahel.export import to_csv_bytes
    from sahel.synthetic import synthetic_incidents

    seed_text = harness.seed_text()
    with streamlit_client(running_team, "editor", REPLICA_A) as editor:
        editor.run()
        shown = editor.run()  # a session's second run draws the whole page
        assert not shown.exceptions, shown.exceptions
        uploader = shown.widgets["upload"]
        form = editor.run("Add_from_report")
        text, extract = form.widgets["report_text"], form.widgets["extract"]
        # The same forgery works for an editor: so what the viewer's changes nothing, it is
        # refused, not mistyped.
        incidents, _ = database_counts(running_team)
        upload = editor.upload("editor.csv", to_csv_bytes(synthetic_incidents(3, seed=9161)))
        editor.run(widgets=(widget(uploader, file_uploader_state_value=upload),))
        assert database_counts(running_team)[0] == incidents + 3
        review = editor.run("Add_from_report", (widget(text, string_value=seed_text),
                                                widget(extract, trigger_value=True)))
        assert not review.exceptions, review.exceptions
        add = review.widgets["add_to_store"]

    before = database_counts(running_team)
    with streamlit_client(running_team, "viewer", REPLICA_B) as viewer:
        viewer.run()
        upload = viewer.upload("forged.csv", to_csv_bytes(synthetic_incidents(3, seed=9162)))
        viewer.run(widgets=(widget(uploader, file_uploader_state_value=upload),))
        viewer.run(widgets=(widget(uploader, file_uploader_state_value=upload),))
        assert database_counts(running_team) == before
        forged = viewer.run("Add_from_report", (widget(text, string_value=seed_text),
                                                widget(extract, trigger_value=True)))
        assert "add_to_store" not in forged.widgets and not forged.exceptions
        viewer.run("Add_from_report", (widget(text, string_value=seed_text),
                                       widget(add, trigger_value=True)))
        assert database_counts(running_team) == before


def role_in_database(running: RunningTeam, name: str) -> str | None:
    from sahel.store.postgres import PostgresStore
    from sahel.store.roles import roles_for

    return roles_for(PostgresStore(running.database_url)).role_of(name)


def test_the_admin_makes_the_viewer_an_editor_and_nobody_else_may(
        running_team: RunningTeam, _chromium: Any) -> None:
    from sahel.store.postgres import PostgresStore
    from sahel.store.roles import roles_for

    assert role_in_database(running_team, "admin") == "admin"
    try:
        with team_page(_chromium, running_team, "admin", REPLICA_B) as admin:
            page = admin.page
            # Its own address: its sidebar links to it as the map's does (draw_page_links).
            page.goto(f"{running_team.url}/Manage")
            page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
            page.locator(MANAGE_LINK).wait_for(timeout=30_000)
            page.get_by_role("heading", name="Datasets and people", exact=True).wait_for(
                timeout=30_000)
            page.get_by_role("heading", name="People", exact=True).wait_for(timeout=30_000)
            page.get_by_label("Name", exact=True).fill("viewer")
            page.get_by_label("Name", exact=True).press("Enter")
            page.wait_for_selector(harness.APP_IDLE, timeout=30_000)
            role = page.locator('[data-testid="stSelectbox"]').filter(
                has=page.get_by_text("Role", exact=True))
            role.click()
            page.get_by_role("option", name="editor", exact=True).click()
            page.wait_for_selector(harness.APP_IDLE, timeout=30_000)
            page.get_by_role("button", name="Set the role").click()
            page.get_by_text("viewer is now editor. Before: viewer.").wait_for(timeout=30_000)
            assert role_in_database(running_team, "viewer") == "editor"
            assert admin.disallowed() == []
    finally:
        roles_for(PostgresStore(running_team.database_url)).grant("viewer", "viewer", "e2e")
    for user in ("editor", "viewer"):
        with team_page(_chromium, running_team, user, REPLICA_A) as other:
            other.page.goto(f"{running_team.url}/Manage")
            other.page.get_by_text(f"{user} may not manage datasets: the role {user} does not "
                                   "allow it.").wait_for(timeout=90_000)
            other.page.wait_for_selector(harness.APP_IDLE, timeout=30_000)
            assert other.page.locator(MANAGE_LINK).count() == 0
            for absent in ('[data-testid="stDataFrame"]', '[data-testid="stTextInput"]',
                           "button:has-text('Remove')"):
                assert other.page.locator(absent).count() == 0, absent
            assert other.disallowed() == []


def test_an_editor_reads_an_incidents_history_from_its_popup(running_team: RunningTeam,
                                                             _chromium: Any) -> None:
    from sahel.store.postgres import PostgresStore
    from sahel.synthetic import synthetic_incidents

    frame = synthetic_incidents(2, seed=7301)
    PostgresStore(running_team.database_url, user="amina").add(frame)
    event_id = str(frame["event_id"].iloc[0])
    with team_page(_chromium, running_team, "editor", REPLICA_A) as editor:
        editor.open(running_team.url)
        editor.wait_for_events([event_id], SEEN_WITHIN_MS)
        frame_ = harness.map_frame(editor.page)
        frame_.evaluate("(id) => window.sahelLayer.openIncident(id)", event_id)
        frame_.locator(".leaflet-popup .sahel-history").click()
        dialog = editor.page.get_by_role("dialog")
        dialog.get_by_text(f"History of {event_id}").wait_for(timeout=60_000)
        # The table is a canvas grid: its cells are in the page for screen readers, not shown.
        dialog.locator("td", has_text="amina").first.wait_for(state="attached", timeout=60_000)
        assert dialog.locator("td", has_text=re.compile("^added$")).count() >= 1
        assert editor.disallowed() == []
    # A viewer's popups offer no history.
    with team_page(_chromium, running_team, "viewer", REPLICA_B) as viewer:
        viewer.open(running_team.url)
        viewer.wait_for_events([event_id], SEEN_WITHIN_MS)
        frame_ = harness.map_frame(viewer.page)
        popup = frame_.evaluate("(id) => window.sahelLayer.openIncident(id)", event_id)
        assert event_id in popup and "History of this incident" not in popup
        assert frame_.locator(".leaflet-popup .sahel-history").count() == 0


def test_a_replica_called_directly_believes_no_name(running_team: RunningTeam) -> None:
    # Another program on this host, past nginx: a trusted address and the editor's name, but
    # not the proxy's secret. It gets the sign-in message, not the editor's page.
    from websockets.sync.client import connect

    port = running_team.replica_port(REPLICA_A)
    origin = f"http://127.0.0.1:{port}"
    with connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                 additional_headers={"X-Sahel-User": "editor"}, origin=origin,
                 open_timeout=30) as socket:
        forger = StreamlitClient(running_team, {}, "", socket)
        forger.run()
        page = forger.run()
    assert "upload" not in page.widgets and not page.exceptions
    assert any("Sign in" in text or "organisation" in text for text in page.texts), page.texts


def sticky_key_for(running: RunningTeam, replica: int) -> str:
    """Return a sticky cookie value that nginx sends to `replica` (new browsers get random
    ones: ask until one lands there)."""
    port = running.replica_port(replica)
    for _ in range(64):
        _status, headers = http_get(running, "/", "viewer")
        if headers["X-Sahel-Replica"] == f"127.0.0.1:{port}":
            found = re.search(r"sahel_sticky=(\w+)", headers["Set-Cookie"])
            assert found is not None
            return found.group(1)
    raise AssertionError(f"no new browser was sent to replica {replica} in 64")


def test_killing_replica_a_leaves_b_serving(running_team: RunningTeam, _chromium: Any) -> None:
    setup = running_team.setup
    a_port, b_port = running_team.replica_port(REPLICA_A), running_team.replica_port(REPLICA_B)
    sticky = sticky_key_for(running_team, REPLICA_A)
    a_pid = processes.running(setup.replica_pid_file(REPLICA_A), *processes.replica_markers(a_port))
    assert a_pid is not None
    try:
        with team_page(_chromium, running_team, "viewer", sticky=sticky) as viewer:
            assert viewer.open(running_team.url) == f"127.0.0.1:{a_port}"
            drawn = viewer.drawn_incidents()
            os.killpg(a_pid, signal.SIGKILL)
            assert processes.wait_for_exit(a_pid, 30)
            # The same browser, its replica gone: nginx sends it to B.
            assert viewer.open(running_team.url).endswith(f"127.0.0.1:{b_port}")
            assert viewer.drawn_incidents() >= drawn
            assert http_get(running_team, "/_stcore/health")[0] == 200
    finally:
        # `make team` again starts what is not running, here replica A.
        restarted = run_team("start", setup)
        assert restarted.returncode == 0, restarted.stdout + restarted.stderr
    assert processes.running(setup.replica_pid_file(REPLICA_A), *processes.replica_markers(a_port))
    assert run_team("status", setup).returncode == 0


def test_restarting_postgresql_loses_nothing_and_the_dashboards_recover(
        running_team: RunningTeam, _chromium: Any) -> None:
    write_synthetic(running_team, 3, seed=9171)
    stored, _ = database_counts(running_team)
    with team_page(_chromium, running_team, "viewer", REPLICA_B) as open_page:
        open_page.open(running_team.url)
        drawn = open_page.drawn_incidents()
        # As after a crash: no clean shutdown, the server recovers from its write-ahead log.
        processes.restart_database(running_team.setup, mode="immediate")
        assert database_counts(running_team)[0] == stored
        write_synthetic(running_team, 2, seed=9172)
        # Both replicas serve new pages with every incident, without being restarted...
        for replica in (REPLICA_A, REPLICA_B):
            with team_page(_chromium, running_team, "viewer", replica) as fresh:
                fresh.open(running_team.url)
                assert fresh.drawn_incidents() == drawn + 2
        # ...and the page left open catches up by itself.
        open_page.wait_for_incidents(drawn + 2, RECOVERED_WITHIN_MS)


def test_make_team_again_changes_nothing_that_runs(running_team: RunningTeam) -> None:
    setup = running_team.setup
    pids = [processes.read_pid(setup.replica_pid_file(i)) for i in (1, 2)]
    nginx = processes.read_pid(setup.path("nginx.pid"))
    again = run_team("start", setup)
    assert again.returncode == 0, again.stdout + again.stderr
    # The passwords are printed the first time only (they are kept in users.txt).
    assert not any(password in again.stdout for password in running_team.users.values())
    assert [processes.read_pid(setup.replica_pid_file(i)) for i in (1, 2)] == pids
    assert processes.read_pid(setup.path("nginx.pid")) == nginx
    assert team.read_users(setup.folder) == running_team.users
