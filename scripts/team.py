"""A team on one machine: PostgreSQL + PostGIS, two dashboard replicas, and nginx in front.

    python scripts/team.py start  [--dir .team] [--port 8600] [--replica-ports 8601,8602]
                                  [--pg-port 55432]                         (make team)
    python scripts/team.py stop   [--dir .team]                             (make team-stop)
    python scripts/team.py status [--dir .team]

Everything lives in one folder the project owns (`.team/`, see docs/deploy.md): the PostgreSQL
cluster (`pg/`, on a loopback port; the socket in that folder trusts its owner, TCP needs the
password in `database.url`), the replicas' and nginx's pid files and logs, nginx's generated
config (from `deploy/team-nginx.conf`) and its htpasswd file, and the demo users' passwords
(`users.txt`). Nothing is installed or started system-wide: nginx and PostgreSQL are Debian's
binaries run as this project's processes. `start` is idempotent (it starts what is not running
and leaves the rest); `stop` stops what `start` started, found by its pid file.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
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
sys.path.insert(0, str(ROOT))

from sahel.store.local_cluster import (  # noqa: E402  (after the path is set)
    SUPERUSER,
    ClusterUnavailable,
    LocalCluster,
    postgres_bin,
    start_cluster,
)

TEMPLATE = ROOT / "deploy" / "team-nginx.conf"
DEFAULT_DIR = ROOT / ".team"
DEFAULT_PORT = 8600
DEFAULT_REPLICA_PORTS = (8601, 8602)
DEFAULT_PG_PORT = 55432
DATABASE = "sahel"
# The demo users and the role each gets (python -m sahel users set NAME ROLE).
USERS = {"editor": "editor", "viewer": "viewer"}
NGINX = "/usr/sbin/nginx"
# nginx's workers drop root for this user (they read the htpasswd file and write temp files).
NGINX_WORKER_USER = "www-data"
START_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 20.0
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
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


# --- configuration files --------------------------------------------------------------------

def render_nginx_config(team: Team, worker_user: str | None = None,
                        template: Path = TEMPLATE, secret: str = "") -> str:
    """Return nginx's config for `team`: `template` with its {{name}} marks filled in;
    `secret` is what nginx tells the replicas it is (SAHEL_PROXY_SECRET)."""
    replicas = list(enumerate(team.replica_ports, start=1))
    if not all(c.isalnum() or c in "-_" for c in secret):
        raise TeamError("the proxy secret may hold letters, digits, - and _ only")
    values = {
        "proxy_secret": secret,
        "state": str(team.folder.resolve()),
        "port": str(team.port),
        "user_line": f"user {worker_user};" if worker_user else "",
        "replica_pins": "\n".join(f"        {i} sahel_replica_{i};" for i, _ in replicas),
        "replica_servers": "\n".join(
            f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;"
            for _, port in replicas) + "\n        keepalive 16;",
        "replica_upstreams": "\n".join(
            f"    upstream sahel_replica_{i} {{\n        server 127.0.0.1:{port};\n    }}"
            for i, port in replicas),
    }
    text = template.read_text(encoding="utf-8")
    unknown = set(PLACEHOLDER.findall(text)) - values.keys()
    if unknown:
        raise TeamError(f"{template}: unknown marks {sorted(unknown)}")
    return PLACEHOLDER.sub(lambda match: values[match.group(1)], text)


def proxy_secret(folder: Path) -> str:
    """Return the secret nginx sends the replicas, made (random) and kept private the first
    time, in `proxy.secret`."""
    kept = folder / "proxy.secret"
    if kept.exists():
        secret = kept.read_text(encoding="utf-8").strip()
        if secret:
            return secret
    secret = secrets.token_urlsafe(32)
    write_private(kept, secret + "\n")
    return secret


def hash_password(password: str) -> str:
    """Return `password` hashed as nginx's auth_basic reads it (SHA-512 crypt, by openssl)."""
    done = subprocess.run(["openssl", "passwd", "-6", "-stdin"], input=password,
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise TeamError(f"openssl passwd failed: {done.stderr.strip()}")
    return done.stdout.strip()


def read_users(folder: Path) -> dict[str, str]:
    """Return the demo users' passwords from `users.txt` ({} when there is none)."""
    users_file = folder / "users.txt"
    if not users_file.exists():
        return {}
    lines = users_file.read_text(encoding="utf-8").splitlines()
    pairs = (line.split(None, 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name: password.strip() for name, password in pairs}


def ensure_users(folder: Path) -> tuple[dict[str, str], bool]:
    """Return the demo users' passwords, made (random) and written to `users.txt` the first
    time; and whether they were made now."""
    users = read_users(folder)
    if set(users) >= set(USERS):
        return users, False
    users = {name: users.get(name) or secrets.token_urlsafe(12) for name in USERS}
    body = "# user password (the demo users of make team; roles set with python -m sahel users)\n"
    write_private(folder / "users.txt", body + "".join(f"{n} {p}\n" for n, p in users.items()))
    return users, True


def write_htpasswd(folder: Path, users: dict[str, str], worker_user: str | None) -> Path:
    """Write nginx's htpasswd file for `users`, readable by nginx's workers only. The lines
    of other people, added by hand (docs/deploy.md), are kept."""
    target = folder / "htpasswd"
    kept = [line for line in (target.read_text(encoding="utf-8").splitlines()
                              if target.exists() else [])
            if line.strip() and line.split(":", 1)[0] not in users]
    write_private(target, "".join(f"{name}:{hash_password(pw)}\n" for name, pw in users.items())
                  + "".join(f"{line}\n" for line in kept))
    if worker_user:
        shutil.chown(target, group=pwd.getpwnam(worker_user).pw_gid)
        target.chmod(0o640)
    return target


def write_private(target: Path, text: str) -> None:
    """Write `text` to `target` readable by its owner only (it holds passwords)."""
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    target.chmod(0o600)


# --- processes and their pid files ----------------------------------------------------------

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


# --- PostgreSQL -----------------------------------------------------------------------------

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


def sahel_command(url: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """Run `python -m sahel ARGUMENTS...` on the team's database."""
    return subprocess.run([sys.executable, "-m", "sahel", *arguments], cwd=ROOT,
                          env={**os.environ, "SAHEL_DATABASE_URL": url}, capture_output=True,
                          text=True, check=False)


def migrate(url: str) -> str:
    """Create or upgrade the store's tables (python -m sahel db upgrade); return what it said."""
    done = sahel_command(url, "db", "upgrade")
    if done.returncode:
        raise TeamError(f"python -m sahel db upgrade failed: {done.stderr.strip()}")
    return done.stdout.strip()


def grant_roles(url: str) -> list[str]:
    """Give the demo users their roles; return a note for each that could not be given."""
    notes = []
    for name, role in USERS.items():
        done = sahel_command(url, "users", "set", name, role)
        if done.returncode:
            said = (done.stderr.strip().splitlines() or ["no message"])[-1]
            notes.append(f"could not give {name} the role {role} "
                         f"(python -m sahel users set {name} {role}: {said})")
    return notes


# --- the dashboard replicas and nginx -------------------------------------------------------

def replica_env(team: Team, url: str) -> dict[str, str]:
    """Return the environment of a replica: the team's store, names from nginx."""
    return {**os.environ, "SAHEL_DATABASE_URL": url, "SAHEL_AUTH": "proxy",
            "SAHEL_TRUSTED_PROXIES": "127.0.0.1,::1",
            "SAHEL_PROXY_SECRET": proxy_secret(team.folder),
            "SAHEL_STORE_DIR": str(team.path("store").resolve()), "PYTHONUNBUFFERED": "1"}


def start_replica(team: Team, index: int, url: str) -> int:
    """Start replica `index` (1-based) unless it runs; wait until it answers; return its pid."""
    port = team.replica_ports[index - 1]
    pid_file = team.replica_pid_file(index)
    pid = running(pid_file, *replica_markers(port))
    if pid is not None:
        return pid
    command = [sys.executable, "serve.py", "dashboard.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]
    log = team.path("logs", f"replica-{index}.log")
    with open(log, "ab") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=replica_env(team, url),
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


def write_nginx_config(team: Team, users: dict[str, str]) -> None:
    """Write nginx's config and htpasswd file, make its temp folder; check the config."""
    user = worker_user()
    temp = team.path("nginx")
    temp.mkdir(exist_ok=True)
    if user:
        shutil.chown(temp, user=user)
    write_htpasswd(team.folder, users, user)
    # Private: it holds the secret the replicas believe (nginx's master, root, reads it).
    write_private(team.path("nginx.conf"),
                  render_nginx_config(team, user, secret=proxy_secret(team.folder)))
    if user:
        reachable_by(user, team.path("htpasswd"))
    checked = subprocess.run([nginx_binary(), "-t", "-q", *nginx_arguments(team)],
                             capture_output=True, text=True, check=False)
    if checked.returncode:
        raise TeamError(f"nginx refuses {team.path('nginx.conf')}: {checked.stderr.strip()}")


def reachable_by(user: str, target: Path) -> None:
    """Raise TeamError unless `user` can read `target` (every folder above it searchable)."""
    done = subprocess.run(["runuser", "-u", user, "--", "test", "-r", str(target)],
                          capture_output=True, check=False)
    if done.returncode:
        raise TeamError(f"{user} cannot read {target}: put the team's folder where every "
                        f"folder above it is searchable by others (chmod o+x)")


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


# --- the commands ---------------------------------------------------------------------------

def prepare_folder(team: Team) -> None:
    """Make the team's folder and its subfolders, searchable by the services' users."""
    for part in ("logs", "store"):
        team.path(part).mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        team.folder.chmod(team.folder.stat().st_mode | 0o711)


def step(text: str) -> None:
    """Say which part of the team starts now."""
    print(f"  {text}…", flush=True)


def start(team: Team) -> int:
    """Start every part of the team that is not running; print the URL and the users."""
    previous = Team.load(team.folder)
    if (previous.port, previous.replica_ports, previous.pg_port) != (
            team.port, team.replica_ports, team.pg_port) and any(parts_running(previous)):
        raise TeamError(f"the team in {team.folder} runs on other ports: stop it first "
                        "(make team-stop)")
    prepare_folder(team)
    team.save()
    print(f"Team in {team.folder}:")
    step(f"PostgreSQL + PostGIS on 127.0.0.1:{team.pg_port}")
    url = start_database(team)
    step("migrations (python -m sahel db upgrade)")
    print("   ", migrate(url))
    step("roles (python -m sahel users set)")
    for note in grant_roles(url):
        print(f"    note: {note}; until then signed-in users get SAHEL_DEFAULT_ROLE")
    for index, port in enumerate(team.replica_ports, start=1):
        step(f"dashboard replica {index} on 127.0.0.1:{port}")
        start_replica(team, index, url)
    users, made = ensure_users(team.folder)
    step(f"nginx on 127.0.0.1:{team.port}")
    write_nginx_config(team, users)
    start_nginx(team)
    print(f"\nThe team's dashboard: {team.url}")
    if made:
        for name, password in users.items():
            print(f"  {name:8} password {password}   (role {USERS[name]})")
        print(f"Passwords kept in {team.path('users.txt')}.")
    else:
        print(f"Users: {', '.join(users)} (passwords in {team.path('users.txt')}).")
    print("Stop everything with: make team-stop")
    return 0


def parts_running(team: Team) -> list[bool]:
    """Return, for nginx, each replica and PostgreSQL, whether it runs."""
    replicas = [running(team.replica_pid_file(i), *replica_markers(port)) is not None
                for i, port in enumerate(team.replica_ports, start=1)]
    nginx = running(team.path("nginx.pid"), *nginx_markers(team)) is not None
    return [nginx, *replicas, cluster_running(team)]


def stop(team: Team) -> int:
    """Stop nginx, the replicas and PostgreSQL (what is running of them)."""
    pid = running(team.path("nginx.pid"), *nginx_markers(team))
    if pid is not None:
        terminate(pid)  # fast stop: a graceful one would wait for every open websocket
        print(f"nginx stopped (pid {pid})")
    for index, port in enumerate(team.replica_ports, start=1):
        pid_file = team.replica_pid_file(index)
        pid = running(pid_file, *replica_markers(port))
        if pid is not None:
            terminate(pid, group=True)
            print(f"replica {index} stopped (pid {pid})")
        pid_file.unlink(missing_ok=True)
    if cluster_running(team):
        cluster_of(team).stop()
        print("PostgreSQL stopped")
    print(f"Nothing of the team in {team.folder} runs now.")
    return 0


def status(team: Team) -> int:
    """Print what runs; return 0 when every part does, 1 otherwise."""
    nginx, *replicas, database = parts_running(team)
    lines = [("PostgreSQL", database, f"127.0.0.1:{team.pg_port}, data in {team.path('pg')}")]
    for index, (port, up) in enumerate(zip(team.replica_ports, replicas, strict=True), 1):
        health = " (health ok)" if up and answers(
            f"http://127.0.0.1:{port}/_stcore/health") else ""
        lines.append((f"replica {index}", up, f"http://127.0.0.1:{port}{health}"))
    lines.append(("nginx", nginx, team.url))
    for name, up, where in lines:
        print(f"{name:11} {'running' if up else 'stopped':8} {where}")
    return 0 if all(up for _, up, _ in lines) else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python scripts/team.py", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["start", "stop", "status"])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR,
                        help="the team's folder (default: .team in the project)")
    parser.add_argument("--port", type=int, help=f"nginx's port (default {DEFAULT_PORT})")
    parser.add_argument("--replica-ports", metavar="PORT,PORT",
                        help="the replicas' ports (default 8601,8602)")
    parser.add_argument("--pg-port", type=int,
                        help=f"PostgreSQL's port (default {DEFAULT_PG_PORT})")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    team = Team.load(args.dir.resolve())
    if args.action == "start":
        if args.port:
            team.port = args.port
        if args.replica_ports:
            team.replica_ports = [int(port) for port in args.replica_ports.split(",")]
        if args.pg_port:
            team.pg_port = args.pg_port
    actions = {"start": start, "stop": stop, "status": status}
    try:
        return actions[args.action](team)
    except (TeamError, ClusterUnavailable) as error:
        print(f"scripts/team.py {args.action}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
