"""Account logic: who may sign in, users kept in step with the provider, sessions.

A session token is 256 random bits, given to the browser in a cookie and
stored only as its sha256: the database alone does not let anyone in.
Sessions last ``session_ttl_seconds`` from sign-in; they are not extended by
use.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from visio import audit
from visio.accounts.errors import EmailDomainNotAllowed, ProviderError
from visio.accounts.models import (
    EMAIL_MAX_CHARS,
    IP_MAX_CHARS,
    NAME_MAX_CHARS,
    USER_AGENT_MAX_CHARS,
    User,
    UserSession,
)
from visio.accounts.provider import Identity
from visio.accounts.store import AccountStore, UserExists
from visio.config import Settings
from visio.db import utcnow

log = logging.getLogger(__name__)

TOKEN_BYTES = 32
#: ``secrets.token_urlsafe(32)``: 43 characters of the URL-safe base64 alphabet.
_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")
_SIRET = re.compile(r"\d{14}")
#: ``last_seen_at`` is written at most this often, not on every request.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


def new_session_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_session_token(token: str) -> str:
    """The primary key stored for a token: its sha256, in hex."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def is_well_formed_token(token: str) -> bool:
    return _TOKEN.fullmatch(token) is not None


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def email_domain_allowed(email: str, allowed: Sequence[str]) -> bool:
    """Whether the email's domain is in ``allowed`` (empty: every domain is).

    An entry ``*.example.org`` allows the subdomains of example.org, not
    example.org itself; list both to allow both.
    """
    if not allowed:
        return True
    domain = email_domain(email)
    for entry in allowed:
        if entry.startswith("*."):
            if domain.endswith(entry[1:]):
                return True
        elif domain == entry:
            return True
    return False


def normalize_email(value: str) -> str:
    """The address with surrounding space removed and the domain in lower case.

    Raises :class:`ProviderError` if it is not an email address.
    """
    email = value.strip()
    local, at, domain = email.rpartition("@")
    if (
        not at
        or not local
        or not domain
        or len(email) > EMAIL_MAX_CHARS
        or any(c.isspace() for c in email)
    ):
        raise ProviderError("The identity provider sent no valid email address")
    return f"{local}@{domain.lower()}"


def _clip(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value[:limit] or None


@dataclass(frozen=True)
class NewSession:
    #: The cookie value.  Only its hash is stored: this is the one chance to read it.
    token: str
    session: UserSession


class AccountService:
    """Users and sessions in one database session; the caller owns the transaction."""

    def __init__(
        self,
        session: Session,
        settings: Settings,
        *,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.store = AccountStore(session)
        self.settings = settings
        self._now = now

    # --- sign-in ---------------------------------------------------------------

    def sign_in(
        self,
        identity: Identity,
        *,
        ip: str | None = None,
        user_agent: str | None = None,
        replacing: str | None = None,
    ) -> NewSession:
        """Record a successful sign-in: check the email domain, upsert the user, open a session.

        ``replacing`` is the browser's previous session token, if any: that
        session ends (a sign-in never leaves two sessions in one browser).
        Expired sessions of everyone are purged on the way.  Raises
        :class:`EmailDomainNotAllowed` (nothing is written then) and
        :class:`ProviderError` for an identity without a valid email.
        """
        email = normalize_email(identity.email)
        self.check_email_domain(email)
        user = self.upsert_user(identity)
        if replacing is not None:
            self.end_session(replacing)
        self.purge_expired_sessions()
        new = self.create_session(user, id_token=identity.id_token, ip=ip, user_agent=user_agent)
        audit.record(self.store.session, "signed_in", actor=user.id, address=ip, email=email)
        log.info("user %s signed in (issuer %s)", user.id, user.issuer)
        return new

    def check_email_domain(self, email: str) -> None:
        """Raises :class:`EmailDomainNotAllowed` if the domain may not sign in."""
        if not email_domain_allowed(email, self.settings.oidc_allowed_email_domains):
            log.info("sign-in refused for email domain %s", email_domain(email))
            raise EmailDomainNotAllowed(domain=email_domain(email))

    def upsert_user(self, identity: Identity) -> User:
        """The user for ``identity``'s (issuer, subject), created or updated from its claims."""
        now = self._now()
        user = self.store.get_user_by_subject(identity.issuer, identity.subject)
        if user is None:
            user = User(
                issuer=identity.issuer,
                subject=identity.subject,
                created_at=now,
                **self._profile(identity),
                last_login_at=now,
            )
            try:
                return self.store.add_user(user)
            except UserExists:
                # The same person finishing two sign-ins at once: the other
                # request inserted first; the unique constraint is the only
                # real guard, so update the row it created.
                existing = self.store.get_user_by_subject(identity.issuer, identity.subject)
                if existing is None:  # pragma: no cover - deleted in between
                    raise
                user = existing
        for name, value in self._profile(identity).items():
            setattr(user, name, value)
        user.last_login_at = now
        self.store.flush()
        return user

    @staticmethod
    def _profile(identity: Identity) -> dict[str, str | None]:
        siret = identity.siret.strip() if identity.siret else None
        if siret is not None and _SIRET.fullmatch(siret) is None:
            log.warning("ignoring a siret claim that is not 14 digits")
            siret = None
        return {
            "email": normalize_email(identity.email),
            "given_name": _clip(identity.given_name, NAME_MAX_CHARS),
            "family_name": _clip(identity.family_name, NAME_MAX_CHARS),
            "siret": siret,
        }

    # --- sessions --------------------------------------------------------------

    def create_session(
        self,
        user: User,
        *,
        id_token: str | None = None,
        ip: str | None = None,
        user_agent: str | None = None,
    ) -> NewSession:
        """A new session for ``user``, valid ``session_ttl_seconds`` from now."""
        now = self._now()
        token = new_session_token()
        user_session = UserSession(
            id=hash_session_token(token),
            user=user,
            created_at=now,
            expires_at=now + timedelta(seconds=self.settings.session_ttl_seconds),
            last_seen_at=now,
            id_token=id_token,
            ip=_clip(ip, IP_MAX_CHARS),
            user_agent=_clip(user_agent, USER_AGENT_MAX_CHARS),
        )
        self.store.add_session(user_session)
        return NewSession(token=token, session=user_session)

    def authenticate(self, token: str | None) -> UserSession | None:
        """The live session for a cookie value, its ``user`` loaded; ``None`` otherwise.

        ``None`` for a missing, malformed, unknown or expired token; nothing is
        written then.  A live session's ``last_seen_at`` is brought up to date
        (at most once per :data:`LAST_SEEN_RESOLUTION`).
        """
        if not token or not is_well_formed_token(token):
            return None
        user_session = self.store.get_session(hash_session_token(token))
        if user_session is None:
            return None
        now = self._now()
        if user_session.expires_at <= now:
            return None
        if now - user_session.last_seen_at >= LAST_SEEN_RESOLUTION:
            user_session.last_seen_at = now
            self.store.flush()
        return user_session

    def end_session(self, token: str | None) -> UserSession | None:
        """Delete the session of a cookie value; returns it (for its ``id_token``) or ``None``.

        Expired sessions are deleted too, and returned.
        """
        if not token or not is_well_formed_token(token):
            return None
        user_session = self.store.get_session(hash_session_token(token))
        if user_session is None:
            return None
        self.store.delete_session(user_session)
        audit.record(self.store.session, "signed_out", actor=user_session.user_id)
        return user_session

    def purge_expired_sessions(self) -> int:
        """Delete every expired session; returns how many there were."""
        return self.store.delete_sessions_expired_before(self._now())
