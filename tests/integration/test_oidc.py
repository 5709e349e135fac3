"""Sign-in through a real OpenID provider process (oidc-provider-mock) and a real Visio process.

The browser is an httpx client that follows each redirect by hand, so every
hop (Visio → provider → Visio) is checked.  No media: Visio runs without an
SFU (:func:`tests.harness.run_app_without_media`), so no network namespace.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import httpx
import pytest

from tests.harness import REPO_ROOT, RunningServer, free_port, run_app_without_media
from visio.accounts.models import UserSession
from visio.db import Database, utcnow

CLIENT_ID = "visio"
#: Listed in tests/integration/oidc_provider.py: its tokens are issued for another client.
OTHER_AUDIENCE_CLIENT_ID = "visio-other-audience"
# oidc-provider-mock releases given_name only with the standard "profile" scope.
SCOPES = "openid email profile given_name usual_name uid siret"
ALLOWED_DOMAINS = "example.gouv.fr,*.ministere.example.org"
SIRET = "13002526500013"


@dataclass
class Provider:
    url: str

    def set_user(self, sub: str, **claims: str) -> None:
        response = httpx.put(f"{self.url}/users/{sub}", json=claims, timeout=10)
        assert response.status_code == 204, response.text


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    port = free_port()
    log_path = tmp_path_factory.mktemp("provider") / "provider.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.integration.oidc_provider", "--port", str(port)],
            cwd=REPO_ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the OpenID provider exited:\n{log_path.read_text()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/.well-known/openid-configuration").status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError(f"the OpenID provider did not start:\n{log_path.read_text()}")
            time.sleep(0.1)
        yield Provider(url)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


ServerFactory = Callable[..., AbstractContextManager[RunningServer]]


@pytest.fixture
def visio(provider: Provider, tmp_path: Path) -> ServerFactory:
    """Start a Visio signing in through ``provider``; keyword arguments override settings."""

    def start(**overrides: str) -> AbstractContextManager[RunningServer]:
        settings = {
            "oidc_issuer": provider.url,
            "oidc_client_id": CLIENT_ID,
            "oidc_client_secret": "visio-secret",
            "oidc_scopes": SCOPES,
            "oidc_allowed_email_domains": ALLOWED_DOMAINS,
            **overrides,
        }
        return run_app_without_media(tmp_path / secrets.token_hex(4), **settings)

    return start


def new_agent(provider: Provider, email: str | None = None, **claims: str) -> str:
    """A fresh subject at the provider, with ProConnect-like claims."""
    sub = f"agent-{secrets.token_hex(4)}"
    provider.set_user(
        sub,
        email=email or f"{sub}@example.gouv.fr",
        given_name="Alice",
        usual_name="Martin",
        siret=SIRET,
        uid=sub,
        **claims,
    )
    return sub


class Browser:
    """A browser that shows each redirect instead of following it."""

    def __init__(self) -> None:
        self.http = httpx.Client(timeout=10)

    def start_sign_in(self, server: RunningServer, next_path: str | None = None) -> str:
        """``/auth/login``: the provider authorization URL it redirects to."""
        params = {"next": next_path} if next_path is not None else {}
        response = self.http.get(f"{server.base_url}/auth/login", params=params)
        assert response.status_code == 302, response.text
        location: str = response.headers["location"]
        return location

    def authorize(self, authorization_url: str, sub: str) -> str:
        """Choose ``sub`` on the provider's page: the callback URL it redirects to."""
        response = self.http.post(authorization_url, data={"sub": sub})
        assert response.status_code == 302, response.text
        location: str = response.headers["location"]
        return location

    def sign_in(
        self, server: RunningServer, sub: str, next_path: str | None = None
    ) -> httpx.Response:
        callback = self.authorize(self.start_sign_in(server, next_path), sub)
        return self.http.get(callback)

    def me(self, server: RunningServer) -> httpx.Response:
        return self.http.get(f"{server.base_url}/api/v1/me")

    def session_cookie(self) -> str | None:
        return self.http.cookies.get("visio_session")


def stored(server: RunningServer) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the accounts tables, to check that a refusal changed nothing."""
    path = server.data_dir / "visio.db"
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        return {
            "users": sorted(db.execute("SELECT * FROM users").fetchall()),
            "user_sessions": sorted(db.execute("SELECT * FROM user_sessions").fetchall()),
        }


def assert_page(response: httpx.Response, status: int, reason: str) -> None:
    """An accessible French/English error page with the error's code, and no traceback."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["cache-control"] == "no-store"
    page = response.text
    assert 'data-error-code="sign_in_failed"' in page
    assert f'data-error-reason="{reason}"' in page
    assert '<html lang="fr">' in page
    assert '<section lang="en"' in page
    assert '<a href="/">' in page
    assert "Traceback" not in page


def assert_not_signed_in(response: httpx.Response) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] == "not_signed_in"


def set_cookie_headers(response: httpx.Response, name: str) -> list[str]:
    return [h for h in response.headers.get_list("set-cookie") if h.startswith(name + "=")]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- the happy path ------------------------------------------------------------------


def test_sign_in_goes_through_the_provider_and_back_to_next(
    provider: Provider, visio: ServerFactory
) -> None:
    sub = new_agent(provider)
    browser = Browser()
    with visio() as server:
        login = browser.http.get(
            f"{server.base_url}/auth/login", params={"next": "/abcd-efgh-ijkl"}
        )
        assert login.status_code == 302
        authorization = urlsplit(login.headers["location"])
        params = {key: values[0] for key, values in parse_qs(authorization.query).items()}
        assert f"{authorization.scheme}://{authorization.netloc}" == provider.url
        assert params["response_type"] == "code"
        assert params["client_id"] == CLIENT_ID
        assert params["redirect_uri"] == f"{server.base_url}/auth/callback"
        assert params["scope"] == SCOPES
        assert params["code_challenge_method"] == "S256"
        assert len(params["code_challenge"]) == 43
        assert len(params["state"]) >= 32
        assert len(params["nonce"]) >= 32
        [login_cookie] = login.headers.get_list("set-cookie")
        assert login_cookie.startswith("visio_login_")
        assert "HttpOnly" in login_cookie
        assert "SameSite=lax" in login_cookie
        assert "Path=/auth/callback" in login_cookie

        callback = browser.http.get(browser.authorize(login.headers["location"], sub))
        assert callback.status_code == 303, callback.text
        assert callback.headers["location"] == "/abcd-efgh-ijkl"
        [session_cookie] = set_cookie_headers(callback, "visio_session")
        assert "HttpOnly" in session_cookie
        assert "SameSite=lax" in session_cookie
        assert "Path=/" in session_cookie
        assert "Max-Age=43200" in session_cookie
        assert "Secure" not in session_cookie  # plain http here

        me = browser.me(server)
        rows = stored(server)
    assert me.status_code == 200, me.text
    body = me.json()
    assert body == {
        "id": body["id"],
        "email": f"{sub}@example.gouv.fr",
        "given_name": "Alice",
        "family_name": "Martin",
        "display_name": "Alice Martin",
    }
    [user] = rows["users"]
    assert user[:3] == (body["id"], provider.url, sub)
    assert SIRET in user
    [session] = rows["user_sessions"]
    token = browser.session_cookie()
    assert token is not None
    assert session[0] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in session


def test_second_sign_in_updates_the_user_instead_of_adding_one(
    provider: Provider, visio: ServerFactory
) -> None:
    sub = new_agent(provider)
    browser, other_browser = Browser(), Browser()
    with visio() as server:
        assert browser.sign_in(server, sub).status_code == 303
        first = browser.me(server).json()
        first_token = browser.session_cookie()

        provider.set_user(
            sub, email=f"{sub}@example.gouv.fr", given_name="Alicia", usual_name="Durand"
        )
        assert browser.sign_in(server, sub).status_code == 303
        second = browser.me(server).json()
        assert other_browser.sign_in(server, sub).status_code == 303

        old_cookie = httpx.get(
            f"{server.base_url}/api/v1/me", cookies={"visio_session": first_token or ""}
        )
        rows = stored(server)
    assert second["id"] == first["id"]
    assert second["display_name"] == "Alicia Durand"
    assert second["family_name"] == "Durand"
    assert len(rows["users"]) == 1
    assert None in rows["users"][0]  # no siret any more: the profile follows the provider
    # Signing in again in the same browser replaced its session; the other browser has its own.
    assert len(rows["user_sessions"]) == 2
    assert_not_signed_in(old_cookie)


def test_logout_ends_the_session_and_goes_to_the_provider_end_session(
    provider: Provider, visio: ServerFactory
) -> None:
    sub = new_agent(provider)
    browser = Browser()
    with visio() as server:
        assert browser.sign_in(server, sub).status_code == 303
        token = browser.session_cookie()
        [id_token] = [row[5] for row in stored(server)["user_sessions"]]

        logout = browser.http.post(
            f"{server.base_url}/auth/logout", headers={"accept": "text/html"}
        )
        assert logout.status_code == 303, logout.text
        end_session = urlsplit(logout.headers["location"])
        params = {key: values[0] for key, values in parse_qs(end_session.query).items()}
        [cleared] = set_cookie_headers(logout, "visio_session")
        me_after = browser.me(server)
        replayed = httpx.get(f"{server.base_url}/api/v1/me", cookies={"visio_session": token or ""})
        sessions_after = stored(server)["user_sessions"]

        # The provider's page confirms, then comes back to Visio's home page.
        page = browser.http.get(logout.headers["location"])
        confirm = browser.http.post(
            f"{provider.url}/oauth2/end_session/confirm",
            data={"redirect_uri": params["post_logout_redirect_uri"]},
        )
    assert f"{end_session.scheme}://{end_session.netloc}{end_session.path}" == (
        f"{provider.url}/oauth2/end_session"
    )
    assert params["id_token_hint"] == id_token
    assert params["post_logout_redirect_uri"] == f"{server.base_url}/"
    assert params["client_id"] == CLIENT_ID
    assert params["state"]
    assert "Max-Age=0" in cleared
    assert_not_signed_in(me_after)
    assert_not_signed_in(replayed)
    assert sessions_after == []
    assert page.status_code == 200
    assert confirm.status_code == 302
    assert confirm.headers["location"].startswith(f"{server.base_url}/")


def test_logout_answers_json_to_the_web_client(provider: Provider, visio: ServerFactory) -> None:
    sub = new_agent(provider)
    browser = Browser()
    with visio() as server:
        assert browser.sign_in(server, sub).status_code == 303
        logout = browser.http.post(
            f"{server.base_url}/auth/logout", headers={"accept": "application/json"}
        )
        again = browser.http.post(
            f"{server.base_url}/auth/logout", headers={"accept": "application/json"}
        )
        me = browser.me(server)
    assert logout.status_code == 200, logout.text
    assert logout.json()["redirect_url"].startswith(f"{provider.url}/oauth2/end_session?")
    # Without a session there is nothing to end at the provider: home.
    assert again.json() == {"redirect_url": "/"}
    assert_not_signed_in(me)


# --- refusals ------------------------------------------------------------------------


def test_tampered_state_is_refused_and_stores_nothing(
    provider: Provider, visio: ServerFactory
) -> None:
    sub = new_agent(provider)
    browser = Browser()
    with visio() as server:
        callback = browser.authorize(browser.start_sign_in(server), sub)
        state = parse_qs(urlsplit(callback).query)["state"][0]
        forged_state = state[:-4] + ("BBBB" if state.endswith("AAAA") else "AAAA")
        tampered = browser.http.get(with_query(callback, state=forged_state))
        after_tampered = stored(server)
        me = browser.me(server)
        # The attempt did not spoil the real sign-in.
        genuine = browser.http.get(callback)
    assert_page(tampered, 400, "state_mismatch")
    assert after_tampered == {"users": [], "user_sessions": []}
    assert_not_signed_in(me)
    assert genuine.status_code == 303


def test_replayed_callback_is_refused_and_changes_nothing(
    provider: Provider, visio: ServerFactory
) -> None:
    sub = new_agent(provider)
    browser = Browser()
    with visio() as server:
        login = browser.http.get(f"{server.base_url}/auth/login")
        login_cookie = login.headers["set-cookie"].split(";")[0]
        callback = browser.authorize(login.headers["location"], sub)
        assert browser.http.get(callback).status_code == 303
        before = stored(server)

        # The browser replays it: its sign-in cookie is gone.
        replayed = browser.http.get(callback)
        # An attacker who also kept the sign-in cookie: the provider refuses the used code.
        name, _, value = login_cookie.partition("=")
        with_cookie = httpx.get(callback, cookies={name: value}, timeout=10)

        after = stored(server)
        me = browser.me(server)
    assert_page(replayed, 400, "state_mismatch")
    assert_page(with_cookie, 400, "code_rejected")
    assert set_cookie_headers(with_cookie, "visio_session") == []
    assert after == before
    assert me.status_code == 200


def test_cancelling_at_the_provider_is_a_refused_page(
    provider: Provider, visio: ServerFactory
) -> None:
    new_agent(provider)
    browser = Browser()
    with visio() as server:
        authorization = browser.start_sign_in(server)
        denied = browser.http.post(authorization, data={"action": "deny"})
        assert denied.status_code == 302
        assert "error=access_denied" in denied.headers["location"]
        refused = browser.http.get(denied.headers["location"])
        rows = stored(server)
    assert_page(refused, 400, "refused")
    assert rows == {"users": [], "user_sessions": []}


def test_id_token_for_another_audience_is_refused(provider: Provider, visio: ServerFactory) -> None:
    sub = new_agent(provider)
    browser = Browser()
    with visio(oidc_client_id=OTHER_AUDIENCE_CLIENT_ID) as server:
        authorization = browser.start_sign_in(server)
        assert f"client_id={OTHER_AUDIENCE_CLIENT_ID}" in authorization
        refused = browser.http.get(browser.authorize(authorization, sub))
        rows = stored(server)
        log = server.log_tail(200)
    assert_page(refused, 502, "invalid_id_token")
    assert "ID token claim aud refused" in log
    assert rows == {"users": [], "user_sessions": []}
    assert browser.session_cookie() is None


def test_expired_session_cookie_is_refused_and_left_alone(
    provider: Provider, visio: ServerFactory
) -> None:
    sub = new_agent(provider)
    browser = Browser()
    with visio() as server:
        assert browser.sign_in(server, sub).status_code == 303
        database = Database(f"sqlite:///{server.data_dir / 'visio.db'}")
        try:
            with database.session() as session:
                [user_session] = session.query(UserSession).all()
                user_session.expires_at = utcnow() - timedelta(seconds=1)
        finally:
            database.dispose()
        before = stored(server)
        me = browser.me(server)
        after = stored(server)
    assert_not_signed_in(me)
    assert after == before


def test_forged_session_cookies_are_refused(provider: Provider, visio: ServerFactory) -> None:
    sub = new_agent(provider)
    with visio() as server:
        assert Browser().sign_in(server, sub).status_code == 303
        before = stored(server)
        [stored_hash] = [row[0] for row in before["user_sessions"]]
        forged = [
            secrets.token_urlsafe(32),  # well-formed, unknown
            stored_hash,  # what a stolen copy of the database holds
            "not a token",
            "x" * 5000,
        ]
        answers = [
            httpx.get(f"{server.base_url}/api/v1/me", cookies={"visio_session": value})
            for value in forged
        ]
        after = stored(server)
    for answer in answers:
        assert_not_signed_in(answer)
    assert after == before


def test_email_domain_not_allowed_is_refused_with_a_page(
    provider: Provider, visio: ServerFactory
) -> None:
    outsider = new_agent(provider, email="mallory@evil.example")
    lookalike = new_agent(provider, email="eve@ministere.example.org")  # not a subdomain
    insider = new_agent(provider, email="bob@paris.ministere.example.org")
    browser = Browser()
    with visio() as server:
        refused = browser.sign_in(server, outsider)
        also_refused = browser.sign_in(server, lookalike)
        nothing_stored = stored(server)
        allowed = browser.sign_in(server, insider)
        me = browser.me(server)
    assert_page(refused, 403, "domain_not_allowed")
    assert_page(also_refused, 403, "domain_not_allowed")
    assert nothing_stored == {"users": [], "user_sessions": []}
    assert allowed.status_code == 303
    assert me.json()["email"] == "bob@paris.ministere.example.org"


def test_provider_unreachable_at_login_is_a_clear_503_page(visio: ServerFactory) -> None:
    nobody = f"http://127.0.0.1:{free_port()}"
    with visio(oidc_issuer=nobody) as server:
        response = httpx.get(f"{server.base_url}/auth/login", timeout=30)
    assert_page(response, 503, "provider_unavailable")


def test_auth_routes_win_over_the_web_client(visio: ServerFactory) -> None:
    with visio() as server:
        home = httpx.get(f"{server.base_url}/")
        login = httpx.get(f"{server.base_url}/auth/login")
        callback = httpx.get(f"{server.base_url}/auth/callback")
    # The web client's fallback is mounted (200, or 503 while the client is not built)...
    assert home.status_code in (200, 503)
    # ...and yet the sign-in routes answer themselves.
    assert login.status_code == 302
    assert_page(callback, 400, "state_mismatch")
