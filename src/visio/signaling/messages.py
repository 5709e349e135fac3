"""Signaling protocol messages: one typed model per message, a discriminated union per direction.

The protocol is specified in docs/protocol.md; the JSON Schemas under
docs/protocol/ are generated from these models (scripts/gen_protocol_schema.py)
and a test fails when they are stale.
"""

from __future__ import annotations

import json
import unicodedata
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from visio.errors import InvalidMessage, MalformedMessage, UnknownMessageType

PROTOCOL_VERSION = 2

Source = Literal["microphone", "camera", "screen", "screen_audio"]
Kind = Literal["audio", "video"]
Role = Literal["publisher", "subscriber"]
#: What a participant is to the meeting (docs/security.md).
MeetingRole = Literal["owner", "host", "participant", "guest"]
AccessLevel = Literal["public", "trusted", "restricted"]
Emoji = Literal["👍", "👎", "👏", "❤️", "😂", "😮", "🎉", "🙏"]
REACTIONS: tuple[str, ...] = ("👍", "👎", "👏", "❤️", "😂", "😮", "🎉", "🙏")

MAX_SDP_CHARS = 60_000
RequestId = Annotated[str, Field(min_length=1, max_length=64)]


class _Message(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


#: Format characters that text needs: joiners in emoji sequences (👨‍👩‍👧) and
#: the marks and isolates of right-to-left writing.
_KEPT_FORMAT = frozenset("\u200c\u200d\u200e\u200f\u2066\u2067\u2068\u2069")


def _clean_text(value: str) -> str:
    """Drop control and invisible format characters (keeping newlines and tabs), trim."""
    kept = "".join(
        ch
        for ch in value
        if ch in "\n\t" or ch in _KEPT_FORMAT or unicodedata.category(ch) not in ("Cc", "Cf")
    )
    if not kept.strip("".join(_KEPT_FORMAT) + " \n\t"):
        return ""
    return kept.strip()


def clean_display_name(value: str) -> str:
    """A display name on one line, without invisible characters, 1 to 64 characters."""
    value = _clean_text(value).replace("\n", " ").replace("\t", " ")
    if not value:
        raise ValueError("display_name is empty")
    if len(value) > 64:
        raise ValueError("display_name is longer than 64 characters")
    return value


# --- shared pieces ------------------------------------------------------------


class Candidate(_Message):
    candidate: str = Field(max_length=1024)
    sdp_mid: str | None = Field(default=None, max_length=64)
    sdp_mline_index: int | None = Field(default=None, ge=0, le=1024)


class StreamInfo(_Message):
    mid: str
    kind: Kind
    source: Source
    muted: bool = False
    simulcast: bool = False


class ParticipantInfo(_Message):
    id: str
    display_name: str
    #: ``guest``: not signed in (shown as such, whatever name they typed).
    role: MeetingRole
    #: A meeting-room microphone that several people speak into.
    shared_microphone: bool = False
    joined_at: datetime
    streams: list[StreamInfo] = Field(default_factory=list)
    hand_raised: bool = False
    speaking: bool = False


class ChatMessage(_Message):
    id: str
    participant_id: str
    display_name: str
    text: str
    sent_at: datetime


class IceServer(_Message):
    urls: list[str]
    username: str | None = None
    credential: str | None = None


class RoomInfo(_Message):
    slug: str
    name: str | None
    #: The meeting asks newcomers to start with their microphone / camera off.
    start_audio_muted: bool = False
    start_video_muted: bool = False


class AccessInfo(_Message):
    level: AccessLevel
    #: Locked: everyone new waits in the lobby, whatever the level.
    locked: bool


class LobbyRequestInfo(_Message):
    id: str
    display_name: str
    #: Signed in through the identity provider (then ``email`` is theirs, verified).
    signed_in: bool
    email: str | None
    requested_at: datetime
    expires_at: datetime


class Limits(_Message):
    max_participants: int
    max_video_subscriptions: int
    max_audio_subscriptions: int
    max_message_bytes: int
    #: The server closes a socket that sent nothing for this long (send ``ping``).
    idle_timeout_seconds: float


class SubscribedStreamInfo(_Message):
    mid: str
    participant_id: str
    publisher_mid: str
    kind: Kind
    source: Source


class TranscriptionInfo(_Message):
    """Whether the meeting is being transcribed: clients show an indicator and a notice."""

    active: bool
    #: The transcript being made (``GET /api/v1/rooms/{slug}/transcripts/{id}``), when active.
    transcript_id: str | None
    #: ISO 639-1 code of the language transcribed, when active.
    language: str | None
    started_at: datetime | None
    #: Display name of the host who started it, when active.
    started_by: str | None

    @classmethod
    def inactive(cls) -> TranscriptionInfo:
        return cls(
            active=False, transcript_id=None, language=None, started_at=None, started_by=None
        )


class StreamRequest(_Message):
    participant_id: str = Field(max_length=64)
    mid: str = Field(max_length=64)
    #: Height in pixels the client shows this video at; Visio picks the simulcast layer.
    height: int | None = Field(default=None, ge=0, le=4320)


# --- client → server -----------------------------------------------------------


class _Request(_Message):
    #: Optional request id: the server answers it with exactly one message whose
    #: ``reply_to`` is this id (a specific reply, ``ack`` or ``error``).
    id: RequestId | None = None


class Join(_Request):
    type: Literal["join"]
    protocol_version: int = PROTOCOL_VERSION
    #: From ``POST /api/v1/rooms/{slug}/join`` (or the lobby once admitted): it
    #: names the meeting, the participant id, the display name and the role.
    token: str = Field(min_length=1, max_length=2048)


class Publish(_Request):
    type: Literal["publish"]
    sdp: str = Field(min_length=1, max_length=MAX_SDP_CHARS)
    #: What each m-line of the offer carries, by mid.
    sources: dict[str, Source] = Field(max_length=8)


class Unpublish(_Request):
    type: Literal["unpublish"]


class Subscribe(_Request):
    type: Literal["subscribe"]
    #: The complete set of streams the client wants now (declarative).
    streams: list[StreamRequest] = Field(max_length=1024)


class SubscriptionAnswer(_Request):
    type: Literal["subscription_answer"]
    sdp: str = Field(min_length=1, max_length=MAX_SDP_CHARS)


class Trickle(_Request):
    type: Literal["trickle"]
    role: Role
    #: ``null`` means end of candidates.
    candidate: Candidate | None


class Mute(_Request):
    type: Literal["mute"]
    source: Source
    muted: bool


class SendChat(_Request):
    type: Literal["chat"]
    text: str = Field(min_length=1, max_length=4000)

    @field_validator("text")
    @classmethod
    def _text(cls, value: str) -> str:
        value = _clean_text(value)
        if not value:
            raise ValueError("text is empty")
        return value


class RaiseHand(_Request):
    type: Literal["raise_hand"]
    raised: bool


class SendReaction(_Request):
    type: Literal["reaction"]
    emoji: Emoji


class Leave(_Request):
    type: Literal["leave"]


# Host actions: from the owner and hosts only; anyone else gets ``forbidden``.


class LobbyDecision(_Request):
    type: Literal["lobby_decision"]
    #: Waiting requests to answer (one, several, or all those shown).
    request_ids: list[Annotated[str, Field(max_length=64)]] = Field(min_length=1, max_length=200)
    admit: bool


class LockMeeting(_Request):
    type: Literal["lock"]
    locked: bool


class MuteParticipant(_Request):
    type: Literal["mute_participant"]
    participant_id: str = Field(max_length=64)
    #: microphone: muted (they can unmute themselves); camera / screen: stopped.
    source: Source


class RemoveParticipant(_Request):
    type: Literal["remove_participant"]
    participant_id: str = Field(max_length=64)


class LowerHand(_Request):
    type: Literal["lower_hand"]
    participant_id: str = Field(max_length=64)


class SetRole(_Request):
    """Owner only: make a participant a co-host for this meeting, or take it back."""

    type: Literal["set_role"]
    participant_id: str = Field(max_length=64)
    role: Literal["host", "participant"]


class EndMeeting(_Request):
    type: Literal["end_meeting"]


#: ``fr``, ``en``, ``fr-FR``, ``pt_BR``...
LanguageTag = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})?$")]


class StartTranscription(_Request):
    """Host action: transcribe the meeting from now on (everyone is told)."""

    type: Literal["start_transcription"]
    #: The language spoken; ``null``: the server's default (``transcript_language``).
    language: LanguageTag | None = None


class StopTranscription(_Request):
    type: Literal["stop_transcription"]


class Ping(_Request):
    type: Literal["ping"]


ClientMessage = Annotated[
    Join
    | Publish
    | Unpublish
    | Subscribe
    | SubscriptionAnswer
    | Trickle
    | Mute
    | SendChat
    | RaiseHand
    | SendReaction
    | Leave
    | Ping
    | LobbyDecision
    | LockMeeting
    | MuteParticipant
    | RemoveParticipant
    | LowerHand
    | SetRole
    | EndMeeting
    | StartTranscription
    | StopTranscription,
    Field(discriminator="type"),
]

# --- server → client ------------------------------------------------------------


class _Reply(_Message):
    reply_to: str | None = None


class Joined(_Reply):
    type: Literal["joined"] = "joined"
    protocol_version: int = PROTOCOL_VERSION
    participant_id: str
    #: Your role: owners and hosts get ``lobby`` and may send host actions.
    role: MeetingRole
    room: RoomInfo
    access: AccessInfo
    #: Waiting lobby requests, first come first; ``null`` for non-hosts.
    lobby: list[LobbyRequestInfo] | None
    participants: list[ParticipantInfo]
    hands: list[str]
    #: Who spoke last (the speaker view shows them); ``null`` before anyone spoke.
    active_speaker: str | None
    #: The latest chat messages (at most 50).
    chat: list[ChatMessage]
    ice_servers: list[IceServer]
    limits: Limits
    #: Whether the meeting is being transcribed now.
    transcription: TranscriptionInfo = Field(default_factory=TranscriptionInfo.inactive)


class Published(_Reply):
    type: Literal["published"] = "published"
    sdp: str
    streams: list[StreamInfo]


class SubscriptionOffer(_Reply):
    type: Literal["subscription_offer"] = "subscription_offer"
    sdp: str
    streams: list[SubscribedStreamInfo]


class Ack(_Reply):
    type: Literal["ack"] = "ack"


class Pong(_Reply):
    type: Literal["pong"] = "pong"


class ErrorMessage(_Reply):
    type: Literal["error"] = "error"
    code: str
    message: str
    details: dict[str, Any] | None = None


class ParticipantJoined(_Message):
    type: Literal["participant_joined"] = "participant_joined"
    participant: ParticipantInfo


class ParticipantLeft(_Message):
    type: Literal["participant_left"] = "participant_left"
    participant_id: str
    reason: Literal["left", "disconnected", "removed"] = "left"


class ParticipantUpdated(_Message):
    type: Literal["participant_updated"] = "participant_updated"
    participant: ParticipantInfo


class ServerTrickle(_Message):
    type: Literal["trickle"] = "trickle"
    role: Role
    candidate: Candidate | None


class Speaking(_Message):
    type: Literal["speaking"] = "speaking"
    participant_id: str
    speaking: bool


class ActiveSpeaker(_Message):
    type: Literal["active_speaker"] = "active_speaker"
    #: Who spoke last: a new speaker replaces them once Janus hears them talk for ~1 s.
    #: ``null`` when the last speaker left (or the media server restarted).
    participant_id: str | None


class ChatReceived(_Message):
    type: Literal["chat"] = "chat"
    message: ChatMessage


class HandsChanged(_Message):
    type: Literal["hands"] = "hands"
    #: Participants with a raised hand, first raised first.
    hands: list[str]


class ReactionReceived(_Message):
    type: Literal["reaction"] = "reaction"
    participant_id: str
    emoji: Emoji


class MediaReset(_Message):
    type: Literal["media_reset"] = "media_reset"
    reason: str
    #: Fresh ICE servers (TURN credentials) for the new peer connections.
    ice_servers: list[IceServer]


class LobbyRequested(_Message):
    """To hosts: someone asks to enter."""

    type: Literal["lobby_request"] = "lobby_request"
    request: LobbyRequestInfo


class LobbyResolved(_Message):
    """To hosts: a request is no longer waiting."""

    type: Literal["lobby_resolved"] = "lobby_resolved"
    request_id: str
    #: ``cancelled``: the person stopped waiting (or closed their page).
    outcome: Literal["admitted", "denied", "expired", "cancelled"]
    #: The host who decided, for admitted and denied.
    by: str | None = None


class AccessChanged(_Message):
    type: Literal["access_changed"] = "access_changed"
    access: AccessInfo


class Moderated(_Message):
    """To the participant a host acted on."""

    type: Literal["moderated"] = "moderated"
    #: ``muted``: your microphone was muted (unmute yourself when you want to speak);
    #: ``stopped``: your camera or screen share was stopped.
    action: Literal["muted", "stopped"]
    source: Source
    by: str


class RoleChanged(_Message):
    """To the participant whose role changed; everyone else gets participant_updated."""

    type: Literal["role_changed"] = "role_changed"
    role: MeetingRole
    lobby: list[LobbyRequestInfo] | None


class MeetingEndedMessage(_Message):
    """To everyone, just before the server closes every socket with 4410."""

    type: Literal["meeting_ended"] = "meeting_ended"
    by: str


class TranscriptionChanged(_Message):
    """To everyone: a transcript started or stopped."""

    type: Literal["transcription"] = "transcription"
    transcription: TranscriptionInfo
    #: The host who started or stopped it; ``null`` when the meeting's end stopped it.
    by: str | None


ServerMessage = Annotated[
    Joined
    | Published
    | SubscriptionOffer
    | Ack
    | Pong
    | ErrorMessage
    | ParticipantJoined
    | ParticipantLeft
    | ParticipantUpdated
    | ServerTrickle
    | Speaking
    | ActiveSpeaker
    | ChatReceived
    | HandsChanged
    | ReactionReceived
    | MediaReset
    | LobbyRequested
    | LobbyResolved
    | AccessChanged
    | Moderated
    | RoleChanged
    | MeetingEndedMessage
    | TranscriptionChanged,
    Field(discriminator="type"),
]

CLIENT_ADAPTER: TypeAdapter[ClientMessage] = TypeAdapter(ClientMessage)
SERVER_ADAPTER: TypeAdapter[ServerMessage] = TypeAdapter(ServerMessage)
CLIENT_TYPES = frozenset(
    m.model_fields["type"].annotation.__args__[0]  # type: ignore[union-attr]
    for m in (
        Join,
        Publish,
        Unpublish,
        Subscribe,
        SubscriptionAnswer,
        Trickle,
        Mute,
        SendChat,
        RaiseHand,
        SendReaction,
        Leave,
        Ping,
        LobbyDecision,
        LockMeeting,
        MuteParticipant,
        RemoveParticipant,
        LowerHand,
        SetRole,
        EndMeeting,
        StartTranscription,
        StopTranscription,
    )
)


def parse_client_message(raw: str | bytes) -> ClientMessage:
    """Parse one client frame.

    Raises MalformedMessage (not a JSON object), UnknownMessageType (no or
    unknown ``type``) or InvalidMessage (fields do not match), each carrying
    the request ``id`` when one could be read.
    """
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise MalformedMessage(
            f"Not valid JSON: {exc.msg if hasattr(exc, 'msg') else exc}"
        ) from exc
    if not isinstance(data, dict):
        raise MalformedMessage("A message is a JSON object")
    request_id = data.get("id") if isinstance(data.get("id"), str) else None
    kind = data.get("type")
    if not isinstance(kind, str) or kind not in CLIENT_TYPES:
        raise UnknownMessageType(
            f"Unknown message type {kind!r}" if isinstance(kind, str) else "Missing message type",
            request_id=request_id,
        )
    try:
        # Strict: JSON types must match (no "true" for true, no "240" for 240).
        return CLIENT_ADAPTER.validate_python(data, strict=True)
    except ValidationError as exc:
        problems = [
            f"{'.'.join(str(p) for p in err['loc'][1:]) or '(message)'}: {err['msg']}"
            for err in exc.errors()
        ]
        raise InvalidMessage("; ".join(problems)[:500], request_id=request_id) from exc


def dump(message: BaseModel) -> str:
    return message.model_dump_json(exclude_none=False)
