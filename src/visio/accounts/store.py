"""Database access for users and sessions.  No rules here: those live in :mod:`.service`."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from visio.accounts.models import User, UserSession


class UserExists(Exception):
    """Another user already has this (issuer, subject)."""


class AccountStore:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get_user(self, user_id: str) -> User | None:
        return self.session.get(User, user_id)

    def get_user_by_subject(self, issuer: str, subject: str) -> User | None:
        query = select(User).where(User.issuer == issuer, User.subject == subject)
        return self.session.scalars(query).one_or_none()

    def add_user(self, user: User) -> User:
        """Insert a user and flush it.  Raises :class:`UserExists` on a duplicate subject.

        The insert runs in a savepoint, so a duplicate leaves the rest of the
        session's transaction intact.
        """
        try:
            with self.session.begin_nested():
                self.session.add(user)
        except IntegrityError as exc:
            raise UserExists(user.issuer, user.subject) from exc
        return user

    def add_session(self, user_session: UserSession) -> UserSession:
        self.session.add(user_session)
        self.session.flush()
        return user_session

    def get_session(self, token_hash: str) -> UserSession | None:
        """The session with this token hash, its user loaded, expired or not."""
        return self.session.get(UserSession, token_hash)

    def delete_session(self, user_session: UserSession) -> None:
        self.session.delete(user_session)
        self.session.flush()

    def delete_sessions_expired_before(self, now: datetime) -> int:
        result = self.session.execute(
            delete(UserSession)
            .where(UserSession.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
        count: int = getattr(result, "rowcount", 0) or 0
        return count

    def sessions_of(self, user_id: str) -> list[UserSession]:
        query = select(UserSession).where(UserSession.user_id == user_id)
        return list(self.session.scalars(query))

    def flush(self) -> None:
        self.session.flush()
