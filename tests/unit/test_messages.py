"""Signaling messages: what parse_client_message accepts, refuses and how it says why.

Every client frame goes through :func:`parse_client_message`; the error it
raises becomes the ``error`` message the client sees, so its class (code) and
the request id it carries are part of the protocol (docs/protocol.md).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from visio.access.schemas import JoinBody
from visio.errors import InvalidMessage, MalformedMessage, UnknownMessageType, VisioError
from visio.signaling import messages as m
from visio.signaling.messages import SERVER_ADAPTER, parse_client_message

SDP = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
ALICE = "3f9c1a7e52b04d18"
BOB = "a04be2c96f1d7735"


def frame(**fields: Any) -> str:
    return json.dumps(fields)


def refused(raw: str | bytes, error: type[VisioError] = InvalidMessage) -> VisioError:
    """The error ``parse_client_message`` raises for ``raw``; fails unless it is ``error``."""
    with pytest.raises(VisioError) as info:
        parse_client_message(raw)
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value.message}"
    return info.value


# --- good messages ------------------------------------------------------------------

#: One complete example of every client message, every field given explicitly.
GOOD: list[dict[str, Any]] = [
    {"type": "join", "id": "r1", "protocol_version": 2, "token": "eyJyb29tIjoi.abc.def"},
    {"type": "publish", "id": "r2", "sdp": SDP, "sources": {"0": "microphone", "1": "camera"}},
    {"type": "unpublish", "id": "r3"},
    {
        "type": "subscribe",
        "id": "r4",
        "streams": [
            {"participant_id": BOB, "mid": "0", "height": None},
            {"participant_id": BOB, "mid": "1", "height": 360},
        ],
    },
    {"type": "subscription_answer", "id": "r5", "sdp": SDP},
    {
        "type": "trickle",
        "id": "r6",
        "role": "publisher",
        "candidate": {
            "candidate": "candidate:1 1 udp 2015363327 192.0.2.10 20418 typ host",
            "sdp_mid": "0",
            "sdp_mline_index": 0,
        },
    },
    {"type": "mute", "id": "r7", "source": "microphone", "muted": True},
    {"type": "chat", "id": "r8", "text": "Hello,\neveryone"},
    {"type": "raise_hand", "id": "r9", "raised": True},
    {"type": "reaction", "id": "r10", "emoji": "❤️"},
    {"type": "leave", "id": "r11"},
    {"type": "ping", "id": "r12"},
    {"type": "lobby_decision", "id": "r13", "request_ids": ["q1", "q2"], "admit": True},
    {"type": "lock", "id": "r14", "locked": True},
    {"type": "mute_participant", "id": "r15", "participant_id": BOB, "source": "camera"},
    {"type": "remove_participant", "id": "r16", "participant_id": BOB},
    {"type": "lower_hand", "id": "r17", "participant_id": BOB},
    {"type": "set_role", "id": "r18", "participant_id": BOB, "role": "host"},
    {"type": "end_meeting", "id": "r19"},
    {"type": "start_transcription", "id": "r20", "language": "fr-FR"},
    {"type": "stop_transcription", "id": "r21"},
]

#: The smallest valid form of every client message: optional fields left out.
MINIMAL: list[dict[str, Any]] = [
    {"type": "join", "token": "t"},
    {"type": "publish", "sdp": "v", "sources": {}},
    {"type": "unpublish"},
    {"type": "subscribe", "streams": []},
    {"type": "subscription_answer", "sdp": "v"},
    {"type": "trickle", "role": "subscriber", "candidate": None},
    {"type": "mute", "source": "screen", "muted": False},
    {"type": "chat", "text": "x"},
    {"type": "raise_hand", "raised": False},
    {"type": "reaction", "emoji": "👍"},
    {"type": "leave"},
    {"type": "ping"},
    {"type": "lobby_decision", "request_ids": ["q"], "admit": False},
    {"type": "lock", "locked": False},
    {"type": "mute_participant", "participant_id": BOB, "source": "microphone"},
    {"type": "remove_participant", "participant_id": BOB},
    {"type": "lower_hand", "participant_id": BOB},
    {"type": "set_role", "participant_id": BOB, "role": "participant"},
    {"type": "end_meeting"},
    {"type": "start_transcription"},
    {"type": "stop_transcription"},
]


def test_examples_cover_every_client_message_type() -> None:
    assert {example["type"] for example in GOOD} == m.CLIENT_TYPES
    assert {example["type"] for example in MINIMAL} == m.CLIENT_TYPES


@pytest.mark.parametrize("example", GOOD, ids=lambda e: e["type"])
def test_complete_client_message_round_trips(example: dict[str, Any]) -> None:
    message = parse_client_message(json.dumps(example))

    assert message.type == example["type"]
    assert message.model_dump(mode="json") == example
    assert parse_client_message(message.model_dump_json()) == message


@pytest.mark.parametrize("example", MINIMAL, ids=lambda e: e["type"])
def test_minimal_client_message_round_trips(example: dict[str, Any]) -> None:
    message = parse_client_message(json.dumps(example))

    assert message.id is None
    assert message.model_dump(mode="json", exclude_unset=True) == example
    assert parse_client_message(message.model_dump_json()) == message


@pytest.mark.parametrize(
    "message",
    [
        m.Join(type="join", id="r1", token="t.o.k"),
        m.Subscribe(type="subscribe", streams=[m.StreamRequest(participant_id=BOB, mid="1")]),
        m.Trickle(type="trickle", role="publisher", candidate=m.Candidate(candidate="c")),
        m.Trickle(type="trickle", role="publisher", candidate=None),
    ],
    ids=["join", "subscribe", "trickle", "trickle-end"],
)
def test_messages_serialised_like_the_reference_client_parse_back(message: m.ClientMessage) -> None:
    # The Python client (visio.client.participant) sends model_dump_json().
    assert parse_client_message(message.model_dump_json()) == message


def test_join_defaults_to_this_protocol_version() -> None:
    message = parse_client_message(frame(type="join", token="t"))
    assert isinstance(message, m.Join)
    assert message.protocol_version == m.PROTOCOL_VERSION


def test_binary_frame_holding_utf8_json_is_parsed() -> None:
    assert parse_client_message('{"type": "ping", "id": "é"}'.encode()) == m.Ping(
        type="ping", id="é"
    )


def test_trickle_null_candidate_means_end_of_candidates() -> None:
    message = parse_client_message(frame(type="trickle", role="subscriber", candidate=None))
    assert isinstance(message, m.Trickle)
    assert message.candidate is None


@pytest.mark.parametrize("emoji", m.REACTIONS)
def test_every_reaction_of_the_set_is_accepted(emoji: str) -> None:
    message = parse_client_message(frame(type="reaction", emoji=emoji))
    assert isinstance(message, m.SendReaction)
    assert message.emoji == emoji


@pytest.mark.parametrize("source", ["microphone", "camera", "screen", "screen_audio"])
def test_every_source_is_accepted_in_publish(source: str) -> None:
    message = parse_client_message(frame(type="publish", sdp=SDP, sources={"0": source}))
    assert isinstance(message, m.Publish)
    assert message.sources == {"0": source}


# --- text cleaning --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("  Alice  ", "Alice"),
        ("Al\u0000ice\u0007", "Alice"),  # Cc control characters
        ("\u202eEve\u200b", "Eve"),  # Cf format characters (bidi override, zero width space)
        ("Bob\nSmith", "Bob Smith"),  # a name is one line
        ("Chlo\u00e9", "Chloé"),
    ],
)
def test_display_name_is_cleaned(sent: str, kept: str) -> None:
    assert JoinBody(display_name=sent).display_name == kept


def test_display_name_limit_applies_after_cleaning() -> None:
    sent = "\u200b" * 100 + "A" * 64  # 164 characters sent, 64 kept
    assert JoinBody(display_name=sent).display_name == "A" * 64


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("  hello  ", "hello"),
        ("\u0007hi\u0000", "hi"),
        ("line one\nline two", "line one\nline two"),
        ("tab\tkept", "tab\tkept"),
    ],
)
def test_chat_text_is_cleaned_but_keeps_lines(sent: str, kept: str) -> None:
    message = parse_client_message(frame(type="chat", text=sent))
    assert isinstance(message, m.SendChat)
    assert message.text == kept


def test_chat_text_of_the_maximum_length_is_accepted() -> None:
    message = parse_client_message(frame(type="chat", text="é" * 4000))
    assert isinstance(message, m.SendChat)
    assert len(message.text) == 4000


# --- not JSON, not an object ---------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["", "not json", "{", '{"type": "ping"', "{'type': 'ping'}", b"\xff\xfe\xfa", b"\x80"],
)
def test_frame_that_is_not_json_is_malformed(raw: str | bytes) -> None:
    error = refused(raw, MalformedMessage)
    assert error.code == "malformed_message"
    assert error.details.get("request_id") is None


@pytest.mark.parametrize("raw", ["[]", '[{"type": "ping"}]', '"ping"', "42", "null", "true"])
def test_json_that_is_not_an_object_is_malformed(raw: str) -> None:
    error = refused(raw, MalformedMessage)
    assert "object" in error.message


# --- type ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"id": "r1"},
        {"type": None},
        {"type": 7},
        {"type": True},
        {"type": ["join"]},
        {"type": {"name": "join"}},
    ],
    ids=["empty", "id-only", "null", "number", "bool", "list", "object"],
)
def test_missing_or_non_string_type_is_unknown(fields: dict[str, Any]) -> None:
    error = refused(json.dumps(fields), UnknownMessageType)
    assert error.code == "unknown_message_type"


@pytest.mark.parametrize(
    "kind", ["dance", "Join", "JOIN", " join", "joined", "pong", "ack", "error", "hands"]
)
def test_type_that_no_client_message_has_is_unknown(kind: str) -> None:
    error = refused(frame(type=kind, id="r1"), UnknownMessageType)
    assert repr(kind) in error.message
    assert error.details["request_id"] == "r1"


# --- fields that do not match -----------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"type": "ping", "extra": 1},
        {"type": "leave", "reason": "bye"},
        {"type": "join", "token": "t", "display_name": "A"},
        {"type": "subscribe", "streams": [{"participant_id": BOB, "mid": "1", "width": 640}]},
        {"type": "trickle", "role": "publisher", "candidate": {"candidate": "c", "ufrag": "u"}},
        {"type": "ping", "reply_to": "r1"},
    ],
    ids=["ping", "leave", "join", "nested-stream", "nested-candidate", "reply_to"],
)
def test_unknown_fields_are_refused(fields: dict[str, Any]) -> None:
    error = refused(json.dumps(fields))
    assert "Extra inputs are not permitted" in error.message


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"type": "join"}, "token"),
        ({"type": "lobby_decision", "admit": True}, "request_ids"),
        ({"type": "mute_participant", "source": "microphone"}, "participant_id"),
        ({"type": "set_role", "participant_id": BOB}, "role"),
        ({"type": "publish", "sdp": SDP}, "sources"),
        ({"type": "publish", "sources": {}}, "sdp"),
        ({"type": "subscribe"}, "streams"),
        ({"type": "subscription_answer"}, "sdp"),
        ({"type": "trickle", "candidate": None}, "role"),
        ({"type": "trickle", "role": "publisher"}, "candidate"),
        ({"type": "mute", "source": "camera"}, "muted"),
        ({"type": "mute", "muted": True}, "source"),
        ({"type": "chat"}, "text"),
        ({"type": "raise_hand"}, "raised"),
        ({"type": "reaction"}, "emoji"),
        ({"type": "subscribe", "streams": [{"mid": "0"}]}, "streams.0.participant_id"),
        ({"type": "trickle", "role": "publisher", "candidate": {}}, "candidate.candidate"),
    ],
)
def test_missing_required_field_is_refused_and_named(fields: dict[str, Any], where: str) -> None:
    error = refused(json.dumps(fields))
    assert f"{where}: Field required" in error.message


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"type": "join", "token": 42}, "token"),
        ({"type": "join", "token": "t", "protocol_version": "one"}, "protocol_version"),
        ({"type": "lobby_decision", "request_ids": [], "admit": True}, "request_ids"),
        ({"type": "lobby_decision", "request_ids": ["q"], "admit": "yes"}, "admit"),
        ({"type": "set_role", "participant_id": BOB, "role": "owner"}, "role"),
        ({"type": "mute_participant", "participant_id": BOB, "source": "all"}, "source"),
        ({"type": "publish", "sdp": None, "sources": {}}, "sdp"),
        ({"type": "publish", "sdp": SDP, "sources": ["microphone"]}, "sources"),
        ({"type": "subscribe", "streams": "all"}, "streams"),
        ({"type": "subscribe", "streams": [BOB]}, "streams.0"),
        (
            {"type": "subscribe", "streams": [{"participant_id": BOB, "mid": "1", "height": "HD"}]},
            "streams.0.height",
        ),
        ({"type": "subscribe", "streams": [{"participant_id": 7, "mid": "1"}]}, "streams.0"),
        ({"type": "subscription_answer", "sdp": {"type": "answer"}}, "sdp"),
        ({"type": "trickle", "role": "both", "candidate": None}, "role"),
        ({"type": "trickle", "role": "publisher", "candidate": "candidate:1 1 udp"}, "candidate"),
        ({"type": "mute", "source": "camera", "muted": "maybe"}, "muted"),
        ({"type": "mute", "source": "camera", "muted": []}, "muted"),
        ({"type": "chat", "text": 5}, "text"),
        ({"type": "raise_hand", "raised": "maybe"}, "raised"),
        ({"type": "reaction", "emoji": 1}, "emoji"),
    ],
)
def test_wrong_field_type_is_refused_and_named(fields: dict[str, Any], where: str) -> None:
    error = refused(json.dumps(fields))
    assert error.message.startswith(f"{where}") or f"; {where}" in error.message, error.message


@pytest.mark.parametrize("name", ["A" * 65, "é" * 65, "A" * 201])
def test_too_long_display_name_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="display_name"):
        JoinBody(display_name=name)


def test_display_name_of_64_characters_is_accepted() -> None:
    assert JoinBody(display_name="é" * 64).display_name == "é" * 64


@pytest.mark.parametrize("name", ["", "   ", "\n\t", "\u0000\u0007", "\u200b\u200d", " \u202e "])
def test_display_name_empty_after_cleaning_is_refused(name: str) -> None:
    with pytest.raises(ValidationError, match="display_name"):
        JoinBody(display_name=name)


@pytest.mark.parametrize("text", ["", "  \n ", "\u0000\u0001", "A" * 4001])
def test_chat_text_empty_after_cleaning_or_too_long_is_refused(text: str) -> None:
    error = refused(frame(type="chat", text=text))
    assert error.message.startswith("text:")


@pytest.mark.parametrize("emoji", ["🔥", "❤", ":)", "👍👍", "", "👍\u200d"])
def test_emoji_outside_the_set_is_refused(emoji: str) -> None:
    # "❤" without U+FE0F is not "❤️": the set is compared code point for code point.
    error = refused(frame(type="reaction", emoji=emoji))
    assert error.message.startswith("emoji:")


@pytest.mark.parametrize("source", ["webcam", "Camera", "audio", "", None])
def test_publish_with_a_bad_source_is_refused(source: str | None) -> None:
    error = refused(frame(type="publish", sdp=SDP, sources={"0": "microphone", "1": source}))
    assert error.message.startswith("sources.1:")


def test_publish_with_more_than_eight_sources_is_refused() -> None:
    nine = {str(mid): "camera" for mid in range(9)}
    assert refused(frame(type="publish", sdp=SDP, sources=nine)).message.startswith("sources:")
    eight = {str(mid): "camera" for mid in range(8)}
    assert isinstance(
        parse_client_message(frame(type="publish", sdp=SDP, sources=eight)), m.Publish
    )


@pytest.mark.parametrize("kind", ["publish", "subscription_answer"])
def test_sdp_that_is_empty_or_longer_than_the_limit_is_refused(kind: str) -> None:
    extra: dict[str, Any] = {"sources": {}} if kind == "publish" else {}
    for sdp in ("", "v" * (m.MAX_SDP_CHARS + 1)):
        assert refused(frame(type=kind, sdp=sdp, **extra)).message.startswith("sdp:")
    longest = parse_client_message(frame(type=kind, sdp="v" * m.MAX_SDP_CHARS, **extra))
    assert longest.type == kind


def test_subscribe_with_too_many_streams_is_refused() -> None:
    def streams(count: int) -> list[dict[str, str]]:
        return [{"participant_id": f"p{i}", "mid": "0"} for i in range(count)]

    error = refused(frame(type="subscribe", streams=streams(1025)))
    assert error.message.startswith("streams:")
    assert isinstance(
        parse_client_message(frame(type="subscribe", streams=streams(1024))), m.Subscribe
    )


@pytest.mark.parametrize(
    "request_",
    [
        {"participant_id": BOB, "mid": "1", "height": -1},
        {"participant_id": BOB, "mid": "1", "height": 4321},
        {"participant_id": BOB, "mid": "1", "height": 240.5},
        {"participant_id": "p" * 65, "mid": "1"},
        {"participant_id": BOB, "mid": "m" * 65},
    ],
    ids=["negative-height", "height-over-8k", "fractional-height", "long-id", "long-mid"],
)
def test_stream_request_out_of_range_is_refused(request_: dict[str, Any]) -> None:
    assert refused(frame(type="subscribe", streams=[request_])).message.startswith("streams.0.")


@pytest.mark.parametrize(
    "candidate",
    [
        {"candidate": "c" * 1025},
        {"candidate": "c", "sdp_mid": "m" * 65},
        {"candidate": "c", "sdp_mline_index": -1},
        {"candidate": "c", "sdp_mline_index": 1025},
    ],
    ids=["long-candidate", "long-mid", "negative-index", "index-too-big"],
)
def test_candidate_out_of_range_is_refused(candidate: dict[str, Any]) -> None:
    error = refused(frame(type="trickle", role="publisher", candidate=candidate))
    assert error.message.startswith("candidate.")


def test_every_problem_is_listed_in_one_bounded_message() -> None:
    error = refused(frame(type="mute", source="nose", muted="maybe", extra=1))
    for where in ("source:", "muted:", "extra:"):
        assert where in error.message
    many = refused(frame(type="subscribe", streams=[{"height": "x"}] * 200))
    assert len(many.message) <= 500


# --- the request id travels with the error -----------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        frame(type="raise_hand", id="r42", raised="maybe"),
        frame(type="chat", id="r42", text=""),
        frame(type="ping", id="r42", extra=True),
        frame(type="reaction", id="r42", emoji="🔥"),
    ],
)
def test_invalid_message_carries_the_request_id(raw: str) -> None:
    assert refused(raw).details["request_id"] == "r42"


def test_unknown_type_carries_the_request_id() -> None:
    assert refused(frame(type="dance", id="r42"), UnknownMessageType).details["request_id"] == "r42"
    assert refused(frame(id="r43"), UnknownMessageType).details["request_id"] == "r43"


def test_request_id_that_is_not_a_string_is_not_carried() -> None:
    error = refused(frame(type="ping", id=42))
    assert error.message.startswith("id:")
    assert error.details["request_id"] is None


def test_request_id_of_the_wrong_length_is_refused_but_still_carried() -> None:
    # The id is readable, so the client can still match the error to its request.
    for request_id in ("", "r" * 65):
        error = refused(frame(type="ping", id=request_id))
        assert error.message.startswith("id:")
        assert error.details["request_id"] == request_id


def test_message_without_id_carries_no_request_id() -> None:
    assert refused(frame(type="raise_hand", raised="maybe")).details["request_id"] is None


# --- server messages ----------------------------------------------------------------------------

JOINED_AT = datetime(2025, 3, 14, 9, 20, 11, 407312, tzinfo=UTC)
STREAMS = [
    m.StreamInfo(mid="0", kind="audio", source="microphone"),
    m.StreamInfo(mid="1", kind="video", source="camera", muted=True, simulcast=True),
]
BOB_INFO = m.ParticipantInfo(
    id=BOB, display_name="Bob", role="guest", joined_at=JOINED_AT, streams=STREAMS, hand_raised=True
)
CHAT = m.ChatMessage(
    id="9b1e0f4c2d7a6e85", participant_id=BOB, display_name="Bob", text="Hi\nall", sent_at=JOINED_AT
)
LOBBY_REQUEST = m.LobbyRequestInfo(
    id="q1",
    display_name="Camille",
    signed_in=False,
    email=None,
    requested_at=JOINED_AT,
    expires_at=JOINED_AT,
)
CANDIDATE = m.Candidate(candidate="candidate:1 1 udp 2015363327 192.0.2.10 20418 typ host")

#: One example of every server message.
SERVER_EXAMPLES: list[BaseModel] = [
    m.Joined(
        reply_to="r1",
        participant_id=ALICE,
        role="host",
        room=m.RoomInfo(slug="abcd-efgh-ijkl", name=None),
        access=m.AccessInfo(level="trusted", locked=False),
        lobby=[LOBBY_REQUEST],
        participants=[BOB_INFO],
        hands=[BOB],
        active_speaker=BOB,
        chat=[CHAT],
        ice_servers=[
            m.IceServer(urls=["stun:turn.example.org:3478"]),
            m.IceServer(
                urls=["turn:turn.example.org:3478"],
                username=f"1741946400:{ALICE}",
                credential="A8kP0NRJ2P7PLg6n0n7rO4GtjyU=",
            ),
        ],
        limits=m.Limits(
            max_participants=150,
            max_video_subscriptions=25,
            max_audio_subscriptions=30,
            max_message_bytes=65536,
            idle_timeout_seconds=60,
        ),
    ),
    m.Published(reply_to="r2", sdp=SDP, streams=STREAMS),
    m.SubscriptionOffer(
        reply_to=None,
        sdp=SDP,
        streams=[
            m.SubscribedStreamInfo(
                mid="3", participant_id=BOB, publisher_mid="1", kind="video", source="camera"
            )
        ],
    ),
    m.Ack(reply_to="r3"),
    m.Pong(reply_to=None),
    m.ErrorMessage(
        reply_to="r4",
        code="too_many_streams",
        message="At most 25",
        details={"kind": "video", "requested": 26},
    ),
    m.ParticipantJoined(participant=BOB_INFO),
    m.ParticipantLeft(participant_id=BOB, reason="disconnected"),
    m.ParticipantUpdated(participant=BOB_INFO),
    m.ServerTrickle(role="subscriber", candidate=CANDIDATE),
    m.Speaking(participant_id=BOB, speaking=True),
    m.ActiveSpeaker(participant_id=None),
    m.ChatReceived(message=CHAT),
    m.HandsChanged(hands=[BOB, ALICE]),
    m.ReactionReceived(participant_id=BOB, emoji="🎉"),
    m.MediaReset(
        reason="media_server_restarted",
        ice_servers=[m.IceServer(urls=["stun:turn.example.org:3478"])],
    ),
    m.LobbyRequested(request=LOBBY_REQUEST),
    m.LobbyResolved(request_id="q1", outcome="admitted", by=ALICE),
    m.AccessChanged(access=m.AccessInfo(level="restricted", locked=True)),
    m.Moderated(action="muted", source="microphone", by=ALICE),
    m.RoleChanged(role="host", lobby=[]),
    m.MeetingEndedMessage(by="user-1"),
    m.TranscriptionChanged(
        transcription=m.TranscriptionInfo(
            active=True,
            transcript_id="0b9d3f1e-5c2a-4e8b-9f61-2d7c4a1b3e05",
            language="fr",
            started_at=datetime(2025, 3, 14, 9, 30, tzinfo=UTC),
            started_by="Alice",
        ),
        by=ALICE,
    ),
    m.TranscriptionChanged(transcription=m.TranscriptionInfo.inactive(), by=None),
]


def server_types() -> set[str]:
    mapping: dict[str, str] = SERVER_ADAPTER.json_schema()["discriminator"]["mapping"]
    return set(mapping)


def test_server_examples_cover_every_server_message_type() -> None:
    assert {getattr(message, "type", None) for message in SERVER_EXAMPLES} == server_types()


@pytest.mark.parametrize("message", SERVER_EXAMPLES, ids=lambda msg: type(msg).__name__)
def test_server_message_serialises_and_parses_back(message: BaseModel) -> None:
    text = m.dump(message)

    assert SERVER_ADAPTER.validate_json(text) == message
    assert SERVER_ADAPTER.validate_python(json.loads(text)) == message


@pytest.mark.parametrize("message", SERVER_EXAMPLES, ids=lambda msg: type(msg).__name__)
def test_server_message_is_sent_with_every_field_and_its_type(message: BaseModel) -> None:
    sent = json.loads(m.dump(message))

    assert set(sent) == set(type(message).model_fields)
    assert sent["type"] == getattr(message, "type", None)


def test_server_times_are_utc_iso_strings() -> None:
    sent = json.loads(m.dump(m.ChatReceived(message=CHAT)))
    assert sent["message"]["sent_at"] == "2025-03-14T09:20:11.407312Z"


def test_server_null_fields_are_sent_as_null() -> None:
    sent = json.loads(m.dump(m.ServerTrickle(role="publisher", candidate=None)))
    assert sent == {"type": "trickle", "role": "publisher", "candidate": None}
    assert json.loads(m.dump(m.Pong())) == {"type": "pong", "reply_to": None}


def test_server_message_with_an_unknown_type_is_refused_by_the_adapter() -> None:
    with pytest.raises(ValueError, match="does not match any of the expected tags"):
        SERVER_ADAPTER.validate_json('{"type": "join", "display_name": "A"}')
