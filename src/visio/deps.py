"""Typed FastAPI dependencies: ``def endpoint(services: ServicesDep, session: DbSession)``.

They read the :class:`~visio.services.Services` that :func:`visio.app.create_app`
puts on ``app.state``; nothing is global.  They work for HTTP and WebSocket
endpoints alike (``HTTPConnection``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection

from visio.config import Settings
from visio.services import Services


def get_services(connection: HTTPConnection) -> Services:
    services = connection.app.state.services
    if not isinstance(services, Services):
        raise RuntimeError("app.state.services is not set: build the app with create_app()")
    return services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_settings(services: ServicesDep) -> Settings:
    return services.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_db_session(services: ServicesDep) -> Iterator[Session]:
    with services.db.session() as session:
        yield session


#: One session per request, committed when the endpoint function returns, and
#: before the response is sent (``scope="function"``): a client never sees a
#: success for a write that then fails to commit.
DbSession = Annotated[Session, Depends(get_db_session, scope="function")]
