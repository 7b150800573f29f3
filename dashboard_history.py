"""An incident's history, for editors of a store that records every write (PostgreSQL): the
map's popups offer it (maps.with_history_links) and the page shows it in a dialog. Streamlit
only.

Viewers are not offered it, and a forged request for it from one shows nothing: the role is
read again before the history is.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from dashboard_access import may
from sahel.access import Action
from sahel.i18n import N_, _, format_date
from sahel.store import StoreError, open_store
from sahel.store.cli import changed_values

# The session-state key of the event whose history a popup asked for (dashboard.py sets it).
HISTORY_KEY = "history_of"
ACTION_WORDS = {"added": N_("added"), "updated": N_("updated"), "deleted": N_("deleted"),
                "removed": N_("removed")}


def offers_history(store_dir: str) -> bool:
    """Return whether the person may read histories and the store keeps them."""
    return may(Action.EDIT) and callable(getattr(open_store(store_dir), "history", None))


def history_rows(history: pd.DataFrame, current: dict[str, Any] | None) -> pd.DataFrame:
    """Return one row per write, newest first: when, what, who, from where, what changed."""
    after = [*history["previous"].iloc[1:], current]
    rows = []
    for entry, left in zip(history.itertuples(index=False), after, strict=True):
        changed = ""
        if entry.action == "updated" and isinstance(entry.previous, dict) and left:
            changed = "; ".join(f"{column}: {old} → {new}"
                                for column, old, new in changed_values(entry.previous, left))
        when = pd.Timestamp(entry.changed_at).tz_convert("UTC")
        rows.append({_("When (UTC)"): f"{format_date(when.date())} {when:%H:%M}",
                     _("What"): _(ACTION_WORDS[entry.action]) if entry.action in ACTION_WORDS
                     else entry.action,
                     _("Who"): entry.changed_by, _("From"): entry.changed_from,
                     _("Changed"): changed})
    return pd.DataFrame(rows[::-1])


def show_history(store_dir: str, event_id: str) -> None:
    """Open a dialog with `event_id`'s history (nothing for someone who may not see it)."""
    if not offers_history(store_dir):
        return

    @st.dialog(_("History of {event_id}").format(event_id=event_id), width="large")
    def dialog() -> None:
        store = open_store(store_dir)
        try:
            history = store.history(event_id)  # type: ignore[attr-defined]
            current = store.load_row(event_id)  # type: ignore[attr-defined]
        except StoreError as error:
            st.error(_("The history could not be read: {error}").format(error=error))
            return
        if history.empty:
            st.info(_("No write of this incident is recorded (it comes with the tool, or "
                      "was stored before the history was kept)."))
            return
        st.dataframe(history_rows(history, current), hide_index=True)

    dialog()
