"""The ``users`` and ``user_sessions`` tables."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from visio.db import Base, UtcDateTime

ISSUER_MAX_CHARS = 255
SUBJECT_MAX_CHARS = 255
#: RFC 5321: 64 (local part) + 1 + 255 (domain).
EMAIL_MAX_CHARS = 320
NAME_MAX_CHARS = 200
SIRET_MAX_CHARS = 14
#: sha256 in hex.
TOKEN_HASH_CHARS = 64
IP_MAX_CHARS = 45
USER_AGENT_MAX_CHARS = 400


def _new_id() -> str:
    return str(uuid.uuid4())


class User(Base):
    """A person known through the identity provider, keyed by (issuer, subject).

    Profile fields are copied from the provider's claims at each sign-in.
    """

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject", name="uq_users_issuer_subject"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=_new_id)
    issuer: Mapped[str] = mapped_column(String(ISSUER_MAX_CHARS))
    subject: Mapped[str] = mapped_column(String(SUBJECT_MAX_CHARS))
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_CHARS), index=True)
    given_name: Mapped[str | None] = mapped_column(String(NAME_MAX_CHARS))
    family_name: Mapped[str | None] = mapped_column(String(NAME_MAX_CHARS))
    siret: Mapped[str | None] = mapped_column(String(SIRET_MAX_CHARS))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_login_at: Mapped[datetime] = mapped_column(UtcDateTime())

    @property
    def display_name(self) -> str:
        """Given and family name, or the email address when the provider sent no name."""
        name = " ".join(part for part in (self.given_name, self.family_name) if part)
        return name or self.email

    def __repr__(self) -> str:
        return f"User(id={self.id!r})"


class UserSession(Base):
    """A signed-in browser.

    ``id`` is the sha256 of the token in the browser's cookie: a copy of the
    database does not let anyone sign in as the people in it.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(TOKEN_HASH_CHARS), primary_key=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime())
    #: The provider's ID token, sent back as ``id_token_hint`` at logout.
    id_token: Mapped[str | None] = mapped_column(Text)
    ip: Mapped[str | None] = mapped_column(String(IP_MAX_CHARS))
    user_agent: Mapped[str | None] = mapped_column(String(USER_AGENT_MAX_CHARS))

    user: Mapped[User] = relationship(lazy="joined")

    def __repr__(self) -> str:
        return f"UserSession(user_id={self.user_id!r}, expires_at={self.expires_at!r})"
