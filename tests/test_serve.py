"""serve.py: the server `make run` starts turns Nagle's algorithm off on every connection."""

from __future__ import annotations

import asyncio
import socket
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from streamlit.web.server.starlette import starlette_server

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import serve  # noqa: E402


def accepted_nodelay(listening: socket.socket) -> int:
    """Accept one loopback connection with asyncio, as uvicorn does; return its TCP_NODELAY.

    In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    """
    with listening, ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(_accept_once, listening).result(timeout=30)


def _accept_once(listening: socket.socket) -> int:
    async def run() -> int:
        seen: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        def connected(_reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            sock = writer.get_extra_info("socket")
            seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
            writer.close()

        server = await asyncio.start_server(connected, sock=listening)
        async with server:
            port = listening.getsockname()[1]
            _reader, writer = await asyncio.open_connection("127.0.0.1", port)
            value = await asyncio.wait_for(seen, timeout=10)
            writer.close()
            await writer.wait_closed()
        return value

    return asyncio.run(run())


@pytest.mark.parametrize("address", ["127.0.0.1", "::"])
def test_streamlits_own_socket_leaves_nagle_on_and_serve_turns_it_off(address: str) -> None:
    bind = starlette_server._bind_socket
    # The defect serve.py works around: without it, connections keep Nagle on (40 ms stalls).
    assert accepted_nodelay(bind(address, 0, 8)) == 0
    assert accepted_nodelay(serve.with_tcp_protocol(bind)(address, 0, 8)) != 0


def test_patch_finds_streamlits_bind_hook(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    assert serve.patch_streamlit()
    assert accepted_nodelay(starlette_server._bind_socket("127.0.0.1", 0, 8)) != 0


def test_make_run_starts_the_dashboard_through_serve() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\t$(PYTHON) serve.py dashboard.py " in makefile


def test_server_runs_on_uvloop_with_httptools() -> None:
    # Installed from requirements.txt: Streamlit then runs its server on uvloop, which sets
    # TCP_NODELAY itself, and uvicorn parses HTTP with httptools (static files ~30 % faster).
    from streamlit.web import bootstrap
    from uvicorn.config import Config

    assert bootstrap._get_uvloop_loop_factory() is not None
    config = Config(app=lambda *_: None, http="auto")
    config.load()
    assert config.http_protocol_class.__name__ == "HttpToolsProtocol"


def test_warm_up_loads_what_the_dashboard_imports_first() -> None:
    serve.warm_up()
    assert {"geopandas", "folium", "sahel.maps"} <= set(sys.modules)
    dashboard = "".join((ROOT / name).read_text(encoding="utf-8")
                        for name in ("dashboard.py", "dashboard_cache.py"))
    for name in serve.WARM_MODULES:
        assert f"import {name}" in dashboard or f"from {name} import" in dashboard, name
    # streamlit_folium registers its component on import: before the server, that is lost.
    assert "streamlit_folium" not in serve.WARM_MODULES


def test_server_config_sends_no_usage_stats_and_spares_the_cpu() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableStaticServing"] is True
    # No file polling and no full garbage collection after each run (see the file's comments).
    assert config["server"]["fileWatcherType"] == "none"
    assert config["runner"]["postScriptGC"] is False


def test_cache_warming_failure_is_reported_not_raised(monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    import dashboard_cache

    def broken(store_dir: str) -> int:
        raise ValueError("store is unreadable")

    monkeypatch.setattr(dashboard_cache, "warm", broken)
    serve.warm_caches()
    assert "could not prepare the dashboard's data" in capsys.readouterr().err


def test_serving_the_dashboard_fills_its_caches_in_a_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    warmed: list[str] = []
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    monkeypatch.setattr(sys, "argv", list(sys.argv))
    monkeypatch.setattr(serve.cli, "main", lambda: 0)
    monkeypatch.setattr(serve, "warm_caches",
                        lambda: warmed.append(threading.current_thread().name))
    for script in ("bench/empty_app.py", "dashboard.py"):
        assert serve.main([script, "--server.headless", "true"]) == 0
        for thread in threading.enumerate():
            if thread.name == "warm-caches":
                thread.join(timeout=30)
    assert warmed == ["warm-caches"]  # for the dashboard only, and not in the server's thread


def test_cache_warming_says_when_the_data_are_ready(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("SAHEL_STORE_DIR", str(tmp_path))
    serve.warm_caches()
    # The shipped incidents only: an empty store.
    from sahel.incidents import load_incidents

    shipped = len(load_incidents(tmp_path))
    assert f"the dashboard's data are ready ({shipped:,} incidents" in capsys.readouterr().err
