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
folium: ~1 s here) are imported, so the first visitor after a restart does not wait for them.
Serving dashboard.py, a thread then fills the dashboard's caches while the server starts
(`dashboard_cache.warm`: the incidents, the filter choices and the default view's map layer),
so the first visitor does not wait for them either. A visitor who comes sooner waits on the same
computation (Streamlit computes a cached value once); if it fails, that visitor's run meets the
error and shows it.

Streamlit's frontend is some 140 hashed script files, each marked `Cache-Control: immutable`. A
browser with an empty cache fetches them all, and through Starlette's middleware (path checks,
session cookie) and file serving (a worker thread to stat, open and read the file) each costs
about 2 ms of server CPU: 0.3 s per first visit, on the cores the visitor's browser needs as well
when both run on one machine. `ImmutableReplay` keeps each such response the first time it is
served and answers the same plain GET from memory afterwards (0.3 ms).
"""

from __future__ import annotations

import importlib
import socket
import sys
import threading
import time
import traceback
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from streamlit.web import cli
from streamlit.web.server.starlette import starlette_server

BindSocket = Callable[[str, int, int], socket.socket]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Message, Receive, Send], Awaitable[None]]
# Streamlit's whole frontend is ~30 MB; past this, responses are served as before, not kept.
REPLAY_MAX_BYTES = 64 * 1024 * 1024
HOOK_EFFECTS = {"_bind_socket": "TCP_NODELAY",
                "create_starlette_app": "answering repeated file requests from memory"}
# A request with one of these gets the app's own answer (a range, a 304).
_PASSED_ON_HEADERS = frozenset({b"range", b"if-none-match", b"if-modified-since", b"if-range"})
# Imported before the server starts: what dashboard.py's first run would otherwise import. Not
# streamlit_folium: it registers its component on import, which before the server exists is
# lost (the map's iframe then never loads).
WARM_MODULES = ("geopandas", "folium", "sahel.maps", "sahel.incidents", "sahel.overview",
                "sahel.sources", "sahel.export")


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

    A response is kept when it is a 200 whose Cache-Control says `immutable`, with no cookie,
    no content encoding and no Vary, and while the kept bodies stay under `max_bytes`. Anything
    else (other methods, ranges, conditional requests, websockets) goes to the app as before.
    """

    def __init__(self, app: ASGIApp, max_bytes: int = REPLAY_MAX_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.kept_bytes = 0
        self._kept: dict[tuple[str, str, bytes], tuple[Message, bytes]] = {}

    async def __call__(self, scope: Message, receive: Receive, send: Send) -> None:
        if not _plain_get(scope):
            await self.app(scope, receive, send)
            return
        key = (str(scope.get("root_path", "")), str(scope.get("path", "")),
               bytes(scope.get("query_string", b"")))
        kept = self._kept.get(key)
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
                keeping = _immutable(message) if not parts else body
                if keeping:
                    parts.append(message)
                    # Kept before the last part goes: the client may ask again once it has it.
                    if body and not message.get("more_body"):
                        self._keep(key, parts)
                else:
                    parts.clear()
            await send(message)

        await self.app(scope, receive, send_and_keep)

    def _keep(self, key: tuple[str, str, bytes], parts: list[Message]) -> None:
        body = b"".join(bytes(m.get("body", b"")) for m in parts[1:])
        if self.kept_bytes + len(body) > self.max_bytes or key in self._kept:
            return
        self._kept[key] = (dict(parts[0]), body)
        self.kept_bytes += len(body)


def _plain_get(scope: Message) -> bool:
    if scope.get("type") != "http" or scope.get("method") != "GET":
        return False
    return not any(name.lower() in _PASSED_ON_HEADERS for name, _ in scope.get("headers", ()))


def _immutable(start: Message) -> bool:
    if start.get("type") != "http.response.start" or start.get("status") != 200:
        return False
    headers = {bytes(name).lower(): bytes(value) for name, value in start.get("headers", ())}
    if {b"set-cookie", b"content-encoding", b"vary"} & headers.keys():
        return False
    return b"immutable" in headers.get(b"cache-control", b"").lower()


def patch_streamlit() -> list[str]:
    """Make Streamlit's server bind through `with_tcp_protocol` and serve through
    `ImmutableReplay`; return the names of the hooks that are gone (none, normally)."""
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
        starlette_server.create_starlette_app = (
            lambda runtime: ImmutableReplay(create_app(runtime)))  # type: ignore[assignment,return-value]
    return missing


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> None:
    """Import `modules` now, so that the app's first script run finds them loaded."""
    for name in modules:
        importlib.import_module(name)


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
    for hook in patch_streamlit():
        print(f"serve.py: Streamlit's {hook} is gone; starting without "
              f"{HOOK_EFFECTS[hook]}", file=sys.stderr)
    sys.argv = ["streamlit", "run", *argv]
    return int(cli.main() or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
