"""Single sign-on with the organisation's OpenID Connect provider (Okta, Entra ID, Google
Workspace, Keycloak): the authorization code flow with PKCE, for the console.

Takedown sends the browser to the provider with a fresh state, nonce and PKCE challenge, takes
the code back, exchanges it at the token endpoint (with the client secret and the PKCE verifier)
and checks the ID token with PyJWT against the provider's published keys: signature, issuer,
audience, expiry and the nonce. The provider authenticates; Takedown authorises: the claim named
by `TAKEDOWN_OIDC_USERNAME_CLAIM` must name an enabled Takedown user (an email only when the
provider says it verified it), whose role is Takedown's. Turning a user off at the provider stops
their next sign-in; disabling them in Takedown ends their sessions at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from takedown.errors import Unauthorized, UpstreamError
from takedown.settings import Settings

CALLBACK_PATH = "/console/login/sso/callback"
DISCOVERY_SECONDS = 3600  # the provider's configuration and keys are read again after this
SIGNING_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384"]
LEEWAY_SECONDS = 60  # clock drift between the provider and this host
# RFC 8176 methods. "mfa" says it outright; two different methods also make more than one factor.
MULTI_FACTOR = "mfa"


@dataclass(frozen=True)
class Attempt:
    """What one sign-in sends to the provider and checks on the way back."""

    state: str
    nonce: str
    verifier: str  # PKCE

    @staticmethod
    def new() -> Attempt:
        return Attempt(
            state=secrets.token_urlsafe(24),
            nonce=secrets.token_urlsafe(24),
            verifier=secrets.token_urlsafe(48),
        )

    @property
    def challenge(self) -> str:
        digest = hashlib.sha256(self.verifier.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class Identity:
    username: str
    subject: str  # the provider's id for the person
    multi_factor: bool


@dataclass(frozen=True)
class _Provider:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    secret_in_body: bool  # client_secret_post: the provider takes no Basic authentication
    keys: jwt.PyJWKClient
    read_at: float


_providers: dict[str, _Provider] = {}
_lock = threading.Lock()


def configured(settings: Settings) -> bool:
    return bool(settings.oidc_issuer and settings.oidc_client_id)


def redirect_uri(settings: Settings) -> str:
    return settings.resolved_public_base_url + CALLBACK_PATH


def authorization_url(settings: Settings, attempt: Attempt) -> str:
    provider = _provider(settings)
    query = {
        "response_type": "code",
        "client_id": settings.oidc_client_id,
        "redirect_uri": redirect_uri(settings),
        "scope": "openid email profile",
        "state": attempt.state,
        "nonce": attempt.nonce,
        "code_challenge": attempt.challenge,
        "code_challenge_method": "S256",
    }
    separator = "&" if "?" in provider.authorization_endpoint else "?"
    return provider.authorization_endpoint + separator + urlencode(query)


def identity_from_code(settings: Settings, attempt: Attempt, code: str) -> Identity:
    """The person the provider signed in, from the code it sent back (Unauthorized when the ID
    token does not hold; UpstreamError when the provider cannot be reached)."""
    provider = _provider(settings)
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri(settings),
        "code_verifier": attempt.verifier,
    }
    client = (settings.oidc_client_id, settings.oidc_client_secret.get_secret_value())
    if provider.secret_in_body:
        form |= {"client_id": client[0], "client_secret": client[1]}
    try:
        answer = httpx.post(
            provider.token_endpoint,
            data=form,
            auth=None if provider.secret_in_body else client,
            timeout=15,
        )
    except httpx.HTTPError as exc:
        raise UpstreamError("the sign-in provider could not be reached", code="sso_down") from exc
    if answer.status_code != 200:
        raise Unauthorized("the sign-in provider refused the code", code="sso_code_refused")
    id_token = answer.json().get("id_token")
    if not isinstance(id_token, str):
        raise Unauthorized("the sign-in provider sent no ID token", code="sso_no_id_token")
    claims = _checked_claims(settings, provider, id_token)
    if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), attempt.nonce.encode()):
        raise Unauthorized("the ID token is not for this sign-in", code="sso_nonce")
    return Identity(
        username=_username(settings, claims),
        subject=str(claims["sub"]),
        multi_factor=_multi_factor(claims.get("amr")),
    )


def _checked_claims(settings: Settings, provider: _Provider, id_token: str) -> dict[str, Any]:
    try:
        key = provider.keys.get_signing_key_from_jwt(id_token)
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key.key,
            algorithms=SIGNING_ALGORITHMS,
            audience=settings.oidc_client_id,
            issuer=provider.issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except jwt.PyJWKClientConnectionError as exc:
        raise UpstreamError(
            "the sign-in provider's keys could not be read", code="sso_down"
        ) from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(f"the ID token does not hold: {exc}", code="sso_bad_token") from exc
    return claims


def _username(settings: Settings, claims: dict[str, Any]) -> str:
    claim = settings.oidc_username_claim
    value = claims.get(claim)
    if not isinstance(value, str) or not value:
        raise Unauthorized(f"the ID token has no {claim!r}", code="sso_no_username")
    if claim == "email" and claims.get("email_verified") is not True:
        raise Unauthorized("the provider has not verified this email", code="sso_unverified")
    return value


def _multi_factor(amr: object) -> bool:
    if not isinstance(amr, list):
        return False
    methods = {str(method) for method in amr}
    return MULTI_FACTOR in methods or len(methods) >= 2


def _provider(settings: Settings) -> _Provider:
    """The provider's configuration (its discovery document), read once an hour."""
    issuer = settings.oidc_issuer.rstrip("/")
    with _lock:
        known = _providers.get(issuer)
        if known is not None and time.monotonic() - known.read_at < DISCOVERY_SECONDS:
            return known
    try:
        answer = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=15)
        answer.raise_for_status()
        document = answer.json()
    except (httpx.HTTPError, ValueError) as exc:
        raise UpstreamError("the sign-in provider could not be reached", code="sso_down") from exc
    if str(document.get("issuer", "")).rstrip("/") != issuer:
        raise UpstreamError("the provider names another issuer", code="sso_misconfigured")
    provider = _Provider(
        issuer=str(document["issuer"]),
        authorization_endpoint=str(document["authorization_endpoint"]),
        token_endpoint=str(document["token_endpoint"]),
        # Basic is the default when the document names no method (OpenID Connect Discovery).
        secret_in_body="client_secret_basic"
        not in document.get("token_endpoint_auth_methods_supported", ["client_secret_basic"]),
        keys=jwt.PyJWKClient(str(document["jwks_uri"]), lifespan=DISCOVERY_SECONDS),
        read_at=time.monotonic(),
    )
    with _lock:
        _providers[issuer] = provider
    return provider
