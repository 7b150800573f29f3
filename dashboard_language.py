"""The page's language, the same on every page of the app: the switch at the top of the sidebar
(each language in its own words), drawn by the map, "Add from report" and "Datasets and people"
alike. Streamlit only.

Streamlit forgets a widget's state when a run does not draw the widget, as a run of another page
does not draw the map's: the switch's key alone lost the analyst's choice on the way to another
page (its next run spoke the browser's language again), and in the browser the first run after a
page switch may even read the switch's key as it was a few runs before. So the choice is kept
under a key no widget has (CHOSEN_KEY), as Streamlit advises, and set on the switch before every
drawing of it. The switch's key is also the URL's `lang` parameter's (dashboard_url sets it from
a link or Back): a value set there during a run, or by the switch itself, becomes the choice;
on the first run of a page after another, the choice kept wins.
"""

from __future__ import annotations

import streamlit as st

from sahel.i18n import LANGUAGE_NAMES, LANGUAGES, _, negotiate, use_language

# The session-state key of the language switch, and of the URL's parameter ("en" or "fr").
LANGUAGE_KEY = "lang"
# The language chosen, kept across pages: a key no widget has, so no page's run removes it.
CHOSEN_KEY = "language_chosen"
# The page of the session's last run (dashboard_nav's page paths), to tell a page switch.
PAGE_KEY = "language_page"


def page_language(page: str) -> str:
    """Use the session's language for this run of `page` (call before anything is drawn):
    the one kept; on a run of the same page as the last, the switch's when it differs (picked,
    or set before the run); a new session's: the switch's key when set, else the URL's `lang`
    (a link to any page), else the browser's. Return it."""
    state = st.session_state
    picked, kept = state.get(LANGUAGE_KEY), state.get(CHOSEN_KEY)
    same_page = state.get(PAGE_KEY) == page
    state[PAGE_KEY] = page
    if picked in LANGUAGES and (same_page or kept not in LANGUAGES):
        kept = picked
    elif kept not in LANGUAGES:
        asked = st.query_params.get(LANGUAGE_KEY)
        kept = asked if asked in LANGUAGES else negotiate(st.context.locale)
    state[CHOSEN_KEY] = kept
    # The switch's key holds it too (dashboard_url and the map read it there).
    state[LANGUAGE_KEY] = kept
    return use_language(str(kept))


def draw_language_switch() -> None:
    """Draw the language switch at the top of the sidebar, showing the session's language (or
    the one a link set on its key since `page_language`)."""
    state = st.session_state
    if state.get(LANGUAGE_KEY) in LANGUAGES:
        state[CHOSEN_KEY] = state[LANGUAGE_KEY]
    state[LANGUAGE_KEY] = state[CHOSEN_KEY]
    st.sidebar.radio(_("Language"), LANGUAGES, key=LANGUAGE_KEY, horizontal=True,
                     format_func=lambda code: LANGUAGE_NAMES[code], label_visibility="collapsed")
