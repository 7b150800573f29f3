"""The page in French in Debian's chromium: a French browser gets it, the switch turns it back,
and at every width from a phone's to a wide screen's the five headline figures show whole."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import harness  # tests/e2e is on sys.path (see conftest.py)
import pytest

from sahel.synthetic import write_store

# Whether the figures' box clips what it holds (a box of fixed height did, on a phone); each
# figure's label, value and notes, with whether any part is cut or outside the window.
FIGURES = """() => {
    const box = document.querySelector('.st-key-figures');
    const inside = (r) => r.left >= 0 && r.right <= window.innerWidth + 0.5 && r.width > 0;
    const parts = [...box.querySelectorAll(
        '[data-testid="stMetric"], [data-testid="stCaptionContainer"]')];
    const scrolls = (e) => e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1;
    const cut = (e) => e.scrollWidth > e.clientWidth + 1
        && getComputedStyle(e).overflowX !== 'visible';
    return {
        boxClips: getComputedStyle(box).overflow !== 'visible' && scrolls(box),
        figures: parts.map(part => ({
            text: part.innerText.replace(/\\s+/g, ' ').trim(),
            cut: [part, ...part.querySelectorAll('*')].filter(cut).map(e => e.innerText),
            inside: inside(part.getBoundingClientRect())})),
    };
}"""
WIDTHS = (390, 1024, 1400, 1920)
LOCALES = {"en": "en-GB", "fr": "fr-FR"}


@pytest.fixture(scope="module")
def app_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Override: 3,000 synthetic incidents besides the shipped data."""
    directory = tmp_path_factory.mktemp("language_store")
    write_store(directory, 3000, seed=11)
    return directory


@pytest.fixture
def open_page(_chromium: object, app_url: str) -> Iterator[Callable[[str, int], object]]:
    """Yield a function opening the page in a new browser of a language and window width, the
    whole page drawn; outside requests are refused, and checked absent at the end."""
    with ExitStack() as stack:
        opened: list[harness.BlockedPage] = []

        def open_at(language: str, width: int) -> object:
            blocked = stack.enter_context(harness.blocked_page(
                _chromium, width=width, height=900, locale=LOCALES[language]))
            opened.append(blocked)
            blocked.page.goto(app_url)  # type: ignore[attr-defined]
            wait_for_whole_page(blocked.page)
            return blocked.page

        yield open_at
        assert not [url for blocked in opened for url in blocked.disallowed()]


def wait_for_whole_page(page: object) -> None:
    """Wait for the map, the figures and the sidebar's filters, the script idle."""
    harness.wait_for_map(page)
    page.wait_for_selector('.st-key-figures [data-testid="stMetric"]', timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stMultiSelect"], '  # type: ignore[attr-defined]
                           '[data-testid="stExpandSidebarButton"]', state="attached",
                           timeout=60_000)
    page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]


def test_a_french_browser_gets_the_page_in_french(open_page: Callable[[str, int], Any]) -> None:
    page = open_page("fr", 1400)
    assert page.title() == "Incidents au Sahel"
    assert page.locator("h1").first.inner_text() == "Incidents au Sahel"
    labels = list(harness.figures(page))
    assert labels == [
        "Incidents", "Morts (estimation)", "Groupes armés", "Régions", "Dates"]
    # Numbers are grouped the French way (a narrow no-break space).
    assert "\u202f" in page.locator('[data-testid="stMetricValue"]').first.inner_text()
    # The switch brings the English page back, every figure with it.
    page.locator('[data-testid="stSidebar"] label').filter(has_text="English").click()
    page.wait_for_function("() => document.title === 'Sahel incidents'")
    wait_for_whole_page(page)
    assert page.locator("h1").first.inner_text() == "Sahel incidents"
    # The title changes before the figures are redrawn: wait for the English row.
    page.locator('[data-testid="stMetricLabel"]', has_text="Armed groups").wait_for(
        timeout=60_000)
    assert list(harness.figures(page)) == [
        "Incidents", "Fatalities (best)", "Armed groups", "Regions", "Dates"]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_every_figure_shows_whole_from_a_phone_to_a_wide_screen(
        open_page: Callable[[str, int], Any], language: str, tmp_path: Path) -> None:
    for width in WIDTHS:
        page = open_page(language, width)
        page.screenshot(path=str(tmp_path / f"page-{language}-{width}.png"))
        shown = page.evaluate(FIGURES)
        assert not shown["boxClips"], width
        metrics = [f for f in shown["figures"] if f["text"]]
        assert len(metrics) >= 5, (width, metrics)
        for figure in shown["figures"]:
            assert figure["inside"] and not figure["cut"], (width, figure)
