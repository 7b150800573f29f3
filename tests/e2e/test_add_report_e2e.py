"""In a real browser: add the seed through "Add from report", then find it on the main map; the
page in French for a French browser; the language picked on the map holds on "Add from report"
(through its own runs) and the one picked there on the way back."""

from __future__ import annotations

from pathlib import Path

import harness
import pytest


@pytest.mark.e2e
# The harness leaves the server's stdout pipe for the garbage collector (reported to DASHBOARD).
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO"
                            ":pytest.PytestUnraisableExceptionWarning")
def test_seed_added_through_the_page_shows_on_the_main_map(
        app_url: str, browser_page: harness.BlockedPage, tmp_path: Path) -> None:
    page = browser_page.page
    harness.extract_seed_report(page, app_url, tmp_path)
    page.get_by_text("2 proposed incidents").wait_for(timeout=90_000)
    page.get_by_text("Kidal", exact=False).first.wait_for(timeout=10_000)
    page.get_by_role("button", name="Add 2 incidents to the store").click()
    page.get_by_text("2 added", exact=False).wait_for(timeout=60_000)

    page.goto(app_url)
    page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
    frame, _token = harness.wait_for_map(page)
    places = frame.evaluate("() => window.sahelLayer.data.facets.place.v.join(' | ')")
    assert "Niafunk" in places and "Goundam" in places
    assert browser_page.disallowed() == []


@pytest.mark.e2e
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO"
                            ":pytest.PytestUnraisableExceptionWarning")
def test_a_french_browser_gets_the_page_in_french(app_url: str, _chromium: object,
                                                   tmp_path: Path) -> None:
    report = harness.seed_report_file(tmp_path)
    with harness.blocked_page(_chromium, locale="fr-FR") as blocked:
        page = blocked.page
        page.goto(f"{app_url}/Add_from_report")
        page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
        page.get_by_text("Ajouter des incidents à partir d’un article de presse").wait_for(
            timeout=30_000)
        harness.upload_file(page, report)
        page.get_by_role("button", name="Extraire les incidents").click()
        page.get_by_text("2 incidents proposés").wait_for(timeout=90_000)
        # The proposals' heading can come a moment before the rest of the review: wait for it.
        page.get_by_role("button", name="Ajouter 2 incidents à la base").wait_for(timeout=30_000)
        page.get_by_text("publié le 25 nov. 2023", exact=False).first.wait_for(timeout=30_000)
        assert blocked.disallowed() == []


@pytest.mark.e2e
@pytest.mark.filterwarnings("ignore:Exception ignored in. <_io.FileIO"
                            ":pytest.PytestUnraisableExceptionWarning")
def test_the_language_picked_holds_across_the_pages(app_url: str,
                                                    browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    sidebar = page.locator('[data-testid="stSidebar"]')
    page.goto(app_url)  # an English browser
    page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
    sidebar.get_by_text("Français", exact=True).click(timeout=60_000)
    page.get_by_role("heading", name="Incidents au Sahel").wait_for(timeout=30_000)
    sidebar.get_by_role("link", name="Ajouter depuis un reportage").click()
    page.get_by_role("heading", name="Ajouter des incidents à partir d’un article de presse"
                     ).wait_for(timeout=60_000)
    page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
    # A run of the page itself (which does not draw the map's widgets) keeps it.
    page.get_by_role("button", name="Extraire les incidents").click()
    page.get_by_text("Collez d’abord un reportage ou déposez un fichier.").wait_for(
        timeout=30_000)
    assert sidebar.get_by_role("radio", name="Français").is_checked()

    sidebar.get_by_text("English", exact=True).click()
    page.get_by_role("heading", name="Add incidents from a news report").wait_for(
        timeout=30_000)
    sidebar.get_by_role("link", name="Incident map").click()
    page.get_by_role("heading", name="Sahel incidents").wait_for(timeout=60_000)
    page.wait_for_selector(harness.APP_IDLE, timeout=90_000)
    sidebar.get_by_text("Filters", exact=True).wait_for(timeout=60_000)
    assert sidebar.get_by_role("radio", name="English").is_checked()
    assert "lang=" not in page.url  # English is this browser's: the URL needs not say it
    assert browser_page.disallowed() == []
