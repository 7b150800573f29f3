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
and leaves the rest); `stop` stops what `start` started, found by its pid file
(scripts/team_processes.py: the processes, their pid files and the PostgreSQL cluster).
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

# The processes' module lies beside this script, which tests also load from its path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from team_processes import (  # noqa: E402  (after the path is set)
    DEFAULT_PG_PORT,
    DEFAULT_PORT,
    ROOT,
    ClusterUnavailable,
    Team,
    TeamError,
    answers,
    cluster_of,
    cluster_running,
    nginx_arguments,
    nginx_binary,
    nginx_markers,
    parts_running,
    replica_markers,
    running,
    start_database,
    start_nginx,
    start_replica,
    terminate,
    worker_user,
    write_private,
)

TEMPLATE = ROOT / "deploy" / "team-nginx.conf"
DEFAULT_DIR = ROOT / ".team"
# The demo users and the role each gets (python -m sahel users set NAME ROLE).
USERS = {"admin": "admin", "editor": "editor", "viewer": "viewer"}
PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


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


def ensure_users(folder: Path) -> tuple[dict[str, str], list[str]]:
    """Return the demo users' passwords, each made (random) and written to `users.txt` the
    first time; and the names of those made now."""
    users = read_users(folder)
    made = [name for name in USERS if not users.get(name)]
    if not made:
        return users, []
    users = {**users, **{name: secrets.token_urlsafe(12) for name in made}}
    body = "# user password (the demo users of make team; roles set with python -m sahel users)\n"
    write_private(folder / "users.txt", body + "".join(f"{n} {p}\n" for n, p in users.items()))
    return users, made


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


# --- processes and their pid files ----------------------------------------------------------


# --- PostgreSQL -----------------------------------------------------------------------------


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
    """Give each demo user its role unless the roles list has one for them (an admin may have
    changed it on the "Datasets and people" page); return a note for each that could not be
    given."""
    listed = sahel_command(url, "users", "list")
    names = {line.split(" · ", 1)[0] for line in listed.stdout.splitlines()
             if " · " in line} if listed.returncode == 0 else set()
    notes = []
    for name, role in USERS.items():
        if name in names:
            continue
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
        start_replica(team, index, replica_env(team, url))
    users, made = ensure_users(team.folder)
    step(f"nginx on 127.0.0.1:{team.port}")
    write_nginx_config(team, users)
    start_nginx(team)
    print(f"\nThe team's dashboard: {team.url}")
    for name in made:
        print(f"  {name:8} password {users[name]}   (role {USERS[name]})")
    print(f"Users: {', '.join(users)} (passwords in {team.path('users.txt')}).")
    print("Stop everything with: make team-stop")
    return 0


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
