"""Transcripts in a meeting, on the real app with a fake SFU: start, notice, capture, REST.

The fake SFU records forwards instead of sending RTP; the tests play the SFU
by handing Opus RTP packets to the capture's receiver themselves.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from fastapi.testclient import TestClient

from tests.rtp import opus_packets, rtp
from tests.unit.fakes import FakeMedia, FakeParticipant, offer_sdp
from tests.unit.test_signaling import Peer, browser, meeting, new_room, peer
from visio.services import Services
from visio.transcripts.capture import CaptureSession, Receiver

API = "/api/v1/rooms"


@dataclass
class FakeReceiver:
    port: int
    on_datagram: Callable[[bytes], None]
    closed: bool = False

    def close(self) -> None:
        self.closed = True


@dataclass
class FakeReceivers:
    """Stands in for the UDP sockets the SFU sends forwards to."""

    opened: dict[int, FakeReceiver] = field(default_factory=dict)

    async def open(self, host: str, on_datagram: Callable[[bytes], None]) -> Receiver:
        assert host == "127.0.0.1"
        receiver = FakeReceiver(50_000 + len(self.opened), on_datagram)
        self.opened[receiver.port] = receiver
        return receiver


def services(client: TestClient) -> Services:
    found = client.app.state.services  # type: ignore[attr-defined]
    assert isinstance(found, Services)
    return found


def receivers(client: TestClient) -> FakeReceivers:
    fake = FakeReceivers()
    services(client).transcripts.open_receiver = fake.open
    return fake


def eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def fake_participant(media: FakeMedia, participant_id: str) -> FakeParticipant:
    return media.rooms[0].participants[participant_id]


def publish_microphone(person: Peer) -> None:
    sdp = offer_sdp(("audio", "0", False), ("video", "1", False))
    person.send(type="publish", id="p", sdp=sdp, sources={"0": "microphone", "1": "camera"})
    person.recv_type("published")


def reply(person: Peer, request_id: str) -> dict[str, Any]:
    for _ in range(30):
        message = person.recv()
        if message.get("reply_to") == request_id:
            return message
    raise AssertionError(f"no reply to {request_id}")


def transcripts_of(client: TestClient, slug: str) -> list[dict[str, Any]]:
    response = client.get(f"{API}/{slug}/transcripts")
    assert response.status_code == 200, response.text
    listed: list[dict[str, Any]] = response.json()
    return listed


# --- starting, stopping, and who is told -------------------------------------------------------


def test_a_host_starts_a_transcript_and_everyone_including_latecomers_is_told(
    tmp_path: Any,
) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        with peer(client, slug, own=client) as owner, peer(client, slug) as alice:
            owner.join("Chloé")
            alice.join("Alice")
            owner.send(type="start_transcription", id="t", language="en")
            started = owner.recv_type("transcription")
            assert reply(owner, "t")["type"] == "ack"
            told = alice.recv_type("transcription")
            assert told == started
            info = told["transcription"]
            assert info["active"] is True and info["language"] == "en"
            assert info["started_by"] == "Chloé" and told["by"] == owner.id
            with peer(client, slug) as bob:
                joined = bob.join("Bob")
                assert joined["transcription"] == info
            [listed] = transcripts_of(client, slug)
            assert listed["id"] == info["transcript_id"] and listed["status"] == "capturing"
            # A second start is refused; then a host stops it and everyone is told.
            owner.send(type="start_transcription", id="again", language="en")
            assert reply(owner, "again")["code"] == "invalid_state"
            owner.send(type="stop_transcription", id="s")
            stopped = alice.recv_type("transcription")
            assert stopped == {
                "type": "transcription",
                "transcription": {
                    "active": False,
                    "transcript_id": None,
                    "language": None,
                    "started_at": None,
                    "started_by": None,
                },
                "by": owner.id,
            }
            owner.send(type="stop_transcription", id="s2")
            assert reply(owner, "s2")["code"] == "invalid_state"


def test_participants_cannot_start_or_stop_a_transcript(tmp_path: Any) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        with peer(client, slug, own=client) as owner, peer(client, slug) as alice:
            owner.join("Chloé")
            alice.join("Alice")
            alice.send(type="start_transcription", id="t", language="en")
            assert reply(alice, "t")["code"] == "forbidden"
            owner.send(type="start_transcription", id="t", language="en")
            owner.recv_type("transcription")
            alice.send(type="stop_transcription", id="s")
            assert reply(alice, "s")["code"] == "forbidden"


def test_a_server_may_let_only_the_owner_start_one(tmp_path: Any) -> None:
    with meeting(tmp_path, transcription_allowed_roles="owner") as client:
        slug = new_room(client)
        with peer(client, slug, own=client) as owner, peer(client, slug) as alice:
            owner.join("Chloé")
            alice.join("Alice")
            owner.send(type="set_role", id="r", participant_id=alice.id, role="host")
            alice.recv_type("role_changed")
            alice.send(type="start_transcription", id="t", language="en")
            assert reply(alice, "t")["code"] == "forbidden"


def test_a_language_the_model_cannot_do_is_refused_before_anything_starts(tmp_path: Any) -> None:
    # The server's default language is French; the bundled model is English-only.
    with meeting(tmp_path) as client:
        slug = new_room(client)
        with peer(client, slug, own=client) as owner:
            owner.join("Chloé")
            owner.send(type="start_transcription", id="t")
            refused = reply(owner, "t")
            assert refused["code"] == "speech_language_unsupported"
            assert refused["details"]["supported"] == ["en"]
            owner.send(type="start_transcription", id="t2", language="de-DE")
            assert reply(owner, "t2")["code"] == "speech_language_unsupported"
            owner.send(type="start_transcription", id="t3", language="not a language")
            assert reply(owner, "t3")["code"] == "invalid_message"
        assert transcripts_of(client, slug) == []


def test_the_meeting_language_is_the_default_of_its_transcripts(tmp_path: Any) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client, settings={"transcript_language": "en"})
        with peer(client, slug, own=client) as owner:
            owner.join("Chloé")
            owner.send(type="start_transcription", id="t")  # no language: the meeting's
            assert owner.recv_type("transcription")["transcription"]["language"] == "en"
        bad = client.patch(
            f"/api/v1/rooms/{slug}", json={"settings": {"transcript_language": "fr-FR"}}
        )
        assert bad.status_code == 422


def test_transcripts_turned_off_are_unavailable(tmp_path: Any) -> None:
    with meeting(tmp_path, transcription_enabled=False) as client:
        slug = new_room(client)
        with peer(client, slug, own=client) as owner:
            owner.join("Chloé")
            owner.send(type="start_transcription", id="t", language="en")
            assert reply(owner, "t")["code"] == "transcription_unavailable"


def test_ending_the_meeting_stops_the_transcript(tmp_path: Any) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        with peer(client, slug, own=client) as owner, peer(client, slug) as alice:
            owner.join("Chloé")
            alice.join("Alice")
            owner.send(type="start_transcription", id="t", language="en")
            alice.recv_type("transcription")
            owner.send(type="end_meeting", id="e")
            stopped = alice.recv_type("transcription")
            assert stopped["transcription"]["active"] is False and stopped["by"] is None
            alice.recv_type("meeting_ended")
        [listed] = eventually(
            lambda: [t for t in transcripts_of(client, slug) if t["status"] != "capturing"]
        )
        assert listed["stopped_at"] is not None


# --- capture -----------------------------------------------------------------------------------


def test_capture_follows_each_published_microphone(tmp_path: Any) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media=media) as client:
        fake = receivers(client)
        slug = new_room(client)
        with peer(client, slug, own=client) as owner, peer(client, slug) as alice:
            owner.join("Chloé")
            alice.join("Alice")
            publish_microphone(alice)  # before the start: captured from the start
            owner.send(type="start_transcription", id="t", language="en")
            owner.recv_type("transcription")
            forwards = fake_participant(media, alice.id).forwards
            [forward] = eventually(lambda: list(forwards.values()))
            assert (forward.mid, forward.host) == ("0", "127.0.0.1")
            assert forward.port in fake.opened
            assert fake_participant(media, owner.id).forwards == {}  # publishes nothing
            publish_microphone(owner)  # after the start: captured when published
            eventually(lambda: fake_participant(media, owner.id).forwards)
            alice.send(type="unpublish", id="u")
            eventually(lambda: not forwards and fake.opened[forward.port].closed)


def test_a_shared_screens_sound_is_captured_beside_the_microphone(tmp_path: Any) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media=media) as client:
        receivers(client)
        slug = new_room(client)
        with peer(client, slug, own=client) as owner, peer(client, slug) as alice:
            owner.join("Chloé")
            alice.join("Alice")
            owner.send(type="start_transcription", id="t", language="en")
            owner.recv_type("transcription")
            forwards = fake_participant(media, alice.id).forwards
            # Alice shares a tab with sound while she speaks: two captures.
            sdp = offer_sdp(("audio", "0", False), ("video", "1", False), ("audio", "2", False))
            alice.send(
                type="publish",
                id="p",
                sdp=sdp,
                sources={"0": "microphone", "1": "screen", "2": "screen_audio"},
            )
            alice.recv_type("published")
            eventually(lambda: sorted(f.mid for f in forwards.values()) == ["0", "2"])
            capture = services(client).hub.rooms[slug].transcription
            assert isinstance(capture, CaptureSession)
            assert capture.capturing == {
                (alice.id, "microphone"): "0",
                (alice.id, "screen_audio"): "2",
            }
            # She stops sharing: the screen's capture ends, her microphone's goes on.
            alone = offer_sdp(("audio", "0", False))
            alice.send(type="publish", id="p2", sdp=alone, sources={"0": "microphone"})
            alice.recv_type("published")
            eventually(lambda: [f.mid for f in forwards.values()] == ["0"])


def test_captured_silence_becomes_an_empty_transcript_and_its_audio_goes(tmp_path: Any) -> None:
    media = FakeMedia()
    with meeting(tmp_path, media=media) as client:
        fake = receivers(client)
        slug = new_room(client)
        with peer(client, slug, own=client) as owner, peer(client, slug) as alice:
            owner.join("Chloé")
            alice.join("Alice")
            publish_microphone(alice)
            owner.send(type="start_transcription", id="t", language="en")
            transcript_id = owner.recv_type("transcription")["transcription"]["transcript_id"]
            [forward] = eventually(
                lambda: list(fake_participant(media, alice.id).forwards.values())
            )
            receiver = fake.opened[forward.port]
            portal = client.portal
            assert portal is not None
            silence = opus_packets(np.zeros(48_000, dtype=np.int16))
            for i, payload in enumerate(silence):
                # In the loop's thread, as a socket's datagrams would come.
                portal.call(receiver.on_datagram, rtp(payload, seq=i, ts=i * 960))
            url = f"{API}/{slug}/transcripts/{transcript_id}"
            eventually(lambda: client.get(url).json()["speakers"] == ["Alice"])
            # Not ready while captured: no download, no delete.
            assert client.get(f"{url}/download").json()["error"]["code"] == "transcript_not_ready"
            assert client.delete(url).json()["error"]["code"] == "transcript_busy"
            owner.send(type="stop_transcription", id="s")
            reply(owner, "s")
        done = eventually(lambda: (r := client.get(url).json())["status"] == "empty" and r)
        assert done["transcript"]["status"] == "empty" and done["transcript"]["segments"] == []
        assert done["error"] is None and done["progress"] == 1.0 and done["attempts"] == 1
        assert done["audio_kept"] is False and done["expires_at"] is not None
        assert done["formats"] == ["txt", "vtt", "srt", "docx", "json"]
        assert not (tmp_path / "transcripts" / transcript_id).exists()
        text = client.get(f"{url}/download", params={"format": "txt"})
        assert text.status_code == 200 and text.text == ""
        assert "attachment" in text.headers["content-disposition"]


# --- the REST API: who reads what ----------------------------------------------------------------


def stopped_transcript(client: TestClient, slug: str) -> str:
    with peer(client, slug, own=client) as owner:
        owner.join("Chloé")
        owner.send(type="start_transcription", id="t", language="en")
        transcript_id: str = owner.recv_type("transcription")["transcription"]["transcript_id"]
        owner.send(type="stop_transcription", id="s")
        reply(owner, "s")
    url = f"{API}/{slug}/transcripts/{transcript_id}"
    eventually(lambda: client.get(url).json()["status"] == "empty")
    return transcript_id


def test_only_the_owner_and_hosts_read_and_only_the_owner_deletes(tmp_path: Any) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        transcript_id = stopped_transcript(client, slug)
        url = f"{API}/{slug}/transcripts/{transcript_id}"
        guest = browser(client)
        guest.post(f"{API}/{slug}/join", json={"display_name": "Guest"})  # has a visitor id
        for path in (f"{API}/{slug}/transcripts", url, f"{url}/download?format=json"):
            refused = guest.get(path)
            assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
        assert guest.delete(url).status_code == 403
        # A co-host named in the meeting reads, but does not delete.
        with peer(client, slug, own=client) as owner, peer(client, slug, own=guest) as host:
            owner.join("Chloé")
            host.join("Guest")
            owner.send(type="set_role", id="r", participant_id=host.id, role="host")
            host.recv_type("role_changed")
            assert guest.get(url).status_code == 200
            assert guest.get(f"{url}/download?format=srt").status_code == 200
            assert guest.delete(url).status_code == 403
        assert client.delete(url).status_code == 204
        assert client.get(url).json()["error"]["code"] == "transcript_not_found"


def test_a_transcript_is_only_found_in_its_own_meeting(tmp_path: Any) -> None:
    with meeting(tmp_path) as client:
        slug = new_room(client)
        other = new_room(client)
        transcript_id = stopped_transcript(client, slug)
        wrong = client.get(f"{API}/{other}/transcripts/{transcript_id}")
        assert wrong.status_code == 404 and wrong.json()["error"]["code"] == "transcript_not_found"
        assert client.get(f"{API}/{slug}/transcripts/nope").status_code == 404
        assert client.get(f"{API}/abcd-efgh-ijkl/transcripts").status_code == 404
        bad_format = client.get(f"{API}/{slug}/transcripts/{transcript_id}/download?format=pdf")
        assert bad_format.status_code == 422
