"""The built web client (``frontend/`` → ``web_dir``) and the security headers.

:func:`install_security_headers` adds the browser security headers to every
HTTP response, API included.  :func:`mount_web_client` serves the client's
production build after all API routes:

* ``/assets/<name>``: content-hashed files, cached for a year, served from the
  precompressed ``.br`` / ``.gz`` sibling when the request accepts it;
* ``/<file>``: an existing top-level file of the build (``/favicon.svg``);
* any other path that is not an API path: ``index.html`` (the client routes
  ``/<meeting code>`` itself), revalidated on every load.

No path is ever resolved outside the build folder: ``.``/``..``/hidden
segments are refused before touching the file system, and the resolved file
(symlinks followed) must still lie inside the folder.
"""

from __future__ import annotations

import mimetypes
import os
import stat
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Match, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from visio.errors import CsrfFailed, VisioError

# --- security headers --------------------------------------------------------

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        # Never 'unsafe-inline' for scripts: the client is built with no inline script.
        "script-src 'self'",
        # React and media libraries set style attributes at run time.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob:",
        "font-src 'self' data:",
        "connect-src 'self' ws: wss:",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "object-src 'none'",
    ]
)

SECURITY_HEADERS: tuple[tuple[str, str], ...] = (
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    # The meeting code is in the URL: it must not leak to other sites.
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    (
        "permissions-policy",
        "camera=(self), microphone=(self), display-capture=(self), fullscreen=(self)",
    ),
    ("cross-origin-opener-policy", "same-origin"),
)

#: Only sent over HTTPS: over plain HTTP a browser ignores it anyway, and a
#: deployment reached on http://host:8000 must not be pinned to HTTPS.
HSTS = ("strict-transport-security", "max-age=31536000")


class SecurityHeadersMiddleware:
    """Sets :data:`SECURITY_HEADERS` on every HTTP response, replacing any set before.

    ``scope["scheme"]`` is what ``request.url.scheme`` reads: ``https`` when the
    connection is TLS, or when uvicorn's ``proxy_headers`` trusted the proxy's
    ``X-Forwarded-Proto``.  Responses that Starlette's outermost
    ``ServerErrorMiddleware`` builds for unhandled exceptions bypass this
    middleware (it sits inside it): app.py's handler adds the headers itself.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS:
                    headers[name] = value
                if https:
                    headers[HSTS[0]] = HSTS[1]
            await send(message)

        await self.app(scope, receive, send_with_headers)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: Every state-changing API request carries it.  A cross-site form cannot set a
#: header, and a cross-site script that sets one needs a CORS preflight that
#: Visio never grants: cookies alone can no longer act for a signed-in person.
CSRF_HEADER = "x-visio-request"


class CsrfMiddleware:
    """Refuses cross-site state changes (docs/security.md, "CSRF").

    ``/api/*`` writes need the :data:`CSRF_HEADER` header; any write under the
    server's paths from a page of another site (``Sec-Fetch-Site: cross-site``
    or an ``Origin`` whose host is not this one) is refused as well.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if is_api_path(path) and not self._allowed(scope, path):
            error = CsrfFailed()
            response = JSONResponse(error.body(), status_code=error.http_status)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    def _allowed(scope: Scope, path: str) -> bool:
        headers = Headers(scope=scope)
        if headers.get("sec-fetch-site") == "cross-site":
            return False
        origin = headers.get("origin")
        if origin is not None and origin != "null":
            if urlsplit(origin).netloc.lower() != headers.get("host", "").lower():
                return False
        elif origin == "null":
            return False
        return not path.startswith("/api/") or CSRF_HEADER in headers


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(CsrfMiddleware)
    app.add_middleware(SecurityHeadersMiddleware)


# --- the web client ------------------------------------------------------------


class WebClientNotBuilt(VisioError):
    code = "web_client_not_built"
    http_status = 503
    default_message = "The web client is not built: run make web (or make run)"


#: Paths that belong to the server: never answered with ``index.html``, so a
#: wrong API URL gets a JSON 404 rather than a web page.
API_PREFIXES = ("/api", "/auth", "/healthz", "/readyz")

ASSETS = "assets"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

#: Precompressed siblings, in order of preference when equally acceptable.
ENCODINGS: tuple[tuple[str, str], ...] = (("br", ".br"), ("gzip", ".gz"))
COMPRESSED_SUFFIXES = frozenset(suffix for _, suffix in ENCODINGS)

#: Fixed types for what a Vite build contains, so that the answer does not
#: depend on the host's /etc/mime.types (``.wasm`` must be application/wasm
#: for streaming compilation; Python's table varies for ``.js``).
MEDIA_TYPES: dict[str, str] = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".mjs": "text/javascript",
    ".css": "text/css",
    ".json": "application/json",
    ".map": "application/json",
    ".webmanifest": "application/manifest+json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".ico": "image/x-icon",
    ".woff": "font/woff",
    ".woff2": "font/woff2",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".wasm": "application/wasm",
    ".txt": "text/plain",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".wav": "audio/wav",
    ".webm": "video/webm",
    ".mp4": "video/mp4",
}


def media_type(path: Path) -> str:
    known = MEDIA_TYPES.get(path.suffix.lower())
    if known is not None:
        return known
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


def is_api_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in API_PREFIXES)


def safe_parts(path: str) -> list[str] | None:
    """The segments of a relative URL path, or None if one could climb or hide.

    The path is already percent-decoded by the server, so ``%2e%2e`` and
    ``%2f`` arrive here as ``..`` and ``/``.
    """
    parts = path.split("/")
    for part in parts:
        if not part or part.startswith(".") or "\\" in part or "\x00" in part:
            return None
    return parts


def accepted_codings(header: str) -> dict[str, float]:
    """``Accept-Encoding`` as {coding: q}; a malformed q counts as 0 (not acceptable)."""
    codings: dict[str, float] = {}
    for item in header.split(","):
        coding, _, params = item.partition(";")
        coding = coding.strip().lower()
        if not coding:
            continue
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        codings[coding] = q if 0.0 <= q <= 1.0 else 0.0
    return codings


def quality(codings: dict[str, float], coding: str) -> float:
    if coding in codings:
        return codings[coding]
    if "*" in codings:
        return codings["*"]
    # RFC 9110 12.5.3: identity is acceptable unless excluded; others only if listed.
    return 1.0 if coding == "identity" else 0.0


@dataclass(frozen=True)
class Representation:
    path: Path
    stat: os.stat_result
    encoding: str | None


class WebClient:
    """Looks files up in one build folder and answers with the right representation."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def find(self, parts: list[str]) -> Path | None:
        """The regular file at ``parts`` inside the folder, or None."""
        if not parts or parts[-1].endswith(tuple(COMPRESSED_SUFFIXES)):
            # The .br/.gz siblings are an encoding of another file, not resources.
            return None
        try:
            # RuntimeError: a symlink loop (Python < 3.13).
            candidate = self.root.joinpath(*parts).resolve()
            if not candidate.is_relative_to(self.root):
                return None  # a symlink pointing out of the build
            if not stat.S_ISREG(candidate.stat().st_mode):
                return None
        except (OSError, RuntimeError, ValueError):
            return None
        return candidate

    def respond(self, request: Request, path: Path, cache_control: str) -> Response:
        representation, negotiated = self.choose(path, request.headers)
        headers = {"cache-control": cache_control}
        if representation.encoding is not None:
            headers["content-encoding"] = representation.encoding
        if negotiated:
            headers["vary"] = "Accept-Encoding"
        response = FileResponse(
            representation.path,
            headers=headers,
            media_type=media_type(path),
            stat_result=representation.stat,
        )
        if not_modified(response.headers, request.headers):
            # Same validators and caching headers, no body (RFC 9110 15.4.5).
            kept = ("cache-control", "content-location", "etag", "expires", "last-modified", "vary")
            return Response(
                status_code=304,
                headers={name: response.headers[name] for name in kept if name in response.headers},
            )
        return response

    def choose(self, path: Path, request_headers: Headers) -> tuple[Representation, bool]:
        """The representation to send, and whether precompressed siblings exist."""
        codings = accepted_codings(request_headers.get("accept-encoding", ""))
        try:
            options = [Representation(path, path.stat(), None)]
        except OSError as exc:
            # Removed since find(): the build is being replaced (make web).
            raise HTTPException(404) from exc
        for coding, suffix in ENCODINGS:
            try:
                # Held to the same containment rule as the file it encodes.
                sibling = path.with_name(path.name + suffix).resolve()
                sibling_stat = sibling.stat()
            except (OSError, RuntimeError):
                continue
            if sibling.is_relative_to(self.root) and stat.S_ISREG(sibling_stat.st_mode):
                options.append(Representation(sibling, sibling_stat, coding))
        negotiated = len(options) > 1
        rank = {coding: len(ENCODINGS) - i for i, (coding, _) in enumerate(ENCODINGS)}

        def preference(option: Representation) -> tuple[float, int]:
            coding = option.encoding or "identity"
            return quality(codings, coding), rank.get(coding, 0)

        best = max(options, key=preference)
        if preference(best)[0] <= 0.0:
            # Nothing acceptable (e.g. "identity;q=0" with no sibling): send the
            # plain file rather than a 406, as most servers do.
            best = options[0]
        return best, negotiated


def not_modified(response_headers: MutableHeaders, request_headers: Headers) -> bool:
    if_none_match = request_headers.get("if-none-match")
    if if_none_match is not None:
        # Weak comparison (RFC 9110 13.1.2); If-Modified-Since is then ignored.
        etag = response_headers["etag"].removeprefix("W/")
        tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
        return "*" in tags or etag in tags
    if_modified_since = request_headers.get("if-modified-since")
    if if_modified_since is None:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
        modified = parsedate_to_datetime(response_headers["last-modified"])
    except (TypeError, ValueError):
        return False
    return since.tzinfo is not None and modified <= since


class WebClientRoute(Route):
    """``GET``/``HEAD`` of every path that is not an API path.

    API paths do not match at all (rather than matching and answering 404), so
    the router still answers 405 for a wrong method on an API route and still
    redirects trailing slashes there.
    """

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and is_api_path(scope["path"]):
            return Match.NONE, {}
        return super().matches(scope)


def mount_web_client(app: FastAPI, web_dir: Path | None) -> None:
    """Serve the client built in ``web_dir`` after all API routes; ``None``: serve none.

    The folder is looked at on each request, so building the client while the
    server runs (``make web``) needs no restart.
    """
    if web_dir is None:
        return
    client = WebClient(web_dir)

    # A sync endpoint: the file-system lookups run in the threadpool, and the
    # file itself is streamed asynchronously by FileResponse.
    def serve(request: Request) -> Response:
        path: str = request.path_params["path"]
        parts = safe_parts(path) if path else []
        if parts is None:
            raise HTTPException(404)
        if parts and parts[0] == ASSETS:
            asset = client.find(parts)
            if asset is None:
                raise HTTPException(404)
            return client.respond(request, asset, IMMUTABLE)
        if len(parts) == 1:
            top_level = client.find(parts)
            if top_level is not None:
                return client.respond(request, top_level, REVALIDATE)
        index = client.find(["index.html"])
        if index is None:
            raise WebClientNotBuilt()
        return client.respond(request, index, REVALIDATE)

    app.router.routes.append(
        WebClientRoute("/{path:path}", serve, methods=["GET", "HEAD"], name="web_client")
    )
