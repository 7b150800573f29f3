"""The dashboard in Debian's chromium, offline: map, region filter, CSV, the seed's claims."""

from __future__ import annotations

import gzip
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import harness  # tests/e2e is on sys.path (see conftest.py)
import pytest
import streamlit
import streamlit_folium

from sahel.map_payload import DEFLATE_MIN_INCIDENTS
from sahel.synthetic import write_store

ROOT = Path(__file__).resolve().parents[2]
REGION = "Tombouctou"
PACKING = "() => window.map.getContainer().getAttribute('data-sahel-packing')"
SEED_IDS = {"Niafunké": "SEED-RFI-20231124-1", "Goundam": "SEED-RFI-20231124-2"}


@pytest.fixture(scope="module")
def app_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Override: this module's store holds 3,000 synthetic incidents besides the shipped data."""
    directory = tmp_path_factory.mktemp("e2e_store")
    write_store(directory, 3000, seed=11)
    return directory


# The centre of the largest shaded region in view, away from the map's edges and controls.
REGION_PIXEL = """() => {
    const m = window.map, size = m.getSize();
    let best = null;
    m.eachLayer(l => {
        if (!(l instanceof L.Polygon) || l.options.interactive === false) return;
        const b = l.getBounds(), c = m.latLngToContainerPoint(b.getCenter());
        const area = (b.getNorth() - b.getSouth()) * (b.getEast() - b.getWest());
        if (c.x > 80 && c.y > 80 && c.x < size.x - 260 && c.y < size.y - 80
            && (!best || area > best[2])) best = [c.x, c.y, area];
    });
    return best;
}"""


# The layer control's overlays: click one by name; list those switched on, in order.
OVERLAY_LABELS = "[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
OVERLAY_CLICK = f"""(name) => {OVERLAY_LABELS}
    .find(l => l.innerText.trim() === name).querySelector('input').click()"""
OVERLAYS_ON = f"""() => {OVERLAY_LABELS}
    .filter(l => l.querySelector('input').checked).map(l => l.innerText.trim())"""


def fetch(url: str, gzip: bool = False) -> tuple[int, dict[str, str], bytes]:
    """GET `url` (asking for gzip when `gzip`); return the status, the headers (lower-case names,
    no Date) and the body as sent."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip"} if gzip else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        headers = {k.lower(): v for k, v in response.headers.items() if k.lower() != "date"}
        return response.status, headers, response.read()


def test_frontend_files_are_served_whole_and_the_same_every_time(app_url: str) -> None:
    # serve.py answers a repeated GET of an immutable file from memory: it must be the file.
    static = Path(streamlit.__file__).parent / "static"
    index = fetch(app_url + "/")
    assert index[1]["cache-control"] == "no-cache"
    scripts = re.findall(r'(?:src|href)="\./(static/js/[^"]+\.js)"', index[2].decode())
    assert len(scripts) > 10
    for script in scripts[:3] + scripts[-3:]:
        first, again = fetch(f"{app_url}/{script}"), fetch(f"{app_url}/{script}")
        assert first == again
        status, headers, body = first
        assert status == 200 and body == (static / script).read_bytes()
        assert "immutable" in headers["cache-control"]
        assert int(headers["content-length"]) == len(body)
        assert headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert fetch(app_url + "/")[2] == index[2]


RESOURCES = "() => performance.getEntriesByType('resource').map(e => [e.name, e.transferSize])"


def test_the_maps_files_are_kept_by_the_browser_and_by_the_server(
        app_url: str, _chromium: object) -> None:
    # Not the usual page: Playwright's routing turns the browser's cache off.
    with harness.blocked_page(_chromium, intercept=False) as blocked:
        page = blocked.page
        page.goto(app_url)
        frame, _ = harness.wait_for_map(page)
        loaded = dict(frame.evaluate(RESOURCES))
        bundle = next(u for u in loaded if "/app/static/sahel/map-bundle.js?v=" in u)
        component = next(u for u in loaded if re.search(r"/component/[^/]+/static/js/main\.", u))
        component_file = Path(streamlit_folium.__file__).parent / "frontend" / "build" / (
            "static/js/" + component.rsplit("/", 1)[1])
        for url, on_disk in [(bundle, ROOT / "static" / "sahel" / "map-bundle.js"),
                             (component, component_file)]:
            # Compressed once, kept by serve.py and sent again from memory: the same file.
            first, again = fetch(url, gzip=True), fetch(url, gzip=True)
            assert first[2] == again[2] and gzip.decompress(first[2]) == on_disk.read_bytes()
            assert first[1]["content-encoding"] == "gzip"
            assert "immutable" in first[1]["cache-control"] == again[1]["cache-control"]
        # Under an old version the file is served as Streamlit serves it, not marked.
        assert "cache-control" not in fetch(bundle.split("?")[0] + "?v=" + "0" * 16)[1]
        # A returning visit takes both from the browser's cache.
        page.goto(app_url)
        frame, _ = harness.wait_for_map(page)
        again_loaded = dict(frame.evaluate(RESOURCES))
        assert again_loaded[bundle] == 0 and again_loaded[component] == 0
        assert loaded[bundle] > 0
        assert blocked.disallowed() == []


def hover_tooltips(page: object, frame: object, x: float, y: float) -> list[str]:
    """Move the mouse to map pixel (x, y); return the texts of the open tooltips."""
    box = page.query_selector(harness.MAP_FRAME).bounding_box()
    page.mouse.move(box["x"] + x, box["y"] + y)
    page.mouse.move(box["x"] + x + 2, box["y"] + y + 1)
    return frame.evaluate("() => [...document.querySelectorAll('.leaflet-tooltip')]"
                          ".map(t => t.innerText)")


def test_region_tooltip_shows_through_the_points_canvas(app_url: str,
                                                        browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    page.goto(app_url)
    frame, _ = harness.wait_for_map(page)
    # Points off (their canvas stays): what is under the pixel is then surely the region.
    frame.evaluate("() => window.map.removeLayer(window.sahelLayer.points) && 1")
    x, y, _ = frame.evaluate(REGION_PIXEL)
    tips = hover_tooltips(page, frame, x, y)
    assert any(t.startswith("Region") for t in tips), tips
    assert browser_page.disallowed() == []


# In every frame: record the order of the map's fitBounds calls and of outline layers added, and
# for each redraw of a canvas whether it held outlines and whether the incidents were drawn yet.
OUTLINE_ORDER = """
(() => {
  let real;
  window.sahelOrder = [];
  window.sahelRedraws = [];
  Object.defineProperty(window, 'L', { configurable: true, get: () => real, set: (v) => {
    real = v;
    const fit = v.Map.prototype.fitBounds, add = v.LayerGroup.prototype.onAdd;
    const redraw = v.Canvas.prototype._redraw;
    v.Map.prototype.fitBounds = function () {
      window.sahelOrder.push('fit'); return fit.apply(this, arguments); };
    v.GeoJSON.prototype.onAdd = function () {
      window.sahelOrder.push('outlines'); return add.apply(this, arguments); };
    v.Canvas.prototype._redraw = function () {
      const outlines = Object.values(this._layers).some((l) => l.feature);
      window.sahelRedraws.push({ outlines: outlines, points: !!window.sahelLayer });
      return redraw.apply(this, arguments);
    };
  } });
})();
"""


def test_outlines_are_drawn_once_for_the_first_view(app_url: str,
                                                    browser_page: harness.BlockedPage) -> None:
    # Added with the first view's points, after it has set its bounds: projected and drawn once.
    page = browser_page.page
    page.add_init_script(OUTLINE_ORDER)
    page.goto(app_url)
    frame, _ = harness.wait_for_map(page)
    assert frame.evaluate("() => window.sahelOrder.slice(0, 3)") == ["fit", "outlines", "outlines"]
    # This view travels deflated: the canvas is not drawn with the outlines alone while it is
    # inflated, and then again with the points.
    assert frame.evaluate(PACKING) == "deflated"
    redraws = frame.evaluate("() => window.sahelRedraws")
    assert [r for r in redraws if r["outlines"]][0] == {"outlines": True, "points": True}, redraws
    assert frame.evaluate("() => { let n = 0; window.map.eachLayer(l => { if (l.feature) n++; });"
                          " return n; }") > 300  # the regions' and countries' shapes
    assert browser_page.disallowed() == []


def test_a_map_with_no_view_still_shows_the_outlines(app_url: str,
                                                     browser_page: harness.BlockedPage) -> None:
    from sahel.maps import base_map

    page = browser_page.page
    page.route(f"{app_url}/base-map-only.html", lambda route: route.fulfill(
        content_type="text/html", body=base_map(400).get_root().render()))
    page.goto(f"{app_url}/base-map-only.html")
    shapes = "() => { let n = 0; window.map.eachLayer(l => { if (l.feature) n++; }); return n; }"
    page.wait_for_function(f"({shapes})() > 300")
    assert browser_page.disallowed() == []


# In the top page: record the values frames set through Streamlit's component protocol.
COMPONENT_VALUES = """
(() => {
  if (window.top !== window) return;
  window.sahelValues = [];
  window.addEventListener('message', (e) => {
    const value = e.data && e.data.type === 'streamlit:setComponentValue' && e.data.value;
    if (value) window.sahelValues.push(value);
  });
})();
"""
FILTERS_DRAWN = '[data-testid="stSidebar"] [data-testid="stMultiSelect"]'


def test_map_says_it_painted_and_the_rest_of_the_page_follows(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    page.add_init_script(COMPONENT_VALUES)
    page.goto(app_url)
    harness.wait_for_map(page)
    page.wait_for_selector(FILTERS_DRAWN)
    page.wait_for_selector('[data-testid="stDataFrame"]')
    page.wait_for_selector(harness.APP_IDLE)
    # One message, the map's own (streamlit-folium sends none: returned_objects=[]).
    assert page.evaluate("() => window.sahelValues") == [{"painted": "drawn"}]
    assert page.get_by_role("button", name="Download CSV").is_visible()
    assert browser_page.disallowed() == []


# In the top page: record where the map's frame is, each animation frame it moves.
MAP_TOPS = """
(() => {
  if (window.top !== window) return;
  window.sahelTops = [];
  const tick = () => {
    const f = document.querySelector('iframe[title="streamlit_folium.st_folium"]');
    const top = f && Math.round(f.getBoundingClientRect().top);
    const last = window.sahelTops[window.sahelTops.length - 1];
    if (f && (!last || last[1] !== top)) window.sahelTops.push([performance.now(), top]);
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
})();
"""


def test_the_map_stays_put_when_the_figures_and_filters_come(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    # The first run leaves the figures an empty box of their height; the next one fills it.
    page = browser_page.page
    page.add_init_script(MAP_TOPS)
    page.goto(app_url)
    frame, _ = harness.wait_for_map(page)
    page.wait_for_selector('[data-testid="stMetric"]')
    page.wait_for_selector('[data-testid="stDataFrame"]')
    page.wait_for_selector(harness.APP_IDLE)
    painted = frame.evaluate("() => performance.timeOrigin + window.sahelTiming.painted"
                             ) - page.evaluate("() => performance.timeOrigin")
    tops = page.evaluate("() => window.sahelTops")
    since = [top for at, top in tops if at >= painted]
    at_paint = [top for at, top in tops if at < painted][-1]
    assert since in ([], [at_paint]), tops
    assert browser_page.disallowed() == []


def test_page_is_drawn_whole_when_the_map_cannot_paint(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    page.route("**/app/static/sahel/map-bundle.js?*", lambda route: route.abort())
    page.goto(app_url)
    # No map code, so no "painted" message: the fallback timer draws the filters and the table.
    page.wait_for_selector(FILTERS_DRAWN, timeout=30_000)
    page.wait_for_selector('[data-testid="stDataFrame"]')
    # Streamlit draws a run's elements one after another: wait for the button, don't sample it.
    page.get_by_role("button", name="Download CSV").wait_for(state="visible", timeout=10_000)
    frame = harness.map_frame(page)
    assert frame.evaluate("() => document.body.getAttribute('data-sahel-rendered')") is None


def test_dashboard_offline_filter_download_and_seed(app_url: str, app_store_dir: Path,
                                                    browser_page: harness.BlockedPage,
                                                    tmp_path: Path) -> None:
    page = browser_page.page
    page.goto(app_url)
    _, token = harness.wait_for_map(page)
    page.wait_for_selector(harness.APP_IDLE)
    # The store holds the user's 3,000 incidents, so the shipped examples (the seed report's
    # among them) are left out until asked for.
    assert int(harness.figures(page)["Incidents"].replace(",", "")) == 3000
    assert page.get_by_text("Incidents: demonstration data left out").is_visible()
    page.get_by_text("Include demonstration data").click()
    _, token = harness.wait_for_map(page, previous_token=token)
    page.wait_for_selector(harness.APP_IDLE)
    before = harness.figures(page)
    assert int(before["Incidents"].replace(",", "")) > 3000

    frame = harness.map_frame(page)
    # A view this big travels deflated: every incident and its popup arrive intact.
    assert frame.evaluate(PACKING) == "deflated"
    assert frame.evaluate("() => window.sahelLayer.data.n") == int(
        before["Incidents"].replace(",", ""))
    popup = frame.evaluate("(id) => window.sahelLayer.openIncident(id)", SEED_IDS["Niafunké"])
    assert "Niafunké" in popup and "sources locales (local sources): killed 50" in popup
    # A payload this browser cannot unpack says so on the map; the next view takes it away.
    frame.evaluate("() => { SahelIncidents.render({deflated: btoa('not zlib')}, {}); }")
    frame.wait_for_selector("text=could not be unpacked")
    # Heat map on, and a mark on the map's page: a filter redraws the layer in the same map.
    frame.evaluate(OVERLAY_CLICK, "Heat map")
    frame.evaluate("() => { window.sahelSameMap = true; }")
    harness.choose_in_multiselect(page, "Region", REGION)
    frame, token = harness.wait_for_map(page, previous_token=token)
    page.wait_for_selector(harness.APP_IDLE)
    assert frame.evaluate("() => window.sahelSameMap === true")
    assert frame.evaluate(OVERLAYS_ON) == ["Regions: incidents", "Country borders", "Town names",
                                           "Incidents", "Heat map"]
    after = harness.figures(page)
    shown = int(after["Incidents"].replace(",", ""))
    assert 0 < shown < int(before["Incidents"].replace(",", ""))
    assert after["Regions"] == "1" and after != before
    assert frame.evaluate("() => window.sahelLayer.data.n") == shown
    assert shown < DEFLATE_MIN_INCIDENTS and frame.evaluate(PACKING) == "json"
    assert frame.locator("text=could not be unpacked").count() == 0
    assert page.get_by_text(f"Incidents: region {REGION}").is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download CSV").click()
    downloaded = Path(download_info.value.path()).read_bytes()
    exported = subprocess.run(
        [sys.executable, "-m", "sahel", "export", "--region", REGION, "--demo", "--store",
         str(app_store_dir), "--csv", "-"],
        cwd=harness.ROOT, capture_output=True, check=True).stdout
    assert downloaded == exported
    assert downloaded.count(b"\n") == shown + 1

    for place, event_id in SEED_IDS.items():
        popup = frame.evaluate("(id) => window.sahelLayer.openIncident(id)", event_id)
        assert popup is not None, f"{place} is not on the map"
        assert place in popup and "24 Nov 2023" in popup
    niafunke = frame.evaluate("(id) => window.sahelLayer.openIncident(id)", SEED_IDS["Niafunké"])
    for who in ("JNIM (armed group): killed", "sources locales (local sources): killed 50",
                "armée malienne (army): killed no figure"):
        assert who in niafunke
    page.screenshot(path=str(tmp_path / "dashboard.png"))
    assert browser_page.disallowed() == []
