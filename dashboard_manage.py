"""The "Datasets and people" page's two parts: the store's datasets (remove an import, after a
step that names it and its rows) and who has which role. Streamlit only, beside
pages/2_Manage.py; the rules are sahel's (sahel.admin, sahel.datasets, sahel.store.roles).

Writes run in the buttons' callbacks, before the page is drawn, so the tables below show the
store as the write left it. Each reads the person's role from the store again first
(dashboard_access.store_for_writing): a page older than a change of role, or a forged widget
state, writes nothing and gets one sentence. What a write did is kept for the run that follows
as a message written in that run's language.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from functools import partial
from typing import NamedTuple

import pandas as pd
import streamlit as st

import dashboard_cache
from dashboard_access import identity, store_for_writing
from sahel.access import (
    MAX_NAME_CHARS,
    ROLES,
    Action,
    AuthConfig,
    Refused,
    clean_name,
    role_label,
)
from sahel.admin import Origin, OwnGrantError, check_own_grant, origin, remove_and_relink
from sahel.datasets import Dataset, DatasetError, UnknownDatasetError, list_datasets
from sahel.i18n import N_, _, format_date, format_number, ngettext
from sahel.store import StoreError, open_store
from sahel.store.roles import RoleError, Roles, checked, roles_for

# Session keys that are no widget's (no client sets them): the dataset awaiting confirmation,
# and what the last write did.
CONFIRM_KEY = "manage_confirm"
OUTCOME_KEY = "manage_outcome"
DAY = "d MMM yyyy"
# Names and dataset names are shown inside sentences drawn as Markdown.
MARKDOWN_SIGNS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")
SHOWN_CHARS = 80
# Said under the roles, and when an admin tries it (sahel.admin.check_own_grant).
OWN_GRANT = N_("You cannot remove or lower your own admin role: another admin must, so that the "
               "team always keeps someone who can give roles.")


class Outcome(NamedTuple):
    """What a write did, as the next run shows it: `failed` in red, else in green."""

    failed: bool
    message: Callable[[], str]


def shown(name: str) -> str:
    """Return a name or dataset name fit for a Markdown sentence: shortened, signs escaped."""
    text = "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in name)
    if len(text) > SHOWN_CHARS:
        text = text[: SHOWN_CHARS - 1] + "…"
    return MARKDOWN_SIGNS.sub(r"\\\1", text)


def rows_text(count: int) -> str:
    """Return "1 row" / "2,345 rows" in the page's language."""
    return ngettext("{count} row", "{count} rows", count).format(count=format_number(count))


def draw_outcome() -> None:
    """Show what the last write did (once)."""
    outcome: Outcome | None = st.session_state.pop(OUTCOME_KEY, None)
    if outcome is not None and outcome.failed:
        st.error(outcome.message())
    elif outcome is not None:
        st.success(outcome.message())


def _tell(failed: bool, message: Callable[[], str]) -> None:
    st.session_state[OUTCOME_KEY] = Outcome(failed, message)


def _message(text: str, error: Exception) -> str:
    """Return `text` (an N_-marked sentence with {error}) in the page's language."""
    return _(text).format(error=error)


# --- datasets -------------------------------------------------------------------------------

def added_text(dataset: Dataset) -> str:
    """Return how and when a dataset was added, in the page's language."""
    kind = origin(dataset)
    if kind is Origin.IMPORTED and dataset.imported_at is not None:
        when = dataset.imported_at
        day, time = format_date(when, DAY), f"{when:%H:%M}"
        if dataset.imported_by:
            return _("imported {day} {time} UTC by {name}").format(day=day, time=time,
                                                                   name=dataset.imported_by)
        return _("imported {day} {time} UTC").format(day=day, time=time)
    return {Origin.SHIPPED: _("shipped: demonstration data"),
            Origin.REPORT: _("added from a report"),
            Origin.EARLIER: _("imported by an earlier version")}[kind]


def datasets_table(datasets: list[Dataset]) -> pd.DataFrame:
    """Return the datasets as the page's table: name, source type, rows, how it was added."""
    return pd.DataFrame({
        _("Dataset"): [d.name for d in datasets],
        _("Source type"): [d.source_type or _("unknown") for d in datasets],
        _("Rows"): [format_number(d.rows) for d in datasets],
        _("Added"): [added_text(d) for d in datasets],
    })


def draw_datasets() -> None:
    """Draw the datasets' table, and a way to remove an import with a step that confirms it."""
    st.subheader(_("Datasets"))
    try:
        datasets = list_datasets(open_store())
    except StoreError as error:
        st.error(_("The datasets could not be read: {error}").format(error=error))
        return
    st.dataframe(datasets_table(datasets), hide_index=True, width="stretch")
    st.caption(_("The shipped demonstration data cannot be removed: untick “Include "
                 "demonstration data” in the map's sidebar to leave it out (once the store "
                 "holds data of your own, it is left out unless ticked)."))
    removable = {d.name: d.rows for d in datasets if not d.demo}
    pending = st.session_state.get(CONFIRM_KEY)
    if pending is not None:
        _confirm(*pending)
        return
    if not removable:
        st.caption(_("No imported dataset to remove."))
        return
    labels = {name: f"{name} ({rows_text(rows)})" for name, rows in removable.items()}
    left, right = st.columns([3, 1], vertical_alignment="bottom")
    left.selectbox(_("Dataset to remove"), list(labels), key="manage_dataset",
                   format_func=lambda name: labels.get(name, name))
    right.button(_("Remove…"), key="ask_remove", on_click=_ask, args=(removable,))


def _ask(removable: dict[str, int]) -> None:
    name = st.session_state.get("manage_dataset")
    if name in removable:
        st.session_state[CONFIRM_KEY] = (name, removable[name])


def _confirm(name: str, rows: int) -> None:
    st.warning(ngettext(
        "Remove the dataset “{name}” and its {count} row from the store? The removal is "
        "recorded, and only importing the file again brings the row back.",
        "Remove the dataset “{name}” and its {count} rows from the store? The removal is "
        "recorded, and only importing the file again brings the rows back.", rows).format(
            name=shown(name), count=format_number(rows)))
    left, right, _rest = st.columns([1, 1, 3])
    left.button(_("Yes, remove it"), key="confirm_remove", type="primary", on_click=_remove)
    right.button(_("Cancel"), key="cancel_remove",
                 on_click=lambda: st.session_state.pop(CONFIRM_KEY, None))


def _remove() -> None:
    """Remove the dataset named in the confirmation, if the role read now allows it."""
    pending = st.session_state.pop(CONFIRM_KEY, None)
    if pending is None:
        return
    name = str(pending[0])
    try:
        store = store_for_writing(Action.MANAGE_DATASETS)
        removal = remove_and_relink(name, store)
    except Refused as refusal:
        _tell(True, partial(str, refusal))
        return
    except UnknownDatasetError:
        _tell(True, lambda: _("No dataset is named “{name}” any more: the table shows the "
                              "store as it is now.").format(name=shown(name)))
        return
    except DatasetError:  # the shipped demonstration data (the CLI's rule)
        _tell(True, lambda: _("“{name}” is shipped demonstration data and cannot be removed: "
                              "untick “Include demonstration data” in the map's sidebar to "
                              "leave it out.").format(name=shown(name)))
        return
    except (StoreError, OSError) as error:
        print(f"sahel: removing dataset {name!r} failed: {error}", file=sys.stderr)
        _tell(True, partial(_message, N_("The dataset could not be removed: {error}"), error))
        return
    dashboard_cache.clear()  # the map's incidents, choices and views
    links_failed = removal.links is not None and bool(removal.links.error)

    def said() -> str:
        text = ngettext("Removed the dataset “{name}”: {count} row went.",
                        "Removed the dataset “{name}”: {count} rows went.",
                        removal.rows).format(name=shown(name),
                                             count=format_number(removal.rows))
        if links_failed:
            text += " " + _("The links between records could not be brought up to date: "
                            "`python -m sahel links --recompute` does it.")
        return text

    _tell(False, said)


# --- people ---------------------------------------------------------------------------------

def draw_people(actor: str | None) -> None:
    """Draw who has which role, a way to set one, and one to take a name off the list."""
    st.subheader(_("People"))
    config = AuthConfig.from_env()
    st.caption(_("Who has which role. Anyone else who signs in gets the role {role}.").format(
        role=role_label(config.default_role)))
    try:
        grants = roles_for(open_store()).grants()
    except StoreError as error:
        st.error(_("The roles could not be read: {error}").format(error=error))
        return
    if grants:
        st.dataframe(pd.DataFrame({
            _("Name"): [g.name for g in grants],
            _("Role"): [role_label(g.role) for g in grants],
            _("Granted by"): [g.granted_by for g in grants],
            _("When"): [f"{format_date(g.granted_at, DAY)} {g.granted_at:%H:%M} UTC"
                        for g in grants]}), hide_index=True, width="stretch")
    else:
        st.caption(_("Nobody is listed yet."))
    roles = role_choices()
    name_box, role_box, button = st.columns([3, 1, 1], vertical_alignment="bottom")
    name_box.text_input(
        _("Name"), key="grant_name",
        help=_("As the sign-in gives it: the proxy's user name, or the e-mail address of an "
               "OpenID Connect sign-in; compared exactly."))
    role_box.selectbox(_("Role"), list(roles), key="grant_role",
                       format_func=lambda role: roles.get(role, role))
    button.button(_("Set the role"), key="set_role", on_click=_grant)
    if grants:
        listed = [g.name for g in grants]
        left, right = st.columns([4, 1], vertical_alignment="bottom")
        left.selectbox(_("Take off the list"), listed, key="revoke_name")
        right.button(_("Remove from the list"), key="revoke", on_click=_revoke)
    st.caption(_(OWN_GRANT))


def role_choices() -> dict[str, str]:
    """Return the roles the page offers, each with its label in the page's language."""
    return {role: role_label(role) for role in ROLES}


def _write_roles(change: Callable[[Roles, str | None], Outcome]) -> None:
    """Make `change` to the roles as the person at the page (its arguments: the roles and their
    name), if their role read now allows it; keep what it did, or why it was not done."""
    try:
        store = store_for_writing(Action.MANAGE_USERS)
        st.session_state[OUTCOME_KEY] = change(roles_for(store), identity().name)
    except Refused as refusal:
        _tell(True, partial(str, refusal))
    except OwnGrantError:
        _tell(True, partial(_, OWN_GRANT))
    except StoreError as error:
        _tell(True, partial(_message, N_("The roles could not be changed: {error}"), error))


def _grant() -> None:
    """Give the name in the box the chosen role."""
    raw = str(st.session_state.get("grant_name") or "")
    chosen = str(st.session_state.get("grant_role"))

    def change(roles: Roles, actor: str | None) -> Outcome:
        try:
            name, role = checked(raw, chosen)
        except RoleError:  # the name first, as `checked` looks at it first
            return Outcome(True, _bad_name if clean_name(raw) is None else _bad_role)
        check_own_grant(actor, name, role)
        before = roles.grant(name, role, actor or "")
        st.session_state["grant_name"] = ""
        return Outcome(False, partial(_granted, name, role, before))

    _write_roles(change)


def _bad_name() -> str:
    return _("A name is 1 to {count} printable characters, with no line breaks or other "
             "control characters.").format(count=format_number(MAX_NAME_CHARS))


def _bad_role() -> str:
    return _("Choose one of the roles: {roles}.").format(
        roles=", ".join(role_label(r) for r in ROLES))


def _granted(name: str, role: str, before: str | None) -> str:
    text = _("{name} is now {role}.").format(name=shown(name), role=role_label(role))
    if before and before != role:
        text += " " + _("Before: {role}.").format(role=role_label(before))
    return text


def _revoke() -> None:
    """Take the chosen name off the list."""
    name = str(st.session_state.get("revoke_name") or "")

    def change(roles: Roles, actor: str | None) -> Outcome:
        check_own_grant(actor, name, None)
        if roles.revoke(name) is None:
            return Outcome(True, lambda: _("{name} is not listed.").format(name=shown(name)))
        default = AuthConfig.from_env().default_role
        return Outcome(False, lambda: _("{name} is off the list and now gets the role "
                                        "{role}.").format(name=shown(name),
                                                          role=role_label(default)))

    _write_roles(change)
