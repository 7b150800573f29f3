"""A small OpenID Connect provider on 127.0.0.1, for tests only (never for people).

Enough of the authorization code flow (OpenID Connect Core 1.0, with PKCE) for Streamlit's
`st.login` (Authlib's Starlette client) to sign someone in as a real provider would:

- `/.well-known/openid-configuration`: the discovery document Streamlit's
  `server_metadata_url` names.
- `/authorize`: approves at once, as the person the test chose (`provider.person`), whoever
  asks; with nobody chosen it answers `access_denied`. The redirect URI must be one the test
  registered (`provider.redirect_uris`), exactly, as at a real provider.
- `/token`: the client authenticates (HTTP basic or form fields), the code is used once, the
  PKCE verifier must match the challenge; answers an access token and an ID token signed
  RS256 with a key made when the provider starts, carrying the authorize request's nonce.
- `/jwks`: that key's public half. `/userinfo`: the person's claims, for the access token.
- `/logout` (the end-session endpoint): back to the `post_logout_redirect_uri` if registered.

Every request is counted by path in `provider.hits`, and every code exchanged is kept in
`provider.exchanged` (with its nonce and PKCE challenge). It runs in a thread of the test process
(`with OIDCProvider() as provider:`) and stops with the block.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "sahel-incidents"
TOKEN_LIFETIME_S = 600
CODE_LIFETIME_S = 60


@dataclass(frozen=True)
class Person:
    """Who the provider signs in: the claims it vouches for."""

    email: str
    name: str = ""
    email_verified: bool = True

    @property
    def subject(self) -> str:
        """Return a stable opaque identifier for the person (the `sub` claim)."""
        return hashlib.sha256(self.email.encode()).hexdigest()[:24]

    def claims(self) -> dict[str, Any]:
        """Return the person's claims (ID token and userinfo)."""
        return {"sub": self.subject, "email": self.email, "email_verified": self.email_verified,
                "name": self.name or self.email.split("@")[0]}


@dataclass
class Grant:
    """An authorization code's request, kept until the code is exchanged."""

    person: Person
    redirect_uri: str
    nonce: str | None
    challenge: str | None
    method: str | None
    expires: float


@dataclass
class OIDCProvider:
    """The provider: start it with `with`, read `issuer`, choose `person`, register URIs."""

    client_id: str = CLIENT_ID
    client_secret: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    person: Person | None = None
    redirect_uris: set[str] = field(default_factory=set)
    hits: dict[str, int] = field(default_factory=dict)
    exchanged: list[Grant] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.key_id = secrets.token_hex(8)
        self.key = RSAKey.generate_key(2048, parameters={"kid": self.key_id, "use": "sig",
                                                         "alg": "RS256"}, private=True)
        self.grants: dict[str, Grant] = {}
        self.access_tokens: dict[str, Person] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def issuer(self) -> str:
        """Return the provider's base URL (also the `iss` of its tokens)."""
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def metadata_url(self) -> str:
        """Return the discovery document's URL (Streamlit's `server_metadata_url`)."""
        return f"{self.issuer}/.well-known/openid-configuration"

    def __enter__(self) -> OIDCProvider:
        self.thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def metadata(self) -> dict[str, Any]:
        """Return the discovery document."""
        base = self.issuer
        return {
            "issuer": base,
            "authorization_endpoint": f"{base}/authorize",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{base}/jwks",
            "userinfo_endpoint": f"{base}/userinfo",
            "end_session_endpoint": f"{base}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic",
                                                      "client_secret_post"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "email",
                                 "email_verified", "name"],
        }

    def authorize(self, query: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer an authorization request: a redirect with a code (or an error) and the state."""
        redirect_uri = query.get("redirect_uri", "")
        if query.get("client_id") != self.client_id or redirect_uri not in self.redirect_uris:
            return _text(HTTPStatus.BAD_REQUEST, "unknown client or redirect_uri")
        answer = {"state": query["state"]} if "state" in query else {}
        person = self.person
        scopes = query.get("scope", "").split()
        if query.get("response_type") != "code" or "openid" not in scopes:
            answer["error"] = "unsupported_response_type"
        elif person is None:
            answer["error"] = "access_denied"
        else:
            code = secrets.token_urlsafe(24)
            with self.lock:
                self.grants[code] = Grant(person=person, redirect_uri=redirect_uri,
                                          nonce=query.get("nonce"),
                                          challenge=query.get("code_challenge"),
                                          method=query.get("code_challenge_method"),
                                          expires=time.time() + CODE_LIFETIME_S)
            answer["code"] = code
        return _redirect(f"{redirect_uri}?{urlencode(answer)}")

    def token(self, form: Mapping[str, str], authorization: str | None
              ) -> tuple[int, dict[str, str], bytes]:
        """Answer a token request: exchange a code for an access token and an ID token."""
        client_id, secret = _client_credentials(form, authorization)
        if client_id != self.client_id or not secrets.compare_digest(secret or "",
                                                                     self.client_secret):
            return _json(HTTPStatus.UNAUTHORIZED, {"error": "invalid_client"})
        if form.get("grant_type") != "authorization_code":
            return _json(HTTPStatus.BAD_REQUEST, {"error": "unsupported_grant_type"})
        with self.lock:
            grant = self.grants.pop(form.get("code", ""), None)  # a code is good once
        if (grant is None or grant.expires < time.time()
                or form.get("redirect_uri") != grant.redirect_uri
                or not _pkce_holds(grant, form.get("code_verifier"))):
            return _json(HTTPStatus.BAD_REQUEST, {"error": "invalid_grant"})
        access_token = secrets.token_urlsafe(32)
        with self.lock:
            self.access_tokens[access_token] = grant.person
            self.exchanged.append(grant)
        now = int(time.time())
        claims = {**grant.person.claims(), "iss": self.issuer, "aud": self.client_id,
                  "iat": now, "auth_time": now, "exp": now + TOKEN_LIFETIME_S,
                  "at_hash": _left_hash(access_token)}
        if grant.nonce is not None:
            claims["nonce"] = grant.nonce
        id_token = jwt.encode({"alg": "RS256", "kid": self.key_id}, claims, self.key)
        return _json(HTTPStatus.OK, {"access_token": access_token, "token_type": "Bearer",
                                     "expires_in": TOKEN_LIFETIME_S, "id_token": id_token,
                                     "scope": "openid email profile"})

    def userinfo(self, authorization: str | None) -> tuple[int, dict[str, str], bytes]:
        """Answer the person's claims for a bearer access token."""
        scheme, _, token = (authorization or "").partition(" ")
        with self.lock:
            person = self.access_tokens.get(token) if scheme.lower() == "bearer" else None
        if person is None:
            return _json(HTTPStatus.UNAUTHORIZED, {"error": "invalid_token"})
        return _json(HTTPStatus.OK, person.claims())

    def logout(self, query: Mapping[str, str]) -> tuple[int, dict[str, str], bytes]:
        """Answer the end-session request: back to a registered post-logout URI, or a page."""
        target = query.get("post_logout_redirect_uri")
        if target is None or target not in self.redirect_uris:
            return _text(HTTPStatus.OK, "signed out")
        state = query.get("state")
        return _redirect(f"{target}?{urlencode({'state': state})}" if state else target)

    def jwks(self) -> tuple[int, dict[str, str], bytes]:
        """Answer the public signing key."""
        return _json(HTTPStatus.OK, {"keys": [self.key.as_dict(private=False)]})

    def count(self, path: str) -> None:
        """Count a request to `path`."""
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1


def _handler_for(provider: OIDCProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            query = _single(parse_qs(parts.query))
            provider.count(parts.path)
            routes = {
                "/.well-known/openid-configuration":
                    lambda: _json(HTTPStatus.OK, provider.metadata()),
                "/authorize": lambda: provider.authorize(query),
                "/jwks": provider.jwks,
                "/userinfo": lambda: provider.userinfo(self.headers.get("Authorization")),
                "/logout": lambda: provider.logout(query),
            }
            route = routes.get(parts.path)
            self._answer(*(route() if route else _text(HTTPStatus.NOT_FOUND, "not found")))

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            parts = urlsplit(self.path)
            provider.count(parts.path)
            length = int(self.headers.get("Content-Length") or 0)
            form = _single(parse_qs(self.rfile.read(length).decode()))
            if parts.path == "/token":
                self._answer(*provider.token(form, self.headers.get("Authorization")))
            elif parts.path == "/userinfo":
                self._answer(*provider.userinfo(self.headers.get("Authorization")))
            else:
                self._answer(*_text(HTTPStatus.NOT_FOUND, "not found"))

        def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
            self.send_response(status)
            for name, value in {**headers, "Content-Length": str(len(body)),
                                "Cache-Control": "no-store"}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: pytest shows failures, not every request

    return Handler


def _single(values: dict[str, list[str]]) -> dict[str, str]:
    """Return each parameter's first value (a repeated parameter is not one we ask for)."""
    return {name: items[0] for name, items in values.items()}


def _client_credentials(form: Mapping[str, str], authorization: str | None
                        ) -> tuple[str | None, str | None]:
    """Return the client's id and secret from HTTP basic authentication, else the form."""
    scheme, _, encoded = (authorization or "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except ValueError:
            return None, None
        return _form_unquote(client_id), _form_unquote(secret)
    return form.get("client_id"), form.get("client_secret")


def _form_unquote(value: str) -> str:
    """Undo the form encoding RFC 6749 (2.3.1) asks of a client id and secret in basic auth."""
    return parse_qs(f"v={value}").get("v", [""])[0]


def _pkce_holds(grant: Grant, verifier: str | None) -> bool:
    """Return True when the code needs no PKCE verifier or `verifier` matches its challenge."""
    if grant.challenge is None:
        return True
    if grant.method != "S256" or not verifier:
        return False
    return secrets.compare_digest(_b64url(hashlib.sha256(verifier.encode()).digest()),
                                  grant.challenge)


def _left_hash(token: str) -> str:
    """Return the `at_hash` of an access token (RS256: the left half of its SHA-256)."""
    digest = hashlib.sha256(token.encode()).digest()
    return _b64url(digest[: len(digest) // 2])


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(status: int, payload: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(payload).encode()


def _text(status: int, text: str) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()


def _redirect(location: str) -> tuple[int, dict[str, str], bytes]:
    return HTTPStatus.FOUND, {"Location": location}, b""
