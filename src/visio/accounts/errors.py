"""Errors of the accounts area: not signed in, and every way a sign-in can fail.

Every sign-in failure has the code ``sign_in_failed`` and says why in
``details.reason`` (:data:`SignInFailure`); its HTTP status tells whose fault it
is: 4xx for the request or the person, 502 for a provider that answered
wrongly, 503 for a provider that did not answer.  The browser-facing
``/auth/*`` endpoints render them as a page (:mod:`visio.accounts.pages`); API
endpoints return the JSON error body.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from visio.errors import VisioError

SignInFailure = Literal[
    "state_mismatch",
    "refused",
    "code_rejected",
    "domain_not_allowed",
    "invalid_id_token",
    "provider_error",
    "provider_unavailable",
]


class NotSignedIn(VisioError):
    code = "not_signed_in"
    http_status = 401
    default_message = "Sign in first"


class SignInDisabled(VisioError):
    code = "sign_in_disabled"
    http_status = 404
    default_message = "Sign-in is not enabled on this server"


class SignInFailed(VisioError):
    code = "sign_in_failed"
    http_status = 400
    default_message = "Sign-in failed"
    reason: ClassVar[SignInFailure]

    def __init__(self, message: str | None = None, **details: Any) -> None:
        super().__init__(message, reason=self.reason, **details)


class StateMismatch(SignInFailed):
    """The callback does not belong to a sign-in this browser started (or it expired)."""

    reason = "state_mismatch"
    default_message = "The sign-in could not be verified: it expired or was started elsewhere"


class SignInRefused(SignInFailed):
    """The provider sent back an error instead of a code (the person cancelled, ...)."""

    reason = "refused"
    default_message = "The identity provider refused the sign-in"


class CodeRejected(SignInFailed):
    """The token endpoint refused the code: already used, expired, or not ours."""

    reason = "code_rejected"
    default_message = "The identity provider refused to complete the sign-in"


class EmailDomainNotAllowed(SignInFailed):
    reason = "domain_not_allowed"
    http_status = 403
    default_message = "This email domain may not sign in here"


class InvalidIdToken(SignInFailed):
    """The ID token (or signed userinfo) failed validation: signature, issuer, audience..."""

    reason = "invalid_id_token"
    http_status = 502
    default_message = "The identity provider sent an invalid ID token"


class ProviderError(SignInFailed):
    """The provider answered something unusable (bad discovery document, 5xx, no email)."""

    reason = "provider_error"
    http_status = 502
    default_message = "The identity provider sent an invalid answer"


class ProviderUnavailable(SignInFailed):
    reason = "provider_unavailable"
    http_status = 503
    default_message = "The identity provider cannot be reached"


def oauth_error_code(value: object) -> str:
    """An OAuth error code from outside, fit for logs and pages: [A-Za-z0-9_], 64 at most."""
    text = str(value)[:64]
    return "".join(c for c in text if c.isascii() and (c.isalnum() or c == "_")) or "unknown"
