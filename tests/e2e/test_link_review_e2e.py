"""In a real browser: an editor opens the popup of the linked Niafunké event (the seed report
added to the shipped seed incidents), its "Sources and links", and says the two records are not
the same event: the figures count one event more; undoing the decision brings them back, and
the dialog, dismissed, stays closed."""

from __future__ import annotations

from pathlib import Path

import harness
import pytest

from sahel import link_upkeep
from sahel.extract import extract_report, read_report
from sahel.store import IncidentStore

NIAFUNKE = "SEED-RFI-20231124-1"


@pytest.fixture(scope="module")
def app_store_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Return a store holding the seed report, added and linked as `extract --add` does."""
    folder = tmp_path_factory.mktemp("store")
    store = IncidentStore(folder)
    proposed = extract_report(read_report(harness.SEED_REPORT)).incidents
    link_upkeep.after_write(store, store.add(proposed))
    return folder


def counted(page: object, text: str) -> None:
    """Wait until the caption under the query says `text` (a finished run drew it)."""
    page.get_by_text(text, exact=True).wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]


@pytest.mark.e2e
# The harness leaves the server's stdout pipe for the garbage collector (reported to DASHBOARD).
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO"
                            ":pytest.PytestUnraisableExceptionWarning")
def test_an_editor_says_two_linked_records_are_not_the_same_event_and_undoes_it(
        app_url: str, browser_page: harness.BlockedPage, tmp_path: Path) -> None:
    page = browser_page.page
    page.goto(f"{app_url}/?region=Tombouctou&demo=1")
    frame, token = harness.wait_for_map(page)
    counted(page, "Each event once: 8 events from 10 records.")
    assert harness.figures(page)["Incidents"] == "8"

    popup = frame.evaluate("(id) => window.sahelLayer.openIncident(id)", NIAFUNKE)
    assert "2 sources of this event, side by side" in popup and "Sources and links" in popup
    frame.locator(".leaflet-popup .sahel-links").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(f"Sources and links of {NIAFUNKE}").wait_for(timeout=60_000)
    dialog.get_by_text("Its event now: 1 other source").wait_for(timeout=30_000)
    dialog.get_by_role("button", name="Not the same event").click()

    counted(page, "Each event once: 9 events from 10 records.")
    assert harness.figures(page)["Incidents"] == "9"
    page.get_by_text("are not the same event", exact=False).first.wait_for(timeout=30_000)
    frame, token = harness.wait_for_map(page, previous_token=token)
    assert frame.evaluate("() => window.sahelLayer.data.n") == 9
    # The dialog stays open with the decision, and its undo.
    dialog.get_by_text("Decided by hand, not in its event").wait_for(timeout=30_000)
    page.screenshot(path=str(tmp_path / "link_review.png"))
    dialog.get_by_role("button", name="Undo my decision").click()

    counted(page, "Each event once: 8 events from 10 records.")
    assert harness.figures(page)["Incidents"] == "8"
    dialog.get_by_text("Its event now: 1 other source").wait_for(timeout=30_000)
    # Dismissed, it stays closed through the runs that follow.
    page.keyboard.press("Escape")
    dialog.wait_for(state="detached", timeout=30_000)
    page.get_by_text("Count each event once").click()  # a whole run of the page: every record
    page.get_by_text("Each event once: 8 events from 10 records.").wait_for(
        state="detached", timeout=60_000)
    assert harness.figures(page)["Incidents"] == "10"
    assert page.get_by_role("dialog").count() == 0
    assert browser_page.disallowed() == []
