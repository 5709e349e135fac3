"""Join tokens: short-lived, signed, bound to one meeting, one participant and one role.

The REST API issues one after the entry checks (:mod:`visio.access.api`); the
signaling socket accepts a ``join`` only with a valid, unused one.  Signed with
the install's ``signing_key`` (HMAC-SHA1 through itsdangerous, with a salt of
its own); the payload is not secret, only unforgeable.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import asdict, dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from visio.access.policy import Role
from visio.errors import JoinTokenExpired, JoinTokenInvalid

_SALT = "visio.join-token.v1"


@dataclass(frozen=True)
class JoinGrant:
    """What a join token says."""

    room: str
    participant_id: str
    role: Role
    display_name: str
    #: Signed-in user id, if any.
    user_id: str | None
    #: Hash of the browser's visitor id (binds lobby admission and removal).
    visitor: str
    #: Unique id: a token opens one socket only.
    jti: str
    #: A meeting-room microphone shared by several people.
    shared_microphone: bool = False


class JoinTokens:
    def __init__(self, signing_key: str, ttl_seconds: int) -> None:
        self._serializer = URLSafeTimedSerializer(signing_key, salt=_SALT)
        self.ttl = ttl_seconds
        self._used: dict[str, float] = {}

    def issue(
        self,
        *,
        room: str,
        role: Role,
        display_name: str,
        user_id: str | None,
        visitor: str,
        shared_microphone: bool = False,
    ) -> tuple[str, JoinGrant]:
        grant = JoinGrant(
            room=room,
            participant_id=secrets.token_hex(8),
            role=role,
            display_name=display_name,
            user_id=user_id,
            visitor=visitor,
            jti=secrets.token_urlsafe(12),
            shared_microphone=shared_microphone,
        )
        payload = asdict(grant)
        payload["role"] = grant.role.value
        return str(self._serializer.dumps(payload)), grant

    def verify(self, token: str, room: str) -> JoinGrant:
        """The grant of a valid token for ``room``; marks it used.

        Raises :class:`JoinTokenExpired` or :class:`JoinTokenInvalid` (bad
        signature, another meeting, used already, malformed).
        """
        try:
            payload = self._serializer.loads(token, max_age=self.ttl)
        except SignatureExpired as exc:
            raise JoinTokenExpired() from exc
        except BadSignature as exc:
            raise JoinTokenInvalid() from exc
        try:
            grant = JoinGrant(
                room=str(payload["room"]),
                participant_id=str(payload["participant_id"]),
                role=Role(payload["role"]),
                display_name=str(payload["display_name"]),
                user_id=None if payload["user_id"] is None else str(payload["user_id"]),
                visitor=str(payload["visitor"]),
                jti=str(payload["jti"]),
                shared_microphone=payload.get("shared_microphone") is True,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise JoinTokenInvalid() from exc
        if grant.room != room:
            raise JoinTokenInvalid("This join token is for another meeting")
        now = time.monotonic()
        self._forget_old(now)
        if grant.jti in self._used:
            raise JoinTokenInvalid("This join token was used already; ask for a new one")
        self._used[grant.jti] = now + self.ttl + 5
        return grant

    def _forget_old(self, now: float) -> None:
        for jti in [jti for jti, until in self._used.items() if until < now]:
            del self._used[jti]
