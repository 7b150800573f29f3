"""The processes of `make team` (scripts/team.py) and their pid files: PostgreSQL's cluster, the
dashboard replicas and nginx, each started as the project's own process, found again by its pid
file (and its command line, so that a stale pid file never names someone else's process) and
stopped; and `Team`, where they keep their files and the ports they listen on.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import select
import shutil
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sahel.store.local_cluster import (  # noqa: E402  (after the path is set)
    SUPERUSER,
    ClusterUnavailable,
    LocalCluster,
    postgres_bin,
    start_cluster,
)

DEFAULT_PORT = 8600
DEFAULT_REPLICA_PORTS = (8601, 8602)
DEFAULT_PG_PORT = 55432
DATABASE = "sahel"
NGINX = "/usr/sbin/nginx"
# nginx's workers drop root for this user (they read the htpasswd file and write temp files).
NGINX_WORKER_USER = "www-data"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
HBA_MARKER = "# sahel team:"
PG_HBA = f"""{HBA_MARKER} the socket (in the cluster's own folder, mode 0700) trusts its owner;
# TCP on the loopback address needs the password kept in the team folder's database.url.
local all all trust
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""


class TeamError(RuntimeError):
    """Something the team needs is missing or failed; the message says what to do."""


@dataclass
class Team:
    """Where the team's files are and the ports it listens on (kept in `team.json`)."""

    folder: Path
    port: int = DEFAULT_PORT
    replica_ports: list[int] = field(default_factory=lambda: list(DEFAULT_REPLICA_PORTS))
    pg_port: int = DEFAULT_PG_PORT

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def path(self, *parts: str) -> Path:
        return self.folder.joinpath(*parts)

    def replica_pid_file(self, index: int) -> Path:
        return self.path(f"replica-{index}.pid")

    def save(self) -> None:
        settings = {k: v for k, v in asdict(self).items() if k != "folder"}
        self.path("team.json").write_text(json.dumps(settings, indent=1) + "\n",
                                          encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Team:
        """Return the team kept in `folder` (the defaults when it was never started)."""
        saved = folder / "team.json"
        settings = json.loads(saved.read_text(encoding="utf-8")) if saved.exists() else {}
        return cls(folder, **settings)


def write_private(target: Path, text: str) -> None:
    """Write `text` to `target` readable by its owner only (it holds passwords)."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    target.chmod(0o600)


# --- processes and their pid files ----------------------------------------------------------------

def read_pid(pid_file: Path) -> int | None:
    """Return the pid in `pid_file`, or None when it is missing or not a number."""
    try:
        text = pid_file.read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def command_line(pid: int) -> list[str]:
    """Return the arguments of process `pid` ([] when there is no such process)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def running(pid_file: Path, *markers: str) -> int | None:
    """Return the pid in `pid_file` if that process runs and its command line holds every one
    of `markers` (a pid file left by a reboot may name someone else's process); else None."""
    pid = read_pid(pid_file)
    if pid is None:
        return None
    arguments = " ".join(command_line(pid))
    return pid if arguments and all(marker in arguments for marker in markers) else None


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Wait until process `pid` ends (any process, not only a child); return whether it did."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([handle], [], [], timeout)
        return bool(readable)
    finally:
        os.close(handle)


def terminate(pid: int, group: bool = False) -> None:
    """Stop process `pid` (and its process group): SIGTERM, then SIGKILL if it lingers."""
    kill = os.killpg if group else os.kill
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            kill(pid, sig)
        except ProcessLookupError:
            return
        if wait_for_exit(pid, STOP_TIMEOUT_S):
            return


def replica_markers(port: int) -> tuple[str, ...]:
    return ("serve.py", "dashboard.py", f"--server.port {port}")


def nginx_markers(team: Team) -> tuple[str, ...]:
    return ("nginx", str(team.path("nginx.conf").resolve()))


def parts_running(team: Team) -> list[bool]:
    """Return, for nginx, each replica and PostgreSQL, whether it runs."""
    replicas = [running(team.replica_pid_file(i), *replica_markers(port)) is not None
                for i, port in enumerate(team.replica_ports, start=1)]
    nginx = running(team.path("nginx.pid"), *nginx_markers(team)) is not None
    return [nginx, *replicas, cluster_running(team)]


# --- PostgreSQL -----------------------------------------------------------------------------------

def cluster_of(team: Team) -> LocalCluster:
    """Return the team's cluster (running or not)."""
    return LocalCluster(team.path("pg"), team.pg_port, postgres_bin(),
                        "postgres" if os.geteuid() == 0 else None)


def pg_ctl(team: Team, action: str, *options: str) -> subprocess.CompletedProcess[str]:
    """Run `pg_ctl ACTION` on the team's cluster (as its system user when we are root)."""
    cluster = cluster_of(team)
    command = [str(cluster.bin_dir / "pg_ctl"), action, "-D", str(team.path("pg", "data")),
               *options]
    if cluster.run_as:
        command = ["runuser", "-u", cluster.run_as, "--", *command]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def cluster_running(team: Team) -> bool:
    """Return whether the team's PostgreSQL server runs (pg_ctl status)."""
    if not team.path("pg", "data", "PG_VERSION").exists():
        return False
    return pg_ctl(team, "status").returncode == 0


def restart_database(team: Team, mode: str = "fast") -> None:
    """Restart the team's PostgreSQL server: `mode` fast (sessions ended, a clean shutdown) or
    immediate (as if it crashed: it recovers from its write-ahead log)."""
    done = pg_ctl(team, "restart", "-m", mode, "-w", "-s", "-l",
                  str(team.path("pg", "server.log")))
    if done.returncode:
        raise TeamError(f"pg_ctl restart failed: {(done.stderr or done.stdout).strip()}")


def start_database(team: Team) -> str:
    """Start (creating it the first time) the team's cluster and database; return its URL."""
    import psycopg

    folder = team.path("pg")
    fresh = not (folder / "data" / "PG_VERSION").exists()
    if not cluster_running(team):
        try:
            start_cluster(folder, team.pg_port)
        except ClusterUnavailable as error:
            raise TeamError(f"PostgreSQL: {error} (log: {folder / 'server.log'})") from None
    folder.chmod(0o700)
    socket_url = f"postgresql://{SUPERUSER}@/postgres?host={folder}&port={team.pg_port}"
    url_file = team.path("database.url")
    with psycopg.connect(socket_url, autocommit=True) as connection:
        if not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                  (DATABASE,)).fetchone():
            connection.execute(f"CREATE DATABASE {DATABASE}")
        if fresh or not url_file.exists():
            password = secrets.token_urlsafe(18)
            connection.execute(f"ALTER ROLE {SUPERUSER} PASSWORD '{password}'")
            write_private(url_file, f"postgresql://{SUPERUSER}:{password}@127.0.0.1:"
                                    f"{team.pg_port}/{DATABASE}\n")
        hba = folder / "data" / "pg_hba.conf"
        if not hba.read_text(encoding="utf-8").startswith(HBA_MARKER):
            hba.write_text(PG_HBA, encoding="utf-8")
            if os.geteuid() == 0:
                shutil.chown(hba, user="postgres", group="postgres")
            connection.execute("SELECT pg_reload_conf()")
    return url_file.read_text(encoding="utf-8").strip()


# --- the dashboard replicas and nginx -------------------------------------------------------------

def start_replica(team: Team, index: int, env: dict[str, str]) -> int:
    """Start replica `index` (1-based) with the environment `env` unless it runs; wait until
    it answers; return its pid."""
    port = team.replica_ports[index - 1]
    pid_file = team.replica_pid_file(index)
    pid = running(pid_file, *replica_markers(port))
    if pid is not None:
        return pid
    command = [sys.executable, "serve.py", "dashboard.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]
    log = team.path("logs", f"replica-{index}.log")
    with open(log, "ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env,
                                   stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    pid_file.write_text(f"{process.pid}\n", encoding="utf-8")
    health = f"http://127.0.0.1:{port}/_stcore/health"
    for _ in range(int(START_TIMEOUT_S / 0.25)):
        if answers(health):
            return process.pid
        try:  # the wait between two checks; returns at once if the replica died
            process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            continue
        raise TeamError(f"replica {index} exited (code {process.returncode}): see {log}")
    terminate(process.pid, group=True)
    raise TeamError(f"replica {index} did not answer on port {port} within "
                    f"{START_TIMEOUT_S:.0f} s: see {log}")


def answers(url: str) -> bool:
    """Return whether `url` answers 200 "ok" now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return bool(response.status == 200 and response.read().strip() == b"ok")
    except (urllib.error.URLError, OSError):
        return False


def nginx_binary() -> str:
    """Return the nginx program (Debian's), or raise TeamError saying how to install it."""
    found = shutil.which("nginx") or (NGINX if Path(NGINX).exists() else None)
    if not found:
        raise TeamError("nginx is not installed: on Debian, apt-get install nginx "
                        "(or make team-deps)")
    return found


def worker_user() -> str | None:
    """Return the user nginx's workers become when it starts as root (None otherwise)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(NGINX_WORKER_USER).pw_name
    except KeyError:
        return "nobody"


def nginx_arguments(team: Team) -> list[str]:
    """Return the options that make nginx use the team's config, prefix and startup log."""
    return ["-c", str(team.path("nginx.conf").resolve()),
            "-p", str(team.path("nginx").resolve()) + "/",
            "-e", str(team.path("logs", "nginx-error.log").resolve())]


def start_nginx(team: Team) -> int:
    """Start nginx on the team's config, or have a running one read it again; return its pid."""
    pid_file = team.path("nginx.pid")
    pid = running(pid_file, *nginx_markers(team))
    if pid is not None:
        os.kill(pid, signal.SIGHUP)  # reload: the config may have changed
        return pid
    # nginx binds its port, then goes to the background and returns: it listens once this ends.
    started = subprocess.run([nginx_binary(), *nginx_arguments(team)], capture_output=True,
                             text=True, check=False)
    pid = read_pid(pid_file)
    if started.returncode or pid is None:
        raise TeamError(f"nginx did not start: {started.stderr.strip()} "
                        f"(log: {team.path('logs', 'nginx-error.log')})")
    return pid
