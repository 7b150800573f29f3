"""Who may do what: roles, what each may do, and who the person at the page is (docs/deploy.md).

Roles rank viewer < editor < admin. Viewers read and download; editors also upload files, add
incidents from reports and edit; admins also manage users and datasets (`ACTIONS`, declared
once). Identity comes from the deployment, by `SAHEL_AUTH`:

- `none` (default): one analyst, no sign-in; everyone may do everything, as before roles existed.
- `proxy`: a reverse proxy authenticated the person and names them in a request header
  (`SAHEL_AUTH_HEADER`, default X-Sahel-User). The header is believed only when the connection
  comes from an address of `SAHEL_TRUSTED_PROXIES` (addresses or CIDRs, default 127.0.0.1,::1):
  anyone else could write it. With `SAHEL_PROXY_SECRET` set, the request must also carry that
  secret in `X-Sahel-Proxy-Secret`, which the proxy adds: then another program on a trusted
  address (any local account, when the proxy shares the replica's host) cannot name anyone.
- `oidc`: Streamlit's `st.login` with the organisation's OpenID Connect provider; the person is
  the e-mail address the provider vouches for.

A named person's role is the one the store records for them (`sahel.store.roles`), else
`SAHEL_DEFAULT_ROLE` (viewer, or none: no access). Nothing here reads Streamlit: the page hands
in the request's headers, its peer address and the signed-in e-mail (dashboard_access.py).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum

from sahel.i18n import N_, _

AUTH_ENV = "SAHEL_AUTH"
HEADER_ENV = "SAHEL_AUTH_HEADER"
TRUSTED_ENV = "SAHEL_TRUSTED_PROXIES"
DEFAULT_ROLE_ENV = "SAHEL_DEFAULT_ROLE"
SECRET_ENV = "SAHEL_PROXY_SECRET"
SECRET_HEADER = "X-Sahel-Proxy-Secret"
AUTH_MODES = ("none", "proxy", "oidc")
DEFAULT_HEADER = "X-Sahel-User"
DEFAULT_TRUSTED = "127.0.0.1,::1"
# The roles, lowest first: each may do what those before it may.
ROLES = ("viewer", "editor", "admin")
# SAHEL_DEFAULT_ROLE: the role of a named person the store does not list.
DEFAULT_ROLES = ("viewer", "none")
# A name longer than this, or with control characters, is no name a proxy or provider sets.
MAX_NAME_CHARS = 200
# SAHEL_PROXY_SECRET: long enough that it cannot be guessed (make team writes 43 characters).
MIN_SECRET_CHARS = 16
ROLE_LABELS: dict[str, str] = {"viewer": N_("viewer"), "editor": N_("editor"),
                               "admin": N_("admin")}

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class Action(Enum):
    """Something a person may or may not do."""

    READ = "read"
    DOWNLOAD = "download"
    UPLOAD = "upload"
    ADD_REPORT = "add_report"
    EDIT = "edit"
    MANAGE_USERS = "manage_users"
    MANAGE_DATASETS = "manage_datasets"


@dataclass(frozen=True)
class Permission:
    """The lowest role that may take `action`, and the action in words (for refusals)."""

    action: Action
    least_role: str
    words: str


ACTIONS: dict[Action, Permission] = {p.action: p for p in (
    Permission(Action.READ, "viewer", N_("read incidents")),
    Permission(Action.DOWNLOAD, "viewer", N_("download incidents")),
    Permission(Action.UPLOAD, "editor", N_("import files")),
    Permission(Action.ADD_REPORT, "editor", N_("add incidents from reports")),
    Permission(Action.EDIT, "editor", N_("edit incidents")),
    Permission(Action.MANAGE_USERS, "admin", N_("manage users")),
    Permission(Action.MANAGE_DATASETS, "admin", N_("manage datasets")),
)}


class AccessConfigError(ValueError):
    """The access configuration (SAHEL_AUTH and its companions) is wrong; one sentence."""


class Refused(PermissionError):
    """The person may not do this; the message is one sentence for them."""


@dataclass(frozen=True)
class AuthConfig:
    """How a deployment says who people are (see the module's docstring)."""

    mode: str = "none"
    header: str = DEFAULT_HEADER
    trusted: tuple[IPNetwork, ...] = ()
    default_role: str | None = "viewer"
    # What the proxy must send in SECRET_HEADER (None: the peer's address is enough).
    secret: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> AuthConfig:
        """Return the configuration the environment sets; raise AccessConfigError if wrong."""
        env = os.environ if environ is None else environ
        mode = env.get(AUTH_ENV, "").strip().lower() or "none"
        if mode not in AUTH_MODES:
            raise AccessConfigError(f"{AUTH_ENV} is {mode!r}: use one of "
                                    f"{', '.join(AUTH_MODES)}")
        header = env.get(HEADER_ENV, "").strip() or DEFAULT_HEADER
        if not header.replace("-", "").replace("_", "").isalnum() or not header.isascii():
            raise AccessConfigError(f"{HEADER_ENV} is {header!r}: not an HTTP header name")
        default = env.get(DEFAULT_ROLE_ENV, "").strip().lower() or "viewer"
        if default not in DEFAULT_ROLES:
            raise AccessConfigError(f"{DEFAULT_ROLE_ENV} is {default!r}: use one of "
                                    f"{', '.join(DEFAULT_ROLES)}")
        trusted = parse_networks(env.get(TRUSTED_ENV, "").strip() or DEFAULT_TRUSTED)
        secret = env.get(SECRET_ENV, "").strip() or None
        if secret is not None and (len(secret) < MIN_SECRET_CHARS or not secret.isascii()
                                   or not secret.isprintable()):
            raise AccessConfigError(f"{SECRET_ENV} must be at least {MIN_SECRET_CHARS} "
                                    "printable ASCII characters")
        return cls(mode=mode, header=header, trusted=trusted,
                   default_role=None if default == "none" else default, secret=secret)

    @property
    def signs_in(self) -> bool:
        """Return True when people are named (proxy or oidc), False in single-user mode."""
        return self.mode != "none"


@dataclass(frozen=True)
class Identity:
    """Who is at the page: `name` (None: nobody signed in) and `role` (None: no access)."""

    name: str | None
    role: str | None
    signs_in: bool = True

    def may(self, action: Action) -> bool:
        """Return True when this person may take `action`."""
        if not self.signs_in:
            return True
        return self.role is not None and rank(self.role) >= rank(ACTIONS[action].least_role)


SINGLE_USER = Identity(name=None, role=None, signs_in=False)


def rank(role: str) -> int:
    """Return a role's place in ROLES (viewer 0); raise ValueError for an unknown role."""
    try:
        return ROLES.index(role)
    except ValueError:
        raise ValueError(f"unknown role {role!r}: use one of {', '.join(ROLES)}") from None


def parse_networks(text: str) -> tuple[IPNetwork, ...]:
    """Return the networks of a comma-separated list of addresses and CIDRs."""
    networks = []
    for part in text.split(","):
        item = part.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise AccessConfigError(f"{TRUSTED_ENV}: {item!r} is no IP address or CIDR "
                                    "network") from None
    return tuple(networks)


def is_trusted(peer: str | None, trusted: Iterable[IPNetwork]) -> bool:
    """Return True when the address `peer` is in one of the `trusted` networks.

    An IPv4 address written as IPv6 (::ffff:127.0.0.1, as dual-stack sockets report it) counts
    as the IPv4 one. No address, or an unreadable one, is never trusted.
    """
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer.strip().split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address.version == network.version and address in network
               for network in trusted)


def clean_name(value: str | None) -> str | None:
    """Return a person's name as given, trimmed; None when empty, too long or not a name."""
    if value is None:
        return None
    name = value.strip()
    if not name or len(name) > MAX_NAME_CHARS or not name.isprintable():
        return None
    return name


def proxy_user(config: AuthConfig, headers: Iterable[tuple[str, str]],
               peer: str | None) -> str | None:
    """Return the name the trusted proxy set in `config.header`, else None.

    None when the peer is not a trusted proxy (anyone can send the header), when a secret is
    configured and the request does not carry it, when the header is absent or empty, and when
    it came more than once (a proxy that adds the header instead of replacing the client's
    would let the client's through).
    """
    if not is_trusted(peer, config.trusted):
        return None
    if config.secret is not None:
        sent = [value for key, value in headers if key.lower() == SECRET_HEADER.lower()]
        if len(sent) != 1 or not hmac.compare_digest(sent[0].encode(), config.secret.encode()):
            return None
    wanted = config.header.lower()
    values = [value for key, value in headers if key.lower() == wanted]
    if len(values) != 1:
        return None
    return clean_name(values[0])


def identify(config: AuthConfig, role_of: Callable[[str], str | None], *,
             headers: Iterable[tuple[str, str]] = (), peer: str | None = None,
             signed_in_email: str | None = None) -> Identity:
    """Return who is at the page and their role.

    `headers` are the request's (name, value) pairs and `peer` the address its connection came
    from (proxy mode); `signed_in_email` is the address the OpenID Connect provider vouched for
    (oidc mode); `role_of` returns the role the store records for a name (None: not listed).
    """
    if not config.signs_in:
        return SINGLE_USER
    if config.mode == "proxy":
        name = proxy_user(config, headers, peer)
    else:
        name = clean_name(signed_in_email)
    if name is None:
        return Identity(name=None, role=None)
    recorded = role_of(name)
    role = recorded if recorded in ROLES else config.default_role
    return Identity(name=name, role=role)


def role_label(role: str | None) -> str:
    """Return a role in the page's language ("viewer" → "lecteur"); "no access" for None."""
    return _(ROLE_LABELS[role]) if role in ROLE_LABELS else _("no access")


def require(identity: Identity, action: Action) -> None:
    """Raise Refused, one sentence in the page's language, unless `identity` may take `action`."""
    if identity.may(action):
        return
    words = _(ACTIONS[action].words)
    if identity.name is None:
        raise Refused(_("Sign in to {action}.").format(action=words))
    if identity.role is None:
        raise Refused(_("{name} has no access to this tool, so may not {action}.").format(
            name=identity.name, action=words))
    raise Refused(_("{name} may not {action}: the role {role} does not allow it.").format(
        name=identity.name, role=role_label(identity.role), action=words))
