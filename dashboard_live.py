"""Replicas that agree: every session watches the store and reruns the page when it changed.

Streamlit only, beside dashboard.py, which calls `follow_store` once per run. A fragment runs
every SAHEL_REFRESH_SECONDS (default 2) and asks for the store's version (`Store.version`: a
file's stat, or one row of PostgreSQL, read at most twice a second per process whatever the
number of sessions, dashboard_cache.store_version). When it differs from the version of the
incidents the page was drawn with (a write through another replica, the CLI, the report page),
the whole page reruns (`st.rerun`); dashboard_cache then reads only what changed. An unchanged
version costs nothing more: no rerun, nothing read.

While the store is out of reach (PostgreSQL restarted or down) the page keeps what it shows and
the fragment says so in one sentence; once the store answers again, the next check reruns the
page if the store changed meanwhile (or if the page could not load at all).
"""

from __future__ import annotations

import math
import os

import streamlit as st

import dashboard_cache
from sahel.i18n import _
from sahel.store import StoreError

REFRESH_ENV = "SAHEL_REFRESH_SECONDS"
DEFAULT_REFRESH_S = 2.0
# Not more often: each check is one query per process, and each rerun a script run per session.
MIN_REFRESH_S = 0.5
# The version of the incidents the session's page was drawn with.
DRAWN_KEY = "store_version_drawn"
# Set by a whole run just before the fragment runs within it (fragment-only runs do not set it).
WHOLE_RUN_KEY = "store_watch_whole_run"
# What DRAWN_KEY holds when the store was out of reach as the page was drawn.
UNREACHABLE = "unreachable"


def refresh_seconds() -> float:
    """Return how often sessions check the store: `$SAHEL_REFRESH_SECONDS`, default 2."""
    configured = os.environ.get(REFRESH_ENV, "").strip()
    try:
        seconds = float(configured) if configured else DEFAULT_REFRESH_S
    except ValueError:
        seconds = DEFAULT_REFRESH_S
    if not math.isfinite(seconds):
        seconds = DEFAULT_REFRESH_S
    return max(seconds, MIN_REFRESH_S)


def drawn_version(store_dir: str) -> object:
    """Return the version of the incidents this run shows: the ones held (brought up to date
    first), else the store's now (they are about to be read), else UNREACHABLE."""
    dashboard_cache.refresh_if_changed(store_dir)
    held = dashboard_cache.held_version(store_dir)
    if held != dashboard_cache.NOT_HELD:
        return held
    try:
        return dashboard_cache.store_version(store_dir)
    except StoreError:
        return UNREACHABLE


def follow_store(store_dir: str) -> None:
    """Note which incidents this run of the page shows, and start the session's watcher."""
    st.session_state[DRAWN_KEY] = drawn_version(store_dir)
    st.session_state[WHOLE_RUN_KEY] = True
    watch_store(store_dir)


@st.fragment(run_every=refresh_seconds())
def watch_store(store_dir: str) -> None:
    """Rerun the whole page when the store's version is not the one it was drawn with; say so
    while the store is out of reach. Within a whole run, only the saying."""
    whole_run = st.session_state.pop(WHOLE_RUN_KEY, False)
    try:
        now = dashboard_cache.store_version(store_dir)
    except StoreError as error:
        st.warning(_("The incidents' store cannot be reached: {error}. The page shows the "
                     "incidents as they were and tries again every {seconds:g} s.").format(
            error=error, seconds=refresh_seconds()))
        return
    if not whole_run and now != st.session_state.get(DRAWN_KEY, UNREACHABLE):
        st.rerun()
