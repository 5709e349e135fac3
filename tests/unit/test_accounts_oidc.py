"""The OpenID Connect client against a scripted provider (httpx.MockTransport).

The integration test (tests/integration/test_oidc.py) runs the real flow
against a real provider; these cover what a well-behaved provider never sends:
expired, unsigned or wrongly addressed tokens, rotated keys, broken answers.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, OctKey, RSAKey

from visio.accounts.discovery import DiscoveryDocument
from visio.accounts.errors import (
    CodeRejected,
    InvalidIdToken,
    ProviderError,
    ProviderUnavailable,
    StateMismatch,
)
from visio.accounts.oidc import OidcProvider

ISSUER = "https://op.example/api/v2"
CLIENT_ID = "visio"
NONCE = "n" * 43
REDIRECT_URI = "https://visio.example/auth/callback"


@cache
def rsa_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid}, private=True)


def sign(claims: dict[str, Any], key: RSAKey | OctKey | None = None, alg: str = "RS256") -> str:
    key = key or rsa_key("k1")
    header: dict[str, Any] = {"alg": alg}
    if key.kid:
        header["kid"] = key.kid
    return jwt.encode(header, claims, key, algorithms=[alg])


def unsigned(claims: dict[str, Any]) -> str:
    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{b64({'alg': 'none'})}.{b64(claims)}."


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class ScriptedProvider:
    """Answers like a ProConnect-style provider; tests change what it says."""

    discovery: dict[str, Any] = field(
        default_factory=lambda: {
            "issuer": ISSUER,
            "authorization_endpoint": f"{ISSUER}/authorize",
            "token_endpoint": f"{ISSUER}/token",
            "jwks_uri": f"{ISSUER}/jwks",
            "userinfo_endpoint": f"{ISSUER}/userinfo",
            "end_session_endpoint": f"{ISSUER}/session/end",
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt"],
        }
    )
    keys: list[RSAKey] = field(default_factory=lambda: [rsa_key("k1")])
    id_token: str | None = None
    token_answer: httpx.Response | None = None
    userinfo_answer: httpx.Response | None = None
    down: bool = False
    requests: list[httpx.Request] = field(default_factory=list)

    def claims(self, **changes: Any) -> dict[str, Any]:
        now = int(time.time())
        base = {
            "iss": ISSUER,
            "sub": "agent-1",
            "aud": CLIENT_ID,
            "exp": now + 60,
            "iat": now,
            "nonce": NONCE,
            "acr": "eidas1",
        }
        base.update(changes)
        return {key: value for key, value in base.items() if value is not None}

    def userinfo_claims(self, **changes: Any) -> dict[str, Any]:
        base = {
            "sub": "agent-1",
            "email": "alice@example.gouv.fr",
            "given_name": "Alice",
            "usual_name": "Martin",
            "siret": "13002526500013",
            "iss": ISSUER,
            "aud": CLIENT_ID,
        }
        base.update(changes)
        return base

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        path = request.url.path
        if path == "/api/v2/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery)
        if path == "/api/v2/jwks":
            return httpx.Response(200, json=KeySet(list(self.keys)).as_dict())
        if path == "/api/v2/token":
            if self.token_answer is not None:
                return self.token_answer
            id_token = self.id_token if self.id_token is not None else sign(self.claims())
            body = {"access_token": "at", "token_type": "Bearer", "expires_in": 60}
            return httpx.Response(200, json={**body, "id_token": id_token})
        if path == "/api/v2/userinfo":
            if self.userinfo_answer is not None:
                return self.userinfo_answer
            return httpx.Response(
                200,
                content=sign(self.userinfo_claims()),
                headers={"content-type": "application/jwt; charset=utf-8"},
            )
        return httpx.Response(404)

    def paths(self) -> list[str]:
        return [request.url.path.removeprefix("/api/v2") for request in self.requests]


def client(
    op: ScriptedProvider, clock: Callable[[], float] | None = None, **options: Any
) -> OidcProvider:
    return OidcProvider(
        issuer=ISSUER,
        client_id=CLIENT_ID,
        client_secret="secret",
        scopes="openid email given_name usual_name siret",
        transport=httpx.MockTransport(op.handle),
        clock=clock or Clock(),
        **options,
    )


async def complete(provider: OidcProvider) -> Any:
    return await provider.complete(
        code="code", redirect_uri=REDIRECT_URI, code_verifier="v" * 64, nonce=NONCE
    )


def test_authlib_uses_the_httpx_that_visio_catches() -> None:
    # Authlib prefers httpx2 when it is installed; oidc.py catches httpx's
    # exceptions.  If this fails, move oidc.py (and this test) to httpx2.
    # (Imported here: visio.accounts.oidc, imported above, silenced Authlib's warning.)
    from authlib.integrations.httpx_client import (  # type: ignore[import-untyped]
        AsyncOAuth2Client,
    )

    assert issubclass(AsyncOAuth2Client, httpx.AsyncClient)


# --- the happy path --------------------------------------------------------------


async def test_authorization_url_has_pkce_state_nonce_and_acr() -> None:
    provider = client(ScriptedProvider(), acr_values="eidas1")
    url = await provider.authorization_url(
        redirect_uri=REDIRECT_URI, state="s" * 43, nonce=NONCE, code_verifier="v" * 64
    )
    parts = urlsplit(url)
    params = {key: values[0] for key, values in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == f"{ISSUER}/authorize"
    assert params == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email given_name usual_name siret",
        "state": "s" * 43,
        "nonce": NONCE,
        "code_challenge": params["code_challenge"],
        "code_challenge_method": "S256",
        "acr_values": "eidas1",
    }
    # RFC 7636 appendix B: BASE64URL(SHA256(verifier)), without padding.
    assert len(params["code_challenge"]) == 43


async def test_signed_userinfo_and_id_token_make_the_identity() -> None:
    op = ScriptedProvider()
    op.id_token = sign(op.claims())
    identity = await complete(client(op, acr_values="eidas1 eidas2"))
    assert identity.issuer == ISSUER
    assert identity.subject == "agent-1"
    assert identity.email == "alice@example.gouv.fr"
    assert (identity.given_name, identity.family_name) == ("Alice", "Martin")
    assert identity.siret == "13002526500013"
    assert identity.id_token == op.id_token
    token_request = next(r for r in op.requests if r.url.path.endswith("/token"))
    form = parse_qs(token_request.content.decode())
    # client_secret_basic is not offered here: the secret goes in the body.
    assert form["client_secret"] == ["secret"]
    assert form["code_verifier"] == ["v" * 64]
    assert form["redirect_uri"] == [REDIRECT_URI]
    userinfo_request = next(r for r in op.requests if r.url.path.endswith("/userinfo"))
    assert userinfo_request.headers["authorization"] == "Bearer at"


async def test_plain_json_userinfo_is_accepted() -> None:
    op = ScriptedProvider(
        userinfo_answer=httpx.Response(200, json={"sub": "agent-1", "email": "b@example.fr"})
    )
    identity = await complete(client(op))
    assert identity.email == "b@example.fr"
    assert identity.given_name is None


async def test_logout_url_carries_the_id_token_hint() -> None:
    provider = client(ScriptedProvider())
    url = await provider.logout_url(
        id_token_hint="the.id.token", post_logout_redirect_uri="https://visio.example/"
    )
    assert url is not None
    params = parse_qs(urlsplit(url).query)
    assert params["id_token_hint"] == ["the.id.token"]
    assert params["post_logout_redirect_uri"] == ["https://visio.example/"]
    assert params["state"][0]


async def test_no_end_session_endpoint_means_no_logout_url() -> None:
    op = ScriptedProvider()
    del op.discovery["end_session_endpoint"]
    provider = client(op)
    assert (
        await provider.logout_url(id_token_hint=None, post_logout_redirect_uri="https://v/") is None
    )


# --- discovery and keys ------------------------------------------------------------


async def test_discovery_and_keys_are_cached_until_the_ttl() -> None:
    op = ScriptedProvider()
    clock = Clock()
    provider = client(op, clock, discovery_ttl=3600)
    await complete(provider)
    await complete(provider)
    assert op.paths().count("/.well-known/openid-configuration") == 1
    assert op.paths().count("/jwks") == 1
    clock.now += 3600
    await complete(provider)
    assert op.paths().count("/.well-known/openid-configuration") == 2
    assert op.paths().count("/jwks") == 2


async def test_rotated_key_is_fetched_once_then_rate_limited() -> None:
    op = ScriptedProvider()
    clock = Clock()
    provider = client(op, clock)
    await complete(provider)
    op.keys = [rsa_key("k1"), rsa_key("k2")]
    op.id_token = sign(op.claims(), rsa_key("k2"))
    clock.now += 61
    await complete(provider)  # unknown kid: the JWKS is fetched again
    assert op.paths().count("/jwks") == 2
    op.id_token = sign(op.claims(), rsa_key("k3"))  # a key the provider never published
    with pytest.raises(InvalidIdToken):
        await complete(provider)
    assert op.paths().count("/jwks") == 2  # no refetch storm within a minute


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"issuer": "https://evil.example/api/v2"}, "another issuer"),
        ({"token_endpoint": "http://op.example/token"}, "plain http endpoint"),
        ({"id_token_signing_alg_values_supported": ["HS256", "none"]}, "no usable algorithm"),
        ({"token_endpoint_auth_methods_supported": ["private_key_jwt"]}, "no secret auth"),
        ({"jwks_uri": None}, "missing field"),
    ],
)
async def test_unusable_discovery_document_is_a_provider_error(
    change: dict[str, Any], problem: str
) -> None:
    op = ScriptedProvider()
    op.discovery.update(change)
    with pytest.raises(ProviderError):
        await client(op).metadata()


def test_discovery_issuer_may_differ_by_a_trailing_slash_only() -> None:
    document = ScriptedProvider().discovery
    DiscoveryDocument.parse(document, expected_issuer=ISSUER + "/")
    with pytest.raises(ValueError, match="issuer"):
        DiscoveryDocument.parse(document, expected_issuer=ISSUER + "/v3")


async def test_unreachable_or_failing_provider_is_unavailable() -> None:
    with pytest.raises(ProviderUnavailable):
        await client(ScriptedProvider(down=True)).metadata()

    def failing(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, text="maintenance")

    provider = OidcProvider(
        issuer=ISSUER,
        client_id=CLIENT_ID,
        client_secret="s",
        transport=httpx.MockTransport(failing),
    )
    with pytest.raises(ProviderUnavailable):
        await provider.metadata()


# --- the token endpoint ----------------------------------------------------------------


async def test_refused_code_is_code_rejected() -> None:
    op = ScriptedProvider(
        token_answer=httpx.Response(400, json={"error": "invalid_grant"}),
    )
    with pytest.raises(CodeRejected) as raised:
        await complete(client(op))
    assert raised.value.details == {"reason": "code_rejected", "provider_error": "invalid_grant"}


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(502, text="bad gateway"), ProviderUnavailable),
        (httpx.Response(200, text="<html>not json</html>"), ProviderError),
        (httpx.Response(200, json={"access_token": "at", "token_type": "Bearer"}), ProviderError),
    ],
)
async def test_broken_token_answers(answer: httpx.Response, error: type[Exception]) -> None:
    with pytest.raises(error):
        await complete(client(ScriptedProvider(token_answer=answer)))


# --- ID token validation --------------------------------------------------------------


def now() -> int:
    return int(time.time())


@pytest.mark.parametrize(
    ("claims", "claim"),
    [
        ({"aud": "someone-else"}, "aud"),
        ({"aud": ["someone-else", CLIENT_ID]}, "azp"),  # several audiences need azp
        ({"iss": "https://evil.example"}, "iss"),
        ({"nonce": "replayed-nonce"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"exp": now() - 3600}, "exp"),
        ({"iat": now() + 3600}, "iat"),
        ({"sub": None}, "sub"),
        ({"acr": "eidas0"}, "acr"),
        ({"acr": None}, "acr"),
    ],
)
async def test_id_token_with_a_wrong_claim_is_refused(claims: dict[str, Any], claim: str) -> None:
    op = ScriptedProvider()
    op.id_token = sign(op.claims(**claims))
    with pytest.raises(InvalidIdToken) as raised:
        await complete(client(op, acr_values="eidas1"))
    assert raised.value.details.get("claim") == claim


@pytest.mark.parametrize(
    "forge",
    [
        lambda claims: unsigned(claims),
        lambda claims: sign(claims, OctKey.import_key("s" * 32), alg="HS256"),
        lambda claims: sign(claims, rsa_key("attacker")),
        lambda claims: sign(claims)[:-8] + "AAAAAAAA",
        lambda claims: "not.a.jwt",
    ],
    ids=["alg-none", "hmac-with-guessable-key", "unknown-key", "bad-signature", "garbage"],
)
async def test_id_token_not_signed_by_the_provider_is_refused(
    forge: Callable[[dict[str, Any]], str],
) -> None:
    op = ScriptedProvider()
    op.id_token = forge(op.claims())
    with pytest.raises(InvalidIdToken):
        await complete(client(op))


async def test_userinfo_about_someone_else_is_refused() -> None:
    op = ScriptedProvider()
    op.userinfo_answer = httpx.Response(
        200,
        content=sign(op.userinfo_claims(sub="agent-2")),
        headers={"content-type": "application/jwt"},
    )
    with pytest.raises(InvalidIdToken):
        await complete(client(op))


async def test_signed_userinfo_for_another_client_is_refused() -> None:
    op = ScriptedProvider()
    op.userinfo_answer = httpx.Response(
        200,
        content=sign(op.userinfo_claims(aud="someone-else")),
        headers={"content-type": "application/jwt"},
    )
    with pytest.raises(InvalidIdToken):
        await complete(client(op))


async def test_identity_without_email_is_a_provider_error() -> None:
    op = ScriptedProvider(
        userinfo_answer=httpx.Response(200, json={"sub": "agent-1", "given_name": "Alice"})
    )
    with pytest.raises(ProviderError):
        await complete(client(op))


async def test_callback_from_another_issuer_is_a_state_mismatch() -> None:
    provider = client(ScriptedProvider())
    with pytest.raises(StateMismatch):
        await provider.complete(
            code="code",
            redirect_uri=REDIRECT_URI,
            code_verifier="v" * 64,
            nonce=NONCE,
            issuer="https://evil.example",
        )
