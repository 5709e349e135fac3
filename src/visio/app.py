"""create_app(settings): routes, lifespan and wiring.  Nothing runs at import."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from visio.config import Settings
from visio.errors import ValidationFailed, VisioError
from visio.media.base import MediaServer
from visio.services import Services
from visio.web import SECURITY_HEADERS

log = logging.getLogger(__name__)


def error_response(error: VisioError) -> JSONResponse:
    """The one mapping from the error hierarchy to HTTP.

    A ``retry_after`` detail (seconds) also becomes a ``Retry-After`` header.
    """
    headers: dict[str, str] = {}
    retry_after = error.details.get("retry_after")
    if isinstance(retry_after, int | float):
        headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
    return JSONResponse(error.body(), status_code=error.http_status, headers=headers)


def install_error_handlers(app: FastAPI) -> None:
    async def visio_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, VisioError)
        return error_response(exc)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = [
            {"loc": [str(part) for part in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        return error_response(ValidationFailed(problems=problems))

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = {"error": {"code": code, "message": str(exc.detail)}}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    async def unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", exc_info=exc)
        response = error_response(VisioError())
        # Starlette answers this outside every middleware: add the headers here.
        response.headers.update(dict(SECURITY_HEADERS))
        return response

    app.add_exception_handler(VisioError, visio_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(Exception, unexpected)


def create_app(settings: Settings, *, media: MediaServer | None = None) -> FastAPI:
    """Build the ASGI app.  ``media`` replaces the Janus media server (unit tests)."""
    from visio import health, web
    from visio.access import api as access_api
    from visio.accounts import api as accounts_api
    from visio.rooms import api as rooms_api
    from visio.signaling import api as signaling_api
    from visio.transcripts import api as transcripts_api

    services = Services.build(settings, media=media)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await services.start()
        try:
            yield
        finally:
            await services.stop()

    app = FastAPI(
        title="Visio",
        version="1",
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # Swagger UI needs a CDN and inline scripts: the CSP forbids both
        redoc_url=None,
    )
    app.state.services = services
    install_error_handlers(app)
    app.include_router(health.router)
    app.include_router(accounts_api.build_auth_router(settings))
    app.include_router(accounts_api.router, prefix="/api/v1")
    app.include_router(rooms_api.router, prefix="/api/v1")
    app.include_router(access_api.router, prefix="/api/v1")
    app.include_router(signaling_api.router, prefix="/api/v1")
    app.include_router(transcripts_api.router, prefix="/api/v1")
    web.install_security_headers(app)
    web.mount_web_client(app, settings.web_dir)  # last: it answers every other GET
    return app
