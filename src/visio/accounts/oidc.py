"""OpenID Connect relying party: the real :class:`~visio.accounts.provider.IdentityProvider`.

Authorization Code flow with PKCE (S256), ``state`` and ``nonce``, written for
ProConnect and any conforming provider:

* the discovery document (``<issuer>/.well-known/openid-configuration``) and
  the JWKS are cached for :data:`DISCOVERY_TTL_SECONDS`; an ID token signed
  with a key the cached JWKS lacks (key rotation) makes one early refetch, at
  most every :data:`JWKS_MIN_REFRESH_SECONDS`;
* the ID token's signature is checked against the JWKS (asymmetric algorithms
  only), then its ``iss``, ``aud``/``azp``, ``exp``/``iat``, ``nonce``,
  ``at_hash`` and, when ``acr_values`` is configured, ``acr`` — by Authlib
  (``CodeIDToken``) and joserfc, no hand-written cryptography;
* userinfo is read when the provider has the endpoint.  ProConnect answers it
  as a signed JWT (``application/jwt``), which is verified like the ID token;
  plain JSON is accepted too.  Its ``sub`` must be the ID token's.

The authorization URL, the code exchange (client_secret_basic, or
client_secret_post when that is all the provider offers) and userinfo go
through Authlib's ``AsyncOAuth2Client``; the discovery document and JWKS are
plain httpx GETs.  Clients live for one operation: the provider holds no
connection between sign-ins.
"""

from __future__ import annotations

import logging
import secrets
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import httpx
from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import Token

from visio.accounts.discovery import DISCOVERY_PATH, DiscoveryDocument
from visio.accounts.errors import (
    CodeRejected,
    InvalidIdToken,
    ProviderError,
    ProviderUnavailable,
    StateMismatch,
    oauth_error_code,
)
from visio.accounts.provider import Identity
from visio.config import Settings

with warnings.catch_warnings():
    # Authlib warns that plain httpx is deprecated in favour of its fork httpx2;
    # Visio (and its tests) are on httpx until the project moves as a whole.
    # tests/unit/test_accounts_oidc.py fails loudly if Authlib switches under us.
    # authlib.deprecate installs an "always" filter when imported: import it first.
    import authlib.deprecate  # type: ignore[import-untyped]  # noqa: F401

    warnings.simplefilter("ignore", DeprecationWarning)
    from authlib.common.urls import add_params_to_uri  # type: ignore[import-untyped]
    from authlib.integrations.base_client import OAuthError  # type: ignore[import-untyped]
    from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]
        AsyncOAuth2Client,
    )
    from authlib.oidc.core import CodeIDToken  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

DISCOVERY_TTL_SECONDS = 3600.0
JWKS_MIN_REFRESH_SECONDS = 60.0
HTTP_TIMEOUT_SECONDS = 10.0
CLOCK_LEEWAY_SECONDS = 60
MAX_RESPONSE_BYTES = 1024 * 1024
SIRET_CLAIM = "siret"


@dataclass(frozen=True)
class ClaimNames:
    """Which claims carry the profile (ProConnect calls the family name ``usual_name``)."""

    email: str = "email"
    given_name: str = "given_name"
    family_name: str = "usual_name"


@dataclass
class _Cached:
    value: Any
    fetched_at: float


class OidcProvider:
    """An OpenID provider reached over HTTP; safe to share between concurrent requests."""

    def __init__(
        self,
        *,
        issuer: str,
        client_id: str,
        client_secret: str,
        scopes: str = "openid email",
        acr_values: str | None = None,
        claims: ClaimNames | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        discovery_ttl: float = DISCOVERY_TTL_SECONDS,
    ) -> None:
        self.issuer = issuer.rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.scopes = scopes
        self.acr_values = acr_values.split() if acr_values else []
        self.claims = claims or ClaimNames()
        self._transport = transport
        self._clock = clock
        self._ttl = discovery_ttl
        self._discovery: _Cached | None = None
        self._jwks: _Cached | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> OidcProvider:
        if (
            settings.oidc_issuer is None
            or settings.oidc_client_id is None
            or settings.oidc_client_secret is None
        ):
            raise ValueError("OpenID Connect is not configured (VISIO_OIDC_ISSUER)")
        return cls(
            issuer=str(settings.oidc_issuer),
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret.get_secret_value(),
            scopes=settings.oidc_scopes,
            acr_values=settings.oidc_acr_values,
            claims=ClaimNames(
                email=settings.oidc_claim_email,
                given_name=settings.oidc_claim_given_name,
                family_name=settings.oidc_claim_family_name,
            ),
        )

    # --- IdentityProvider ------------------------------------------------------

    async def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        metadata = await self.metadata()
        extra: dict[str, str] = {"nonce": nonce}
        if self.acr_values:
            extra["acr_values"] = " ".join(self.acr_values)
        async with self._client(metadata, redirect_uri=redirect_uri) as client:
            url, _ = client.create_authorization_url(
                metadata.authorization_endpoint,
                state=state,
                code_verifier=code_verifier,
                **extra,
            )
        return cast(str, url)

    async def complete(
        self,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        nonce: str,
        issuer: str | None = None,
    ) -> Identity:
        metadata = await self.metadata()
        if issuer is not None and issuer.rstrip("/") != metadata.issuer.rstrip("/"):
            # RFC 9207: the answer comes from another provider (mix-up attack).
            raise StateMismatch("The sign-in answer names another identity provider")
        async with self._client(metadata, redirect_uri=redirect_uri) as client:
            token = await self._fetch_token(client, metadata, code, code_verifier)
            id_token = token.get("id_token")
            access_token = token.get("access_token")
            if not isinstance(id_token, str) or not isinstance(access_token, str):
                raise ProviderError("The token response has no ID token or no access token")
            claims = await self._validate_id_token(
                metadata, id_token, nonce=nonce, access_token=access_token
            )
            if metadata.userinfo_endpoint is not None:
                userinfo = await self._userinfo(client, metadata, access_token)
                if userinfo.get("sub") != claims["sub"]:
                    raise InvalidIdToken("The userinfo answer is about someone else")
                claims = {**claims, **userinfo}
        return self._identity(metadata, claims, id_token)

    async def logout_url(
        self, *, id_token_hint: str | None, post_logout_redirect_uri: str
    ) -> str | None:
        metadata = await self.metadata()
        if metadata.end_session_endpoint is None:
            return None
        params = {"client_id": self.client_id, "post_logout_redirect_uri": post_logout_redirect_uri}
        if id_token_hint:
            params["id_token_hint"] = id_token_hint
        # ProConnect requires a state; nothing comes back to check it against.
        params["state"] = _random_state()
        return cast(str, add_params_to_uri(metadata.end_session_endpoint, params))

    # --- discovery and keys ----------------------------------------------------

    async def metadata(self) -> DiscoveryDocument:
        """The discovery document, fetched at most once per TTL.

        Raises :class:`ProviderUnavailable` and :class:`ProviderError`.
        """
        cached = self._discovery
        if cached is not None and self._clock() - cached.fetched_at < self._ttl:
            return cast(DiscoveryDocument, cached.value)
        data = await self._get_json(self.issuer + DISCOVERY_PATH, what="discovery document")
        try:
            document = DiscoveryDocument.parse(data, expected_issuer=self.issuer)
        except ValueError as exc:
            log.error("OpenID provider %s: %s", self.issuer, exc)
            raise ProviderError("The identity provider's configuration is unusable") from exc
        # Concurrent requests may both fetch; the last one wins, which is harmless.
        self._discovery = _Cached(document, self._clock())
        return document

    async def _key_set(self, metadata: DiscoveryDocument, *, refresh: bool = False) -> KeySet:
        cached = self._jwks
        now = self._clock()
        if cached is not None:
            age = now - cached.fetched_at
            if age < self._ttl and not (refresh and age >= JWKS_MIN_REFRESH_SECONDS):
                return cast(KeySet, cached.value)
        data = await self._get_json(metadata.jwks_uri, what="JWKS")
        try:
            key_set = KeySet.import_key_set(cast(Any, data))
        except (JoseError, KeyError, TypeError, ValueError) as exc:
            log.error("OpenID provider %s: unusable JWKS: %s", self.issuer, exc)
            raise ProviderError("The identity provider's keys are unusable") from exc
        self._jwks = _Cached(key_set, now)
        return key_set

    async def _get_json(self, url: str, *, what: str) -> object:
        try:
            async with httpx.AsyncClient(
                transport=self._transport, timeout=HTTP_TIMEOUT_SECONDS
            ) as client:
                response = await client.get(url, headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            log.warning("OpenID provider %s: cannot fetch the %s: %r", self.issuer, what, exc)
            raise ProviderUnavailable() from exc
        if response.status_code >= 500:
            log.warning(
                "OpenID provider %s: %s answered %s", self.issuer, what, response.status_code
            )
            raise ProviderUnavailable()
        if response.status_code != 200 or len(response.content) > MAX_RESPONSE_BYTES:
            log.error("OpenID provider %s: %s answered %s", self.issuer, what, response.status_code)
            raise ProviderError(f"The identity provider's {what} is unusable")
        try:
            return response.json()
        except ValueError as exc:
            log.error("OpenID provider %s: the %s is not JSON", self.issuer, what)
            raise ProviderError(f"The identity provider's {what} is unusable") from exc

    # --- tokens ----------------------------------------------------------------

    def _client(self, metadata: DiscoveryDocument, *, redirect_uri: str) -> Any:
        return AsyncOAuth2Client(
            client_id=self.client_id,
            client_secret=self._client_secret,
            token_endpoint_auth_method=metadata.token_endpoint_auth_method,
            scope=self.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            timeout=HTTP_TIMEOUT_SECONDS,
            transport=self._transport,
        )

    async def _fetch_token(
        self, client: Any, metadata: DiscoveryDocument, code: str, code_verifier: str
    ) -> dict[str, Any]:
        try:
            token = await client.fetch_token(
                metadata.token_endpoint,
                grant_type="authorization_code",
                code=code,
                code_verifier=code_verifier,
            )
        except OAuthError as exc:
            # invalid_grant: the code was used already, expired, or issued to another client.
            log.info("OpenID provider %s refused the code: %s", self.issuer, exc.error)
            raise CodeRejected(provider_error=oauth_error_code(exc.error)) from exc
        except httpx.HTTPStatusError as exc:
            status = exc.response.status_code
            log.warning("OpenID provider %s: token endpoint answered %s", self.issuer, status)
            if status >= 500:
                raise ProviderUnavailable() from exc
            raise ProviderError("The identity provider's token endpoint failed") from exc
        except httpx.HTTPError as exc:
            log.warning("OpenID provider %s: token endpoint unreachable: %r", self.issuer, exc)
            raise ProviderUnavailable() from exc
        except ValueError as exc:
            log.error("OpenID provider %s: token response unusable: %s", self.issuer, exc)
            raise ProviderError("The identity provider's token response is unusable") from exc
        return dict(token)

    async def _verify_jws(
        self, metadata: DiscoveryDocument, value: str, algorithms: list[str]
    ) -> Token:
        """Check a compact JWS against the provider's keys.  Raises :class:`InvalidIdToken`."""
        key_set = await self._key_set(metadata)
        try:
            try:
                return jwt.decode(value, key_set, algorithms=algorithms)
            except InvalidKeyIdError:
                # Signed with a key we have not seen: the provider may have rotated its keys.
                key_set = await self._key_set(metadata, refresh=True)
                return jwt.decode(value, key_set, algorithms=algorithms)
        except JoseError as exc:
            log.warning("OpenID provider %s: token refused: %s", self.issuer, exc)
            raise InvalidIdToken() from exc

    async def _validate_id_token(
        self, metadata: DiscoveryDocument, id_token: str, *, nonce: str, access_token: str
    ) -> dict[str, Any]:
        token = await self._verify_jws(metadata, id_token, metadata.id_token_algorithms)
        options: dict[str, dict[str, Any]] = {
            "iss": {"essential": True, "value": metadata.issuer},
            "aud": {"essential": True, "value": self.client_id},
            "sub": {"essential": True},
        }
        if self.acr_values:
            options["acr"] = {"essential": True, "values": list(self.acr_values)}
        claims = CodeIDToken(
            token.claims,
            token.header,
            options,
            {"nonce": nonce, "client_id": self.client_id, "access_token": access_token},
        )
        try:
            claims.validate(leeway=CLOCK_LEEWAY_SECONDS)
        except ClaimError as exc:
            log.warning("OpenID provider %s: ID token claim %s refused", self.issuer, exc.claim)
            raise InvalidIdToken(claim=exc.claim) from exc
        except JoseError as exc:
            log.warning("OpenID provider %s: ID token refused: %s", self.issuer, exc)
            raise InvalidIdToken() from exc
        return dict(claims)

    async def _userinfo(
        self, client: Any, metadata: DiscoveryDocument, access_token: str
    ) -> dict[str, Any]:
        assert metadata.userinfo_endpoint is not None
        try:
            # The token explicitly, rather than Authlib's token auth, which would
            # try to refresh a token that expires within its leeway.
            response = await client.request(
                "GET",
                metadata.userinfo_endpoint,
                withhold_token=True,
                headers={"authorization": f"Bearer {access_token}"},
            )
        except httpx.HTTPError as exc:
            log.warning("OpenID provider %s: userinfo unreachable: %r", self.issuer, exc)
            raise ProviderUnavailable() from exc
        if response.status_code >= 500:
            raise ProviderUnavailable()
        if response.status_code != 200 or len(response.content) > MAX_RESPONSE_BYTES:
            log.error("OpenID provider %s: userinfo answered %s", self.issuer, response.status_code)
            raise ProviderError("The identity provider's userinfo endpoint failed")
        media_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type == "application/jwt":
            token = await self._verify_jws(
                metadata, response.text.strip(), metadata.userinfo_algorithms
            )
            # OpenID Connect Core 5.3.2: when signed, iss and aud should be present and ours.
            registry = jwt.JWTClaimsRegistry(
                leeway=CLOCK_LEEWAY_SECONDS,
                iss={"value": metadata.issuer},
                aud={"value": self.client_id},
            )
            try:
                registry.validate(token.claims)
            except JoseError as exc:
                log.warning("OpenID provider %s: signed userinfo refused: %s", self.issuer, exc)
                raise InvalidIdToken() from exc
            return dict(token.claims)
        try:
            data = response.json()
        except ValueError as exc:
            raise ProviderError("The identity provider's userinfo is not JSON") from exc
        if not isinstance(data, dict):
            raise ProviderError("The identity provider's userinfo is not an object")
        return data

    def _identity(
        self, metadata: DiscoveryDocument, claims: dict[str, Any], id_token: str
    ) -> Identity:
        email = _string_claim(claims, self.claims.email)
        if email is None:
            log.error(
                "OpenID provider %s sent no %r claim: check VISIO_OIDC_SCOPES and"
                " VISIO_OIDC_CLAIM_EMAIL",
                self.issuer,
                self.claims.email,
            )
            raise ProviderError("The identity provider did not send an email address")
        return Identity(
            issuer=metadata.issuer,
            subject=str(claims["sub"]),
            email=email,
            given_name=_string_claim(claims, self.claims.given_name),
            family_name=_string_claim(claims, self.claims.family_name),
            siret=_string_claim(claims, SIRET_CLAIM),
            id_token=id_token,
        )


def _string_claim(claims: dict[str, Any], name: str) -> str | None:
    value = claims.get(name)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _random_state() -> str:
    return secrets.token_urlsafe(32)
