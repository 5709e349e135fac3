"""The signaling socket on the real app with a fake media server: protocol, rules, bad input."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from tests.unit.fakes import FakeMedia, offer_sdp
from visio.app import create_app
from visio.config import load_settings
from visio.errors import InvalidSdp, MediaUnavailable
from visio.signaling.room import substream_for_height

#: The CSRF check wants it on every API write (docs/security.md).
API_HEADERS = {"X-Visio-Request": "1"}


def browser(client: TestClient) -> TestClient:
    """Another browser on the same running app: its own cookies (visitor id).

    It shares the running client's event loop (its portal): the app's live
    state belongs to that loop, as it would in a server.
    """
    other = TestClient(client.app, headers=dict(API_HEADERS))
    other.portal = client.portal
    return other


def join_token(browser: TestClient, slug: str, name: str) -> str:
    response = browser.post(f"/api/v1/rooms/{slug}/join", json={"display_name": name})
    assert response.status_code == 200, response.text
    token: str = response.json()["token"]
    return token


class Peer:
    def __init__(self, ws: WebSocketTestSession, browser: TestClient, slug: str) -> None:
        self.ws = ws
        self.browser = browser
        self.id = ""
        self.slug = slug

    def token(self, name: str) -> str:
        return join_token(self.browser, self.slug, name)

    def send(self, **message: Any) -> None:
        self.ws.send_text(json.dumps(message))

    def recv(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.ws.receive_text())
        return data

    def recv_type(self, kind: str, limit: int = 20) -> dict[str, Any]:
        for _ in range(limit):
            message = self.recv()
            if message["type"] == kind:
                return message
        raise AssertionError(f"no {kind} message")

    def join(self, name: str) -> dict[str, Any]:
        self.send(type="join", id="j", token=self.token(name))
        joined = self.recv_type("joined")
        self.id = joined["participant_id"]
        self.slug = joined["room"]["slug"]
        return joined

    def closed_with(self) -> int:
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(20):
                self.ws.receive_text()
        return closed.value.code


@contextmanager
def meeting(tmp_path: Path, media: FakeMedia | None = None, **settings: Any) -> Iterator[Any]:
    config = load_settings(data_dir=tmp_path, empty_room_grace_seconds=0, **settings)
    app = create_app(config, media=media or FakeMedia())
    with TestClient(app, headers=dict(API_HEADERS)) as client:
        yield client


@contextmanager
def pair(client: TestClient) -> Iterator[tuple[Peer, Peer]]:
    """Alice and Bob, joined in a new meeting."""
    slug = new_room(client)
    with peer(client, slug) as alice, peer(client, slug) as bob:
        alice.join("Alice")
        bob.join("Bob")
        yield alice, bob


def new_room(client: TestClient, **fields: Any) -> str:
    """A public meeting (everyone enters; access rules are tested in test_access)."""
    fields["settings"] = {"access_level": "public"} | fields.get("settings", {})
    response = client.post("/api/v1/rooms", json=fields)
    assert response.status_code == 201
    slug: str = response.json()["slug"]
    return slug


@contextmanager
def peer(client: TestClient, slug: str, own: TestClient | None = None) -> Iterator[Peer]:
    """A signaling socket from a browser of its own (or ``own``)."""
    other = own or browser(client)
    with other.websocket_connect(f"/api/v1/rooms/{slug}/ws") as ws:
        yield Peer(ws, other, slug)


def test_unknown_meeting_gets_room_not_found_and_close_4404(tmp_path: Path) -> None:
    with meeting(tmp_path) as client, peer(client, "abcd-efgh-ijkl") as p:
        error = p.recv()
        assert error["type"] == "error" and error["code"] == "room_not_found"
        assert p.closed_with() == 4404


def test_join_returns_snapshot_and_others_see_the_newcomer(tmp_path: Path) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client, name="Point hebdo", settings={"start_audio_muted": True})
        with peer(client, slug) as alice, peer(client, slug) as bob:
            joined = alice.join("Alice")
            assert joined["reply_to"] == "j" and joined["room"] == {
                "slug": slug,
                "name": "Point hebdo",
                "start_audio_muted": True,
                "start_video_muted": False,
            }
            assert joined["limits"]["max_participants"] == 150
            assert [p["display_name"] for p in joined["participants"]] == ["Alice"]
            bob_joined = bob.join("  Bob\u0000 ")
            assert [p["display_name"] for p in bob_joined["participants"]] == ["Alice", "Bob"]
            arrived = alice.recv_type("participant_joined")
            assert arrived["participant"]["id"] == bob.id


def test_bad_frames_get_coded_errors_and_the_connection_survives(tmp_path: Path) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        with peer(client, slug) as p:
            p.ws.send_text("{not json")
            assert p.recv()["code"] == "malformed_message"
            p.ws.send_text("[1, 2]")
            assert p.recv()["code"] == "malformed_message"
            p.send(type="teleport", id="x")
            error = p.recv()
            assert (error["code"], error["reply_to"]) == ("unknown_message_type", "x")
            p.send(type="chat", id="c", text="hello")
            assert p.recv() | {"message": ""} == {
                "type": "error",
                "reply_to": "c",
                "code": "not_joined",
                "message": "",
                "details": None,
            }
            p.ws.send_text(json.dumps({"type": "ping", "pad": "x" * 70_000}))
            assert p.recv()["code"] == "message_too_large"
            p.send(type="join", id="j", token="")
            assert p.recv()["code"] == "invalid_message"
            p.join("Alice")
            p.send(type="join", id="j2", token="again")
            assert p.recv()["code"] == "already_joined"
            p.send(type="reaction", id="r", emoji="💣")
            assert p.recv()["code"] == "invalid_message"
            p.send(type="ping", id="p")
            assert p.recv() == {"type": "pong", "reply_to": "p"}


def test_unsupported_protocol_version_closes_4400(tmp_path: Path) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        with peer(client, slug) as p:
            p.send(type="join", id="j", token=p.token("A"), protocol_version=99)
            assert p.recv()["code"] == "unsupported_protocol"
            assert p.closed_with() == 4400


def test_meeting_over_its_limit_refuses_with_room_full(tmp_path: Path) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client, settings={"max_participants": 1})
        with peer(client, slug) as first, peer(client, slug) as second:
            late = second.token("Bob")  # before the meeting fills up: the API checks too
            first.join("Alice")
            second.send(type="join", id="j", token=late)
            error = second.recv()
            assert (error["code"], error["reply_to"]) == ("room_full", "j")
            assert second.closed_with() == 4409


def test_silent_client_is_closed_after_the_idle_timeout(tmp_path: Path) -> None:
    with meeting(tmp_path, ws_idle_timeout_seconds=0.2) as client:
        slug = new_room(client)
        with peer(client, slug) as p:
            assert p.recv()["code"] == "idle_timeout"
            assert p.closed_with() == 4408


def test_chat_hands_reactions_and_mute_reach_everyone(tmp_path: Path) -> None:
    with meeting(tmp_path) as client, pair(client) as (alice, bob):
        alice.send(type="chat", id="c1", text="  Bonjour\u200b !  ")
        chat = bob.recv_type("chat")["message"]
        assert (chat["text"], chat["display_name"]) == ("Bonjour !", "Alice")
        bob.send(type="raise_hand", raised=True)
        alice.send(type="raise_hand", raised=True)
        assert alice.recv_type("hands")["hands"] == [bob.id]
        assert alice.recv_type("hands")["hands"] == [bob.id, alice.id]
        bob.send(type="raise_hand", raised=False)
        assert alice.recv_type("hands")["hands"] == [alice.id]
        bob.send(type="reaction", emoji="🎉")
        assert alice.recv_type("reaction") == {
            "type": "reaction",
            "participant_id": bob.id,
            "emoji": "🎉",
        }
        with peer(client, alice.slug) as late:
            history = late.join("Late")
            assert [m["text"] for m in history["chat"]] == ["Bonjour !"]
            assert history["hands"] == [alice.id]


def test_chat_flood_is_rate_limited(tmp_path: Path) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        with peer(client, slug) as p:
            p.join("Alice")
            codes = []
            for n in range(15):
                p.send(type="chat", id=f"c{n}", text=f"message {n}")
            for _ in range(15):
                message = p.recv()
                while message["type"] == "chat":
                    message = p.recv()
                codes.append(message.get("code", message["type"]))
            assert codes.count("ack") == 10 and codes.count("rate_limited") == 5


def test_publish_subscribe_answer_and_departure_renegotiate(tmp_path: Path) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media) as client, pair(client) as (alice, bob):
        sdp = offer_sdp(("audio", "0", False), ("video", "1", True))
        alice.send(type="publish", id="p", sdp=sdp, sources={"0": "microphone", "1": "camera"})
        published = alice.recv_type("published")
        assert [s["source"] for s in published["streams"]] == ["microphone", "camera"]
        assert published["streams"][1]["simulcast"] is True
        update = bob.recv_type("participant_updated")["participant"]
        assert [s["mid"] for s in update["streams"]] == ["0", "1"]
        bob.send(
            type="subscribe",
            id="s",
            streams=[
                {"participant_id": alice.id, "mid": "0"},
                {"participant_id": alice.id, "mid": "1", "height": 180},
            ],
        )
        offer = bob.recv_type("subscription_offer")
        assert offer["reply_to"] == "s"
        assert [(s["participant_id"], s["source"]) for s in offer["streams"]] == [
            (alice.id, "microphone"),
            (alice.id, "camera"),
        ]
        bob.send(type="subscription_answer", id="a", sdp="v=0\r\n")
        assert bob.recv_type("ack")["reply_to"] == "a"
        bob_media = media.rooms[0].participants[bob.id]
        assert bob_media.substreams == {"1": substream_for_height(180)} == {"1": 0}
        bob.send(type="subscription_answer", id="a2", sdp="v=0\r\n")
        assert bob.recv_type("error")["code"] == "invalid_state"
        alice.send(type="leave", id="bye")
        assert alice.recv_type("ack")["reply_to"] == "bye"
        assert bob.recv_type("participant_left")["participant_id"] == alice.id
        renegotiated = bob.recv_type("subscription_offer")
        assert renegotiated["streams"] == [] and renegotiated["reply_to"] is None


def test_sfu_candidates_follow_the_description_they_belong_to(tmp_path: Path) -> None:
    with meeting(tmp_path) as client, pair(client) as (alice, bob):
        sdp = offer_sdp(("audio", "0", False))
        alice.send(type="publish", id="p", sdp=sdp, sources={"0": "microphone"})
        alice.recv_type("published")
        assert alice.recv()["type"] == "trickle"
        bob.recv_type("participant_updated")
        bob.send(type="subscribe", id="s", streams=[{"participant_id": alice.id, "mid": "0"}])
        kinds = [bob.recv() for _ in range(2)]
        assert [k["type"] for k in kinds] == ["subscription_offer", "trickle"]
        assert kinds[1]["role"] == "subscriber"


def test_too_many_videos_are_refused(tmp_path: Path) -> None:
    with meeting(tmp_path, max_video_subscriptions=1) as client, pair(client) as (alice, bob):
        sdp = offer_sdp(("video", "0", False), ("video", "1", False))
        alice.send(type="publish", id="p", sdp=sdp, sources={"0": "camera", "1": "screen"})
        alice.recv_type("published")
        bob.send(
            type="subscribe",
            id="s",
            streams=[
                {"participant_id": alice.id, "mid": "0"},
                {"participant_id": alice.id, "mid": "1"},
            ],
        )
        error = bob.recv_type("error")
        assert (error["code"], error["details"]["requested"]) == ("too_many_streams", 2)


def test_refused_sdp_and_unreachable_media_are_coded_errors(tmp_path: Path) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media) as client:
        slug = new_room(client)
        with peer(client, slug) as alice:
            alice.join("Alice")
            alice.send(type="publish", id="p", sdp="not sdp at all", sources={})
            assert alice.recv_type("error")["code"] == "invalid_sdp"
            media.rooms[0].participants[alice.id].fail_publish = InvalidSdp("refused")
            sdp = offer_sdp(("audio", "0", False))
            alice.send(type="publish", id="p2", sdp=sdp, sources={"0": "microphone"})
            assert alice.recv_type("error")["code"] == "invalid_sdp"
            alice.send(type="ping", id="still")
            assert alice.recv_type("pong")["reply_to"] == "still"
        other = new_room(client)
        media.fail_open = MediaUnavailable()
        with peer(client, other) as bob:
            bob.send(type="join", id="j", token=bob.token("Bob"))
            assert bob.recv_type("error")["code"] == "media_unavailable"


def test_turn_credentials_come_with_the_join_answer(tmp_path: Path) -> None:
    with meeting(
        tmp_path, turn_urls="turn:turn.example:3478", turn_secret="s3cret", turn_ttl_seconds=600
    ) as client:
        slug = new_room(client)
        with peer(client, slug) as p:
            servers = p.join("Alice")["ice_servers"]
            assert servers[0]["urls"] == ["turn:turn.example:3478"]
            expiry, user = servers[0]["username"].split(":")
            assert user == p.id and int(expiry) > 0 and servers[0]["credential"]


def test_wished_streams_are_offered_once_published(tmp_path: Path) -> None:
    with meeting(tmp_path) as client, pair(client) as (alice, bob):
        bob.send(type="subscribe", id="s", streams=[{"participant_id": alice.id, "mid": "0"}])
        assert bob.recv_type("ack")["reply_to"] == "s"
        sdp = offer_sdp(("audio", "0", False))
        alice.send(type="publish", id="p", sdp=sdp, sources={"0": "microphone"})
        offer = bob.recv_type("subscription_offer")
        assert offer["reply_to"] is None
        assert [s["participant_id"] for s in offer["streams"]] == [alice.id]


def test_refused_answer_drops_the_subscription_so_a_new_one_can_start(tmp_path: Path) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media) as client, pair(client) as (alice, bob):
        sdp = offer_sdp(("audio", "0", False))
        alice.send(type="publish", id="p", sdp=sdp, sources={"0": "microphone"})
        bob.recv_type("participant_updated")
        wish = [{"participant_id": alice.id, "mid": "0"}]
        bob.send(type="subscribe", id="s1", streams=wish)
        bob.recv_type("subscription_offer")
        media.rooms[0].participants[bob.id].fail_answer = InvalidSdp("bad answer")
        bob.send(type="subscription_answer", id="a1", sdp="v=0\r\n")
        assert bob.recv_type("error")["code"] == "invalid_sdp"
        bob.send(type="subscribe", id="s2", streams=wish)
        assert bob.recv_type("subscription_offer")["reply_to"] == "s2"


def test_audio_subscriptions_are_limited_and_sources_must_fit_their_kind(tmp_path: Path) -> None:
    with meeting(tmp_path, max_audio_subscriptions=1) as client, pair(client) as (alice, bob):
        wrong = offer_sdp(("audio", "0", False))
        alice.send(type="publish", id="w", sdp=wrong, sources={"0": "camera"})
        assert alice.recv_type("error")["code"] == "invalid_sdp"
        sdp = offer_sdp(("audio", "0", False), ("audio", "1", False))
        alice.send(
            type="publish", id="p", sdp=sdp, sources={"0": "microphone", "1": "screen_audio"}
        )
        alice.recv_type("published")
        both = [{"participant_id": alice.id, "mid": mid} for mid in ("0", "1")]
        bob.send(type="subscribe", id="s", streams=both)
        error = bob.recv_type("error")
        assert (error["code"], error["details"]["kind"]) == ("too_many_streams", "audio")


def test_leaving_active_speaker_is_cleared_for_everyone(tmp_path: Path) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media) as client, pair(client) as (alice, bob):
        assert client.portal is not None
        client.portal.call(media.rooms[0].events.on_talking, bob.id, True)
        assert alice.recv_type("speaking") == {
            "type": "speaking",
            "participant_id": bob.id,
            "speaking": True,
        }
        assert alice.recv_type("active_speaker")["participant_id"] == bob.id
        with peer(client, alice.slug) as late:
            assert late.join("Late")["active_speaker"] == bob.id
        bob.send(type="leave")
        assert alice.recv_type("active_speaker")["participant_id"] is None


def test_binary_frames_are_refused(tmp_path: Path) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        with peer(client, slug) as p:
            p.ws.send_bytes(b'{"type": "ping"}')
            assert p.recv()["code"] == "malformed_message"


def test_wishes_published_later_still_respect_the_limits(tmp_path: Path) -> None:
    with meeting(tmp_path, max_video_subscriptions=1) as client, pair(client) as (alice, bob):
        wishes = [{"participant_id": alice.id, "mid": mid} for mid in ("0", "1")]
        bob.send(type="subscribe", id="s", streams=wishes)
        assert bob.recv_type("ack")["reply_to"] == "s"
        sdp = offer_sdp(("video", "0", False), ("video", "1", False))
        alice.send(type="publish", id="p", sdp=sdp, sources={"0": "camera", "1": "screen"})
        offer = bob.recv_type("subscription_offer")
        assert [s["publisher_mid"] for s in offer["streams"]] == ["0"]


def test_unchanged_mute_is_not_broadcast(tmp_path: Path) -> None:
    with meeting(tmp_path) as client, pair(client) as (alice, bob):
        sdp = offer_sdp(("audio", "0", False))
        alice.send(type="publish", id="p", sdp=sdp, sources={"0": "microphone"})
        assert bob.recv_type("participant_updated")["participant"]["streams"][0]["muted"] is False
        alice.send(type="mute", id="m1", source="microphone", muted=False)
        alice.send(type="mute", id="m2", source="microphone", muted=True)
        # The unchanged state sent nothing: the next update is the real change.
        update = bob.recv_type("participant_updated")["participant"]
        assert update["streams"][0]["muted"] is True
