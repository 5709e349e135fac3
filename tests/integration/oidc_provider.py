"""A real OpenID provider for the sign-in tests: oidc-provider-mock, served by werkzeug.

    python -m tests.integration.oidc_provider --port 9400

It is a complete provider (discovery, JWKS, authorization code with PKCE,
RS256 ID tokens, userinfo, end session) whose authorization page lets the
test choose the subject with a form POST; ``PUT /users/<sub>`` sets the
claims of a subject beforehand.  Nonces are required.

One addition, to play a provider that issues a token for another audience:
requests that name a client listed in :data:`AUDIENCE_SWAP` (query string
``client_id`` and HTTP Basic client authentication) are rewritten to the
other client id before the provider sees them, so the ID token it signs is
for that other client.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import os
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, quote, unquote, urlencode

import oidc_provider_mock  # type: ignore[import-untyped]
import werkzeug.serving

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

#: Client id the relying party uses → client id the provider issues tokens for.
AUDIENCE_SWAP = {"visio-other-audience": "someone-else"}


def swap_clients(app: WSGIApplication, swaps: dict[str, str]) -> WSGIApplication:
    def wrapped(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        query = environ.get("QUERY_STRING", "")
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            pairs = [(k, swaps.get(v, v) if k == "client_id" else v) for k, v in pairs]
            environ["QUERY_STRING"] = urlencode(pairs)
        authorization: str = environ.get("HTTP_AUTHORIZATION", "")
        if authorization.startswith("Basic "):
            try:
                decoded = base64.b64decode(authorization[6:]).decode()
            except (binascii.Error, UnicodeDecodeError):
                decoded = ""
            client_id, sep, secret = decoded.partition(":")
            swapped = swaps.get(unquote(client_id))
            if sep and swapped is not None:
                credentials = f"{quote(swapped)}:{secret}".encode()
                environ["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(credentials).decode()
        return app(environ, start_response)

    return wrapped


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    # The provider's own Authlib refuses plain http unless told it is a test.
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    app = oidc_provider_mock.app(require_nonce=True)
    server = werkzeug.serving.make_server(
        "127.0.0.1", args.port, swap_clients(app, AUDIENCE_SWAP), threaded=True
    )
    server.serve_forever()


if __name__ == "__main__":
    main()
