"""Signing in with OpenID Connect (SAHEL_AUTH=oidc), in Debian's chromium, against a provider of
the test's own (tests/oidc_provider.py) on 127.0.0.1.

The dashboard runs as `make run` starts it, with SAHEL_AUTH=oidc and a secrets file in a
temporary folder (STREAMLIT_SECRETS_FILES, the environment's form of `--secrets.files`: the
repository's own .streamlit/ is not touched), whose [auth] names the provider as an
organisation's would: its discovery URL, a client id and secret, the redirect URI
http://127.0.0.1:{port}/oauth2callback and a random cookie secret. The sign-in is the real
one: Streamlit's st.login, Authlib fetching the discovery document, the code flow with PKCE
and a nonce, the ID token's RS256 signature checked against the provider's key set.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import harness
import pytest
from oidc_provider import OIDCProvider, Person  # tests/ is on sys.path

SIDEBAR = '[data-testid="stSidebar"]'
UPLOADER = '[data-testid="stFileUploader"]'
SIGN_IN_SAYS = "Sign in to see the incidents."
EDITOR = Person(email="amina@example.org", name="Amina")
NEWCOMER = Person(email="moussa@example.org", name="Moussa")  # not in the roles list
UNVERIFIED = Person(email="amina@example.org", name="Not Amina", email_verified=False)


def give_role(store_dir: Path, name: str, role: str) -> None:
    """Give `name` a role as an administrator would, with the command line."""
    subprocess.run([sys.executable, "-m", "sahel", "users", "set", name, role,
                    "--store", str(store_dir)], cwd=harness.ROOT, check=True,
                   capture_output=True, text=True,
                   env={**os.environ, "PYTHONPATH": str(harness.ROOT)})


@pytest.fixture(scope="module")
def provider() -> Iterator[OIDCProvider]:
    with OIDCProvider() as running:
        yield running


@pytest.fixture(scope="module")
def oidc_url(app_store_dir: Path, provider: OIDCProvider,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start the dashboard with SAHEL_AUTH=oidc and the provider in its secrets; amina is an
    editor, anyone else signed in a viewer (SAHEL_DEFAULT_ROLE)."""
    give_role(app_store_dir, EDITOR.email, "editor")
    secrets_file = tmp_path_factory.mktemp("secrets") / "secrets.toml"
    secrets_file.write_text(
        "[auth]\n"
        'redirect_uri = "http://127.0.0.1:{port}/oauth2callback"\n'
        f'cookie_secret = "{secrets.token_urlsafe(32)}"\n'
        f'client_id = "{provider.client_id}"\n'
        f'client_secret = "{provider.client_secret}"\n'
        f'server_metadata_url = "{provider.metadata_url}"\n', encoding="utf-8")
    env = {"SAHEL_AUTH": "oidc", "SAHEL_DEFAULT_ROLE": "viewer",
           "STREAMLIT_SECRETS_FILES": str(secrets_file),
           "STREAMLIT_SERVER_ADDRESS": "127.0.0.1"}
    log: list[str] = []
    with harness.running_app(app_store_dir, extra_env=env, log=log) as url:
        provider.redirect_uris.add(f"{url}/oauth2callback")  # registered, as at a provider
        yield url
    assert "Traceback" not in "".join(log), "".join(log)


@pytest.fixture
def signed_in_as(provider: OIDCProvider) -> Iterator[OIDCProvider]:
    """Let each test choose who the provider signs in; nobody after it."""
    yield provider
    provider.person = None


def sidebar_text(page: object) -> str:
    return str(page.locator(SIDEBAR).inner_text())  # type: ignore[attr-defined]


def open_anonymous(page: object, url: str) -> None:
    """Open the page and wait until it shows the sign-in message and its run has ended."""
    page.goto(url)  # type: ignore[attr-defined]
    page.wait_for_selector(f"text={SIGN_IN_SAYS}", timeout=90_000)  # type: ignore[attr-defined]
    # The run draws the message, then the button: wait for it rather than sample it.
    page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)  # type: ignore[attr-defined]
    page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]


def sign_in(page: object) -> None:
    """Press "Sign in": through the provider and back to the dashboard."""
    page.get_by_role("button", name="Sign in").click()  # type: ignore[attr-defined]


def test_the_anonymous_page_has_only_the_sign_in_message_and_button(
        oidc_url: str, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    open_anonymous(page, oidc_url)
    assert page.get_by_role("button").all_inner_texts() == ["Sign in"]  # type: ignore[attr-defined]
    assert page.locator(harness.MAP_FRAME).count() == 0  # type: ignore[attr-defined]
    assert page.locator(SIDEBAR).count() == 0  # type: ignore[attr-defined]
    assert page.locator(UPLOADER).count() == 0  # type: ignore[attr-defined]
    page.goto(f"{oidc_url}/Add_from_report")  # type: ignore[attr-defined]
    page.wait_for_selector(f"text={SIGN_IN_SAYS}", timeout=90_000)  # type: ignore[attr-defined]
    page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]
    assert page.locator("textarea").count() == 0  # type: ignore[attr-defined]
    assert browser_page.disallowed() == []


def test_an_editor_signs_in_gets_the_uploader_and_signs_out(
        oidc_url: str, signed_in_as: OIDCProvider, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    signed_in_as.person = EDITOR
    tokens_before = signed_in_as.hits.get("/token", 0)
    open_anonymous(page, oidc_url)
    sign_in(page)
    page.wait_for_selector(UPLOADER, timeout=90_000)  # type: ignore[attr-defined]
    assert signed_in_as.hits.get("/token", 0) == tokens_before + 1
    grant = signed_in_as.exchanged[-1]
    assert grant.nonce and grant.challenge and grant.method == "S256"  # as Authlib sends them
    assert page.url.rstrip("/") == oidc_url  # type: ignore[attr-defined]
    page.wait_for_selector(f"{SIDEBAR} >> text=Signed in as amina@example.org (editor)",  # type: ignore[attr-defined]
                           timeout=60_000)
    assert "Add from report" in sidebar_text(page)
    page.goto(f"{oidc_url}/Add_from_report")  # type: ignore[attr-defined]
    page.wait_for_selector("textarea", timeout=90_000)  # type: ignore[attr-defined]

    logouts_before = signed_in_as.hits.get("/logout", 0)
    page.get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
    page.wait_for_selector(f"text={SIGN_IN_SAYS}", timeout=90_000)  # type: ignore[attr-defined]
    page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]
    assert signed_in_as.hits.get("/logout", 0) == logouts_before + 1  # the provider's too
    assert page.locator(UPLOADER).count() == 0  # type: ignore[attr-defined]
    assert page.locator(SIDEBAR).count() == 0  # type: ignore[attr-defined]
    open_anonymous(page, oidc_url)  # the sign-in cookie is gone: a reload stays signed out
    assert browser_page.disallowed() == []


def test_someone_without_a_role_reads_as_a_viewer(
        oidc_url: str, signed_in_as: OIDCProvider, browser_page: harness.BlockedPage) -> None:
    page = browser_page.page
    signed_in_as.person = NEWCOMER
    open_anonymous(page, oidc_url)
    sign_in(page)
    harness.wait_for_map(page)
    page.wait_for_selector(f"{SIDEBAR} >> text=Signed in as moussa@example.org (viewer)",  # type: ignore[attr-defined]
                           timeout=60_000)
    page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]
    harness.assert_reads_only(page, oidc_url)
    assert browser_page.disallowed() == []


def test_an_address_the_provider_did_not_verify_is_nobody_s(
        oidc_url: str, signed_in_as: OIDCProvider, browser_page: harness.BlockedPage) -> None:
    """Someone the provider signs in with the editor's address, unverified, is not the editor:
    told so, with only a way to sign out."""
    page = browser_page.page
    signed_in_as.person = UNVERIFIED
    open_anonymous(page, oidc_url)
    sign_in(page)
    page.wait_for_selector("text=gave no verified e-mail address", timeout=90_000)  # type: ignore[attr-defined]
    page.wait_for_selector(harness.APP_IDLE, timeout=60_000)  # type: ignore[attr-defined]
    assert page.get_by_role("button").all_inner_texts() == ["Sign out"]  # type: ignore[attr-defined]
    assert page.locator(harness.MAP_FRAME).count() == 0  # type: ignore[attr-defined]
    assert page.locator(SIDEBAR).count() == 0  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign out").click()  # type: ignore[attr-defined]
    page.wait_for_selector(f"text={SIGN_IN_SAYS}", timeout=90_000)  # type: ignore[attr-defined]
    assert browser_page.disallowed() == []
