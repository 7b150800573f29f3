"""Start a Streamlit app as `streamlit run` does, with Nagle's algorithm off on its connections.

    python serve.py dashboard.py [streamlit run options...]     (what `make run` does)

Streamlit 1.67 binds its listening socket without naming the protocol (proto 0), and asyncio sets
TCP_NODELAY only on sockets whose proto is TCP, so every connection keeps Nagle's algorithm on.
A response written in two parts (headers, then body) on a kept-alive connection then waits for the
browser's delayed acknowledgement: about 40 ms a file. A first page load fetches some 150 script
chunks over six connections, so this alone added about a second. Here the listening socket is
re-wrapped with its protocol named; the connections it accepts inherit it and asyncio turns
Nagle off on each. Nothing else about the server changes. With uvloop installed (requirements.txt,
not on Windows) Streamlit runs on it and uvloop turns Nagle off by itself; this keeps the asyncio
fallback (and Windows) from the stall.

Before the server starts, the libraries the dashboard's first run would import (geopandas and
folium: ~1 s here; what streamlit-folium and Streamlit's own first run import: 0.25 s) are
imported, so the first visitor after a restart does not wait for them.
Serving dashboard.py, a thread then fills the dashboard's caches while the server starts
(`dashboard_cache.warm`: the incidents, the filter choices, the default view's map layer, table
and chart), so the first visitor does not wait for them either. A visitor who comes sooner
waits on the same computation (Streamlit computes a cached value once); if it fails, that
visitor's run meets the error and shows it.

Streamlit's frontend is some 140 hashed script files, each marked `Cache-Control: immutable`. A
browser with an empty cache fetches them all, and through Starlette's middleware (path checks,
session cookie) and file serving (a worker thread to stat, open and read the file) each costs
about 2 ms of server CPU: 0.3 s per first visit, on the cores the visitor's browser needs as well
when both run on one machine. `ImmutableReplay` keeps each such response the first time it is
served and answers the same plain GET from memory afterwards (0.3 ms).

The map's own files are served by Streamlit with no Cache-Control and compressed anew for each
request (25 ms of server CPU and 30 ms on the map's path for its 0.5 MB bundle). Their URLs carry
their content's version (`sahel/asset_versions.py`); `VersionedStatic` marks such a response
immutable when the version is that of the file on disk, as it does streamlit-folium's own
content-hashed build files. Browsers then keep them across visits, and `ImmutableReplay` keeps
them compressed, one copy per Accept-Encoding.
"""

from __future__ import annotations

import importlib
import inspect
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from streamlit import config
from streamlit.web import cli
from streamlit.web.server.starlette import starlette_server

from sahel.asset_versions import STATIC_DIR, names_current_version

BindSocket = Callable[[str, int, int], socket.socket]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]
# Streamlit's whole frontend is ~30 MB; past this, responses are served as before, not kept.
REPLAY_MAX_BYTES = 64 * 1024 * 1024
HOOK_EFFECTS = {"_bind_socket": "TCP_NODELAY",
                "create_starlette_app": "answering repeated file requests from memory"}
IMMUTABLE_CACHE_CONTROL = b"public, max-age=31536000, immutable"
# A component's build file named with its content's hash (create-react-app: main.521860b0.js).
HASHED_COMPONENT_FILE = re.compile(
    r"/component/[^/]+/static/(?:js|css|media)/[^/]+\.[0-9a-f]{8,}(?:\.chunk)?\.[a-z0-9]+")
# A request with one of these gets the app's own answer (a range, a 304).
_PASSED_ON_HEADERS = frozenset({b"range", b"if-none-match", b"if-modified-since", b"if-range"})
# Imported before the server starts: what dashboard.py's first run would otherwise import. Not
# streamlit_folium: it registers its component on import, which before the server exists is
# lost (the map's iframe then never loads).
WARM_MODULES = ("geopandas", "folium", "sahel.maps", "sahel.incidents", "sahel.overview",
                "sahel.sources", "sahel.export")
# What streamlit_folium imports (folium.plugins: 0.15 s) can be loaded before, though.
WARM_FOR_STREAMLIT_FOLIUM = ("folium.plugins", "folium.elements", "branca")
# What Streamlit itself imports on the dashboard's first runs: the emoji catalogue to check the
# page icon (0.08 s, before anything is sent) and Pillow for st.image. Its own modules, which
# may move: one that is gone is skipped.
WARM_FOR_STREAMLIT = ("streamlit.emojis", "PIL.Image")


def with_tcp_protocol(bind: BindSocket) -> BindSocket:
    """Return `bind` whose socket says it is TCP, so asyncio sets TCP_NODELAY on accepted ones."""

    def bind_tcp(address: str, port: int, backlog: int) -> socket.socket:
        bound = bind(address, port, backlog)
        sock = socket.socket(bound.family, bound.type, socket.IPPROTO_TCP, fileno=bound.detach())
        sock.setblocking(False)
        sock.set_inheritable(True)
        return sock

    return bind_tcp


class ImmutableReplay:
    """ASGI middleware: answer a repeated plain GET of an immutable file from memory.

    A response is kept when it is a 200 whose Cache-Control says `immutable`, with no cookie and
    no Vary but on Accept-Encoding, and while the kept bodies stay under `max_bytes`. One that
    varies on Accept-Encoding is kept for the request's (a compressed body only goes to a client
    that sent the same); any other once, for every client.
    Anything else (other methods, ranges, conditional requests, websockets) goes to the app as
    before.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = REPLAY_MAX_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.kept_bytes = 0
        self._kept: dict[tuple[str, str, bytes, bytes | None], tuple[Message, bytes]] = {}

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if not _plain_get(scope):
            await self.app(scope, receive, send)
            return
        where = (str(scope.get("root_path", "")), str(scope.get("path", "")),
                 bytes(scope.get("query_string", b"")))
        encodings = _header(scope, b"accept-encoding")
        # One copy for every client, or one per Accept-Encoding for a response that varies on it.
        kept = self._kept.get((*where, None)) or self._kept.get((*where, encodings))
        if kept is not None:
            start, body = kept
            await send(dict(start))
            await send({"type": "http.response.body", "body": body, "more_body": False})
            return
        parts: list[Message] = []
        keeping = True

        async def send_and_keep(message: Message) -> None:
            # Only an immutable response is collected; any other is passed on as it comes.
            nonlocal keeping
            if keeping:
                body = message.get("type") == "http.response.body"
                keeping = _replayable(message) if not parts else body
                if keeping:
                    parts.append(message)
                    # Kept before the last part goes: the client may ask again once it has it.
                    if body and not message.get("more_body"):
                        self._keep((*where, encodings if _varies(parts[0]) else None), parts)
                else:
                    parts.clear()
            await send(message)

        await self.app(scope, receive, send_and_keep)

    def _keep(self, key: tuple[str, str, bytes, bytes | None], parts: list[Message]) -> None:
        body = b"".join(bytes(m.get("body", b"")) for m in parts[1:])
        if self.kept_bytes + len(body) > self.max_bytes or key in self._kept:
            return
        # Replayed in one part, so its length is known (a compressed file went out chunked).
        headers = [(n, v) for n, v in parts[0].get("headers", ())
                   if bytes(n).lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        self._kept[key] = ({**parts[0], "headers": headers}, body)
        self.kept_bytes += len(body)


class VersionedStatic:
    """ASGI middleware: mark immutable a 200 for a file whose URL names its content.

    Those are the app's static files asked for at their current version
    (`/app/static/<path>?v=<version>`, see sahel/asset_versions.py) and components' build files
    named with their content's hash (HASHED_COMPONENT_FILE). Every other response is untouched.
    """

    def __init__(self, app: ASGIApp, static_dir: Path = STATIC_DIR, base_path: str = "") -> None:
        self.app = app
        self.static_dir = static_dir
        # Streamlit's server.baseUrlPath, as the paths it serves start: "" or "/name".
        self.prefix = "/" + base_path.strip("/") if base_path.strip("/") else ""

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("method") not in ("GET", "HEAD") or \
                not self._names_content(scope):
            await self.app(scope, receive, send)
            return

        async def send_marked(message: Message) -> None:
            if message.get("type") == "http.response.start" and message.get("status") == 200:
                headers = [(n, v) for n, v in message.get("headers", ())
                           if bytes(n).lower() != b"cache-control"]
                headers.append((b"cache-control", IMMUTABLE_CACHE_CONTROL))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_marked)

    def _names_content(self, scope: Message) -> bool:
        path = str(scope.get("path", ""))
        if not path.startswith(self.prefix + "/"):
            return False
        path = path[len(self.prefix):]
        static = "/app/static/"
        if path.startswith(static):
            query = bytes(scope.get("query_string", b"")).decode("latin-1")
            return names_current_version(self.static_dir, path[len(static):], query)
        return HASHED_COMPONENT_FILE.fullmatch(path) is not None


def _plain_get(scope: Message) -> bool:
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return False
    return not any(name.lower() in _PASSED_ON_HEADERS for name, _ in scope.get("headers", ()))


def _header(scope: Message, name: bytes) -> bytes:
    """Return a request header's value(s), joined by ", " ("" when absent)."""
    return b", ".join(bytes(v) for n, v in scope.get("headers", ()) if bytes(n).lower() == name)


def _varies(start: Message) -> bool:
    return any(bytes(n).lower() == b"vary" for n, _ in start.get("headers", ()))


def _replayable(start: Message) -> bool:
    if start.get("type") != "http.response.start" or start.get("status") != 200:
        return False
    headers = {bytes(n).lower(): bytes(v).lower() for n, v in start.get("headers", ())}
    if b"set-cookie" in headers:
        return False
    if {v.strip() for v in headers.get(b"vary", b"accept-encoding").split(b",")} != \
            {b"accept-encoding"}:
        return False
    return b"immutable" in headers.get(b"cache-control", b"")


def patch_streamlit(static_dir: Path = STATIC_DIR) -> list[str]:
    """Make Streamlit's server bind through `with_tcp_protocol` and serve through
    `ImmutableReplay` and `VersionedStatic` (for the app's `static_dir`); return the names of
    the hooks that are gone (none, normally)."""
    missing = []
    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None:
        missing.append("_bind_socket")
    else:
        starlette_server._bind_socket = with_tcp_protocol(bind)  # type: ignore[attr-defined,assignment]
    create_app = getattr(starlette_server, "create_starlette_app", None)
    if create_app is None:
        missing.append("create_starlette_app")
    else:
        # uvicorn takes any ASGI app; Streamlit's hint says Starlette.
        def create_patched_app(runtime: Any) -> ImmutableReplay:
            base_path = str(config.get_option("server.baseUrlPath") or "")
            return ImmutableReplay(VersionedStatic(create_app(runtime), static_dir, base_path))

        starlette_server.create_starlette_app = create_patched_app  # type: ignore[assignment]
    return missing


def warm_up(modules: tuple[str, ...] = WARM_MODULES + WARM_FOR_STREAMLIT_FOLIUM,
            optional: tuple[str, ...] = WARM_FOR_STREAMLIT) -> None:
    """Import `modules` and what of `optional` exists now, so that the app's first script runs
    find them loaded; then fill `inspect`'s table of module files.

    A component's declaration (streamlit_folium's, on its import in the first run) finds its
    module with `inspect.getmodule`, which the first time resolves the file of every module
    loaded (~1,800 realpath calls here: 0.1–0.2 s). Done now, that call only looks at the
    modules loaded since.
    """
    for name in modules:
        importlib.import_module(name)
    for name in optional:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    # A code object from no file: its look-up cannot stop early, at a file it already knows.
    inspect.getmodule(compile("", "<serve.py warm-up>", "exec"))


def warm_caches() -> None:
    """Fill the dashboard's caches for the store the app will serve (SAHEL_STORE_DIR)."""
    import dashboard_cache  # beside this file; imports streamlit, not streamlit_folium
    from sahel.store import default_store_dir

    started = time.perf_counter()
    try:
        count = dashboard_cache.warm(str(default_store_dir()))
    except Exception:  # the first visitor's run meets it again and shows it
        print("serve.py: could not prepare the dashboard's data:\n" + traceback.format_exc(),
              file=sys.stderr)
        return
    print(f"serve.py: the dashboard's data are ready ({count:,} incidents, "
          f"{time.perf_counter() - started:.1f} s)", file=sys.stderr, flush=True)


def main(argv: list[str]) -> int:
    """Run `streamlit run ARGV...` with the patched server, the app's libraries loaded (and,
    for dashboard.py, its caches filling in a thread)."""
    warm_up()
    if argv and Path(argv[0]).name == "dashboard.py":
        threading.Thread(target=warm_caches, name="warm-caches", daemon=True).start()
    # Streamlit serves the `static/` folder beside the app's script.
    static_dir = Path(argv[0]).resolve().parent / "static" if argv else STATIC_DIR
    for hook in patch_streamlit(static_dir):
        print(f"serve.py: Streamlit's {hook} is gone; starting without "
              f"{HOOK_EFFECTS[hook]}", file=sys.stderr)
    sys.argv = ["streamlit", "run", *argv]
    return int(cli.main() or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
