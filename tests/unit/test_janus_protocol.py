"""The Janus message layer, on messages captured from Janus 1.1.2 (scripts/capture_janus.py)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from visio.media.janus.protocol import (
    CORE_INVALID_SDP,
    JanusError,
    JanusMessage,
    JanusProtocolError,
    Jsep,
    SubscriberStream,
    Talking,
    candidate_from_trickle,
)
from visio.media.janus.transport import JanusConnection

CAPTURE = Path(__file__).resolve().parent.parent / "captured" / "janus_session.jsonl"


def captured(direction: str = "in") -> list[dict[str, Any]]:
    out = []
    for line in CAPTURE.read_text().splitlines():
        entry = json.loads(line)
        if entry["dir"] == direction:
            out.append(entry["msg"])
    return out


def first(predicate: Any) -> JanusMessage:
    for raw in captured():
        message = JanusMessage.parse(raw)
        if predicate(message):
            return message
    raise AssertionError("no such captured message")


def test_every_captured_message_parses() -> None:
    messages = [JanusMessage.parse(raw) for raw in captured()]
    assert {m.janus for m in messages} >= {"success", "ack", "event", "trickle", "webrtcup"}


def test_session_create_answer_carries_the_id() -> None:
    reply = first(lambda m: m.janus == "success" and m.plugin is None and m.session_id is None)
    assert isinstance(reply.data["id"], int)


def test_publish_answer_has_jsep_and_configured_ok() -> None:
    reply = first(lambda m: m.videoroom == "event" and m.data.get("configured") == "ok")
    assert reply.jsep is not None and reply.jsep.type == "answer"
    assert reply.jsep.sdp.startswith("v=0")
    assert reply.transaction is not None


def test_subscriber_attached_lists_streams_with_feed_and_mid() -> None:
    attached = first(lambda m: m.videoroom == "attached")
    streams = SubscriberStream.parse_list(attached.data["streams"])
    assert streams, "attached event lists the subscribed streams"
    assert all(s.feed_id > 0 and s.feed_mid and s.mid for s in streams)
    assert {s.kind for s in streams} <= {"audio", "video"}
    assert attached.jsep is not None and attached.jsep.type == "offer"


def test_talking_event_parses_feed_and_state() -> None:
    talking = Talking.parse(first(lambda m: m.videoroom == "talking"))
    assert talking is not None and talking.talking and talking.feed_id > 0
    assert Talking.parse(first(lambda m: m.videoroom == "attached")) is None


def test_trickle_from_janus_gives_a_candidate_line() -> None:
    trickle = first(lambda m: m.janus == "trickle" and not m.raw["candidate"].get("completed"))
    candidate = candidate_from_trickle(trickle)
    assert candidate is not None and "candidate" in candidate["candidate"]
    done = JanusMessage.parse({"janus": "trickle", "sender": 1, "candidate": {"completed": True}})
    assert candidate_from_trickle(done) is None


def test_core_error_on_hostile_sdp_becomes_janus_error() -> None:
    error = first(lambda m: m.janus == "error")
    assert error.error is not None and error.error.code == CORE_INVALID_SDP


def test_plugin_error_code_becomes_janus_error() -> None:
    message = JanusMessage.parse(
        {
            "janus": "success",
            "transaction": "t",
            "plugindata": {
                "plugin": "janus.plugin.videoroom",
                "data": {"videoroom": "event", "error_code": 426, "error": "No such room"},
            },
        }
    )
    assert message.error is not None and message.error.code == 426


@pytest.mark.parametrize(
    "bad",
    [[], "x", {"transaction": "t"}, {"janus": 3}],
)
def test_malformed_janus_messages_are_refused(bad: object) -> None:
    with pytest.raises(JanusProtocolError):
        JanusMessage.parse(bad)


def test_jsep_parse_refuses_wrong_shapes() -> None:
    assert Jsep.parse(None) is None
    with pytest.raises(JanusProtocolError):
        Jsep.parse({"type": "offer"})


def test_subscriber_streams_skip_data_and_inactive_lines() -> None:
    streams = SubscriberStream.parse_list(
        [
            {"mid": "0", "type": "audio", "feed_id": 7, "feed_mid": "0", "active": True},
            {"mid": "1", "type": "video", "active": False},
            {"mid": "2", "type": "data", "active": True, "sources": 1},
        ]
    )
    assert streams == [SubscriberStream("0", 7, "0", "audio")]


async def test_connection_routes_async_replies_by_transaction_and_events_by_handle() -> None:
    """Replay a captured exchange through the dispatcher: ack skipped, event resolves."""
    connection = JanusConnection("ws://unused")
    loop = asyncio.get_running_loop()
    future: asyncio.Future[JanusMessage] = loop.create_future()
    publish = next(
        raw for raw in captured("out") if raw.get("body", {}).get("request") == "publish"
    )
    transaction = publish["transaction"]
    connection._pending[transaction] = (future, True)
    seen: list[JanusMessage] = []
    replies = [raw for raw in captured() if raw.get("transaction") == transaction]
    assert [r["janus"] for r in replies] == ["ack", "event"]
    handle = replies[1]["sender"]
    connection.listen(handle, seen.append)
    connection._dispatch(JanusMessage.parse(replies[0]))
    assert not future.done(), "the ack of an asynchronous request is not its answer"
    connection._dispatch(JanusMessage.parse(replies[1]))
    assert future.done() and future.result().jsep is not None
    webrtcup = next(
        raw for raw in captured() if raw["janus"] == "webrtcup" and raw["sender"] == handle
    )
    connection._dispatch(JanusMessage.parse(webrtcup))
    assert [m.janus for m in seen] == ["webrtcup"]


async def test_pending_requests_fail_when_the_connection_drops() -> None:
    connection = JanusConnection("ws://unused")
    future: asyncio.Future[JanusMessage] = asyncio.get_running_loop().create_future()
    connection._pending["t"] = (future, False)
    connection._fail_pending()
    with pytest.raises(Exception, match="closed"):
        future.result()


def test_janus_error_text() -> None:
    assert str(JanusError(458, "No such session")) == "Janus error 458: No such session"
