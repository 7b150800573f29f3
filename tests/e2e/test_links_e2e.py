"""In a real browser: the seed report added through "Add from report" links to the shipped seed
incidents instead of stacking two more on top of them, and the popup of the linked event shows
both sources side by side."""

from __future__ import annotations

from pathlib import Path

import harness
import pytest

SHIPPED = {"Niafunké": "SEED-RFI-20231124-1", "Goundam": "SEED-RFI-20231124-2"}
# Each point of the map whose popup shows several sources: [event id, place].
LINKED_POINTS = """() => {
  const data = window.sahelLayer.data, out = [];
  for (let i = 0; i < data.n; i++) {
    const f = data.facets.sources;
    if (f && f.v[f.i[i]]) out.push([SahelIncidents.eventId(data, i), data.facets.place.v[
      data.facets.place.i[i]]]);
  }
  return out;
}"""
# The popup's table of sources: its header cells (one per source) and row labels.
SOURCE_TABLE = """() => {
  const table = document.querySelector('.leaflet-popup .sahel-sources table');
  if (!table) return null;
  const rows = [...table.querySelectorAll('tr')];
  return {sources: rows[0].querySelectorAll('th').length - 1,
          labels: rows.slice(1).map(r => r.querySelector('th').innerText)};
}"""


@pytest.mark.e2e
# The harness leaves the server's stdout pipe for the garbage collector (reported to DASHBOARD).
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO"
                            ":pytest.PytestUnraisableExceptionWarning")
def test_the_seed_report_added_through_the_page_links_instead_of_stacking(
        app_url: str, browser_page: harness.BlockedPage, tmp_path: Path) -> None:
    page = browser_page.page
    page.goto(f"{app_url}/?region=Tombouctou")
    harness.wait_for_map(page)
    page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
    before = harness.figures(page)
    assert before["Incidents"] == "8" and before["Fatalities (best)"] == "24"

    harness.extract_seed_report(page, app_url, tmp_path)
    # Each proposal is shown with the shipped record it matches, offered as another source.
    page.get_by_text("2 proposals are already on hand from another source").wait_for(
        timeout=90_000)
    for event_id in SHIPPED.values():
        page.get_by_text(event_id, exact=False).first.wait_for(timeout=30_000)
    offered = page.get_by_text("Another source for this event (linked)")
    offered.nth(1).wait_for(timeout=30_000)  # the two choices come with the rest of the run
    page.wait_for_selector(harness.APP_IDLE, timeout=60_000)
    assert offered.count() == 2
    page.get_by_role("button", name="Add 2 incidents to the store").click()
    page.get_by_text("2 added", exact=False).wait_for(timeout=60_000)
    page.get_by_text("2 of them are other sources of events already on hand",
                     exact=False).wait_for(timeout=30_000)

    # The store now holds the user's data: the shipped records come back with demo=1.
    page.goto(f"{app_url}/?region=Tombouctou&demo=1")
    frame, _token = harness.wait_for_map(page)
    page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
    after = harness.figures(page)
    assert after == before  # Tombouctou counts each event once: nothing doubled
    page.get_by_text("Each event once: 8 events from 10 records.").wait_for(timeout=30_000)
    assert frame.evaluate("() => window.sahelLayer.data.n") == 8
    linked = dict((place.split(",")[0], event_id)
                  for event_id, place in frame.evaluate(LINKED_POINTS))
    assert set(linked) == {"Niafunké", "Goundam"}

    text = frame.evaluate("(id) => window.sahelLayer.openIncident(id)", linked["Niafunké"])
    assert "2 sources of this event, side by side" in text
    assert "hand-coded from a news report" in text and "extracted from a news report" in text
    assert SHIPPED["Niafunké"] in text and linked["Niafunké"] in text
    assert "sources locales (local sources): killed 50" in text
    assert "Why they are linked" in text and "same day" in text
    assert frame.evaluate(SOURCE_TABLE) == {
        "sources": 2, "labels": ["Date", "Place", "Actors", "Event type", "Fatalities",
                                 "Claims", "Source"]}
    page.screenshot(path=str(tmp_path / "linked_popup.png"))

    # Every record, stacked, is one switch away: the two reports' records are there too.
    page.get_by_text("Count each event once").click()
    harness.wait_for_map(page, previous_token=_token)
    page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
    assert harness.figures(page)["Incidents"] == "10"
    assert browser_page.disallowed() == []
