"""Who may do what, in Debian's chromium: one dashboard with SAHEL_AUTH=proxy behind small
header-setting proxies, as nginx sets X-Sahel-User after it authenticated someone.

A browser cannot add a header to the websocket that carries Streamlit's session (Playwright's
extra headers reach page requests only), so each identity gets a proxy of its own on a free
loopback port: it passes every request on to the dashboard with the header set (the browser's
own removed), then relays the websocket untouched. The "forger" proxy connects from 127.0.0.2,
which the default SAHEL_TRUSTED_PROXIES (127.0.0.1,::1) does not list.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import harness
import pytest

from sahel.store import IncidentStore
from sahel.store.roles import roles_for

SIDEBAR = '[data-testid="stSidebar"]'
FILTERS = f'{SIDEBAR} [data-testid="stMultiSelect"]'
UPLOADER = '[data-testid="stFileUploader"]'
SIGN_IN_SAYS = "could not tell who you are"
HEADER = b"x-sahel-user"


class HeaderProxy:
    """A loopback HTTP proxy to `upstream` that sets the request headers `extra` (replacing the
    client's of the same names) and connects from `source`."""

    def __init__(self, upstream: str, extra: dict[str, str], source: str = "127.0.0.1") -> None:
        parts = urlsplit(upstream)
        self.target = (parts.hostname or "127.0.0.1", parts.port or 80)
        self.extra = [f"{k}: {v}".encode() for k, v in extra.items()]
        self.replaced = {k.lower().encode() for k in extra} | {HEADER}
        self.source = source
        self.open: set[asyncio.StreamWriter] = set()
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._serve, args=(ready,), daemon=True)
        self.thread.start()
        if not ready.wait(timeout=10):
            raise RuntimeError("the header proxy did not start")

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)

    def _serve(self, ready: threading.Event) -> None:
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(asyncio.start_server(self._relay, "127.0.0.1", 0))
        self.port = server.sockets[0].getsockname()[1]
        ready.set()
        self.loop.run_forever()
        self.loop.run_until_complete(self._shut(server))
        self.loop.close()

    async def _shut(self, server: asyncio.Server) -> None:
        """Close the listener and every connection the browser left open."""
        server.close()
        for writer in self.open:
            writer.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()
        await asyncio.sleep(0)  # the transports' own closing callbacks

    async def _relay(self, client_in: asyncio.StreamReader,
                     client_out: asyncio.StreamWriter) -> None:
        self.open.add(client_out)
        try:
            server_in, server_out = await asyncio.open_connection(
                *self.target, local_addr=(self.source, 0))
        except OSError:
            client_out.close()
            return
        self.open.add(server_out)
        answers = asyncio.ensure_future(_pipe(server_in, client_out))
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            await self._requests(client_in, server_out)
        server_out.close()  # the browser is done with this connection
        await answers

    async def _requests(self, client_in: asyncio.StreamReader,
                        server_out: asyncio.StreamWriter) -> None:
        while True:
            head = await client_in.readuntil(b"\r\n\r\n")
            first, *fields = head[:-4].split(b"\r\n")
            kept = [f for f in fields if f.split(b":")[0].strip().lower() not in self.replaced]
            server_out.write(b"\r\n".join([first, *kept, *self.extra]) + b"\r\n\r\n")
            named = {f.split(b":")[0].strip().lower(): f.split(b":", 1)[1].strip()
                     for f in kept if b":" in f}
            if b"upgrade" in named or b"chunked" in named.get(b"transfer-encoding", b""):
                await _pipe(client_in, server_out)  # a websocket: bytes both ways from now on
                return
            server_out.write(await client_in.readexactly(int(named.get(b"content-length", 0))))
            await server_out.drain()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, ConnectionError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    with contextlib.suppress(OSError, RuntimeError):
        sink.close()


@pytest.fixture(scope="module")
def access_url(app_store_dir: Path) -> Iterator[str]:
    """Start the dashboard with SAHEL_AUTH=proxy (amina editor, moussa viewer), bound to
    127.0.0.1 as `make team` binds its replicas."""
    roles = roles_for(IncidentStore(app_store_dir))
    roles.grant("amina", "editor", "test")
    roles.grant("moussa", "viewer", "test")
    env = {"SAHEL_AUTH": "proxy", "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}
    with harness.running_app(app_store_dir, extra_env=env) as url:
        yield url


@contextlib.contextmanager
def through_proxy(url: str, headers: dict[str, str], source: str = "127.0.0.1") -> Iterator[str]:
    proxy = HeaderProxy(url, headers, source)
    try:
        yield proxy.url
    finally:
        proxy.close()


def sidebar_text(page: object) -> str:
    return str(page.locator(SIDEBAR).inner_text())  # type: ignore[attr-defined]


def test_an_editor_gets_the_uploader_and_the_report_page(
        access_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    with through_proxy(access_url, {"X-Sahel-User": "amina"}) as url:
        page.goto(url)  # type: ignore[attr-defined]
        page.wait_for_selector(UPLOADER, timeout=90_000)  # type: ignore[attr-defined]
        assert "Signed in as amina (editor)" in sidebar_text(page)
        assert "Add from report" in sidebar_text(page)
        assert "Datasets and people" not in sidebar_text(page)  # admins only
        page.goto(f"{url}/Add_from_report")  # type: ignore[attr-defined]
        page.wait_for_selector("textarea", timeout=90_000)  # type: ignore[attr-defined]
    assert browser_page.disallowed() == []


def test_a_viewer_reads_the_map_without_uploader_or_report_form(
        access_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    with through_proxy(access_url, {"X-Sahel-User": "moussa"}) as url:
        page.goto(url)  # type: ignore[attr-defined]
        harness.wait_for_map(page)
        page.wait_for_selector(FILTERS, timeout=90_000)  # type: ignore[attr-defined]
        page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]
        assert "Signed in as moussa (viewer)" in sidebar_text(page)
        harness.assert_reads_only(page, url)
    assert browser_page.disallowed() == []


@pytest.mark.parametrize(("headers", "source"), [
    ({}, "127.0.0.1"),  # the proxy named nobody
    ({"X-Sahel-User": "amina"}, "127.0.0.2"),  # the header from an address not trusted
    # A proxy that also sends X-Forwarded-For: Streamlit's server (uvicorn) then takes the
    # forwarded address for the peer, which is not a trusted proxy (docs/deploy.md).
    ({"X-Sahel-User": "amina", "X-Forwarded-For": "198.51.100.7"}, "127.0.0.1"),
], ids=["no-header", "forged-from-elsewhere", "forwarded-for"])
def test_nobody_named_by_a_trusted_proxy_sees_only_the_sign_in_message(
        access_url: str, browser_page: harness.BlockedPage, headers: dict[str, str],
        source: str) -> None:
    page = browser_page.page
    with through_proxy(access_url, headers, source) as url:
        page.goto(url)  # type: ignore[attr-defined]
        page.wait_for_selector(f"text={SIGN_IN_SAYS}", timeout=90_000)  # type: ignore[attr-defined]
        page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]
        assert page.locator(harness.MAP_FRAME).count() == 0  # type: ignore[attr-defined]
        assert page.locator(SIDEBAR).count() == 0  # type: ignore[attr-defined]
    assert browser_page.disallowed() == []
