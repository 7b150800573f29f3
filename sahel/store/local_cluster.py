"""A PostgreSQL cluster of our own in a folder, on a loopback port: for tests and benchmarks.

Debian's `postgresql` package puts `initdb` and `pg_ctl` under `/usr/lib/postgresql/<version>/bin`
(not on PATH). PostgreSQL refuses to run as root, so as root the cluster runs as the `postgres`
system user the package creates. The cluster trusts local connections: it listens on 127.0.0.1
only, and its socket lies in its own folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DEBIAN_BIN = Path("/usr/lib/postgresql")
SUPERUSER = "sahel"
# What a throwaway cluster may skip: it is deleted after the run, so durability buys nothing.
THROWAWAY_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


class ClusterUnavailable(RuntimeError):
    """PostgreSQL (or PostGIS) is not installed here; the message says what to install."""


def postgres_bin() -> Path:
    """Return the folder of `initdb` and `pg_ctl`: on PATH, else Debian's newest version."""
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    versions = sorted(DEBIAN_BIN.glob("*/bin/initdb"),
                      key=lambda path: int(path.parent.parent.name)
                      if path.parent.parent.name.isdigit() else 0)
    if not versions:
        raise ClusterUnavailable("PostgreSQL is not installed (initdb not found): on Debian, "
                                 "apt-get install postgresql postgresql-15-postgis-3 "
                                 "(or make database)")
    return versions[-1].parent


def postgis_installed(bin_dir: Path) -> bool:
    """Return whether the PostGIS extension is installed for the PostgreSQL of `bin_dir`."""
    share = subprocess.run([str(bin_dir / "pg_config"), "--sharedir"], capture_output=True,
                           text=True, check=False).stdout.strip()
    folders = [Path(share)] if share else []
    folders.append(Path("/usr/share/postgresql") / bin_dir.parent.name)
    return any((folder / "extension" / "postgis.control").exists() for folder in folders)


def free_port() -> int:
    """Return a TCP port free on the loopback address now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class LocalCluster:
    """A running cluster: its data folder, port and binaries; `url(db)` to connect."""

    folder: Path
    port: int
    bin_dir: Path
    run_as: str | None

    def url(self, database: str = "postgres") -> str:
        """Return the connection URL of one database of the cluster."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server (fast: open sessions are ended)."""
        self._run("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "fast", "-s")

    def _run(self, program: str, *arguments: str) -> None:
        command = [str(self.bin_dir / program), *arguments]
        if self.run_as:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise ClusterUnavailable(f"{program} failed: {(done.stderr or done.stdout).strip()}")


def start_cluster(folder: Path, port: int | None = None,
                  settings: tuple[str, ...] = ()) -> LocalCluster:
    """Create a cluster in `folder` (made if missing) and start it on 127.0.0.1; return it.

    Raises ClusterUnavailable when PostgreSQL or PostGIS is missing or the server fails to start.
    """
    bin_dir = postgres_bin()
    if not postgis_installed(bin_dir):
        raise ClusterUnavailable(f"PostGIS is not installed for PostgreSQL "
                                 f"{bin_dir.parent.name}: on Debian, apt-get install "
                                 f"postgresql-{bin_dir.parent.name}-postgis-3 (or make database)")
    run_as = "postgres" if os.geteuid() == 0 else None
    folder.mkdir(parents=True, exist_ok=True)
    if run_as:
        shutil.chown(folder, user=run_as)
    cluster = LocalCluster(folder, port or free_port(), bin_dir, run_as)
    data = folder / "data"
    if not (data / "PG_VERSION").exists():
        cluster._run("initdb", "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
                     "--locale=C.UTF-8", "--no-sync")
    options = [f"-p {cluster.port}", "-c listen_addresses=127.0.0.1",
               f"-c unix_socket_directories={folder}",
               *(f"-c {setting}" for setting in settings)]
    cluster._run("pg_ctl", "start", "-D", str(data), "-w", "-s", "-l", str(folder / "server.log"),
                 "-o", " ".join(options))
    return cluster


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[LocalCluster]:
    """Start a cluster in a new temporary folder, yield it, then stop it and delete the folder."""
    folder = Path(tempfile.mkdtemp(prefix="sahel-pg-"))
    try:
        cluster = start_cluster(folder, settings=THROWAWAY_SETTINGS)
        try:
            yield cluster
        finally:
            cluster.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
