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
"""

from __future__ import annotations

import importlib
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from streamlit.web import cli
from streamlit.web.server.starlette import starlette_server

BindSocket = Callable[[str, int, int], socket.socket]
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


def patch_streamlit() -> bool:
    """Make Streamlit's server bind through `with_tcp_protocol`; False if its hook is gone."""
    bind = getattr(starlette_server, "_bind_socket", None)
    if bind is None:
        return False
    starlette_server._bind_socket = with_tcp_protocol(bind)  # type: ignore[attr-defined,assignment]
    return True


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
    if not patch_streamlit():
        print("serve.py: Streamlit's _bind_socket is gone; starting without TCP_NODELAY",
              file=sys.stderr)
    sys.argv = ["streamlit", "run", *argv]
    return int(cli.main() or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
