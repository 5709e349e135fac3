"""Typed dependencies: ``def endpoint(user: CurrentUser)`` or ``user: OptionalUser``.

They read the session cookie and look the session up in the request's
database session (:data:`visio.deps.DbSession`), so the user object belongs
to the endpoint's transaction.  A WebSocket endpoint, which should not hold a
database session for its whole life, can call
:meth:`~visio.accounts.service.AccountService.authenticate` itself in a short
session instead.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from starlette.requests import HTTPConnection

from visio.accounts.errors import NotSignedIn
from visio.accounts.models import User
from visio.accounts.service import AccountService
from visio.deps import DbSession, SettingsDep


def get_account_service(session: DbSession, settings: SettingsDep) -> AccountService:
    return AccountService(session, settings)


AccountServiceDep = Annotated[AccountService, Depends(get_account_service)]


def get_optional_user(connection: HTTPConnection, accounts: AccountServiceDep) -> User | None:
    """The signed-in user, or ``None`` (no cookie, unknown or expired session)."""
    token = connection.cookies.get(accounts.settings.session_cookie_name)
    user_session = accounts.authenticate(token)
    return user_session.user if user_session is not None else None


OptionalUser = Annotated[User | None, Depends(get_optional_user)]


def get_current_user(user: OptionalUser, settings: SettingsDep) -> User:
    """The signed-in user.  Raises :class:`NotSignedIn` (401) without a live session."""
    if user is None:
        raise NotSignedIn(sign_in_enabled=settings.oidc_enabled)
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]
