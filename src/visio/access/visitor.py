"""The visitor id: one random value per browser, in an HttpOnly cookie.

Lobby requests, admissions and removals are bound to it, and a meeting created
without signing in names its creator by it.  Only its sha256 is kept server-side.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from starlette.requests import HTTPConnection
from starlette.responses import Response

from visio.config import Settings

#: A browser keeps its visitor id for this long after its last use.
VISITOR_COOKIE_SECONDS = 30 * 24 * 3600
_WELL_FORMED = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


def visitor_hash(visitor_id: str) -> str:
    return hashlib.sha256(visitor_id.encode()).hexdigest()


def read_visitor(connection: HTTPConnection, settings: Settings) -> str | None:
    """The hash of the browser's visitor id, or None when it has none (or a malformed one)."""
    value = connection.cookies.get(settings.visitor_cookie_name)
    if value is None or not _WELL_FORMED.match(value):
        return None
    return visitor_hash(value)


def ensure_visitor(connection: HTTPConnection, response: Response, settings: Settings) -> str:
    """The visitor hash of this browser, giving it a visitor id first if it has none."""
    value = connection.cookies.get(settings.visitor_cookie_name)
    if value is None or not _WELL_FORMED.match(value):
        value = secrets.token_urlsafe(32)
    # Refreshed at each use, so an active browser keeps its id.
    response.set_cookie(
        settings.visitor_cookie_name,
        value,
        max_age=VISITOR_COOKIE_SECONDS,
        path="/",
        httponly=True,
        secure=connection.url.scheme == "https",
        samesite="lax",
    )
    return visitor_hash(value)


def client_address(connection: HTTPConnection) -> str:
    return connection.client.host if connection.client else "unknown"
