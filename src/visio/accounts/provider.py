"""The identity provider boundary: what sign-in needs from an OpenID Connect provider.

:class:`visio.accounts.oidc.OidcProvider` is the real implementation; unit
tests use a fake.  The app picks one in :func:`visio.accounts.api.identity_provider`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Identity:
    """Who signed in, as the provider vouched for them (validated ID token + userinfo)."""

    issuer: str
    subject: str
    email: str
    given_name: str | None
    family_name: str | None
    siret: str | None
    #: The raw ID token, kept to send back as ``id_token_hint`` at logout.
    id_token: str | None


class IdentityProvider(Protocol):
    async def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        """The provider URL to send the browser to (Authorization Code flow with PKCE S256).

        Raises :class:`~visio.accounts.errors.ProviderUnavailable` when the
        provider cannot be reached and
        :class:`~visio.accounts.errors.ProviderError` when its discovery
        document is unusable.
        """
        ...

    async def complete(
        self,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        nonce: str,
        issuer: str | None = None,
    ) -> Identity:
        """Exchange the code and return the validated identity.

        ``issuer`` is the callback's ``iss`` parameter (RFC 9207) when the
        provider sent one.  Raises :class:`~visio.accounts.errors.CodeRejected`
        when the token endpoint refuses the code,
        :class:`~visio.accounts.errors.InvalidIdToken` when the ID token (or
        signed userinfo) fails validation,
        :class:`~visio.accounts.errors.ProviderError` for other unusable
        answers and :class:`~visio.accounts.errors.ProviderUnavailable` when the
        provider cannot be reached.
        """
        ...

    async def logout_url(
        self, *, id_token_hint: str | None, post_logout_redirect_uri: str
    ) -> str | None:
        """The provider's end-session URL, or ``None`` if it has no ``end_session_endpoint``.

        Raises :class:`~visio.accounts.errors.ProviderUnavailable` and
        :class:`~visio.accounts.errors.ProviderError` like :meth:`authorization_url`.
        """
        ...
