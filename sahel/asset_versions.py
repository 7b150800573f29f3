"""Versioned URLs for the app's own static files, so that they can be cached for good.

Streamlit serves a file under `static/` at `/app/static/<path>`, compressed again for every
request and with no Cache-Control, so a browser asks for the map's 0.5 MB bundle on every visit.
`asset_url` adds `?v=<version>` to the URL: the first 16 hex digits of the SHA-256 of the file's
bytes, so a changed file gets a new URL. `serve.py` (`VersionedStatic`) marks a response
immutable only when the version asked for is that of the file on disk at that moment
(`names_current_version`): a browser and the server may then keep it as long as they like, and
never keep old bytes under a current name.
"""

from __future__ import annotations

import functools
import hashlib
import re
from pathlib import Path

from sahel import PROJECT_ROOT

ASSET_ROOT = "/app/static"
STATIC_DIR = PROJECT_ROOT / "static"
VERSION_DIGITS = 16
_VERSION_QUERY = re.compile(rf"v=([0-9a-f]{{{VERSION_DIGITS}}})")


@functools.lru_cache(maxsize=64)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    # Keyed by the file's modification time and size too: a rewritten file is read again.
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:VERSION_DIGITS]


def file_version(path: Path) -> str | None:
    """Return the version of the file at `path`, or None when it cannot be read."""
    try:
        stat = path.stat()
        return _digest(str(path), stat.st_mtime_ns, stat.st_size)
    except (OSError, ValueError):  # ValueError: a NUL in the path
        return None


def asset_url(path: str, static_dir: Path = STATIC_DIR) -> str:
    """Return the URL Streamlit serves `static/<path>` at, with its version when it exists."""
    version = file_version(static_dir / path)
    url = f"{ASSET_ROOT}/{path}"
    return url if version is None else f"{url}?v={version}"


def names_current_version(static_dir: Path, path: str, query: str) -> bool:
    """Say whether `/app/static/<path>?<query>` names the current bytes of a file in
    `static_dir` (never a file outside it)."""
    match = _VERSION_QUERY.fullmatch(query)
    if match is None:
        return False
    try:
        root = static_dir.resolve()
        target = (root / path).resolve()
        if not target.is_relative_to(root) or not target.is_file():
            return False
    except (OSError, ValueError):  # a path too long, with a NUL, a loop of links
        return False
    return file_version(target) == match.group(1)
