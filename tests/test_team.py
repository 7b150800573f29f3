"""`make team` (scripts/team.py, scripts/team_processes.py): nginx's generated config, the demo
users and their roles, the pid files.

The nginx cases run Debian's nginx on the generated config in front of two small echo servers
standing in for the replicas (the real team is tests/e2e/test_team_e2e.py). Without nginx they
are skipped, unless SAHEL_REQUIRE_NGINX=1 (`make test`, CI), when they fail instead.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REQUIRE_NGINX_ENV = "SAHEL_REQUIRE_NGINX"


def _load_team() -> object:
    spec = importlib.util.spec_from_file_location("team", ROOT / "scripts" / "team.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["team"] = module
    spec.loader.exec_module(module)
    return module


team = _load_team()
processes = sys.modules["team_processes"]  # scripts/team_processes.py, which team.py imports


def require_nginx() -> str:
    """Return nginx's path; skip without it (fail under SAHEL_REQUIRE_NGINX=1)."""
    try:
        return str(processes.nginx_binary())
    except processes.TeamError as error:
        if os.environ.get(REQUIRE_NGINX_ENV) == "1":
            pytest.fail(f"nginx tests required ({REQUIRE_NGINX_ENV}=1) but {error}")
        pytest.skip(str(error))


@pytest.fixture
def team_dir() -> Iterator[Path]:
    """Yield a fresh folder in /tmp: nginx's workers (www-data, when run as root) must reach
    it, which pytest's own temporary folders (mode 0700) do not allow."""
    folder = Path(tempfile.mkdtemp(prefix="sahel-team-test-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    from sahel.store.local_cluster import free_port as free

    return int(free())


def test_the_config_fills_in_every_mark(tmp_path: Path) -> None:
    config = team.render_nginx_config(team.Team(tmp_path, 9600, [9601, 9602, 9603], 9432),
                                      worker_user="www-data")
    assert "{{" not in config and "}}" not in config
    assert "user www-data;" in config
    assert "listen 127.0.0.1:9600;" in config
    assert f"auth_basic_user_file {tmp_path.resolve()}/htpasswd;" in config
    for index, port in enumerate((9601, 9602, 9603), start=1):
        assert f"server 127.0.0.1:{port} max_fails=1" in config
        assert f"{index} sahel_replica_{index};" in config
    for line in ("proxy_set_header X-Sahel-User $remote_user;",
                 "proxy_set_header Upgrade $http_upgrade;",
                 "proxy_set_header Connection $connection_upgrade;",
                 "proxy_http_version 1.1;", "proxy_read_timeout 1d;",
                 "proxy_set_header Host $http_host;", "location = /_stcore/health {",
                 "hash $sahel_sticky consistent;"):
        assert line in config
    assert "user " not in team.render_nginx_config(team.Team(tmp_path), worker_user=None)


def test_the_proxy_secret_is_made_once_kept_private_and_sent_by_nginx(tmp_path: Path) -> None:
    secret = team.proxy_secret(tmp_path)
    assert len(secret) >= 40 and team.proxy_secret(tmp_path) == secret
    assert (tmp_path / "proxy.secret").stat().st_mode & 0o777 == 0o600
    config = team.render_nginx_config(team.Team(tmp_path), secret=secret)
    assert f'proxy_set_header X-Sahel-Proxy-Secret "{secret}";' in config
    # The health check goes to the replicas without it, and without a name.
    health = config[config.index("location = /_stcore/health"):]
    assert 'proxy_set_header X-Sahel-Proxy-Secret "";' in health and secret not in health
    assert "proxy_set_header X-Forwarded-For" not in config
    with pytest.raises(processes.TeamError):
        team.render_nginx_config(team.Team(tmp_path), secret='x"; evil')
    assert team.replica_env(team.Team(tmp_path), "postgresql://x@h/db")[
        "SAHEL_PROXY_SECRET"] == secret


def test_the_users_get_random_passwords_kept_private_and_reused(tmp_path: Path) -> None:
    users, made = team.ensure_users(tmp_path)
    assert made == ["admin", "editor", "viewer"] and set(users) == set(made)
    assert len(set(users.values())) == 3 and min(map(len, users.values())) >= 16
    assert (tmp_path / "users.txt").stat().st_mode & 0o777 == 0o600
    again, made_again = team.ensure_users(tmp_path)
    assert again == users and made_again == []
    assert team.read_users(tmp_path) == users


def test_a_team_from_before_the_admin_gets_one_and_keeps_its_passwords(tmp_path: Path) -> None:
    (tmp_path / "users.txt").write_text("editor first-secret\nviewer second-secret\n")
    users, made = team.ensure_users(tmp_path)
    assert made == ["admin"] and len(users["admin"]) >= 16
    assert (users["editor"], users["viewer"]) == ("first-secret", "second-secret")
    assert team.read_users(tmp_path) == users


def test_a_demo_users_role_changed_since_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    # The admin made the viewer an editor on the page: make team again leaves that alone.
    calls: list[tuple[str, ...]] = []

    def sahel_command(url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
        calls.append(arguments)
        listing = "viewer · editor · given by admin on 2026-01-02 03:04 UTC\n"
        return subprocess.CompletedProcess(arguments, 0, listing if arguments[1] == "list"
                                           else "", "")

    monkeypatch.setattr(team, "sahel_command", sahel_command)
    assert team.grant_roles("postgresql://x@h/db") == []
    assert calls == [("users", "list"), ("users", "set", "admin", "admin"),
                     ("users", "set", "editor", "editor")]


def test_htpasswd_holds_a_salted_hash_of_each_password(tmp_path: Path) -> None:
    users = {"editor": "first secret", "viewer": "second-secret"}
    lines = team.write_htpasswd(tmp_path, users, None).read_text(encoding="utf-8").splitlines()
    assert (tmp_path / "htpasswd").stat().st_mode & 0o777 == 0o600
    assert [line.split(":", 1)[0] for line in lines] == ["editor", "viewer"]
    for line, password in zip(lines, users.values(), strict=True):
        hashed = line.split(":", 1)[1]
        assert password not in line and hashed.startswith("$6$")
        salt = hashed.split("$")[2]
        again = subprocess.run(["openssl", "passwd", "-6", "-salt", salt, "-stdin"],
                               input=password, capture_output=True, text=True, check=True)
        assert again.stdout.strip() == hashed


def test_htpasswd_keeps_the_people_added_by_hand(tmp_path: Path) -> None:
    (tmp_path / "htpasswd").write_text("amina:$6$salt$hash\neditor:$6$old$old\n")
    team.write_htpasswd(tmp_path, {"editor": "new secret", "viewer": "other"}, None)
    lines = (tmp_path / "htpasswd").read_text(encoding="utf-8").splitlines()
    assert [line.split(":", 1)[0] for line in lines] == ["editor", "viewer", "amina"]
    assert "amina:$6$salt$hash" in lines and "editor:$6$old$old" not in lines


def test_a_pid_file_names_a_process_only_when_it_is_ours(tmp_path: Path) -> None:
    pid_file = tmp_path / "x.pid"
    assert processes.read_pid(pid_file) is None
    pid_file.write_text("not a pid\n")
    assert processes.read_pid(pid_file) is None and processes.running(pid_file) is None
    pid_file.write_text(f"{os.getpid()}\n")
    assert processes.running(pid_file, "python") == os.getpid()
    assert processes.running(pid_file, "python", "serve.py", "--server.port 1") is None
    ended = subprocess.Popen(["true"])
    ended.wait()
    pid_file.write_text(f"{ended.pid}\n")
    assert processes.running(pid_file, "true") is None
    assert processes.wait_for_exit(ended.pid, 1.0)


def test_stop_and_status_of_a_team_that_never_ran(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "never"
    assert team.main(["stop", "--dir", str(folder)]) == 0
    assert team.main(["status", "--dir", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "Nothing of the team" in out and out.count("stopped") == 4
    assert not folder.exists()


def test_settings_are_kept_for_stop_and_status(tmp_path: Path) -> None:
    team.Team(tmp_path, 7000, [7001, 7002, 7003], 7432).save()
    kept = team.Team.load(tmp_path)
    assert (kept.port, kept.replica_ports, kept.pg_port) == (7000, [7001, 7002, 7003], 7432)
    assert team.Team.load(tmp_path / "new").replica_ports == [8601, 8602]


def test_make_test_requires_nginx_and_make_team_runs_the_script() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = re.search(r"^test:.*\n\t(.+)$", makefile, flags=re.MULTILINE)
    assert recipe is not None and f"{REQUIRE_NGINX_ENV}=1" in recipe.group(1)
    assert re.search(r"^test:.*\bteam-deps\b", makefile, flags=re.MULTILINE)
    assert re.search(r"^team:.*\n\t\$\(PYTHON\) scripts/team.py start$", makefile, re.MULTILINE)
    assert re.search(r"^team-stop:.*\n\t\$\(PYTHON\) scripts/team.py stop$", makefile,
                     re.MULTILINE)
    assert "/.team/" in (ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


# --- nginx itself, in front of two echo servers ---------------------------------------------

class Echo(BaseHTTPRequestHandler):
    """Answer every GET with the replica's name and the request's headers, as JSON."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        body = json.dumps({"replica": self.server.name,  # type: ignore[attr-defined]
                           "path": self.path, "headers": dict(self.headers.items())}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


@pytest.fixture
def proxied(team_dir: Path) -> Iterator[tuple[object, dict[str, str], list[ThreadingHTTPServer]]]:
    """Yield a running nginx on the generated config (team, users) and its two echo servers."""
    require_nginx()
    echoes = []
    for name in ("one", "two"):
        server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
        server.name = name  # type: ignore[attr-defined]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        echoes.append(server)
    setup = team.Team(team_dir, free_port(), [s.server_address[1] for s in echoes], free_port())
    team.prepare_folder(setup)
    users, _ = team.ensure_users(team_dir)
    team.write_nginx_config(setup, users)
    try:
        processes.start_nginx(setup)
        yield setup, users, echoes
    finally:
        team.stop(setup)
        for server in echoes:
            server.shutdown()
            server.server_close()


def get(url: str, user: str | None = None, password: str = "", cookie: str = "",
        headers: dict[str, str] | None = None) -> tuple[int, dict[str, object], dict[str, str]]:
    """GET `url`; return the status, the echoed JSON ({} if none) and the response headers."""
    request = urllib.request.Request(url, headers=headers or {})
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    if cookie:
        request.add_header("Cookie", cookie)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read()), dict(response.headers.items())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, {}, dict(error.headers.items())


def test_nginx_lets_in_the_demo_users_only(proxied: tuple) -> None:
    setup, users, _ = proxied
    assert get(setup.url)[0] == 401
    assert get(setup.url, "viewer", users["editor"])[0] == 401
    assert get(setup.url, "intruder", users["viewer"])[0] == 401
    for name, password in users.items():
        status, echoed, _ = get(setup.url + "/x", name, password)
        assert status == 200 and echoed["path"] == "/x"


def test_the_user_nginx_authenticated_is_passed_on_and_cannot_be_forged(proxied: tuple) -> None:
    setup, users, _ = proxied
    _, echoed, _ = get(setup.url, "viewer", users["viewer"], headers={"X-Sahel-User": "editor"})
    headers = {k.lower(): v for k, v in echoed["headers"].items()}  # type: ignore[union-attr]
    assert headers["x-sahel-user"] == "viewer"
    assert headers["host"] == f"127.0.0.1:{setup.port}"  # Streamlit compares it to the Origin
    status, echoed, _ = get(setup.url + "/_stcore/health", headers={"X-Sahel-User": "editor"})
    assert status == 200  # no password for a monitor, and no user either
    assert "x-sahel-user" not in {k.lower() for k in echoed["headers"]}  # type: ignore[union-attr]


def test_a_websocket_upgrade_is_passed_on(proxied: tuple) -> None:
    setup, users, _ = proxied
    _, echoed, _ = get(setup.url + "/_stcore/stream", "editor", users["editor"],
                       headers={"Upgrade": "websocket", "Connection": "Upgrade"})
    headers = {k.lower(): v for k, v in echoed["headers"].items()}  # type: ignore[union-attr]
    assert headers["upgrade"] == "websocket" and headers["connection"] == "upgrade"


def test_a_browser_stays_on_its_replica_until_it_goes_away(proxied: tuple) -> None:
    setup, users, echoes = proxied
    viewer = ("viewer", users["viewer"])
    _, first, answer = get(setup.url, *viewer)
    sticky = re.match(r"sahel_sticky=(\w+);", answer["Set-Cookie"])
    assert sticky is not None
    cookie = f"sahel_sticky={sticky.group(1)}"
    assert {get(setup.url, *viewer, cookie=cookie)[1]["replica"] for _ in range(8)} == {
        first["replica"]}
    # New browsers are spread over both replicas, and one may ask for a replica by number.
    assert len({get(setup.url, *viewer)[1]["replica"] for _ in range(40)}) == 2
    assert get(setup.url, *viewer, cookie="sahel_replica=2")[1]["replica"] == "two"
    # Its replica gone, the browser is served by the other.
    gone, other = echoes if first["replica"] == "one" else echoes[::-1]
    gone.shutdown()
    gone.server_close()
    status, served, answer = get(setup.url, *viewer, cookie=cookie)
    assert status == 200 and served["replica"] != first["replica"]
    assert answer["X-Sahel-Replica"].endswith(f"127.0.0.1:{other.server_address[1]}")


def test_start_and_stop_leave_no_nginx_behind(proxied: tuple) -> None:
    setup, _, _ = proxied
    pid = processes.running(setup.path("nginx.pid"), *processes.nginx_markers(setup))
    assert pid is not None
    assert processes.start_nginx(setup) == pid  # started again: the same nginx, config re-read
    team.stop(setup)
    assert processes.running(setup.path("nginx.pid"), *processes.nginx_markers(setup)) is None
    assert processes.wait_for_exit(pid, 5.0)


def test_the_organisation_sample_in_the_docs_is_a_config_nginx_accepts(tmp_path: Path) -> None:
    nginx = require_nginx()
    docs = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    section = docs.split("## An organisation's servers", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```nginx\n(.*?)```", section, flags=re.DOTALL)
    assert len(blocks) == 1
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj",
                    "/CN=incidents.example.org", "-keyout", str(key), "-out", str(cert)],
                   capture_output=True, check=True)
    sample = blocks[0].replace("/etc/ssl/certs/incidents.example.org.pem", str(cert)).replace(
        "/etc/ssl/private/incidents.example.org.key", str(key))
    temp = "".join(f"    {kind}_temp_path {tmp_path}/{kind};\n"
                   for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    config = tmp_path / "nginx.conf"
    config.write_text(f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
                      f"events {{}}\nhttp {{\n    access_log off;\n{temp}{sample}}}\n")
    checked = subprocess.run([nginx, "-t", "-c", str(config), "-p", f"{tmp_path}/",
                              "-e", str(tmp_path / "error.log")],
                             capture_output=True, text=True, check=False)
    assert checked.returncode == 0, checked.stderr
