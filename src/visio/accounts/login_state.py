"""What a sign-in in progress remembers between ``/auth/login`` and the callback.

It travels in a short-lived cookie signed with the install's ``signing_key``
(itsdangerous, with a salt of its own so that no other signed value of Visio
can pass for it).  Each sign-in gets its own cookie, named after its
``state``, so that two tabs signing in at once do not overwrite each other;
the cookie is only sent to the callback path and removed there.

It is signed, not encrypted: the browser can read its own PKCE verifier and
nonce, which is harmless — they protect the browser's sign-in from others.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import asdict, dataclass

from itsdangerous import BadData, URLSafeTimedSerializer

from visio.accounts.errors import StateMismatch

COOKIE_PREFIX = "visio_login_"
#: Time to get through the provider's pages.
LOGIN_TTL_SECONDS = 600
_SALT = "visio.accounts.login-state"


@dataclass(frozen=True)
class LoginState:
    state: str
    nonce: str
    code_verifier: str
    #: Path on this site to go to once signed in (already sanitised).
    next_path: str
    #: The redirect_uri sent to the provider; the token request must repeat it exactly.
    redirect_uri: str

    @classmethod
    def new(cls, *, next_path: str, redirect_uri: str) -> LoginState:
        return cls(
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            # RFC 7636: 43 to 128 characters; 64 here.
            code_verifier=secrets.token_urlsafe(48),
            next_path=next_path,
            redirect_uri=redirect_uri,
        )


def cookie_name(state: str) -> str:
    """The cookie of the sign-in with this ``state`` (a hash: state is any string)."""
    digest = hashlib.sha256(state.encode("utf-8", "replace")).hexdigest()
    return COOKIE_PREFIX + digest[:16]


class LoginStateSigner:
    def __init__(self, signing_key: str, *, max_age: int = LOGIN_TTL_SECONDS) -> None:
        self._serializer = URLSafeTimedSerializer(signing_key, salt=_SALT)
        self.max_age = max_age

    def dumps(self, login: LoginState) -> str:
        return self._serializer.dumps(asdict(login))

    def loads(self, value: str | None, *, state: str) -> LoginState:
        """The sign-in of a cookie value, checked against the callback's ``state``.

        Raises :class:`StateMismatch` when the cookie is missing, forged,
        older than ``max_age`` or made for another state.
        """
        if not value:
            raise StateMismatch()
        try:
            data = self._serializer.loads(value, max_age=self.max_age)
            login = LoginState(**data)
        except (BadData, TypeError) as exc:
            raise StateMismatch() from exc
        if not hmac.compare_digest(login.state.encode(), state.encode("utf-8", "replace")):
            raise StateMismatch()
        return login
