"""Start the dashboard as `make run` does and drive it in Debian's chromium with no internet.

Shared by the end-to-end tests (through `conftest.py` fixtures) and `bench/bench_dashboard.py`.
Waits are on conditions (a line from the server, a selector, a JS predicate), never on sleeps.
"""

from __future__ import annotations

import os
import queue
import re
import shlex
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/lib/chromium/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
# The only outside requests the page may attempt: OpenStreetMap tiles (added when reachable).
ALLOWED_EXTERNAL = ("https://tile.openstreetmap.org/",)
MAP_FRAME = 'iframe[title="streamlit_folium.st_folium"]'
APP_IDLE = '[data-testid="stApp"][data-test-script-state="notRunning"]'
STARTUP_TIMEOUT_S = 90


def run_command(port: int, script: str = "dashboard.py") -> list[str]:
    """Return the Makefile's `run` recipe as argv, for this interpreter, `port` and `script`."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    match = re.search(r"^run:.*\n\t(.+)$", makefile, flags=re.MULTILINE)
    if match is None:
        raise RuntimeError("Makefile has no `run` recipe")
    recipe = match.group(1).replace("$(PYTHON)", shlex.quote(sys.executable))
    argv = shlex.split(recipe.replace("$(PORT)", str(port)))
    return [script if arg == "dashboard.py" else arg for arg in argv]


def free_port() -> int:
    """Return a TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def running_app(store_dir: Path, script: str = "dashboard.py", log: list[str] | None = None,
                extra_env: dict[str, str] | None = None,
                procs: list[subprocess.Popen[str]] | None = None) -> Iterator[str]:
    """Run the dashboard (or `script`) on a free loopback port with `SAHEL_STORE_DIR=store_dir`.

    Yields the app's base URL once the server says it listens and `/_stcore/health` is ok. The
    server's output lines are appended to `log` as they come (the benchmark reads timings there),
    and its process to `procs` (the benchmark reads its CPU time).
    """
    port = free_port()
    env = {**os.environ, **(extra_env or {}), "SAHEL_STORE_DIR": str(store_dir),
           "PYTHONUNBUFFERED": "1",
           # bench/ scripts import sahel too: the repo goes on the path, as for dashboard.py.
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                         if p)}
    proc = subprocess.Popen(run_command(port, script), cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    if procs is not None:
        procs.append(proc)
    lines: queue.Queue[str | None] = queue.Queue()
    log = [] if log is None else log
    pump = threading.Thread(target=_pump, args=(proc, lines, log), daemon=True)
    pump.start()
    try:
        _wait_for_line(lines, "URL:", log)
        url = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=10) as response:
            if response.read().strip() != b"ok":
                raise RuntimeError("health check failed:\n" + "".join(log))
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        pump.join(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


def _pump(proc: subprocess.Popen[str], lines: queue.Queue[str | None], log: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        log.append(line)
        lines.put(line)
    lines.put(None)


def _wait_for_line(lines: queue.Queue[str | None], marker: str, log: list[str]) -> None:
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT_S)
        except queue.Empty:
            raise RuntimeError("dashboard did not start:\n" + "".join(log)) from None
        if line is None:
            raise RuntimeError("dashboard exited:\n" + "".join(log))
        if marker in line:
            return


def is_loopback(url: str) -> bool:
    """Return True for URLs on this machine (and data:/blob: URLs, which need no network)."""
    parts = urlsplit(url)
    return parts.scheme in ("data", "blob", "about") or parts.hostname in (
        "127.0.0.1", "localhost", "::1")


@dataclass
class BlockedPage:
    """A Playwright page whose non-loopback requests are aborted and recorded in `external`."""

    page: object  # playwright.sync_api.Page (kept untyped: playwright is optional)
    external: list[str] = field(default_factory=list)

    def disallowed(self) -> list[str]:
        """Return the attempted outside URLs that are not OpenStreetMap tiles."""
        return [u for u in self.external if not u.startswith(ALLOWED_EXTERNAL)]


@contextmanager
def chromium() -> Iterator[object]:
    """Launch Debian's chromium headless through Playwright; yield the Browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def blocked_page(browser: object, width: int = 1400, height: int = 1000,
                 intercept: bool = True, locale: str | None = None) -> Iterator[BlockedPage]:
    """Open a page in a fresh context where no request can leave this machine.

    With `intercept` (the tests) every request is routed through Playwright and outside ones are
    aborted. Without it (the benchmark) outside requests go to a closed loopback proxy and fail
    there, and are only recorded: routing each of the ~60 requests of a page through Python
    added 0.3–1 s to a measured load.
    """
    options: dict[str, object] = {"viewport": {"width": width, "height": height},
                                  "accept_downloads": True}
    if locale is not None:  # the browser's language (navigator.language), e.g. "fr-FR"
        options["locale"] = locale
    if not intercept:
        options["proxy"] = {"server": f"http://127.0.0.1:{free_port()}",
                            "bypass": "127.0.0.1,localhost,[::1]"}
    context = browser.new_context(**options)  # type: ignore[attr-defined]
    blocked = BlockedPage(page=context.new_page())

    def guard(route: object) -> None:
        url = route.request.url  # type: ignore[attr-defined]
        if is_loopback(url):
            route.continue_()  # type: ignore[attr-defined]
        else:
            blocked.external.append(url)
            route.abort()  # type: ignore[attr-defined]

    def record(request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        if not is_loopback(url):
            blocked.external.append(url)

    if intercept:
        context.route("**/*", guard)
    else:
        context.on("request", record)
    try:
        yield blocked
    finally:
        context.close()


def map_frame(page: object) -> object:
    """Return the Playwright Frame of the folium map."""
    handle = page.wait_for_selector(MAP_FRAME, state="attached", timeout=60_000)  # type: ignore[attr-defined]
    frame = handle.content_frame()
    assert frame is not None
    return frame


def wait_for_map(page: object, previous_token: str | None = None, timeout_ms: int = 60_000
                 ) -> tuple[object, str]:
    """Wait until the map has painted incidents (a new render if `previous_token` is given).

    Returns the map frame and the render token, which changes whenever the data drawn change.
    """
    deadline_js = """(prev) => {
        const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
        const b = f && f.contentDocument && f.contentDocument.body;
        const t = b && b.getAttribute('data-sahel-rendered');
        return t && t !== prev ? t : null;
    }"""
    handle = page.wait_for_function(deadline_js, arg=previous_token, timeout=timeout_ms)  # type: ignore[attr-defined]
    token = str(handle.json_value())
    return map_frame(page), token


# The seed report (RFI, 25 Nov 2023) as an analyst saves it, with the header lines that name it.
SEED_REPORT = ROOT / "tests" / "fixtures" / "rfi_2023-11-25_jnim_niafunke_goundam.txt"
SEED_HEADER = "URL: https://www.rfi.fr/\nSOURCE: RFI\nPUBLISHED: 2023-11-25\nLANG: fr\n---\n"


def seed_text() -> str:
    """Return the seed report with its header lines, as the file an analyst uploads."""
    return SEED_HEADER + SEED_REPORT.read_text(encoding="utf-8")


def seed_report_file(folder: Path) -> Path:
    """Write the seed report with its header lines in `folder`; return the file."""
    report = folder / "seed.txt"
    report.write_text(seed_text(), encoding="utf-8")
    return report


def extract_seed_report(page: object, app_url: str, folder: Path) -> None:
    """Open "Add from report", upload the seed report (saved in `folder`) and press "Extract
    incidents"; the caller waits for what the page proposes."""
    report = seed_report_file(folder)
    page.goto(f"{app_url}/Add_from_report")  # type: ignore[attr-defined]
    page.wait_for_selector(APP_IDLE, timeout=90_000)  # type: ignore[attr-defined]
    upload_file(page, report)
    page.get_by_role("button", name="Extract incidents").click()  # type: ignore[attr-defined]


UPLOADED_JS = """(name) => {
    // The uploader shows the file, its upload is over (no spinner, no error) and the run the
    // upload started has finished.
    const chips = [...document.querySelectorAll('[data-testid="stFileChipName"]')];
    return chips.some(chip => chip.innerText.trim() === name)
        && !document.querySelector('[data-testid="stFileChipIconSpinner"]')
        && !document.querySelector('[data-testid="stFileChipIconError"]')
        && !!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]');
}"""


def upload_file(page: object, path: Path, uploader: str = '[data-testid="stFileUploader"]',
                timeout_ms: int = 60_000) -> None:
    """Give `path` to the page's file uploader and return once the page holds it.

    Waiting for the page to be idle right after choosing the file is not enough: the page is
    idle before the upload's run has begun, and a button pressed then is pressed on a page
    without the file (it answers "Paste a report or upload a file first").
    """
    page.locator(f'{uploader} input[type="file"]').set_input_files(str(path))  # type: ignore[attr-defined]
    page.wait_for_function(UPLOADED_JS, arg=path.name, timeout=timeout_ms)  # type: ignore[attr-defined]


FIGURES_JS = """() => {
    // The page's run is over and its five headline figures are all drawn, each with a label.
    if (!document.querySelector('[data-testid="stApp"][data-test-script-state="notRunning"]'))
        return null;
    const ms = [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => [
        (m.querySelector('[data-testid="stMetricLabel"]') || {innerText: ''}).innerText.trim(),
        (m.querySelector('[data-testid="stMetricValue"]') || {innerText: ''}).innerText.trim()]);
    if (ms.length < 5 || ms.some(([label, value]) => !label || !value)) return null;
    return Object.fromEntries(ms);
}"""


def figures(page: object, timeout_ms: int = 60_000) -> dict[str, str]:
    """Return the headline figures as label → value text, once a finished run has drawn all five.

    The map is sent before the figures, and a run draws them one element at a time: reading
    them as soon as one is there (or when the page is idle before the figures' run has begun)
    catches half a row.
    """
    handle = page.wait_for_function(FIGURES_JS, timeout=timeout_ms)  # type: ignore[attr-defined]
    return dict(handle.json_value())


def multiselect_input(page: object, label: str) -> object:
    """Return the text input of the sidebar multiselect labelled `label`."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(  # type: ignore[attr-defined]
        has=page.get_by_text(label, exact=True))  # type: ignore[attr-defined]
    return box.locator("input")


def choose_in_multiselect(page: object, label: str, value: str) -> None:
    """Pick `value` in the sidebar multiselect labelled `label` by typing it, as a person would."""
    type_in_multiselect(page, label, value)
    page.keyboard.press("Enter")  # type: ignore[attr-defined]
    page.keyboard.press("Escape")  # type: ignore[attr-defined]


def type_in_multiselect(page: object, label: str, value: str) -> None:
    """Type `value` in the multiselect labelled `label` without picking it (Enter picks it)."""
    multiselect_input(page, label).click()  # type: ignore[attr-defined]
    page.keyboard.type(value)  # type: ignore[attr-defined]


def assert_reads_only(page: object, url: str) -> None:
    """Assert that a reader's page, its run over, offers no uploader and no link to the pages
    that write; then that the report page, asked for directly at `url`, says why and draws no
    form."""
    sidebar = str(page.locator('[data-testid="stSidebar"]').inner_text())  # type: ignore[attr-defined]
    assert "Add from report" not in sidebar and "Datasets and people" not in sidebar
    assert page.locator('[data-testid="stFileUploader"]').count() == 0  # type: ignore[attr-defined]
    page.goto(f"{url}/Add_from_report")  # type: ignore[attr-defined]
    page.wait_for_selector("text=but not add incidents from reports",  # type: ignore[attr-defined]
                           timeout=90_000)
    page.wait_for_selector(APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]
    assert page.locator("textarea").count() == 0  # type: ignore[attr-defined]
    assert page.locator('[data-testid="stFileUploader"]').count() == 0  # type: ignore[attr-defined]
