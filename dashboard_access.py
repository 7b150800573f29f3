"""Who is at the page and what they may do, for this session. Streamlit only.

`sahel.access` decides; this module hands it the request (the headers and peer address of the
connection, or the OpenID Connect sign-in) and the store's roles. With SAHEL_AUTH=none (the
default) nothing is asked and everyone may do everything, as before roles existed.

- `admit_or_stop()`, at the top of each page: a person the deployment cannot name sees only a
  sign-in message (with SAHEL_AUTH=oidc, a button that signs in), and nothing else is sent.
- `may(action)`: what the page offers (a viewer gets no uploader, no report form). The role is
  read from the store once per session and name.
- `store_for_writing(action)`: right before every write, the role is read from the store again
  (a session's page may be older than a change of role, or its state forged) and the write is
  refused (`Refused`) unless it allows the action; the store it returns names the signed-in
  person as the writer in the history.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAuthError

from sahel.access import (
    SINGLE_USER,
    AccessConfigError,
    Action,
    AuthConfig,
    Identity,
    Refused,
    identify,
    require,
    role_label,
)
from sahel.i18n import _
from sahel.store import Store, StoreError, open_store
from sahel.store.roles import roles_for

# The session's roles already read from the store, by name (not a widget key: no client sets it).
ROLES_KEY = "access_roles"
# Streamlit reports a connection from 127.0.0.1 or ::1 as no address at all (st.context).
LOOPBACK = "127.0.0.1"


@dataclass(frozen=True)
class RequestFacts:
    """What the session's request says about the person: its headers as (name, value) pairs,
    the address its connection came from, and the e-mail address of an OpenID Connect
    sign-in."""

    headers: tuple[tuple[str, str], ...] = ()
    peer: str | None = None
    signed_in_email: str | None = None
    # Signed in with OpenID Connect, whether or not the provider gave a usable e-mail address.
    signed_in: bool = False


def request_facts(config: AuthConfig) -> RequestFacts:
    """Return what this session's request says about the person.

    The one place that reads Streamlit's request (tests replace it: AppTest sends no headers).
    An e-mail address the provider says it has not verified is not used: some providers let
    people type in their own, anyone's.
    """
    if config.mode == "oidc":
        user = st.user.to_dict()
        if not user.get("is_logged_in"):
            return RequestFacts()
        email = user.get("email")
        # Some providers send the claim as a string ("false").
        unverified = str(user.get("email_verified", "")).lower() == "false"
        return RequestFacts(signed_in=True, signed_in_email=(
            email if isinstance(email, str) and not unverified else None))
    headers = st.context.headers
    pairs = tuple((name, value) for name in headers for value in headers.get_all(name))
    return RequestFacts(headers=pairs, peer=st.context.ip_address or LOOPBACK)


def _identify(config: AuthConfig, fresh: bool) -> Identity:
    """Return who is at the page: the role from the session's memory, or (`fresh`) the store."""
    facts = request_facts(config)
    known: dict[str, str | None] = st.session_state.setdefault(ROLES_KEY, {})

    def role_of(name: str) -> str | None:
        if fresh or name not in known:
            known[name] = roles_for(open_store()).role_of(name)
        return known[name]

    return identify(config, role_of, headers=facts.headers, peer=facts.peer,
                    signed_in_email=facts.signed_in_email)


def identity() -> Identity:
    """Return who is at the page for this run (raises AccessConfigError, StoreError)."""
    config = AuthConfig.from_env()
    if not config.signs_in:
        return SINGLE_USER
    return _identify(config, fresh=False)


def may(action: Action) -> bool:
    """Return True when the person at the page may take `action` (the role this session read)."""
    try:
        return identity().may(action)
    except (AccessConfigError, StoreError):
        return False


def admit_or_stop() -> Identity:
    """Return who is at the page; stop the run after a message when nobody may see it.

    Anonymous (no trusted name, or not signed in) and people without a role see only a
    sentence saying so; someone the provider signed in without a verified e-mail address, a
    sentence and a sign-out button; a configuration or store the roles cannot be read from,
    an error.
    """
    try:
        found = identity()
    except AccessConfigError as error:
        st.error(_("The server's access settings are wrong: {error}.").format(error=error))
        st.stop()
    except StoreError as error:
        st.error(_("The roles could not be read: {error}").format(error=error))
        st.stop()
    if found.may(Action.READ):
        return found
    st.title(_("Sahel incidents"))
    config = AuthConfig.from_env()
    if found.name is not None:
        st.warning(_("You are signed in as {name}, who has no access to this tool: ask an "
                     "administrator for a role.").format(name=found.name))
    elif config.mode == "oidc" and request_facts(config).signed_in:
        st.warning(_("Your sign-in gave no verified e-mail address, and this tool knows people "
                     "by theirs: ask an administrator."))
        _sign_out_button(st)
    elif config.mode == "oidc":
        st.info(_("Sign in to see the incidents."))
        if st.button(_("Sign in"), key="sign_in", type="primary"):
            try:
                st.login()  # the provider of .streamlit/secrets.toml's [auth]
            except StreamlitAuthError as error:  # no [auth], or Authlib not installed
                print(f"sahel: st.login failed: {error}", file=sys.stderr)
                st.error(_("Sign-in is not set up on this server yet; the administrator will "
                           "find why in its log."))
    else:
        st.info(_("Open this tool through your organisation's address for it: this server "
                  "could not tell who you are."))
    st.stop()


def draw_signed_in() -> None:
    """Draw "Signed in as NAME (role)" in the sidebar, and a sign-out button with OIDC."""
    try:
        config = AuthConfig.from_env()
        found = identity() if config.signs_in else SINGLE_USER
    except (AccessConfigError, StoreError):
        return
    if found.name is None:
        return
    st.sidebar.caption(_("Signed in as {name} ({role})").format(name=found.name,
                                                                 role=role_label(found.role)))
    if config.mode == "oidc":
        _sign_out_button(st.sidebar)


def _sign_out_button(where: Any) -> None:
    """Draw a "Sign out" button in `where` (st or st.sidebar); pressed, sign out and stop."""
    if where.button(_("Sign out"), key="sign_out"):
        st.logout()  # forgets the sign-in, then the browser goes through the provider's logout
        st.stop()  # nothing more for this run: it no longer knows who is at the page


def store_for_writing(action: Action, store_dir: str | Path | None = None) -> Store:
    """Return the store to write into, after reading the person's role from it again.

    Raises Refused (one sentence in the page's language) unless the role allows `action`.
    The store names the signed-in person as the writer in its history.
    """
    try:
        config = AuthConfig.from_env()
        found = _identify(config, fresh=True) if config.signs_in else SINGLE_USER
    except (AccessConfigError, StoreError) as error:
        print(f"sahel: access check failed: {error}", file=sys.stderr)
        raise Refused(_("Your role could not be checked, so nothing was written.")) from None
    require(found, action)
    store = open_store(store_dir)
    if found.name is not None and hasattr(store, "user"):
        store.user = found.name  # the PostgreSQL store's history names the writer
    return store
