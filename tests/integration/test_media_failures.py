"""Bad input and failures with the real Janus: refused SDP, joins during a restart, release."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from tests.harness import RunningServer
from tests.integration.test_meeting import (
    TONES,
    assert_hears,
    frames_from,
    participants,
    wait_media,
)
from visio.client.media import PatternVideoTrack, ToneTrack
from visio.client.participant import Participant, SignalingError
from visio.signaling import messages as m

pytestmark = pytest.mark.integration

HOSTILE_SDPS = [
    # Media line but none of o=, s=: Janus's own parser refuses it.
    ("v=0\r\nm=audio 9 RTP/AVP 0\r\n", {}),
    # Looks like an offer, has no ICE credentials nor fingerprint.
    (
        "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
        "c=IN IP4 0.0.0.0\r\na=mid:0\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n",
        {"0": "microphone"},
    ),
    # Not SDP at all.
    ("\x00\x01binary", {}),
    ("v=0\r\n" + "a=x\r\n" * 5000, {}),
]


async def test_hostile_sdp_is_refused_and_the_meeting_goes_on(server: RunningServer) -> None:
    slug = server.create_room()
    async with participants(server, slug, ["Alice", "Bob"]) as (alice, bob):
        await wait_media(alice, bob)
        mallory = Participant(server.meeting_url(slug), "Mallory", auto_subscribe=False)
        try:
            await mallory.join()
            for sdp, sources in HOSTILE_SDPS:
                with pytest.raises(SignalingError) as refused:
                    await mallory.request(m.Publish(type="publish", sdp=sdp, sources=sources))
                assert refused.value.code in ("invalid_sdp", "invalid_message")
            # Mallory's connection still works, and so does everyone else's media.
            await mallory.send_chat("still here")
        finally:
            await mallory.close()
        before = frames_from(alice, bob, "microphone")
        await alice.wait_for(lambda: frames_from(alice, bob, "microphone") > before + 50)
        assert_hears(alice, bob)
        status, _ = server.request("GET", "/readyz")
        assert status == 200


async def test_join_while_janus_restarts_waits_for_it(server: RunningServer) -> None:
    slug = server.create_room()
    async with participants(server, slug, ["Alice"]) as (alice,):
        pid = server.janus_pid()
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        bob = Participant(server.meeting_url(slug), "Bob")
        try:
            await bob.join(timeout=20)
            await bob.publish(
                {"microphone": lambda: ToneTrack(TONES["Bob"]), "camera": PatternVideoTrack}
            )
            await alice.wait_for(lambda: alice.media_resets >= 1, timeout=30)
            await wait_media(alice, bob, timeout=30)
            await wait_media(bob, alice, timeout=30)
            assert_hears(bob, alice)
        finally:
            await bob.close()


async def test_empty_meeting_releases_its_janus_room_after_the_grace_period(
    server: RunningServer,
) -> None:
    slug = server.create_room()
    async with participants(server, slug, ["Alice", "Bob"], publish=False):
        assert len(await server.janus_rooms()) == 1
    # The harness sets a 1 s grace period.
    for _ in range(50):
        if not await server.janus_rooms():
            break
        await asyncio.sleep(0.1)
    assert await server.janus_rooms() == []
