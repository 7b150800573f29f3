"""Datasets and people: the store's datasets (remove an import) and who has which role.

Streamlit only: the parts are dashboard_manage.py, the rules sahel's. Linked from the sidebar
for those who may manage datasets or people (admins; without sign-in, everyone, who see the
datasets only: without sign-in there are no roles). Anyone else who opens its address is told
they may not, in one sentence, and nothing more is drawn. Every write reads the role from the
store again first and writes nothing unless it allows it.
"""

from __future__ import annotations

import streamlit as st

from dashboard_access import admit_or_stop
from dashboard_language import draw_language_switch, page_language
from dashboard_manage import draw_datasets, draw_outcome, draw_people
from dashboard_nav import MANAGE_PAGE, draw_page_links
from sahel.access import Action, AuthConfig, Refused, require
from sahel.i18n import _


def main() -> None:
    """Render the page."""
    page_language(MANAGE_PAGE)
    # An emoji: a Material icon as the page's icon is fetched from Google's servers.
    st.set_page_config(page_title=_("Datasets and people"), page_icon="🗂️", layout="wide")
    person = admit_or_stop()
    draw_page_links()
    draw_language_switch()
    st.title(_("Datasets and people"))
    draw_outcome()  # a refusal too: it read the role anew, which may leave nothing else to draw
    if not (person.may(Action.MANAGE_DATASETS) or person.may(Action.MANAGE_USERS)):
        try:
            require(person, Action.MANAGE_DATASETS)
        except Refused as refusal:
            st.info(str(refusal))
        return
    if person.may(Action.MANAGE_DATASETS):
        draw_datasets()
    if not AuthConfig.from_env().signs_in:
        st.caption(_("Without sign-in everyone may do everything, so there are no roles to "
                     "give: docs/deploy.md says how a team signs in."))
    elif person.may(Action.MANAGE_USERS):
        draw_people(person.name)


main()
