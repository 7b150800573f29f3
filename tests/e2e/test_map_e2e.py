"""The map in Debian's chromium, offline: stacked incidents and small clusters reachable by clicks,
town names, the legends, popups and their links, layers reported to the page, French."""

from __future__ import annotations

from pathlib import Path

import harness  # tests/e2e is on sys.path (see conftest.py)
import pytest
from test_dashboard_e2e import COMPONENT_VALUES, OVERLAY_CLICK, OVERLAY_LABELS

from sahel.incidents import load_incidents
from sahel.maps import base_map, incident_layer

# Two UCDP events at one point in Tombouctou: the 2008 one was hidden under the 1991 one.
STACK = (17.0, -4.0)
STACKED_IDS = ("UCDP-13023", "UCDP-20079")
NO_ACTOR_ID = "UCDP-40349"  # the UCDP sample names neither side of this Nouakchott event
WIDTHS = (390, 1024, 1400)

# The map pixel of a point, after centring the map on it at a zoom.
PIXEL_AT = """([lat, lon, zoom]) => {
    window.map.setView([lat, lon], zoom, {animate: false});
    const p = window.map.latLngToContainerPoint([lat, lon]);
    return [p.x, p.y];
}"""
POPUP_TEXT = "() => document.querySelector('.leaflet-popup-content').innerText"
OVERLAY_NAMES = f"() => {OVERLAY_LABELS}.map(l => l.innerText.trim())"


def click_map(page: object, x: float, y: float) -> None:
    """Click the map's pixel (x, y) as a person would."""
    box = page.query_selector(harness.MAP_FRAME).bounding_box()  # type: ignore[attr-defined]
    page.mouse.click(box["x"] + x, box["y"] + y)  # type: ignore[attr-defined]


def test_incidents_at_one_point_are_each_opened_by_clicks(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    page.goto(app_url)
    frame, _ = harness.wait_for_map(page)
    x, y = frame.evaluate(PIXEL_AT, [*STACK, 9])
    click_map(page, x, y)
    frame.wait_for_selector(".sahel-list")
    assert frame.evaluate(POPUP_TEXT).startswith("2 incidents here")
    entries = frame.locator(".sahel-list a[data-sahel-i]")
    assert entries.count() == 2
    # Newest first: the 2008 event, hidden before, is on the list and opens.
    assert "2008" in entries.nth(0).inner_text() and "1991" in entries.nth(1).inner_text()
    opened = []
    for k in range(2):
        frame.locator(".sahel-list a[data-sahel-i]").nth(k).click()
        frame.wait_for_selector(".sahel-popup")
        text = frame.evaluate(POPUP_TEXT)
        opened.append(next(i for i in STACKED_IDS if i in text))
        # A UCDP GED event links to its record at UCDP, in a new tab, without an opener.
        link = frame.locator(".sahel-popup a[target=_blank]")
        assert link.get_attribute("href") == "https://ucdp.uu.se/event/" + opened[-1][5:]
        assert link.get_attribute("target") == "_blank"
        assert "noopener" in link.get_attribute("rel")
        assert "Source: source" not in text and "[]" not in text
        frame.locator(".sahel-back").click()
        frame.wait_for_selector(".sahel-list")
    assert sorted(opened) == sorted(STACKED_IDS)
    # A point alone opens its own popup straight away; one naming no actor says so.
    popup = frame.evaluate("(id) => window.sahelLayer.openIncident(id)", NO_ACTOR_ID)
    assert "Actors: no actor given by the source" in popup and "[]" not in popup
    assert "Dataset: UCDP Georeferenced Event Dataset (GED) · demo: UCDP GED sample" in popup
    assert browser_page.disallowed() == []


def test_a_cluster_of_few_lists_its_incidents(app_url: str, app_store_dir: Path,
                                              browser_page: harness.BlockedPage) -> None:
    # The shipped incidents, clustered from the first one (the dashboard clusters above 1,500).
    page = browser_page.page
    incidents = load_incidents(app_store_dir)
    fmap = base_map(600)
    incident_layer(incidents, cluster_min=0).add_to(fmap)
    page.route(f"{app_url}/clustered.html", lambda route: route.fulfill(
        content_type="text/html", body=fmap.get_root().render()))
    page.goto(f"{app_url}/clustered.html")
    page.wait_for_function("() => document.body.getAttribute('data-sahel-rendered')")
    clusters = page.evaluate("""() => {
        const out = [], size = window.map.getSize();
        window.sahelLayer.points.eachLayer(m => {
            if (!m.sahelCluster) return;
            const p = window.map.latLngToContainerPoint(m.getLatLng());
            if (p.x > 60 && p.y > 60 && p.x < size.x - 260 && p.y < size.y - 60)
                out.push([m.sahelCluster.count, p.x, p.y]);
        });
        return out.sort((a, b) => a[0] - b[0]);
    }""")
    count, x, y = next(c for c in clusters if 3 <= c[0] <= 10)
    page.mouse.click(x, y)
    page.wait_for_selector(".sahel-list")
    assert page.evaluate(POPUP_TEXT).startswith(f"{count} incidents")
    entries = page.locator(".sahel-list a[data-sahel-i]")
    assert entries.count() == count
    first = entries.nth(0).inner_text().split(" · ")[0]
    entries.nth(0).click()
    page.wait_for_selector(".sahel-popup")
    assert first in page.evaluate(POPUP_TEXT)
    # Back to the list, and "zoom in" separates the cluster.
    page.locator(".sahel-back").click()
    zoom = page.evaluate("() => window.map.getZoom()")
    page.locator(".sahel-zoom").click()
    page.wait_for_function("(z) => window.map.getZoom() > z", arg=zoom)
    assert browser_page.disallowed() == []


def test_town_names_and_both_legends_on_the_offline_map(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    page.goto(app_url)
    frame, _ = harness.wait_for_map(page)
    frame.wait_for_function("() => SahelIncidents.townsShown().includes('Bamako')")
    towns = frame.evaluate("() => SahelIncidents.townsShown()")
    assert "Niamey" in towns and 10 < len(towns) < 200
    # More names as one zooms in, and they let clicks through to the points.
    frame.evaluate(PIXEL_AT, [*STACK, 8])
    frame.wait_for_function("() => SahelIncidents.townsShown().includes('Goundam')")
    assert frame.evaluate("() => getComputedStyle(document.querySelector('canvas.sahel-towns'))"
                          ".pointerEvents") == "none"
    # The region shading's scale: its metric, then each class's colour and range, "0" first.
    regions = frame.locator(".sahel-legend-regions")
    assert regions.is_visible()
    assert regions.locator("b").inner_text() == "Regions: incidents"
    ranges = regions.locator("td").all_inner_texts()
    assert ranges[0] == "0" and len(ranges) >= 3
    frame.evaluate(OVERLAY_CLICK, "Regions: incidents")  # shading off: its scale goes too
    assert not regions.is_visible()
    # Colour-blind-safe group colours, each once; the rest one grey "Other groups".
    colors = frame.evaluate("() => [...document.querySelectorAll("
                            "'.sahel-legend-groups .sahel-swatch:not(.sahel-approx)')]"
                            ".map(s => s.style.background)")
    assert len(colors) == len(set(colors)) >= 3
    assert frame.locator(".sahel-legend-groups").inner_text().count("Other groups") == 1
    assert browser_page.disallowed() == []


def test_layers_switched_on_the_map_reach_the_page_and_come_back(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    page.add_init_script(COMPONENT_VALUES)
    page.goto(app_url)
    frame, token = harness.wait_for_map(page)
    page.wait_for_selector(harness.APP_IDLE)
    assert frame.evaluate(OVERLAY_NAMES) == ["Regions: incidents", "Country borders",
                                             "Town names", "Incidents", "Heat map"]
    # The page stores them (st.session_state["map_layers"]) and the next view asks for them.
    asked = "(names) => (SahelIncidents.askedLayers() || []).join() === names"
    frame.evaluate(OVERLAY_CLICK, "Heat map")
    frame.wait_for_function(asked, arg="regions,borders,towns,points,heat")
    page.wait_for_selector(harness.APP_IDLE)
    frame.evaluate(OVERLAY_CLICK, "Town names")
    frame.wait_for_function(asked, arg="regions,borders,points,heat")
    page.wait_for_selector(harness.APP_IDLE)
    assert frame.evaluate("() => SahelIncidents.shownLayers()") == [
        "regions", "borders", "points", "heat"]
    assert frame.evaluate("() => SahelIncidents.townsShown()") == []
    assert frame.locator("canvas.sahel-towns").count() == 0
    values = page.evaluate("() => window.sahelValues")
    assert values[0] == {"painted": "drawn"}
    assert values[1:] == [
        {"painted": "drawn", "layers": ["regions", "borders", "towns", "points", "heat"],
         "seq": 1},
        {"painted": "drawn", "layers": ["regions", "borders", "points", "heat"], "seq": 2}]
    # Moving the map tells the page nothing.
    frame.evaluate(PIXEL_AT, [*STACK, 7])
    page.wait_for_selector(harness.APP_IDLE)
    assert len(page.evaluate("() => window.sahelValues")) == 3
    # The same view all along: no new render token.
    assert frame.evaluate("() => document.body.getAttribute('data-sahel-rendered')") == token
    assert browser_page.disallowed() == []


def test_the_map_in_french(app_url: str, _chromium: object) -> None:
    with harness.blocked_page(_chromium, locale="fr-FR") as blocked:
        page = blocked.page
        page.goto(app_url)
        frame, _ = harness.wait_for_map(page)
        assert frame.evaluate(OVERLAY_NAMES) == ["Régions : incidents", "Frontières",
                                                 "Noms des villes", "Incidents",
                                                 "Carte de chaleur"]
        legend = frame.locator(".sahel-legend-main").inner_text()
        assert legend.startswith("Légende") and "Groupe armé" in legend
        assert "localisation approximative" in legend
        assert frame.locator(".sahel-legend-regions b").inner_text() == "Régions : incidents"
        assert "Limites : Natural Earth" in frame.locator(".leaflet-control-attribution"
                                                          ).inner_text()
        popup = frame.evaluate("(id) => window.sahelLayer.openIncident(id)", NO_ACTOR_ID)
        assert "Acteurs : aucun acteur indiqué par la source" in popup
        assert "Cet événement sur le site de l’UCDP" in popup
        close = frame.locator(".leaflet-popup-close-button")
        assert close.get_attribute("aria-label") == close.get_attribute("title") == "Fermer"
        assert frame.locator(".leaflet-control-zoom-in").get_attribute("title") == "Zoom avant"
        assert blocked.disallowed() == []


@pytest.mark.parametrize("width", WIDTHS)
def test_the_legend_fits_the_map_at_every_width(app_url: str, _chromium: object,
                                                width: int, tmp_path: Path) -> None:
    with harness.blocked_page(_chromium, width=width, height=900) as blocked:
        page = blocked.page
        page.goto(app_url)
        frame, _ = harness.wait_for_map(page)
        legend = frame.locator(".sahel-legend-main")
        size = frame.evaluate("() => [window.innerWidth, window.innerHeight]")
        boxes = frame.evaluate("() => [...document.querySelectorAll('.sahel-legend')].map(e => {"
                               " const r = e.getBoundingClientRect();"
                               " return [r.left, r.top, r.right, r.bottom]; })")
        assert len(boxes) == 2  # the groups' legend and the region shading's scale
        for box in boxes:
            assert 0 <= box[0] and 0 <= box[1] and box[2] <= size[0] and box[3] <= size[1]
        # The two never cover each other.
        (a, b) = boxes
        assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1]
        # A phone's map starts with the legend folded, so it does not cover the map.
        is_open = frame.evaluate("() => document.querySelector('.sahel-legend-main details')"
                                 ".open")
        assert is_open == (size[0] >= 520) and is_open == (width > 390)
        if not is_open:
            # The legends answer the <details> toggle event, which comes after the click: wait.
            legend.locator("summary").click()
            frame.locator(".sahel-legend-groups").wait_for(state="visible", timeout=10_000)
            # Unfolded on a phone, it takes the place of the scale, which comes back after.
            frame.locator(".sahel-legend-regions").wait_for(state="hidden", timeout=10_000)
            legend.locator("summary").click()
            frame.locator(".sahel-legend-regions").wait_for(state="visible", timeout=10_000)
        page.screenshot(path=str(tmp_path / f"map-{width}.png"))
        assert blocked.disallowed() == []
