"""The links between the app's pages, in the page's language, and who is signed in. Streamlit
only.

Streamlit's own page list names each page after its file ("dashboard", "Add from report") and
cannot be translated, so it is turned off (.streamlit/config.toml, showSidebarNavigation) and
each page draws these links at the top of its sidebar instead; the pages' URLs are unchanged.
People whose role may not add incidents from reports (viewers) get no link to that page, and
only those who may manage datasets or people (admins; everyone without sign-in) get one to
"Datasets and people".
"""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from dashboard_access import draw_signed_in, may
from sahel.access import Action
from sahel.i18n import _

MAP_PAGE = "dashboard.py"
REPORT_PAGE = "pages/1_Add_from_report.py"
MANAGE_PAGE = "pages/2_Manage.py"


def draw_page_links() -> None:
    """Draw a link to each page the person may use at the top of the sidebar (none when a page
    is run alone, as a test does, without the app's main script), then who is signed in."""
    try:
        # Material icons ship with Streamlit; an emoji needs a font the machine may lack.
        st.sidebar.page_link(MAP_PAGE, label=_("Incident map"), icon=":material/map:")
        if may(Action.ADD_REPORT):
            st.sidebar.page_link(REPORT_PAGE, label=_("Add from report"),
                                 icon=":material/article:")
        if may(Action.MANAGE_DATASETS) or may(Action.MANAGE_USERS):
            st.sidebar.page_link(MANAGE_PAGE, label=_("Datasets and people"),
                                 icon=":material/manage_accounts:")
    except StreamlitPageNotFoundError:
        pass
    draw_signed_in()
