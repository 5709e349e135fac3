# French typography uses the typographic apostrophe (U+2019) on purpose.
# ruff: noqa: RUF001
"""Error pages of the browser-facing ``/auth/*`` endpoints, in French and English.

People land on these endpoints by following redirects, not from the web
client's code: a JSON body would be a dead end.  The page says what happened
and what to do, links home, shows the error code for support, and never a
stack trace.  Same status and code as the JSON error body would have.  No
script, no external resource: the CSP applies as everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from starlette.responses import HTMLResponse

from visio.accounts.errors import SignInFailed
from visio.errors import VisioError

NO_STORE = {"cache-control": "no-store"}


@dataclass(frozen=True)
class _Text:
    title_fr: str
    body_fr: str
    title_en: str
    body_en: str
    retry: bool = True


_GENERIC = _Text(
    "La connexion a échoué",
    "Une erreur inattendue s’est produite. Réessayez dans un instant.",
    "Sign-in failed",
    "Something unexpected went wrong. Please try again in a moment.",
)

_TEXTS: dict[str, _Text] = {
    "state_mismatch": _Text(
        "La connexion n’a pas pu être vérifiée",
        "Elle a expiré, a déjà été utilisée, ou a été commencée dans un autre navigateur. "
        "Recommencez la connexion depuis cette page.",
        "The sign-in could not be verified",
        "It expired, was already used, or was started in another browser. "
        "Please sign in again from this page.",
    ),
    "refused": _Text(
        "Connexion refusée",
        "La connexion a été refusée ou annulée auprès du fournisseur d’identité.",
        "Sign-in refused",
        "The sign-in was refused or cancelled at the identity provider.",
    ),
    "code_rejected": _Text(
        "La connexion n’a pas pu être finalisée",
        "Le fournisseur d’identité a refusé de la finaliser : le lien a peut-être expiré "
        "ou déjà servi. Recommencez la connexion.",
        "The sign-in could not be completed",
        "The identity provider refused to complete it: the link may have expired or "
        "been used already. Please sign in again.",
    ),
    "domain_not_allowed": _Text(
        "Adresse e-mail non autorisée",
        "Votre adresse e-mail n’appartient pas à un domaine autorisé sur ce service. "
        "Contactez l’administrateur si vous pensez que c’est une erreur.",
        "Email address not allowed",
        "Your email address is not from a domain allowed on this service. "
        "Contact the administrator if you think this is a mistake.",
        retry=False,
    ),
    "invalid_id_token": _Text(
        "Réponse du fournisseur d’identité invalide",
        "La réponse du fournisseur d’identité n’a pas pu être vérifiée. "
        "Réessayez plus tard ; si le problème persiste, contactez l’administrateur.",
        "Invalid answer from the identity provider",
        "The identity provider’s answer could not be verified. "
        "Try again later; if it persists, contact the administrator.",
    ),
    "provider_error": _Text(
        "Réponse du fournisseur d’identité invalide",
        "Le fournisseur d’identité a envoyé une réponse inutilisable. "
        "Réessayez plus tard ; si le problème persiste, contactez l’administrateur.",
        "Invalid answer from the identity provider",
        "The identity provider sent an unusable answer. "
        "Try again later; if it persists, contact the administrator.",
    ),
    "provider_unavailable": _Text(
        "Fournisseur d’identité injoignable",
        "Le fournisseur d’identité ne répond pas pour le moment. Réessayez dans quelques minutes.",
        "Identity provider unreachable",
        "The identity provider is not answering right now. Please try again in a few minutes.",
    ),
    "sign_in_disabled": _Text(
        "Connexion non disponible",
        "La connexion n’est pas activée sur ce serveur.",
        "Sign-in not available",
        "Sign-in is not enabled on this server.",
        retry=False,
    ),
}

_STYLE = """
body{font-family:system-ui,sans-serif;margin:0;background:#f6f6f6;color:#161616;line-height:1.5}
main{max-width:36rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:.5rem}
h1{font-size:1.5rem;margin-top:0}h2{font-size:1.25rem}
a{color:#000091}a:focus{outline:3px solid #0a76f6;outline-offset:2px}
.code{color:#3a3a3a;font-size:.875rem}hr{border:0;border-top:1px solid #ddd;margin:2rem 0}
"""


def error_key(error: VisioError) -> str:
    if isinstance(error, SignInFailed):
        return error.reason
    return error.code


def error_page(error: VisioError) -> HTMLResponse:
    """The page for ``error``, with its HTTP status and not to be cached."""
    key = error_key(error)
    text = _TEXTS.get(key, _GENERIC)
    code = escape(error.code)
    detail = f" ({escape(key)})" if key != error.code else ""
    retry_fr = retry_en = ""
    if text.retry:
        retry_fr = '<li><a href="/auth/login">Recommencer la connexion</a></li>'
        retry_en = '<li><a href="/auth/login">Sign in again</a></li>'
    html = f"""<!doctype html>
<html lang="fr">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>{escape(text.title_fr)} · Visio</title>
<style>{_STYLE}</style>
</head>
<body data-error-code="{code}" data-error-reason="{escape(key)}">
<main>
<h1>{escape(text.title_fr)}</h1>
<p>{escape(text.body_fr)}</p>
<ul>{retry_fr}<li><a href="/">Retour à l’accueil</a></li></ul>
<hr>
<section lang="en" aria-labelledby="title-en">
<h2 id="title-en">{escape(text.title_en)}</h2>
<p>{escape(text.body_en)}</p>
<ul>{retry_en}<li><a href="/">Back to the home page</a></li></ul>
</section>
<p class="code">Code : <code>{code}</code>{detail}</p>
</main>
</body>
</html>
"""
    return HTMLResponse(html, status_code=error.http_status, headers=NO_STORE)
