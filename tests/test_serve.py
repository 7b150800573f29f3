"""serve.py: the server `make run` starts turns Nagle's algorithm off on every connection."""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import os
import re
import socket
import sys
import tomllib
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from streamlit.web.server.starlette import starlette_server

from sahel import asset_versions

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


def test_patch_finds_streamlits_hooks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(starlette_server, "_bind_socket", starlette_server._bind_socket)
    monkeypatch.setattr(starlette_server, "create_starlette_app", lambda runtime: ("app", runtime))
    assert serve.patch_streamlit(Path("/srv/static")) == []
    assert accepted_nodelay(starlette_server._bind_socket("127.0.0.1", 0, 8)) != 0
    app = starlette_server.create_starlette_app("runtime")
    assert isinstance(app, serve.ImmutableReplay) and isinstance(app.app, serve.VersionedStatic)
    assert app.app.app == ("app", "runtime") and app.app.static_dir == Path("/srv/static")


def test_patch_names_the_hooks_that_are_gone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(starlette_server, "_bind_socket")
    monkeypatch.delattr(starlette_server, "create_starlette_app")
    assert serve.patch_streamlit() == ["_bind_socket", "create_starlette_app"]


IMMUTABLE = [(b"content-type", b"text/javascript"), (b"content-length", b"6"),
             (b"cache-control", b"public, immutable, max-age=31536000")]


class FileApp:
    """An ASGI app that answers every request with `headers` and b"abcdef" in two chunks."""

    def __init__(self, headers: list[tuple[bytes, bytes]], status: int = 200,
                 whole: bool = True) -> None:
        self.headers, self.status, self.whole, self.calls = headers, status, whole, 0

    async def __call__(self, scope: dict, receive: object, send: object) -> None:
        self.calls += 1
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": b"abc", "more_body": True})
        if self.whole:  # else the client went away after the first part
            await send({"type": "http.response.body", "body": b"def", "more_body": False})


def run_in_own_loop(coroutine: Coroutine[Any, Any, None]) -> None:
    """Run `coroutine` to the end in a thread of its own (see `accepted_nodelay`)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, coroutine).result(timeout=30)


def get(app: object, path: str = "/static/js/index.js", method: str = "GET",
        headers: list[tuple[bytes, bytes]] | None = None,
        query: bytes = b"") -> tuple[int, dict[bytes, bytes], bytes]:
    """Send one request through `app`; return the status, headers and body it answered."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "root_path": "",
             "query_string": query, "headers": headers or []}
    run_in_own_loop(app(scope, receive, send))  # type: ignore[operator]
    return (sent[0]["status"], dict(sent[0]["headers"]),
            b"".join(m.get("body", b"") for m in sent[1:]))


def test_a_repeated_get_of_an_immutable_file_is_answered_from_memory() -> None:
    files = FileApp(IMMUTABLE)
    replay = serve.ImmutableReplay(files)
    first = get(replay)
    assert get(replay) == first == (200, dict(IMMUTABLE), b"abcdef")
    assert files.calls == 1 and replay.kept_bytes == 6
    get(replay, path="/static/js/other.js")
    assert files.calls == 2
    # It does not vary on Accept-Encoding: one copy serves every client.
    for encodings in (b"gzip, deflate, br, zstd", b"gzip, deflate", b"identity"):
        assert get(replay, headers=[(b"accept-encoding", encodings)]) == first
    assert files.calls == 2 and replay.kept_bytes == 12


@pytest.mark.parametrize("headers, status", [
    ([(b"cache-control", b"no-cache")], 200),   # index.html, host-config
    ([], 200),                                  # no Cache-Control at all
    (IMMUTABLE + [(b"set-cookie", b"session=1")], 200),
    (IMMUTABLE + [(b"vary", b"cookie")], 200),
    (IMMUTABLE + [(b"vary", b"Accept-Encoding, Origin")], 200),
    (IMMUTABLE, 404),
])
def test_other_responses_are_never_replayed(headers: list[tuple[bytes, bytes]],
                                            status: int) -> None:
    files = FileApp(headers, status)
    replay = serve.ImmutableReplay(files)
    get(replay)
    assert get(replay)[0] == status
    assert files.calls == 2 and replay.kept_bytes == 0


@pytest.mark.parametrize("method, headers", [
    ("HEAD", []), ("POST", []), ("GET", [(b"Range", b"bytes=0-1")]),
    ("GET", [(b"if-none-match", b'"x"')]), ("GET", [(b"if-modified-since", b"Mon")]),
])
def test_ranges_conditional_and_other_methods_go_to_the_app(
        method: str, headers: list[tuple[bytes, bytes]]) -> None:
    files = FileApp(IMMUTABLE)
    replay = serve.ImmutableReplay(files)
    get(replay)
    get(replay, method=method, headers=headers)
    assert files.calls == 2


GZIPPED = [(b"content-type", b"text/javascript"), (b"content-encoding", b"gzip"),
           (b"vary", b"Accept-Encoding"), (b"cache-control", b"public, max-age=1, immutable")]


def test_a_compressed_file_is_replayed_only_to_clients_asking_for_the_same_encoding() -> None:
    files = FileApp(GZIPPED)
    replay = serve.ImmutableReplay(files)
    gzip = [(b"accept-encoding", b"gzip, deflate, br, zstd")]
    assert get(replay, headers=gzip) == (200, dict(GZIPPED), b"abcdef")
    # Sent chunked the first time; replayed in one part, with its length.
    again = (200, {**dict(GZIPPED), b"content-length": b"6"}, b"abcdef")
    assert get(replay, headers=gzip) == again and files.calls == 1
    get(replay)  # no Accept-Encoding: the app answers (uncompressed, for a real one)
    get(replay, headers=[(b"accept-encoding", b"identity")])
    assert files.calls == 3 and replay.kept_bytes == 18  # a copy per Accept-Encoding


def test_a_response_cut_short_is_not_kept() -> None:
    files = FileApp(IMMUTABLE, whole=False)
    replay = serve.ImmutableReplay(files)
    get(replay)
    get(replay)
    assert files.calls == 2 and replay.kept_bytes == 0


def test_responses_past_the_memory_limit_are_served_not_kept() -> None:
    files = FileApp(IMMUTABLE)
    replay = serve.ImmutableReplay(files, max_bytes=10)
    get(replay, path="/a.js")
    assert get(replay, path="/b.js")[2] == b"abcdef"
    get(replay, path="/b.js")
    assert files.calls == 3 and replay.kept_bytes == 6


def test_websockets_go_to_the_app() -> None:
    seen: list[str] = []

    async def app(scope: dict, receive: object, send: object) -> None:
        seen.append(scope["type"])

    run_in_own_loop(serve.ImmutableReplay(app)(  # type: ignore[arg-type]
        {"type": "websocket", "path": "/_stcore/stream"}, None, None))
    assert seen == ["websocket"]


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
    # The page is dashboard.py and its modules beside it (dashboard_cache, _filters, _upload, …).
    dashboard = "".join(path.read_text(encoding="utf-8") for path in ROOT.glob("dashboard*.py"))
    for name in serve.WARM_MODULES:
        assert f"import {name}" in dashboard or f"from {name} import" in dashboard, name
    # streamlit_folium registers its component on import: before the server, that is lost.
    assert "streamlit_folium" not in serve.WARM_MODULES + serve.WARM_FOR_STREAMLIT_FOLIUM
    package = Path(importlib.util.find_spec("streamlit_folium").origin).read_text(encoding="utf-8")
    for name in serve.WARM_FOR_STREAMLIT_FOLIUM:
        assert f"import {name}\n" in package, name


def test_warm_up_loads_what_streamlit_loads_on_the_first_run_and_skips_what_is_gone() -> None:
    serve.warm_up(modules=(), optional=("streamlit.emojis", "streamlit.no_such_module"))
    assert "streamlit.emojis" in sys.modules
    # The dashboard's page icon is an emoji: Streamlit checks it against that catalogue.
    assert 'page_icon="\U0001f5fa\ufe0f"' in (ROOT / "dashboard.py").read_text(encoding="utf-8")
    with pytest.raises(ImportError):
        serve.warm_up(modules=("no_such_module",), optional=())


def test_warm_up_leaves_a_components_declaration_little_to_look_up(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    serve.warm_up()
    # A module new since, declaring itself as streamlit_folium's component does.
    (tmp_path / "fresh_component.py").write_text(
        "import inspect\nMODULE = inspect.getmodule(inspect.currentframe())\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    resolved: list[str] = []
    realpath = os.path.realpath
    monkeypatch.setattr(os.path, "realpath", lambda p, *a, **k: resolved.append(p) or realpath(
        p, *a, **k))
    module = importlib.import_module("fresh_component")
    assert module.MODULE is module
    # Only the modules loaded since the warm-up are resolved, not all ~1,500.
    assert 0 < len(resolved) < 100


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


def versioned_static(tmp_path: Path, headers: list[tuple[bytes, bytes]], status: int = 200,
                     base_path: str = "") -> tuple[serve.VersionedStatic, str]:
    """Return VersionedStatic over FileApp(headers) for tmp_path/static, holding
    `sahel/map-bundle.js`, and the current version of that file."""
    static = tmp_path / "static"
    (static / "sahel").mkdir(parents=True)
    (static / "sahel" / "map-bundle.js").write_text("var a = 1;\n")
    (tmp_path / "secret.txt").write_text("s")
    version = asset_versions.file_version(static / "sahel" / "map-bundle.js")
    assert version is not None
    return serve.VersionedStatic(FileApp(headers, status), static, base_path), version


STREAMLIT_STATIC = [(b"content-type", b"application/javascript"), (b"etag", b'"e"'),
                    (b"vary", b"Accept-Encoding"), (b"content-encoding", b"gzip")]
MARKED = (b"cache-control", serve.IMMUTABLE_CACHE_CONTROL)


def test_a_static_file_asked_for_at_its_version_is_marked_immutable(tmp_path: Path) -> None:
    app, version = versioned_static(tmp_path, STREAMLIT_STATIC + [(b"cache-control", b"no-cache")])
    query = f"v={version}".encode()
    status, headers, body = get(app, "/app/static/sahel/map-bundle.js", query=query)
    assert (status, body) == (200, b"abcdef")
    assert headers == {**dict(STREAMLIT_STATIC), MARKED[0]: MARKED[1]}
    # So the replay keeps it, compressed.
    replay = serve.ImmutableReplay(app)
    gzip = [(b"accept-encoding", b"gzip")]
    for _ in range(3):
        get(replay, "/app/static/sahel/map-bundle.js", headers=gzip, query=query)
    assert isinstance(app.app, FileApp) and app.app.calls == 2


def test_an_old_version_or_no_version_is_not_marked(tmp_path: Path) -> None:
    app, version = versioned_static(tmp_path, STREAMLIT_STATIC)
    bundle = tmp_path / "static" / "sahel" / "map-bundle.js"
    bundle.write_text("var a = 2;\n")  # re-created while the server runs
    new = asset_versions.file_version(bundle)
    assert new != version
    for path, query in [("/app/static/sahel/map-bundle.js", f"v={version}"),
                        ("/app/static/sahel/map-bundle.js", ""),
                        ("/app/static/sahel/map-bundle.js", f"v={new}&x=1"),
                        ("/app/static/sahel/missing.js", f"v={new}"),
                        ("/app/static/../secret.txt",
                         f"v={asset_versions.file_version(tmp_path / 'secret.txt')}"),
                        ("/app/static/sahel/map\x00-bundle.js", f"v={new}"),
                        ("/app/static/" + "a/" * 3000 + "b.js", f"v={new}"),
                        ("/static/js/index.js", f"v={new}")]:
        assert get(app, path, query=query.encode())[1] == dict(STREAMLIT_STATIC), (path, query)
    assert MARKED in get(app, "/app/static/sahel/map-bundle.js",
                         query=f"v={new}".encode())[1].items()


def test_an_error_is_never_marked(tmp_path: Path) -> None:
    app, version = versioned_static(tmp_path, [(b"content-type", b"text/plain")], status=404)
    headers = get(app, "/app/static/sahel/map-bundle.js", query=f"v={version}".encode())[1]
    assert b"cache-control" not in headers


@pytest.mark.parametrize("path, marked", [
    ("/component/streamlit_folium.st_folium/static/js/main.521860b0.js", True),
    ("/component/x.y/static/js/2.0a1b2c3d.chunk.js", True),
    ("/component/x.y/static/css/main.0a1b2c3d.css", True),
    ("/component/streamlit_folium.st_folium/index.html", False),
    ("/component/x.y/static/js/main.js", False),
    ("/component/x.y/static/js/main.XYZ12345.js", False),
    ("/component/x.y/other/main.521860b0.js", False),
])
def test_components_content_hashed_files_are_marked(tmp_path: Path, path: str,
                                                    marked: bool) -> None:
    app, _ = versioned_static(tmp_path, [(b"cache-control", b"public")])
    assert (MARKED in get(app, path)[1].items()) is marked


def test_a_base_url_path_is_honoured(tmp_path: Path) -> None:
    app, version = versioned_static(tmp_path, STREAMLIT_STATIC, base_path="/sahel/")
    query = f"v={version}".encode()
    assert MARKED in get(app, "/sahel/app/static/sahel/map-bundle.js", query=query)[1].items()
    assert MARKED not in get(app, "/app/static/sahel/map-bundle.js", query=query)[1].items()


def test_asset_urls_change_with_the_files_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text("1")
    first = asset_versions.asset_url("a.js", tmp_path)
    assert re.fullmatch(r"/app/static/a\.js\?v=[0-9a-f]{16}", first)
    (tmp_path / "a.js").write_text("22")
    assert asset_versions.asset_url("a.js", tmp_path) != first
    assert asset_versions.asset_url("gone.js", tmp_path) == "/app/static/gone.js"
