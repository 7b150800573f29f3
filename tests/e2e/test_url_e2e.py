"""The view in the URL, in Debian's chromium offline: a copied link opens the same view in a
fresh browser, Back restores the previous filters, "Add from report" and back keeps them, a
link's unknown values are left out with a note, aliases find options, a typed date range then
Enter is applied."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import harness  # tests/e2e is on sys.path (see conftest.py)

CAPTION = '[data-testid="stMain"] [data-testid="stCaptionContainer"]'
# The caption holding `text` once the page has run with the view it describes.
CAPTION_SAYS = f"""(text) => {{
    const caption = document.querySelector('{CAPTION}');
    return caption && caption.innerText.includes(text)
        && document.querySelector('{harness.APP_IDLE}') !== null;
}}"""


def open_view(page: object, url: str) -> None:
    """Go to `url` and wait for the whole page: the map, then the sidebar's filters."""
    page.goto(url)  # type: ignore[attr-defined]
    harness.wait_for_map(page)
    page.wait_for_selector('[data-testid="stSidebar"] [data-testid="stMultiSelect"]',  # type: ignore[attr-defined]
                           timeout=60_000)
    page.wait_for_selector('[data-testid="stMetric"]', timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_selector(harness.APP_IDLE)  # type: ignore[attr-defined]


def wait_for_caption(page: object, text: str) -> str:
    """Wait until the query's caption under the title says `text`; return the caption."""
    page.wait_for_function(CAPTION_SAYS, arg=text, timeout=60_000)  # type: ignore[attr-defined]
    return str(page.locator(CAPTION).first.inner_text())  # type: ignore[attr-defined]


def shown(page: object) -> tuple[str, dict[str, str]]:
    """Return the query's caption and the headline figures (label → value)."""
    figures = harness.figures(page)
    return str(page.locator(CAPTION).first.inner_text()), figures  # type: ignore[attr-defined]


def params(page: object) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query, keep_blank_values=True)  # type: ignore[attr-defined]


def picked(page: object, label: str) -> str:
    """Return the text of the chips picked in the sidebar multiselect labelled `label`."""
    box = page.locator('[data-testid="stSidebar"] [data-testid="stMultiSelect"]').filter(  # type: ignore[attr-defined]
        has=page.get_by_text(label, exact=True))  # type: ignore[attr-defined]
    return str(box.locator('[data-testid="stMultiSelectTagsContainer"]').inner_text())


def test_a_copied_link_opens_the_same_view_in_a_fresh_browser(
        app_url: str, browser_page: harness.BlockedPage, _chromium: object) -> None:
    page = browser_page.page
    open_view(page, app_url + "/")
    # Aliases: the Region box shows Tombouctou for "Timbuktu", the group box JNIM for "GSIM".
    harness.type_in_multiselect(page, "Region", "Timbuktu")
    options = page.locator('[data-testid="stMultiSelectDropdown"] [role="option"]')
    assert options.first.inner_text().startswith("Tombouctou · ")
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    wait_for_caption(page, "region Tombouctou")
    harness.choose_in_multiselect(page, "Armed group", "GSIM")
    wait_for_caption(page, "JNIM")
    assert "Tombouctou" in picked(page, "Region") and "JNIM" in picked(page, "Armed group")
    assert params(page) == {"group": ["JNIM"], "region": ["Tombouctou"]}
    view = shown(page)

    # Copy link: the link is the page's URL, and its button puts it on the clipboard.
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=app_url)
    page.get_by_role("button", name="Copy link").click()
    code = page.locator('[data-testid="stPopoverBody"] [data-testid="stCode"]')
    link = code.inner_text().strip()
    assert link == page.url
    code.hover()
    popover = page.locator('[data-testid="stPopoverBody"]')
    popover.get_by_role("button", name="Copy to clipboard").click()
    assert page.evaluate("navigator.clipboard.readText()") == link

    with harness.blocked_page(_chromium) as fresh:
        open_view(fresh.page, link)
        assert shown(fresh.page) == view
        assert fresh.page.url == link
        assert fresh.disallowed() == []
    assert browser_page.disallowed() == []


def test_back_restores_the_filters_and_add_from_report_keeps_them(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    open_view(page, app_url + "/?region=Mopti")
    mopti = (wait_for_caption(page, "region Mopti"), params(page))
    harness.choose_in_multiselect(page, "Region", "Gao")
    wait_for_caption(page, "region Gao, Mopti")
    assert params(page) == {"region": ["Gao", "Mopti"]}

    page.go_back()
    assert wait_for_caption(page, "region Mopti") == mopti[0]
    assert params(page) == mopti[1] and "Gao" not in picked(page, "Region")
    page.go_forward()
    wait_for_caption(page, "region Gao, Mopti")

    page.get_by_role("link", name="Add from report").click()
    page.wait_for_url("**/Add_from_report")
    page.wait_for_selector(harness.APP_IDLE)
    page.get_by_role("link", name="Incident map").click()
    wait_for_caption(page, "region Gao, Mopti")
    page.wait_for_function("() => location.search.includes('Gao')")
    assert params(page) == {"region": ["Gao", "Mopti"]}
    assert "Gao" in picked(page, "Region") and "Mopti" in picked(page, "Region")
    assert browser_page.disallowed() == []


def test_two_layer_switches_in_a_row_both_stay(app_url: str,
                                              browser_page: harness.BlockedPage) -> None:
    # Two switches at once both reach the URL and stay on the map. (The narrower race, a second
    # change sent with the URL from before the first one's run, is tested through AppTest:
    # tests/test_dashboard_url.py, a change sent with the URL before the last run.)
    page = browser_page.page
    open_view(page, app_url + "/")
    frame = harness.map_frame(page)
    labels = "[...document.querySelectorAll('.leaflet-control-layers-overlays label')]"
    frame.evaluate(f"""() => ['Heat map', 'Town names'].forEach(name => {labels}
        .find(l => l.innerText.trim() === name).querySelector('input').click())""")
    page.wait_for_function(
        "() => new URLSearchParams(location.search).getAll('layers').join() === "
        "'regions,borders,points,heat'", timeout=60_000)
    page.wait_for_selector(harness.APP_IDLE)
    assert params(page) == {"layers": ["regions", "borders", "points", "heat"]}
    on = frame.evaluate(f"""() => {labels}.filter(l => l.querySelector('input').checked)
        .map(l => l.innerText.trim())""")
    assert "Heat map" in on and "Town names" not in on
    assert browser_page.disallowed() == []


def test_a_link_with_unknown_values_says_what_it_left_out(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    open_view(page, app_url + "/?region=Atlantis&group=GSIM&min_fat=lots")
    wait_for_caption(page, "JNIM")
    note = page.locator('[data-testid="stMain"] [data-testid="stAlert"]').inner_text()
    assert 'region "Atlantis"' in note and 'minimum fatalities "lots"' in note
    assert "GSIM → JNIM" in note
    page.wait_for_function("() => location.search === '?group=JNIM'")
    assert page.locator('[data-testid="stException"]').count() == 0


def test_a_date_range_typed_then_enter_is_applied(
        app_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    open_view(page, app_url + "/")
    segments = page.locator('[data-testid="stSidebar"] [data-testid="stDateInput"] '
                            '[role="spinbutton"]')
    segments.first.click()  # the start's year; typing moves through month and day
    page.keyboard.type("20230101")
    page.keyboard.press("Tab")  # to the end's year
    page.keyboard.type("20231231")
    page.keyboard.press("Enter")
    wait_for_caption(page, "2023-01-01 to 2023-12-31")
    assert params(page) == {"from": ["2023-01-01"], "to": ["2023-12-31"]}
