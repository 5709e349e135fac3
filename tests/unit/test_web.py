"""Serving the built web client, and the security headers on every response."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Message

import visio
from tests.unit.fakes import FakeMedia
from visio.app import create_app
from visio.config import load_settings

JS = b"export const greeting = 'visio';\n" * 40
CSS = b"body { margin: 0 }\n"
INDEX = (
    b"<!doctype html><html><head>"
    b'<script type="module" src="/assets/app-1a2b3c.js"></script>'
    b'</head><body><div id="root"></div></body></html>\n'
)
FAVICON = b'<svg xmlns="http://www.w3.org/2000/svg"></svg>\n'
SECRET = b"SECRET-OUTSIDE-THE-WEB-FOLDER"
NOT_BUILT = "The web client is not built: run make web (or make run)"
ASSET = "/assets/app-1a2b3c.js"


def fake_brotli(data: bytes) -> bytes:
    # The Python brotli module is not a dependency: the server only picks the
    # file, so any distinct bytes stand for the brotli encoding.
    return b"BROTLI:" + data[:16]


def write_precompressed(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    path.with_name(path.name + ".gz").write_bytes(gzip.compress(data))
    path.with_name(path.name + ".br").write_bytes(fake_brotli(data))


def fake_build(tmp_path: Path) -> Path:
    """A built client in ``tmp_path/web``, with secret files next to (outside) it."""
    web = tmp_path / "web"
    assets = web / "assets"
    assets.mkdir(parents=True)
    write_precompressed(web / "index.html", INDEX)
    write_precompressed(assets / "app-1a2b3c.js", JS)
    (assets / "style-9f8e7d.css").write_bytes(CSS)  # no precompressed siblings
    write_precompressed(web / "favicon.svg", FAVICON)
    (web / "robots.txt").write_bytes(b"User-agent: *\nDisallow: /\n")
    (web / ".env").write_bytes(SECRET)
    (tmp_path / "config.py").write_bytes(SECRET)
    (tmp_path / "secrets.json").write_bytes(SECRET)
    (assets / "linked.json").symlink_to(tmp_path / "secrets.json")
    (assets / "loop.js").symlink_to(assets / "loop.js")
    return web


@contextmanager
def make_client(
    tmp_path: Path, *, base_url: str = "http://testserver", **overrides: Any
) -> Iterator[TestClient]:
    # Not tmp_path itself: the fake build puts a decoy secrets.json there.
    settings = load_settings(data_dir=tmp_path / "data", **overrides)
    app = create_app(settings, media=FakeMedia())
    with TestClient(app, base_url=base_url, headers={"X-Visio-Request": "1"}) as client:
        yield client


@contextmanager
def built_client(tmp_path: Path, **overrides: Any) -> Iterator[TestClient]:
    with make_client(tmp_path, web_dir=fake_build(tmp_path), **overrides) as client:
        yield client


def get_raw(
    client: TestClient, path: str, accept_encoding: str, **headers: str
) -> tuple[httpx.Response, bytes]:
    """The response and its body as sent, without httpx decoding Content-Encoding."""
    with client.stream("GET", path, headers={"accept-encoding": accept_encoding, **headers}) as r:
        return r, b"".join(r.iter_raw())


def assert_error(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


# --- assets ---------------------------------------------------------------------


def test_asset_is_cached_for_a_year_with_validators(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        response, body = get_raw(client, ASSET, "identity")
    assert response.status_code == 200
    assert body == JS
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["content-type"].startswith("text/javascript")
    assert "content-encoding" not in response.headers
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["content-length"] == str(len(JS))
    assert response.headers["etag"]
    assert response.headers["last-modified"]


@pytest.mark.parametrize(
    ("accept_encoding", "encoding"),
    [
        ("gzip, deflate, br, zstd", "br"),
        ("br", "br"),
        ("*", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("gzip;q=1.0, br;q=0.5", "gzip"),
        ("deflate", None),
        ("identity", None),
        ("br;q=0, gzip;q=0", None),
        ("br;q=bogus, gzip;q=2", None),
        ("", None),
    ],
)
def test_asset_negotiates_brotli_then_gzip_then_identity(
    tmp_path: Path, accept_encoding: str, encoding: str | None
) -> None:
    expected = {"br": fake_brotli(JS), "gzip": gzip.compress(JS), None: JS}[encoding]
    with built_client(tmp_path) as client:
        response, body = get_raw(client, ASSET, accept_encoding)
    assert response.status_code == 200
    assert response.headers.get("content-encoding") == encoding
    assert body == expected
    assert response.headers["content-length"] == str(len(expected))
    # The type of the original file, not application/gzip or the like.
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["vary"] == "Accept-Encoding"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_gzip_asset_decodes_to_the_original(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        response = client.get(ASSET, headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    assert response.content == JS


def test_each_encoding_has_its_own_etag(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        etags = {
            get_raw(client, ASSET, accept_encoding)[0].headers["etag"]
            for accept_encoding in ("br", "gzip", "identity")
        }
    assert len(etags) == 3


def test_asset_without_siblings_is_sent_plain_without_vary(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        response, body = get_raw(client, "/assets/style-9f8e7d.css", "br, gzip")
    assert response.status_code == 200
    assert body == CSS
    assert response.headers["content-type"] == "text/css; charset=utf-8"
    assert "content-encoding" not in response.headers
    assert "vary" not in response.headers


def test_precompressed_sibling_linking_outside_the_folder_is_ignored(tmp_path: Path) -> None:
    web = fake_build(tmp_path)
    (web / "assets" / "style-9f8e7d.css.br").symlink_to(tmp_path / "secrets.json")
    with make_client(tmp_path, web_dir=web) as client:
        response, body = get_raw(client, "/assets/style-9f8e7d.css", "br")
    assert body == CSS
    assert "content-encoding" not in response.headers


def test_unchanged_asset_answers_304(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        first, _ = get_raw(client, ASSET, "br")
        by_etag = client.get(
            ASSET, headers={"accept-encoding": "br", "if-none-match": first.headers["etag"]}
        )
        by_weak_etag = client.get(
            ASSET,
            headers={"accept-encoding": "br", "if-none-match": f'"x", W/{first.headers["etag"]}'},
        )
        by_date = client.get(
            ASSET,
            headers={"accept-encoding": "br", "if-modified-since": first.headers["last-modified"]},
        )
        other_encoding = client.get(
            ASSET, headers={"accept-encoding": "gzip", "if-none-match": first.headers["etag"]}
        )
    for response in (by_etag, by_weak_etag, by_date):
        assert response.status_code == 304
        assert response.content == b""
        assert response.headers["etag"] == first.headers["etag"]
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["vary"] == "Accept-Encoding"
    assert other_encoding.status_code == 200
    assert other_encoding.content == JS


@pytest.mark.parametrize(
    "path",
    [
        "/assets/nope-000000.js",
        "/assets/app-1a2b3c.js.gz",  # siblings are encodings, not resources
        "/assets/app-1a2b3c.js.br",
        "/assets/",
        "/assets",
    ],
)
def test_unknown_asset_is_a_json_404(tmp_path: Path, path: str) -> None:
    with built_client(tmp_path) as client:
        response = client.get(path)
    assert_error(response, 404, "not_found")


# --- index.html and top-level files ------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/abcd-efgh-ijkl", "/fr/whatever", "/index.html"])
def test_client_routes_get_index_revalidated_each_time(tmp_path: Path, path: str) -> None:
    with built_client(tmp_path) as client:
        response, body = get_raw(client, path, "identity")
    assert response.status_code == 200
    assert body == INDEX
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"


def test_index_is_compressed_when_allowed(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        brotli, brotli_body = get_raw(client, "/abcd-efgh-ijkl", "gzip, br")
        gzipped = client.get("/abcd-efgh-ijkl", headers={"accept-encoding": "gzip"})
    assert brotli.headers["content-encoding"] == "br"
    assert brotli_body == fake_brotli(INDEX)
    assert brotli.headers["content-type"] == "text/html; charset=utf-8"
    assert brotli.headers["cache-control"] == "no-cache"
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzipped.content == INDEX
    assert gzipped.headers["vary"] == "Accept-Encoding"


@pytest.mark.parametrize(
    ("path", "content_type"),
    [("/favicon.svg", "image/svg+xml"), ("/robots.txt", "text/plain; charset=utf-8")],
)
def test_top_level_files_are_served_as_themselves(
    tmp_path: Path, path: str, content_type: str
) -> None:
    with built_client(tmp_path) as client:
        response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == content_type
    assert response.headers["cache-control"] == "no-cache"
    assert response.content != INDEX


def test_head_sends_headers_without_body(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        asset = client.head(ASSET, headers={"accept-encoding": "gzip"})
        index = client.head("/abcd-efgh-ijkl", headers={"accept-encoding": "identity"})
    assert asset.status_code == 200
    assert asset.content == b""
    assert asset.headers["content-encoding"] == "gzip"
    assert asset.headers["content-length"] == str(len(gzip.compress(JS)))
    assert index.status_code == 200
    assert index.content == b""
    assert index.headers["content-length"] == str(len(INDEX))
    assert index.headers["content-type"] == "text/html; charset=utf-8"


# --- API paths stay API ------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api", "/api/v1/docs", "/readyz/extra"])
def test_unknown_api_paths_are_json_404_not_the_client(tmp_path: Path, path: str) -> None:
    with built_client(tmp_path) as client:
        response = client.get(path)
    assert_error(response, 404, "not_found")


def test_api_routes_are_unaffected(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        health = client.get("/healthz")
        config = client.get("/api/v1/config")
        schema = client.get("/api/v1/openapi.json")
        wrong_method = client.put("/api/v1/rooms")  # GET and POST only
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert config.status_code == 200
    assert config.headers["content-type"] == "application/json"
    assert schema.status_code == 200
    assert "/api/v1/config" in schema.json()["paths"]
    assert_error(wrong_method, 405, "method_not_allowed")


def test_client_routes_only_answer_get_and_head(tmp_path: Path) -> None:
    with built_client(tmp_path) as client:
        response = client.post("/abcd-efgh-ijkl")
    assert_error(response, 405, "method_not_allowed")


# --- nothing outside the folder ----------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/%2e%2e/secrets.json",
        "/%2E%2E/config.py",
        "/assets/%2e%2e/%2e%2e/config.py",
        "/assets/..%2f..%2fconfig.py",
        "/assets/%2e%2e%2f%2e%2e%2fsecrets.json",
        "/..%2fsecrets.json",
        "/assets/..%5c..%5cconfig.py",
        "/assets//etc/passwd",
        "/assets/%2fetc%2fpasswd",
        "/assets/linked.json",  # a symlink pointing out of the folder
        "/assets/loop.js",  # a symlink to itself
        "/.env",
        "/assets/%00",
    ],
)
def test_traversal_never_leaks_files_outside_the_folder(tmp_path: Path, path: str) -> None:
    with built_client(tmp_path) as client:
        response = client.get(path)
    assert SECRET not in response.content
    assert_error(response, 404, "not_found")


async def asgi_get(app: FastAPI, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as given: httpx would remove the dot segments first."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("testclient", 50000),
        "server": ("testserver", 80),
    }
    sent: list[Message] = []
    requested = False
    done = anyio.Event()

    async def receive() -> Message:
        # The request once, then (as a server does) nothing until the client leaves.
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body", False):
            done.set()

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


@pytest.mark.parametrize(
    "path",
    [
        "/assets/../config.py",
        "/assets/../../secrets.json",
        "/../secrets.json",
        "/./../config.py",
        # httpx would read "//etc" as a host name.
        "//etc/passwd",
        # Absolute paths: joined as-is, they would replace the folder.
        "/{tmp}/secrets.json",
        "/assets/{tmp}/secrets.json",
    ],
)
async def test_literal_dot_segments_never_escape(tmp_path: Path, path: str) -> None:
    settings = load_settings(data_dir=tmp_path / "data", web_dir=fake_build(tmp_path))
    app = create_app(settings, media=FakeMedia())
    status, body = await asgi_get(app, path.format(tmp=tmp_path))
    assert SECRET not in body
    assert status == 404


# --- client not built ----------------------------------------------------------------


@pytest.mark.parametrize("web_dir", ["missing", "empty"])
def test_unbuilt_client_answers_503_and_api_still_works(tmp_path: Path, web_dir: str) -> None:
    (tmp_path / "empty").mkdir()
    with make_client(tmp_path, web_dir=tmp_path / web_dir) as client:
        root = client.get("/")
        meeting = client.get("/abcd-efgh-ijkl")
        asset = client.get(ASSET)
        config = client.get("/api/v1/config")
        health = client.get("/healthz")
    assert_error(root, 503, "web_client_not_built")
    assert root.json()["error"]["message"] == NOT_BUILT
    assert_error(meeting, 503, "web_client_not_built")
    assert_error(asset, 404, "not_found")
    assert config.status_code == 200
    assert health.json() == {"status": "ok"}


def test_no_web_dir_serves_the_api_only(tmp_path: Path) -> None:
    with make_client(tmp_path, web_dir=None) as client:
        root = client.get("/")
        config = client.get("/api/v1/config")
    assert_error(root, 404, "not_found")
    assert config.status_code == 200


def test_web_dir_defaults_to_the_package_static_folder() -> None:
    assert load_settings().web_dir == Path(visio.__file__).parent / "static"


# --- security headers -------------------------------------------------------------------


def csp_directives(response: httpx.Response) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for directive in response.headers["content-security-policy"].split(";"):
        name, *values = directive.split()
        directives[name] = values
    return directives


def assert_security_headers(response: httpx.Response) -> None:
    csp = csp_directives(response)
    assert csp["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"]
    assert "'unsafe-eval'" not in csp["script-src"]
    assert csp["default-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["connect-src"] == ["'self'", "ws:", "wss:"]
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cross-origin-opener-policy"] == "same-origin"
    assert response.headers["permissions-policy"] == (
        "camera=(self), microphone=(self), display-capture=(self), fullscreen=(self)"
    )


SECURED_REQUESTS = [
    ("GET", "/"),
    ("GET", "/abcd-efgh-ijkl"),
    ("GET", ASSET),
    ("HEAD", ASSET),
    ("GET", "/favicon.svg"),
    ("GET", "/assets/nope.js"),
    ("GET", "/healthz"),
    ("GET", "/api/v1/config"),
    ("GET", "/api/v1/nope"),
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/rooms/zzzz-zzzz-zzzz"),
    ("POST", "/api/v1/rooms"),
]


@pytest.mark.parametrize(("method", "path"), SECURED_REQUESTS)
def test_every_response_carries_the_security_headers(
    tmp_path: Path, method: str, path: str
) -> None:
    with built_client(tmp_path) as client:
        response = client.request(method, path)
    assert response.status_code < 500, response.text
    assert_security_headers(response)
    assert "strict-transport-security" not in response.headers


def test_unbuilt_client_error_carries_the_security_headers(tmp_path: Path) -> None:
    with make_client(tmp_path, web_dir=tmp_path / "missing") as client:
        response = client.get("/")
    assert response.status_code == 503
    assert_security_headers(response)


@pytest.mark.parametrize("path", ["/", ASSET, "/healthz", "/api/v1/config", "/api/v1/nope"])
def test_hsts_only_over_https(tmp_path: Path, path: str) -> None:
    with built_client(tmp_path, base_url="https://testserver") as client:
        secure = client.get(path)
    with make_client(tmp_path / "plain", web_dir=tmp_path / "web") as client:
        # Without uvicorn's proxy_headers trusting the proxy, the header is not believed.
        plain = client.get(path, headers={"x-forwarded-proto": "https"})
    assert secure.headers["strict-transport-security"] == "max-age=31536000"
    assert_security_headers(secure)
    assert "strict-transport-security" not in plain.headers
