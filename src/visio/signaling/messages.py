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

PROTOCOL_VERSION = 1

Source = Literal["microphone", "camera", "screen", "screen_audio"]
Kind = Literal["audio", "video"]
Role = Literal["publisher", "subscriber"]
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
    display_name: str = Field(min_length=1, max_length=200)

    @field_validator("display_name")
    @classmethod
    def _name(cls, value: str) -> str:
        value = _clean_text(value).replace("\n", " ").replace("\t", " ")
        if not value:
            raise ValueError("display_name is empty")
        if len(value) > 64:
            raise ValueError("display_name is longer than 64 characters")
        return value


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
    | Ping,
    Field(discriminator="type"),
]

# --- server → client ------------------------------------------------------------


class _Reply(_Message):
    reply_to: str | None = None


class Joined(_Reply):
    type: Literal["joined"] = "joined"
    protocol_version: int = PROTOCOL_VERSION
    participant_id: str
    room: RoomInfo
    participants: list[ParticipantInfo]
    hands: list[str]
    #: Who spoke last (the speaker view shows them); ``null`` before anyone spoke.
    active_speaker: str | None
    #: The latest chat messages (at most 50).
    chat: list[ChatMessage]
    ice_servers: list[IceServer]
    limits: Limits


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
    reason: Literal["left", "disconnected"] = "left"


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
    | MediaReset,
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
