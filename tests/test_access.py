"""Who may do what (sahel.access): the configuration, identity from proxy or sign-in, roles."""

from __future__ import annotations

import ipaddress

import pytest

from sahel.access import (
    ACTIONS,
    ROLES,
    SINGLE_USER,
    AccessConfigError,
    Action,
    AuthConfig,
    Identity,
    Refused,
    identify,
    is_trusted,
    parse_networks,
    proxy_user,
    require,
)
from sahel.i18n import use_language

RECORDED = {"amina": "editor", "jean": "admin", "moussa": "viewer", "odd": "superuser"}
PROXY = AuthConfig.from_env({"SAHEL_AUTH": "proxy"})


@pytest.fixture(autouse=True)
def _english() -> None:
    use_language("en")


@pytest.mark.parametrize(("environ", "expected"), [
    ({}, AuthConfig(mode="none", header="X-Sahel-User",
                    trusted=parse_networks("127.0.0.1,::1"), default_role="viewer")),
    ({"SAHEL_AUTH": " Proxy ", "SAHEL_AUTH_HEADER": "Remote-User",
      "SAHEL_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.7", "SAHEL_DEFAULT_ROLE": "none"},
     AuthConfig(mode="proxy", header="Remote-User",
                trusted=(ipaddress.ip_network("10.0.0.0/8"),
                         ipaddress.ip_network("192.168.1.7/32")), default_role=None)),
    ({"SAHEL_AUTH": "oidc", "SAHEL_AUTH_HEADER": "", "SAHEL_DEFAULT_ROLE": ""},
     AuthConfig(mode="oidc", header="X-Sahel-User", trusted=parse_networks("127.0.0.1,::1"),
                default_role="viewer")),
])
def test_configuration_from_the_environment(environ: dict[str, str],
                                            expected: AuthConfig) -> None:
    assert AuthConfig.from_env(environ) == expected


@pytest.mark.parametrize(("environ", "message"), [
    ({"SAHEL_AUTH": "ldap"}, "SAHEL_AUTH is 'ldap': use one of none, proxy, oidc"),
    ({"SAHEL_DEFAULT_ROLE": "editor"}, "SAHEL_DEFAULT_ROLE is 'editor': use one of viewer, none"),
    ({"SAHEL_TRUSTED_PROXIES": "127.0.0.1, nginx.local"},
     "SAHEL_TRUSTED_PROXIES: 'nginx.local' is no IP address or CIDR network"),
    ({"SAHEL_AUTH_HEADER": "X User: admin"}, "SAHEL_AUTH_HEADER is 'X User: admin': not an HTTP "
                                             "header name"),
])
def test_a_wrong_configuration_is_one_sentence(environ: dict[str, str], message: str) -> None:
    with pytest.raises(AccessConfigError) as raised:
        AuthConfig.from_env(environ)
    assert str(raised.value) == message


@pytest.mark.parametrize(("peer", "trusted", "expected"), [
    ("127.0.0.1", "127.0.0.1,::1", True),
    ("::1", "127.0.0.1,::1", True),
    ("::ffff:127.0.0.1", "127.0.0.1,::1", True),  # IPv4 on a dual-stack socket
    ("127.0.0.2", "127.0.0.1,::1", False),
    ("10.1.2.3", "10.0.0.0/8", True),
    ("11.1.2.3", "10.0.0.0/8", False),
    ("fe80::1%eth0", "fe80::/10", True),
    ("10.1.2.3", "", False),
    (None, "127.0.0.1", False),
    ("", "127.0.0.1", False),
    ("not-an-address", "0.0.0.0/0", False),
])
def test_trusted_peers(peer: str | None, trusted: str, expected: bool) -> None:
    assert is_trusted(peer, parse_networks(trusted)) is expected


@pytest.mark.parametrize(("headers", "peer", "expected"), [
    ([("X-Sahel-User", "amina")], "127.0.0.1", "amina"),
    ([("x-sahel-user", "  amina ")], "::1", "amina"),  # any case; trimmed
    ([("X-Sahel-User", "jean")], "203.0.113.9", None),  # forged: not from the proxy
    ([("X-Sahel-User", "jean")], None, None),  # no peer address: never trusted
    ([], "127.0.0.1", None),  # the proxy named nobody
    ([("X-Sahel-User", "")], "127.0.0.1", None),
    ([("X-Sahel-User", "   ")], "127.0.0.1", None),
    ([("X-Sahel-User", "jean\x1b[31m")], "127.0.0.1", None),
    ([("X-Sahel-User", "x" * 201)], "127.0.0.1", None),
    # The client's own header let through beside the proxy's: neither is believed.
    ([("X-Sahel-User", "jean"), ("X-Sahel-User", "amina")], "127.0.0.1", None),
    ([("X-Forwarded-User", "jean")], "127.0.0.1", None),  # another header
])
def test_the_proxy_header_is_believed_only_from_a_trusted_peer(
        headers: list[tuple[str, str]], peer: str | None, expected: str | None) -> None:
    assert proxy_user(PROXY, headers, peer) == expected


@pytest.mark.parametrize(("environ", "facts", "expected"), [
    # No authentication configured: one analyst, who may do everything, whatever is sent.
    ({}, {"headers": [("X-Sahel-User", "moussa")], "peer": "127.0.0.1"}, SINGLE_USER),
    ({"SAHEL_AUTH": "proxy"}, {"headers": [("X-Sahel-User", "amina")], "peer": "127.0.0.1"},
     Identity("amina", "editor")),
    ({"SAHEL_AUTH": "proxy"}, {"headers": [("X-Sahel-User", "jean")], "peer": "127.0.0.1"},
     Identity("jean", "admin")),
    # Forged from elsewhere: anonymous, not jean.
    ({"SAHEL_AUTH": "proxy"}, {"headers": [("X-Sahel-User", "jean")], "peer": "198.51.100.4"},
     Identity(None, None)),
    ({"SAHEL_AUTH": "proxy"}, {"headers": [], "peer": "127.0.0.1"}, Identity(None, None)),
    # Someone the store does not list: the default role, viewer unless set to none.
    ({"SAHEL_AUTH": "proxy"}, {"headers": [("X-Sahel-User", "awa")], "peer": "127.0.0.1"},
     Identity("awa", "viewer")),
    ({"SAHEL_AUTH": "proxy", "SAHEL_DEFAULT_ROLE": "none"},
     {"headers": [("X-Sahel-User", "awa")], "peer": "127.0.0.1"}, Identity("awa", None)),
    ({"SAHEL_AUTH": "proxy", "SAHEL_DEFAULT_ROLE": "none"},
     {"headers": [("X-Sahel-User", "amina")], "peer": "127.0.0.1"}, Identity("amina", "editor")),
    # A role this version does not know counts as not listed.
    ({"SAHEL_AUTH": "proxy"}, {"headers": [("X-Sahel-User", "odd")], "peer": "127.0.0.1"},
     Identity("odd", "viewer")),
    ({"SAHEL_AUTH": "proxy", "SAHEL_AUTH_HEADER": "Remote-User",
      "SAHEL_TRUSTED_PROXIES": "10.0.0.5"},
     {"headers": [("Remote-User", "amina"), ("X-Sahel-User", "jean")], "peer": "10.0.0.5"},
     Identity("amina", "editor")),
    # Signed in through OpenID Connect: the provider's e-mail address; headers count for nothing.
    ({"SAHEL_AUTH": "oidc"}, {"signed_in_email": "jean", "headers": [("X-Sahel-User", "amina")],
                              "peer": "127.0.0.1"}, Identity("jean", "admin")),
    ({"SAHEL_AUTH": "oidc"}, {"signed_in_email": None, "headers": [("X-Sahel-User", "amina")],
                              "peer": "127.0.0.1"}, Identity(None, None)),
    ({"SAHEL_AUTH": "oidc"}, {"signed_in_email": "fatou@example.org"},
     Identity("fatou@example.org", "viewer")),
])
def test_identify(environ: dict[str, str], facts: dict[str, object],
                  expected: Identity) -> None:
    assert identify(AuthConfig.from_env(environ), RECORDED.get, **facts) == expected  # type: ignore[arg-type]


def test_nobody_is_looked_up_when_nobody_is_named() -> None:
    def never(name: str) -> str | None:
        raise AssertionError(f"looked up {name}")

    assert identify(PROXY, never, headers=[("X-Sahel-User", "jean")], peer="8.8.8.8").name is None
    assert identify(AuthConfig(), never) == SINGLE_USER


# Who may take each action: the single user, anonymous, no access, viewer, editor, admin.
WHO = [SINGLE_USER, Identity(None, None), Identity("awa", None), Identity("moussa", "viewer"),
       Identity("amina", "editor"), Identity("jean", "admin")]
MAY: dict[Action, list[bool]] = {
    Action.READ: [True, False, False, True, True, True],
    Action.DOWNLOAD: [True, False, False, True, True, True],
    Action.UPLOAD: [True, False, False, False, True, True],
    Action.ADD_REPORT: [True, False, False, False, True, True],
    Action.EDIT: [True, False, False, False, True, True],
    Action.MANAGE_USERS: [True, False, False, False, False, True],
    Action.MANAGE_DATASETS: [True, False, False, False, False, True],
}


def test_every_action_has_a_rule() -> None:
    assert set(MAY) == set(Action) == set(ACTIONS)
    assert {p.least_role for p in ACTIONS.values()} == set(ROLES)


@pytest.mark.parametrize(("action", "allowed"), MAY.items(), ids=[a.value for a in MAY])
def test_who_may_do_what(action: Action, allowed: list[bool]) -> None:
    assert [who.may(action) for who in WHO] == allowed


@pytest.mark.parametrize(("who", "action", "message"), [
    (Identity(None, None), Action.UPLOAD, "Sign in to import files."),
    (Identity("awa", None), Action.READ, "awa has no access to this tool, so may not read "
                                         "incidents."),
    (Identity("moussa", "viewer"), Action.ADD_REPORT,
     "moussa may not add incidents from reports: the role viewer does not allow it."),
    (Identity("amina", "editor"), Action.MANAGE_USERS,
     "amina may not manage users: the role editor does not allow it."),
])
def test_a_refusal_is_one_sentence(who: Identity, action: Action, message: str) -> None:
    with pytest.raises(Refused) as raised:
        require(who, action)
    assert str(raised.value) == message


def test_a_refusal_speaks_the_page_language() -> None:
    use_language("fr")
    with pytest.raises(Refused) as raised:
        require(Identity("moussa", "viewer"), Action.UPLOAD)
    assert str(raised.value) == ("moussa ne peut pas utiliser l’import de fichiers : le rôle "
                                 "lecteur ne le permet pas.")


def test_allowed_actions_pass() -> None:
    require(Identity("jean", "admin"), Action.MANAGE_DATASETS)
    require(SINGLE_USER, Action.UPLOAD)


SECRET = "s3cret-from-the-proxy-0123456789"
WITH_SECRET = AuthConfig.from_env({"SAHEL_AUTH": "proxy", "SAHEL_PROXY_SECRET": SECRET})


@pytest.mark.parametrize(("headers", "expected"), [
    ([("X-Sahel-User", "jean"), ("X-Sahel-Proxy-Secret", SECRET)], "jean"),
    ([("x-sahel-user", "jean"), ("x-sahel-proxy-secret", SECRET)], "jean"),
    # Another program on the proxy's host: the right address, but not the secret.
    ([("X-Sahel-User", "jean")], None),
    ([("X-Sahel-User", "jean"), ("X-Sahel-Proxy-Secret", SECRET[:-1])], None),
    ([("X-Sahel-User", "jean"), ("X-Sahel-Proxy-Secret", "")], None),
    ([("X-Sahel-User", "jean"), ("X-Sahel-Proxy-Secret", "x"),
      ("X-Sahel-Proxy-Secret", SECRET)], None),
])
def test_with_a_secret_the_proxy_must_send_it(headers: list[tuple[str, str]],
                                              expected: str | None) -> None:
    assert proxy_user(WITH_SECRET, headers, "127.0.0.1") == expected
    # The secret does not make an untrusted address trusted.
    assert proxy_user(WITH_SECRET, headers, "198.51.100.4") is None


@pytest.mark.parametrize("secret", ["short", "é" * 20, "tab\tinside-a-long-secret"])
def test_a_weak_or_odd_secret_is_a_configuration_error(secret: str) -> None:
    with pytest.raises(AccessConfigError, match="SAHEL_PROXY_SECRET"):
        AuthConfig.from_env({"SAHEL_AUTH": "proxy", "SAHEL_PROXY_SECRET": secret})


def test_the_secret_is_not_in_the_configurations_repr() -> None:
    assert SECRET not in repr(WITH_SECRET)
