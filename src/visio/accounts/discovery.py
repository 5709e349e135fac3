"""The provider's discovery document (OpenID Connect Discovery 1.0), parsed and checked."""

from __future__ import annotations

from collections.abc import Iterable

from authlib.common.security import is_secure_transport  # type: ignore[import-untyped]
from pydantic import BaseModel, ConfigDict, ValidationError

DISCOVERY_PATH = "/.well-known/openid-configuration"
#: Asymmetric algorithms only: "none", and HMAC keyed with the client secret,
#: are never accepted (the JWKS has no such key anyway).
SIGNING_ALGORITHMS = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class DiscoveryDocument(BaseModel):
    """The parts of the provider's discovery document that Visio uses."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None = None
    end_session_endpoint: str | None = None
    id_token_signing_alg_values_supported: tuple[str, ...] = ("RS256",)
    userinfo_signing_alg_values_supported: tuple[str, ...] = ()
    # OpenID Connect Discovery 1.0: the default when the field is absent.
    token_endpoint_auth_methods_supported: tuple[str, ...] = ("client_secret_basic",)

    @classmethod
    def parse(cls, data: object, *, expected_issuer: str) -> DiscoveryDocument:
        """Validate a discovery document fetched for ``expected_issuer``.

        Raises ``ValueError`` when fields are missing, the issuer differs
        (OpenID Connect Discovery 1.0, section 4.3), an endpoint is not https
        (plain http is accepted on loopback only), or no signing algorithm is
        acceptable.
        """
        try:
            document = cls.model_validate(data)
        except ValidationError as exc:
            raise ValueError(f"malformed discovery document: {exc}") from exc
        if document.issuer.rstrip("/") != expected_issuer.rstrip("/"):
            raise ValueError(
                f"discovery document is for issuer {document.issuer!r}, not {expected_issuer!r}"
            )
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not is_secure_transport(getattr(document, name)):
                raise ValueError(f"{name} is not an https URL")
        for name in ("userinfo_endpoint", "end_session_endpoint"):
            url = getattr(document, name)
            if url is not None and not is_secure_transport(url):
                raise ValueError(f"{name} is not an https URL")
        if not document.id_token_algorithms:
            raise ValueError(
                "none of id_token_signing_alg_values_supported"
                f" {list(document.id_token_signing_alg_values_supported)} is acceptable"
            )
        if document.token_endpoint_auth_method is None:
            raise ValueError(
                "the token endpoint supports neither client_secret_basic nor client_secret_post"
            )
        return document

    @property
    def id_token_algorithms(self) -> list[str]:
        return _acceptable(self.id_token_signing_alg_values_supported)

    @property
    def userinfo_algorithms(self) -> list[str]:
        declared = self.userinfo_signing_alg_values_supported
        return _acceptable(declared) if declared else self.id_token_algorithms

    @property
    def token_endpoint_auth_method(self) -> str | None:
        for method in ("client_secret_basic", "client_secret_post"):
            if method in self.token_endpoint_auth_methods_supported:
                return method
        return None


def _acceptable(algorithms: Iterable[str]) -> list[str]:
    return [alg for alg in algorithms if alg in SIGNING_ALGORITHMS]
