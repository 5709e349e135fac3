from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy import func, inspect, select
from sqlalchemy.orm import Session

from tests.unit.fakes import FakeMedia
from visio.accounts.errors import (
    EmailDomainNotAllowed,
    ProviderError,
    ProviderUnavailable,
    StateMismatch,
)
from visio.accounts.login_state import LoginState, LoginStateSigner, cookie_name
from visio.accounts.models import User, UserSession
from visio.accounts.provider import Identity
from visio.accounts.redirects import safe_next_path
from visio.accounts.service import (
    LAST_SEEN_RESOLUTION,
    AccountService,
    email_domain_allowed,
    hash_session_token,
)
from visio.app import create_app
from visio.config import load_settings
from visio.db import Database

START = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
ISSUER = "https://auth.example.gouv.fr/api/v2"
OIDC = {
    "oidc_issuer": ISSUER,
    "oidc_client_id": "visio",
    "oidc_client_secret": "s3cr3t-value",
}


def identity(subject: str = "sub-1", **changes: Any) -> Identity:
    base = Identity(
        issuer=ISSUER,
        subject=subject,
        email="alice@example.gouv.fr",
        given_name="Alice",
        family_name="Martin",
        siret="13002526500013",
        id_token="header.payload.signature",
    )
    return replace(base, **changes)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'visio.db'}")
    database.upgrade()
    yield database
    database.dispose()


@contextmanager
def service(db: Database, clock: Clock | None = None, **overrides: Any) -> Iterator[AccountService]:
    settings = load_settings(data_dir=Path("unused"), **overrides)
    with db.session() as session:
        yield AccountService(session, settings, now=clock or Clock())


def count(session: Session, model: type[User] | type[UserSession]) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


# --- sessions ------------------------------------------------------------------


def test_session_token_is_stored_only_as_its_sha256(db: Database) -> None:
    with service(db) as accounts:
        new = accounts.sign_in(identity())
    with db.session() as session:
        [stored] = session.scalars(select(UserSession)).all()
    assert stored.id == hashlib.sha256(new.token.encode()).hexdigest()
    assert stored.id != new.token
    assert len(new.token) == 43  # 256 random bits, URL-safe base64
    assert stored.id_token == "header.payload.signature"


def test_session_authenticates_with_the_token_not_with_its_hash(db: Database) -> None:
    with service(db) as accounts:
        new = accounts.sign_in(identity())
    with service(db) as accounts:
        found = accounts.authenticate(new.token)
        assert found is not None
        assert found.user.email == "alice@example.gouv.fr"
        assert accounts.authenticate(hash_session_token(new.token)) is None
        other_last = "B" if new.token.endswith("A") else "A"
        assert accounts.authenticate(new.token[:-1] + other_last) is None
        assert accounts.authenticate("") is None
        assert accounts.authenticate(None) is None
        assert accounts.authenticate("a" * 10_000) is None


def test_session_expires_after_the_ttl_and_is_not_extended_by_use(db: Database) -> None:
    clock = Clock()
    with service(db, clock, session_ttl_seconds=3600) as accounts:
        new = accounts.sign_in(identity())
    clock.now = START + timedelta(minutes=59)
    with service(db, clock, session_ttl_seconds=3600) as accounts:
        live = accounts.authenticate(new.token)
        assert live is not None
        assert live.expires_at == START + timedelta(hours=1)
    clock.now = START + timedelta(hours=1)
    with service(db, clock, session_ttl_seconds=3600) as accounts:
        assert accounts.authenticate(new.token) is None


def test_expired_session_is_refused_without_writing(db: Database) -> None:
    clock = Clock()
    with service(db, clock, session_ttl_seconds=60) as accounts:
        new = accounts.sign_in(identity())
    clock.now = START + timedelta(days=1)
    with service(db, clock) as accounts:
        assert accounts.authenticate(new.token) is None
        assert not accounts.store.session.dirty
    with db.session() as session:
        [stored] = session.scalars(select(UserSession)).all()
    assert stored.last_seen_at == START


def test_last_seen_is_written_at_most_once_per_resolution(db: Database) -> None:
    clock = Clock()
    with service(db, clock) as accounts:
        new = accounts.sign_in(identity())
    clock.now = START + LAST_SEEN_RESOLUTION / 2
    with service(db, clock) as accounts:
        seen = accounts.authenticate(new.token)
        assert seen is not None
        assert seen.last_seen_at == START
    clock.now = START + LAST_SEEN_RESOLUTION
    with service(db, clock) as accounts:
        seen = accounts.authenticate(new.token)
        assert seen is not None
        assert seen.last_seen_at == START + LAST_SEEN_RESOLUTION


def test_end_session_deletes_it_and_returns_its_id_token(db: Database) -> None:
    with service(db) as accounts:
        new = accounts.sign_in(identity())
    with service(db) as accounts:
        ended = accounts.end_session(new.token)
        assert ended is not None
        assert ended.id_token == "header.payload.signature"
        assert accounts.end_session(new.token) is None
        assert accounts.end_session("unknown") is None
        assert accounts.authenticate(new.token) is None


def test_sign_in_replaces_the_browsers_previous_session(db: Database) -> None:
    with service(db) as accounts:
        first = accounts.sign_in(identity())
        second = accounts.sign_in(identity(), replacing=first.token)
        assert accounts.authenticate(first.token) is None
        assert accounts.authenticate(second.token) is not None
        assert count(accounts.store.session, UserSession) == 1


def test_sign_in_purges_expired_sessions(db: Database) -> None:
    clock = Clock()
    with service(db, clock, session_ttl_seconds=60) as accounts:
        accounts.sign_in(identity("a"))
        accounts.sign_in(identity("b"))
    clock.now = START + timedelta(minutes=5)
    with service(db, clock, session_ttl_seconds=60) as accounts:
        accounts.sign_in(identity("c"))
        assert count(accounts.store.session, UserSession) == 1


# --- users ---------------------------------------------------------------------


def test_sign_in_creates_the_user_from_the_claims(db: Database) -> None:
    with service(db) as accounts:
        user = accounts.sign_in(identity()).session.user
    assert (user.issuer, user.subject) == (ISSUER, "sub-1")
    assert (user.email, user.given_name, user.family_name) == (
        "alice@example.gouv.fr",
        "Alice",
        "Martin",
    )
    assert user.siret == "13002526500013"
    assert user.created_at == user.last_login_at == START
    assert user.display_name == "Alice Martin"


def test_second_sign_in_updates_the_same_user(db: Database) -> None:
    clock = Clock()
    with service(db, clock) as accounts:
        first = accounts.sign_in(identity()).session.user
    clock.now = START + timedelta(days=2)
    changed = identity(email="alice.martin@Example.Gouv.FR", given_name="Alicia", siret=None)
    with service(db, clock) as accounts:
        second = accounts.sign_in(changed).session.user
        assert count(accounts.store.session, User) == 1
    assert second.id == first.id
    assert second.email == "alice.martin@example.gouv.fr"  # the domain in lower case
    assert second.given_name == "Alicia"
    assert second.siret is None
    assert second.created_at == START
    assert second.last_login_at == START + timedelta(days=2)


def test_same_subject_from_another_issuer_is_another_user(db: Database) -> None:
    with service(db) as accounts:
        one = accounts.sign_in(identity()).session.user
        other = accounts.sign_in(identity(issuer="https://other.example")).session.user
        assert count(accounts.store.session, User) == 2
    assert one.id != other.id


def test_profile_is_cleaned(db: Database) -> None:
    messy = identity(given_name="  " + "A" * 500, family_name="   ", siret="not-a-siret")
    with service(db) as accounts:
        user = accounts.sign_in(messy).session.user
    assert user.given_name == "A" * 200
    assert user.family_name is None
    assert user.siret is None


def test_display_name_falls_back_to_the_email() -> None:
    user = User(email="bob@example.gouv.fr", given_name=None, family_name=None)
    assert user.display_name == "bob@example.gouv.fr"
    assert User(email="x@y.fr", given_name="Bob", family_name=None).display_name == "Bob"


@pytest.mark.parametrize("email", ["", "no-at-sign", "@example.org", "bob@", "bo b@example.org"])
def test_identity_without_a_valid_email_is_a_provider_error(db: Database, email: str) -> None:
    with service(db) as accounts:
        with pytest.raises(ProviderError):
            accounts.sign_in(identity(email=email))
        assert count(accounts.store.session, User) == 0


# --- email domains -------------------------------------------------------------


@pytest.mark.parametrize(
    ("email", "allowed", "expected"),
    [
        ("a@example.gouv.fr", [], True),
        ("a@example.gouv.fr", ["example.gouv.fr"], True),
        ("a@EXAMPLE.gouv.fr", ["example.gouv.fr"], True),
        ("a@sub.example.gouv.fr", ["example.gouv.fr"], False),
        ("a@sub.example.gouv.fr", ["*.example.gouv.fr"], True),
        ("a@deep.sub.example.gouv.fr", ["*.example.gouv.fr"], True),
        ("a@example.gouv.fr", ["*.example.gouv.fr"], False),
        ("a@evilexample.gouv.fr", ["*.example.gouv.fr"], False),
        ("a@example.gouv.fr.evil.example", ["example.gouv.fr"], False),
        ("example.gouv.fr@evil.example", ["example.gouv.fr"], False),
        ("a@other.fr", ["example.gouv.fr", "other.fr"], True),
    ],
)
def test_email_domain_allow_list(email: str, allowed: list[str], expected: bool) -> None:
    assert email_domain_allowed(email, allowed) is expected


def test_domain_not_allowed_writes_nothing(db: Database) -> None:
    with service(db, oidc_allowed_email_domains=["other.gouv.fr"]) as accounts:
        with pytest.raises(EmailDomainNotAllowed) as raised:
            accounts.sign_in(identity())
        assert count(accounts.store.session, User) == 0
        assert count(accounts.store.session, UserSession) == 0
    assert raised.value.body()["error"] == {
        "code": "sign_in_failed",
        "message": "This email domain may not sign in here",
        "details": {"reason": "domain_not_allowed", "domain": "example.gouv.fr"},
    }
    assert raised.value.http_status == 403


# --- the `next` sanitizer -------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "/",
        "/abcd-efgh-ijkl",
        "/abcd-efgh-ijkl?lang=fr",
        "/rooms/abcd-efgh-ijkl#chat",
        "/r%C3%A9union",
        "/authors",  # only /auth itself and below are refused
    ],
)
def test_next_keeps_paths_on_this_site(value: str) -> None:
    assert safe_next_path(value) == value


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        "https://evil.example",
        "http://evil.example/path",
        "//evil.example",
        "//evil.example/abcd-efgh-ijkl",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\\/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "abcd-efgh-ijkl",
        "/%2F%2Fevil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%5C%5Cevil.example",
        "/%252F%252Fevil.example",
        "/%25252F%25252Fevil.example",
        "/%09/evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/ /evil.example",
        "/%00",
        "https:/evil.example",
        "/auth/login",
        "/auth/callback?code=x",
        "/auth",
        "/" + "a" * 3000,
    ],
)
def test_next_refuses_everything_else(value: str | None) -> None:
    assert safe_next_path(value) == "/"


# --- settings -------------------------------------------------------------------


def settings_error(**values: Any) -> str:
    with pytest.raises(ValidationError) as raised:
        load_settings(**values)
    return str(raised.value)


def test_sign_in_is_disabled_by_default() -> None:
    settings = load_settings()
    assert settings.oidc_enabled is False
    assert settings.oidc_scopes == "openid email given_name usual_name uid siret"
    assert settings.oidc_claim_family_name == "usual_name"
    assert settings.session_ttl_seconds == 12 * 3600
    assert settings.session_cookie_name == "visio_session"
    assert settings.oidc_redirect_path == "/auth/callback"
    assert settings.oidc_allowed_email_domains == []


def test_issuer_needs_client_id_and_secret() -> None:
    assert "VISIO_OIDC_CLIENT_ID is not" in settings_error(oidc_issuer=ISSUER)
    assert "VISIO_OIDC_CLIENT_SECRET is not" in settings_error(
        oidc_issuer=ISSUER, oidc_client_id="visio"
    )
    assert "VISIO_OIDC_CLIENT_SECRET is not" in settings_error(
        oidc_issuer=ISSUER, oidc_client_id="visio", oidc_client_secret=""
    )
    assert load_settings(**OIDC).oidc_enabled


def test_issuer_must_be_https_except_on_loopback() -> None:
    message = settings_error(**{**OIDC, "oidc_issuer": "http://auth.example.gouv.fr"})
    assert "must be an https:// URL" in message
    for loopback in ("http://127.0.0.1:9400", "http://localhost:9400", "http://[::1]:9400"):
        assert load_settings(**{**OIDC, "oidc_issuer": loopback}).oidc_enabled
    assert "valid URL" in settings_error(**{**OIDC, "oidc_issuer": "not a url"})


def test_scopes_must_include_openid() -> None:
    assert "must include 'openid'" in settings_error(**OIDC, oidc_scopes="email profile")


def test_allowed_domains_come_from_a_comma_separated_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("VISIO_OIDC_ALLOWED_EMAIL_DOMAINS", " Example.gouv.fr, *.gouv.fr ,")
    assert load_settings().oidc_allowed_email_domains == ["example.gouv.fr", "*.gouv.fr"]


@pytest.mark.parametrize("domain", ["@example.fr", "a@example.fr", "example", "*example.fr", "*."])
def test_malformed_allowed_domain_is_refused(domain: str) -> None:
    assert "is not a domain" in settings_error(oidc_allowed_email_domains=[domain])


@pytest.mark.parametrize("path", ["auth/callback", "//evil.example/cb", "/cb?x=1", "/", "/a//b"])
def test_redirect_path_must_be_a_plain_absolute_path(path: str) -> None:
    settings_error(oidc_redirect_path=path)


def test_session_settings_are_bounded() -> None:
    settings_error(session_ttl_seconds=10)
    settings_error(session_cookie_name="visio session; Path=/")


def test_client_secret_is_hidden_in_the_settings_repr() -> None:
    assert "s3cr3t-value" not in repr(load_settings(**OIDC))


# --- the sign-in cookie ------------------------------------------------------------


def test_login_state_round_trips_through_its_signed_cookie() -> None:
    signer = LoginStateSigner("install-key")
    login = LoginState.new(next_path="/abcd-efgh-ijkl", redirect_uri="https://v.example/cb")
    assert signer.loads(signer.dumps(login), state=login.state) == login
    assert 43 <= len(login.code_verifier) <= 128
    assert login.state != login.nonce
    assert cookie_name(login.state).startswith("visio_login_")


def test_login_state_refuses_tampering_other_states_keys_and_age() -> None:
    signer = LoginStateSigner("install-key")
    login = LoginState.new(next_path="/", redirect_uri="https://v.example/cb")
    value = signer.dumps(login)
    with pytest.raises(StateMismatch):
        signer.loads(value[:-2] + ("AA" if not value.endswith("AA") else "BB"), state=login.state)
    with pytest.raises(StateMismatch):
        signer.loads(value, state=login.state + "x")
    with pytest.raises(StateMismatch):
        LoginStateSigner("another-install").loads(value, state=login.state)
    with pytest.raises(StateMismatch):
        LoginStateSigner("install-key", max_age=-1).loads(value, state=login.state)
    with pytest.raises(StateMismatch):
        signer.loads(None, state=login.state)


# --- the HTTP edge, with a fake provider ---------------------------------------------


@dataclass
class FakeProvider:
    """An identity provider that signs in whoever it is told to."""

    identity: Identity = field(default_factory=identity)
    fail: Exception | None = None
    authorizations: list[dict[str, str]] = field(default_factory=list)

    async def authorization_url(
        self, *, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        if self.fail is not None:
            raise self.fail
        self.authorizations.append({"redirect_uri": redirect_uri, "state": state})
        return f"https://op.example/authorize?state={state}"

    async def complete(
        self,
        *,
        code: str,
        redirect_uri: str,
        code_verifier: str,
        nonce: str,
        issuer: str | None = None,
    ) -> Identity:
        if self.fail is not None:
            raise self.fail
        return self.identity

    async def logout_url(
        self, *, id_token_hint: str | None, post_logout_redirect_uri: str
    ) -> str | None:
        return None


@contextmanager
def make_client(
    tmp_path: Path,
    provider: FakeProvider | None = None,
    *,
    base_url: str = "http://testserver",
    **overrides: Any,
) -> Iterator[TestClient]:
    """A client of a fresh app; ``provider`` replaces the OpenID provider."""
    settings = load_settings(data_dir=tmp_path, web_dir=None, **overrides)
    app = create_app(settings, media=FakeMedia())
    if provider is not None:
        app.state.identity_provider = provider
    with TestClient(app, base_url=base_url) as client:
        yield client


def test_without_oidc_login_is_a_404_page_and_me_says_sign_in_is_off(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        login = client.get("/auth/login", follow_redirects=False)
        me = client.get("/api/v1/me")
    assert login.status_code == 404
    assert login.headers["content-type"].startswith("text/html")
    assert 'data-error-code="sign_in_disabled"' in login.text
    assert me.status_code == 401
    assert me.json() == {
        "error": {
            "code": "not_signed_in",
            "message": "Sign in first",
            "details": {"sign_in_enabled": False},
        }
    }


def test_sign_in_with_a_fake_provider_sets_the_session_cookie(tmp_path: Path) -> None:
    provider = FakeProvider()
    with make_client(tmp_path, provider, public_url="https://visio.example.gouv.fr") as client:
        login = client.get("/auth/login", params={"next": "//evil.example"}, follow_redirects=False)
        state = provider.authorizations[0]["state"]
        callback = client.get(
            "/auth/callback", params={"code": "c", "state": state}, follow_redirects=False
        )
        me = client.get("/api/v1/me")
    assert login.status_code == 302
    assert provider.authorizations[0]["redirect_uri"] == (
        "https://visio.example.gouv.fr/auth/callback"
    )
    assert callback.status_code == 303
    assert callback.headers["location"] == "/"  # the open redirect was dropped
    assert me.json()["display_name"] == "Alice Martin"


def test_session_cookie_is_secure_over_https(tmp_path: Path) -> None:
    provider = FakeProvider()
    with make_client(tmp_path, provider, base_url="https://testserver", **OIDC) as client:
        login = client.get("/auth/login", follow_redirects=False)
        state = provider.authorizations[0]["state"]
        callback = client.get(
            "/auth/callback", params={"code": "c", "state": state}, follow_redirects=False
        )
    assert "Secure" in login.headers["set-cookie"]
    session_cookie = next(
        h for h in callback.headers.get_list("set-cookie") if h.startswith("visio_session=")
    )
    assert "Secure" in session_cookie
    assert "HttpOnly" in session_cookie


def test_provider_failure_at_login_is_a_page_with_its_status(tmp_path: Path) -> None:
    provider = FakeProvider(fail=ProviderUnavailable())
    with make_client(tmp_path, provider) as client:
        login = client.get("/auth/login", follow_redirects=False)
    assert login.status_code == 503
    assert 'data-error-reason="provider_unavailable"' in login.text
    assert "set-cookie" not in login.headers


def test_unexpected_failure_at_callback_is_a_page_and_stores_nothing(tmp_path: Path) -> None:
    provider = FakeProvider()
    with make_client(tmp_path, provider) as client:
        client.get("/auth/login", follow_redirects=False)
        state = provider.authorizations[0]["state"]
        provider.fail = RuntimeError("bug")
        callback = client.get(
            "/auth/callback", params={"code": "c", "state": state}, follow_redirects=False
        )
        database = client.app.state.services.db  # type: ignore[attr-defined]
        with database.session() as session:
            users = count(session, User)
    assert callback.status_code == 500
    assert 'data-error-code="internal_error"' in callback.text
    assert "RuntimeError" not in callback.text
    assert users == 0


def test_openapi_documents_me_and_logout(tmp_path: Path) -> None:
    with make_client(tmp_path) as client:
        schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    me_responses = paths["/api/v1/me"]["get"]["responses"]
    assert me_responses["401"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/ErrorBody"
    )
    assert "/auth/logout" in paths
    assert "/auth/login" not in paths  # browser navigation, not an API call


# --- schema ------------------------------------------------------------------------


def test_accounts_migration_downgrades_and_upgrades(db: Database) -> None:
    config = db.alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "users" not in inspect(db.engine).get_table_names()
    db.upgrade()
    assert {"users", "user_sessions"} <= set(inspect(db.engine).get_table_names())
