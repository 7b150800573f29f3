"""The chart over time and the trends in Debian's chromium, offline: drawn by Streamlit's own
Vega-Lite (no outside request), a drag across the chart sets the Dates filter, a click in the
trends sets the Region filter; screenshots at 390, 1024 and 1400 px wide.

Screenshots go to `SAHEL_SCREENSHOTS` when it is set (a folder, to look at them), else to the
test's temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import harness  # tests/e2e is on sys.path (see conftest.py)
import pytest

from sahel.synthetic import write_store

CHART = '[data-testid="stVegaLiteChart"]'
# The chart's drawing: Vega renders to a canvas in Streamlit (an SVG in some versions).
CHART_DRAWN = f"{CHART} canvas, {CHART} svg"
TABLE = '[data-testid="stDataFrame"]'
# The Dates filter's two ends, as ISO dates.
DATES = '[data-testid="stSidebar"] [data-testid="stDateInput"] input[type="date"]'
DATES_VALUE = f"[...document.querySelectorAll('{DATES}')].map(i => i.value).join(' ')"
# The picks shown in the sidebar's multiselects.
TAGS = '[data-testid="stSidebar"] [data-testid="stMultiSelectTagsContainer"] [data-tag]'
INCIDENTS = """() => [...document.querySelectorAll('[data-testid="stMetric"]')]
    .find(m => m.innerText.startsWith('Incidents'))
    .querySelector('[data-testid="stMetricValue"]').innerText.replace(/\\D/g, '')"""


@pytest.fixture(scope="module")
def app_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Override: 3,000 synthetic incidents (2020–2025) besides the shipped data."""
    directory = tmp_path_factory.mktemp("chart_store")
    write_store(directory, 3000, seed=11)
    return directory


def open_page(page: object, url: str) -> None:
    """Load the dashboard and wait until the chart is drawn and the script idle."""
    page.goto(url)  # type: ignore[attr-defined]
    harness.wait_for_map(page)
    page.wait_for_selector(CHART_DRAWN, timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_selector(harness.APP_IDLE)  # type: ignore[attr-defined]


def dates_shown(page: object) -> str:
    """Return the Dates filter's ends, "YYYY-MM-DD YYYY-MM-DD"."""
    return str(page.evaluate(f"() => {DATES_VALUE}"))  # type: ignore[attr-defined]


def wait_for_run(page: object, change: str) -> None:
    """Wait until the script has run again and `change` (a JS predicate) holds."""
    page.wait_for_function(change, timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_selector(harness.APP_IDLE)  # type: ignore[attr-defined]


def test_brushing_the_chart_sets_the_dates_offline(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    open_page(page, app_url)
    before = dates_shown(page)
    chart = page.locator(CHART).first
    chart.scroll_into_view_if_needed()
    box = chart.locator("canvas, svg").first.bounding_box()
    # Across the middle third of the plot, well above the legend (the plot is its top 240 px).
    y = box["y"] + 120
    page.mouse.move(box["x"] + box["width"] * 0.4, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=8)
    page.mouse.up()
    wait_for_run(page, f"() => {DATES_VALUE} !== {before!r}")
    first, last = dates_shown(page).split()
    assert "2020-01-01" < first < last < "2025-07-01"
    # Whole months of a several-year view: from a first of the month to a month's end.
    assert first.endswith("-01") and last[-2:] in ("28", "29", "30", "31")
    # Drawn below the map, later in the run than the dates in the sidebar.
    page.get_by_role("button", name="All dates").wait_for(timeout=60_000)
    assert browser_page.disallowed() == []


def test_clicking_a_trend_row_sets_the_region(app_url: str,
                                              browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    open_page(page, app_url)
    before = int(harness.figures(page)["Incidents"].replace(",", ""))
    trends = page.locator(TABLE).nth(1)
    trends.scroll_into_view_if_needed()
    box = trends.bounding_box()
    # The first row's selection box: left edge of the table, below the header row.
    page.mouse.click(box["x"] + 16, box["y"] + 35 + 17)
    wait_for_run(page, f"() => document.querySelectorAll('{TAGS}').length > 0")
    # One region picked (the trends' first row), and the page shows its incidents only.
    tags = page.locator(TAGS).all_inner_texts()
    assert len(tags) == 1 and tags[0].strip()
    page.wait_for_function(f"() => Number(({INCIDENTS})()) < {before}")
    assert browser_page.disallowed() == []


@pytest.mark.parametrize("width", [390, 1024, 1400])
def test_chart_and_tables_at_every_width(app_url: str, width: int, tmp_path: Path,
                                         _chromium: object) -> None:
    folder = Path(os.environ.get("SAHEL_SCREENSHOTS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    with harness.blocked_page(_chromium, width=width, height=1000) as blocked:
        page = blocked.page
        open_page(page, app_url)
        chart = page.locator(CHART).first
        chart.scroll_into_view_if_needed()
        chart.screenshot(path=str(folder / f"chart_{width}.png"))
        page.locator(TABLE).first.screenshot(path=str(folder / f"table_{width}.png"))
        page.locator(TABLE).nth(1).screenshot(path=str(folder / f"trends_{width}.png"))
        # The chart fits its column; its text is never shrunk below 12 px (Vega draws it at
        # the spec's size: no scaling of a picture).
        page_width = page.evaluate("() => document.documentElement.clientWidth")
        drawn = chart.locator("canvas, svg").first.bounding_box()
        assert drawn["x"] >= 0 and drawn["x"] + drawn["width"] <= page_width + 1
        assert drawn["height"] > 300  # the plot and its legend below it
        if width >= 1400:
            # The analyst's first columns are all in view without scrolling the table.
            table = page.locator(TABLE).first.bounding_box()
            headers = page.evaluate("""(sel) => {
                const t = document.querySelector(sel).getBoundingClientRect();
                return [...document.querySelectorAll(sel + ' [role="columnheader"]')]
                    .map(h => [h.innerText.trim(), h.getBoundingClientRect().right <= t.right]);
            }""", TABLE)
            visible = {name for name, inside in headers if inside}
            assert {"Date", "Place", "Region", "Armed groups", "Event type", "Fatalities",
                    "Source"} <= visible, headers
            assert table["width"] > 800
        assert blocked.disallowed() == []
