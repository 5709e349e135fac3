"""HTTP edge of the accounts area.

* ``GET /auth/login?next=/path``: start an OpenID Connect sign-in (302 to the provider);
* ``GET <oidc_redirect_path>`` (``/auth/callback``): finish it, set the session
  cookie, 303 to ``next``;
* ``POST /auth/logout``: end the session, then 303 to the provider's logout page
  (or home); with ``Accept: application/json``, 200 ``{"redirect_url": ...}``;
* ``GET /api/v1/me``: the signed-in person, or 401 ``not_signed_in``.

The ``/auth/*`` endpoints are reached by browser navigation, so their errors
are pages (:mod:`visio.accounts.pages`), not JSON.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from visio.accounts.deps import AccountServiceDep, CurrentUser
from visio.accounts.errors import (
    NotSignedIn,
    SignInDisabled,
    SignInRefused,
    StateMismatch,
    oauth_error_code,
)
from visio.accounts.login_state import (
    LOGIN_TTL_SECONDS,
    LoginState,
    LoginStateSigner,
    cookie_name,
)
from visio.accounts.oidc import OidcProvider
from visio.accounts.pages import NO_STORE, error_key, error_page
from visio.accounts.provider import IdentityProvider
from visio.accounts.redirects import HOME, safe_next_path
from visio.accounts.schemas import LogoutOut, MeOut
from visio.config import Settings
from visio.deps import DbSession, SettingsDep
from visio.errors import VisioError
from visio.schemas import error_responses

log = logging.getLogger(__name__)

#: ``app.state`` attributes holding the app's provider and signer, made on first use.
PROVIDER_STATE = "identity_provider"
SIGNER_STATE = "login_state_signer"

router = APIRouter(tags=["accounts"])


def identity_provider(request: Request, settings: Settings) -> IdentityProvider:
    """The app's identity provider: ``app.state.identity_provider`` if set (tests),
    else an :class:`OidcProvider` from the settings.

    Raises :class:`SignInDisabled` when OpenID Connect is not configured.
    """
    state = request.app.state
    provider: IdentityProvider | None = getattr(state, PROVIDER_STATE, None)
    if provider is None:
        if not settings.oidc_enabled:
            raise SignInDisabled()
        provider = OidcProvider.from_settings(settings)
        setattr(state, PROVIDER_STATE, provider)
    return provider


def login_signer(request: Request) -> LoginStateSigner:
    """Signs the sign-in state cookie with the install's key (read once, by Services)."""
    state = request.app.state
    signer: LoginStateSigner | None = getattr(state, SIGNER_STATE, None)
    if signer is None:
        signer = LoginStateSigner(state.services.signing_key)
        setattr(state, SIGNER_STATE, signer)
    return signer


def site_url(request: Request, settings: Settings) -> str:
    """Where people reach this server, without a trailing slash."""
    if settings.public_url is not None:
        return str(settings.public_url).rstrip("/")
    return str(request.base_url).rstrip("/")


def _cookie_options(request: Request) -> dict[str, Any]:
    return {
        "httponly": True,
        "samesite": "lax",
        # Over plain http a Secure cookie would never come back.
        "secure": request.url.scheme == "https",
    }


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _unexpected(action: str, exc: Exception) -> Response:
    # A person followed a redirect here: a page, not a JSON 500.
    log.error("%s failed unexpectedly", action, exc_info=exc)
    return error_page(VisioError())


# --- /api/v1 -------------------------------------------------------------------


@router.get(
    "/me",
    response_model=MeOut,
    responses=error_responses(NotSignedIn),
    summary="The signed-in person",
)
def me(user: CurrentUser) -> MeOut:
    return MeOut(
        id=user.id,
        email=user.email,
        given_name=user.given_name,
        family_name=user.family_name,
        display_name=user.display_name,
    )


# --- /auth ---------------------------------------------------------------------


def build_auth_router(settings: Settings) -> APIRouter:
    """The browser-facing sign-in routes; the callback lives at ``settings.oidc_redirect_path``."""
    auth = APIRouter(tags=["accounts"])
    callback_path = settings.oidc_redirect_path

    @auth.get("/auth/login", include_in_schema=False)
    async def login(
        request: Request,
        settings: SettingsDep,
        next_path: Annotated[str | None, Query(alias="next")] = None,
    ) -> Response:
        try:
            provider = identity_provider(request, settings)
            signer = login_signer(request)
            login = LoginState.new(
                next_path=safe_next_path(next_path),
                redirect_uri=site_url(request, settings) + callback_path,
            )
            url = await provider.authorization_url(
                redirect_uri=login.redirect_uri,
                state=login.state,
                nonce=login.nonce,
                code_verifier=login.code_verifier,
            )
        except VisioError as exc:
            log.info("sign-in not started: %s", error_key(exc))
            return error_page(exc)
        except Exception as exc:
            return _unexpected("starting a sign-in", exc)
        response = RedirectResponse(url, status_code=302, headers=NO_STORE)
        response.set_cookie(
            cookie_name(login.state),
            signer.dumps(login),
            max_age=LOGIN_TTL_SECONDS,
            path=callback_path,
            **_cookie_options(request),
        )
        return response

    @auth.get(callback_path, include_in_schema=False)
    async def callback(
        request: Request,
        settings: SettingsDep,
        accounts: AccountServiceDep,
        db: DbSession,
        code: str | None = None,
        state: str | None = None,
        error: str | None = None,
        iss: str | None = None,
    ) -> Response:
        response: Response
        try:
            provider = identity_provider(request, settings)
            if error is not None and not state:
                # RFC 6749 wants the state in error answers too, but some providers
                # leave it out; an error ends the sign-in anyway, so there is
                # nothing to protect by calling it a state mismatch.
                raise SignInRefused(provider_error=oauth_error_code(error))
            if not state:
                raise StateMismatch()
            login = login_signer(request).loads(
                request.cookies.get(cookie_name(state)), state=state
            )
            if error is not None:
                raise SignInRefused(provider_error=oauth_error_code(error))
            if not code:
                raise StateMismatch("The sign-in answer has no code")
            identity = await provider.complete(
                code=code,
                redirect_uri=login.redirect_uri,
                code_verifier=login.code_verifier,
                nonce=login.nonce,
                issuer=iss,
            )
            new = await run_in_threadpool(
                accounts.sign_in,
                identity,
                ip=request.client.host if request.client else None,
                user_agent=request.headers.get("user-agent"),
                replacing=request.cookies.get(settings.session_cookie_name),
            )
        except VisioError as exc:
            # Nothing of a failed sign-in is kept (the request's session would commit it).
            await run_in_threadpool(db.rollback)
            log.info("sign-in failed: %s", error_key(exc))
            response = error_page(exc)
        except Exception as exc:
            await run_in_threadpool(db.rollback)
            response = _unexpected("finishing a sign-in", exc)
        else:
            response = RedirectResponse(login.next_path, status_code=303, headers=NO_STORE)
            response.set_cookie(
                settings.session_cookie_name,
                new.token,
                max_age=settings.session_ttl_seconds,
                path="/",
                **_cookie_options(request),
            )
        if state:
            # Used or not, this sign-in is over: a replayed callback finds no cookie.
            response.delete_cookie(
                cookie_name(state), path=callback_path, **_cookie_options(request)
            )
        return response

    @auth.post(
        "/auth/logout",
        response_model=LogoutOut,
        responses={303: {"description": "Signed out: go to the provider's logout page, or home"}},
        summary="Sign out",
    )
    async def logout(
        request: Request, settings: SettingsDep, accounts: AccountServiceDep
    ) -> Response:
        token = request.cookies.get(settings.session_cookie_name)
        ended = await run_in_threadpool(accounts.end_session, token)
        home = site_url(request, settings) + HOME
        target = HOME
        if ended is not None:
            try:
                provider = identity_provider(request, settings)
                url = await provider.logout_url(
                    id_token_hint=ended.id_token, post_logout_redirect_uri=home
                )
            except VisioError as exc:
                # The session here is over either way; only the provider's stays.
                log.warning("no provider logout for user %s: %s", ended.user_id, error_key(exc))
            except Exception:
                # Same, for a bug: signing out here must not depend on the provider.
                log.exception("no provider logout for user %s", ended.user_id)
            else:
                target = url or HOME
            log.info("user %s signed out", ended.user_id)
        response: Response
        if _wants_json(request):
            response = JSONResponse(LogoutOut(redirect_url=target).model_dump(), headers=NO_STORE)
        else:
            response = RedirectResponse(target, status_code=303, headers=NO_STORE)
        response.delete_cookie(settings.session_cookie_name, path="/", **_cookie_options(request))
        return response

    return auth
