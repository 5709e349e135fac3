"""Meetings through a real ``visio serve``, its supervised Janus and aiortc peers."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.harness import RunningServer
from visio.client.media import PatternVideoTrack, ToneTrack, dominant_frequency, rms
from visio.client.participant import EntryRefused, Participant, SignalingError, TrackFactory

pytestmark = pytest.mark.integration

TONES = {"Alice": 440.0, "Bob": 660.0, "Chloé": 880.0}


def sources(name: str) -> dict[str, TrackFactory]:
    frequency = TONES[name]
    return {"microphone": lambda: ToneTrack(frequency), "camera": PatternVideoTrack}


@asynccontextmanager
async def participants(
    server: RunningServer, slug: str, names: list[str], *, publish: bool = True
) -> AsyncIterator[list[Participant]]:
    people = [Participant(server.meeting_url(slug), name) for name in names]
    try:
        for person in people:
            await person.join()
            if publish:
                await person.publish(sources(person.display_name))
        yield people
    finally:
        for person in people:
            await person.close()


def frames_from(receiver: Participant, sender: Participant, source: str) -> int:
    track = receiver.track_from(sender.participant_id or "", source)
    return track.frames if track is not None else 0


async def wait_media(
    receiver: Participant,
    sender: Participant,
    *,
    audio: int = 100,
    video: int = 15,
    timeout: float = 20.0,
) -> None:
    await receiver.wait_for(
        lambda: (
            frames_from(receiver, sender, "microphone") >= audio
            and frames_from(receiver, sender, "camera") >= video
        ),
        timeout,
    )


def has_chat(person: Participant, text: str) -> Callable[[], bool]:
    return lambda: any(message.text == text for message in person.chat)


def receives_nothing_from(person: Participant, gone: str | None) -> Callable[[], bool]:
    return lambda: all(s.participant_id != gone for s in person.subscribed_streams)


def grows(count: Callable[[], int], *, by: int) -> Callable[[], bool]:
    start = count()
    return lambda: count() > start + by


def assert_hears(receiver: Participant, sender: Participant) -> None:
    track = receiver.track_from(sender.participant_id or "", "microphone")
    assert track is not None
    samples = track.audio()[-48_000:]
    assert rms(samples) > 1000, "received audio is silent"
    assert dominant_frequency(samples) == pytest.approx(TONES[sender.display_name], abs=5)


async def test_three_participants_receive_each_other_and_chat(server: RunningServer) -> None:
    slug = server.create_room(name="Réunion d'équipe")
    async with participants(server, slug, ["Alice", "Bob", "Chloé"]) as people:
        for receiver in people:
            for sender in people:
                if receiver is not sender:
                    await wait_media(receiver, sender)
                    assert_hears(receiver, sender)
                    video = receiver.track_from(sender.participant_id or "", "camera")
                    assert video is not None and video.last_size == (320, 240)
        alice, bob, chloe = people
        assert {p.display_name for p in alice.roster.values()} == set(TONES)
        await alice.send_chat("Bonjour à tous")
        for person in people:
            await person.wait_for(has_chat(person, "Bonjour à tous"))
        message = chloe.chat[-1]
        assert message.participant_id == alice.participant_id
        assert message.display_name == "Alice"
        await bob.raise_hand()
        await chloe.raise_hand()
        await alice.wait_for(lambda: alice.hands == [bob.participant_id, chloe.participant_id])
        await bob.raise_hand(False)
        await alice.wait_for(lambda: alice.hands == [chloe.participant_id])
        await chloe.react("👏")
        await bob.wait_for(lambda: any(r.emoji == "👏" for r in bob.reactions))


async def test_talking_participant_becomes_active_speaker(server: RunningServer) -> None:
    slug = server.create_room()
    async with participants(server, slug, ["Alice", "Bob"]) as (alice, bob):
        # Janus raises talking events from the audio-level extension after ~1 s of sound.
        await bob.wait_for(lambda: bob.active_speaker is not None, timeout=20)
        assert bob.active_speaker in {alice.participant_id, bob.participant_id}


async def test_leave_updates_rosters_and_subscriptions_and_rejoin_works(
    server: RunningServer,
) -> None:
    slug = server.create_room()
    async with participants(server, slug, ["Alice", "Bob", "Chloé"]) as (alice, bob, chloe):
        for receiver in (alice, bob):
            await wait_media(receiver, chloe)
        chloe_id = chloe.participant_id
        await chloe.leave()
        for person in (alice, bob):
            await person.wait_for(lambda p=person: chloe_id not in p.roster)  # type: ignore[misc]
            # Visio renegotiates the subscription without the streams of who left.
            await person.wait_for(receives_nothing_from(person, chloe_id))
        # The others still hear each other after the renegotiation.
        before = frames_from(alice, bob, "microphone")
        await alice.wait_for(lambda: frames_from(alice, bob, "microphone") > before + 50)

        again = Participant(server.meeting_url(slug), "Chloé")
        try:
            await again.join()
            await again.publish(sources("Chloé"))
            assert again.participant_id != chloe_id
            for receiver in (alice, bob):
                await wait_media(receiver, again)
                assert_hears(receiver, again)
            await wait_media(again, alice)
        finally:
            await again.close()


async def test_participant_over_the_limit_is_refused(server: RunningServer) -> None:
    slug = server.create_room(settings={"max_participants": 2})
    third = Participant(server.meeting_url(slug), "Chloé")
    late = Participant(server.meeting_url(slug), "Dan")
    # A token taken while there was room: the socket checks the limit again.
    token = await third.request_entry()
    async with participants(server, slug, ["Alice", "Bob"], publish=False):
        try:
            with pytest.raises(SignalingError) as refused:
                await third.join(token=token)
            assert refused.value.code == "room_full"
            await asyncio.wait_for(third.closed.wait(), 5)
            assert third.close_code == 4409
            with pytest.raises(EntryRefused) as refused_early:  # the API refuses first
                await late.join()
            assert refused_early.value.status == "room_full"
        finally:
            await third.close()
            await late.close()


async def test_janus_killed_mid_meeting_is_restored(server: RunningServer) -> None:
    slug = server.create_room()
    async with participants(server, slug, ["Alice", "Bob"]) as (alice, bob):
        await wait_media(alice, bob)
        await wait_media(bob, alice)
        old_pid = server.janus_pid()
        assert old_pid is not None
        os.kill(old_pid, signal.SIGKILL)
        for person in (alice, bob):
            await person.wait_for(lambda p=person: p.media_resets >= 1, timeout=30)  # type: ignore[misc]
        marks: dict[str, Callable[[], int]] = {  # frames received, by direction
            "alice←bob audio": lambda: frames_from(alice, bob, "microphone"),
            "bob←alice audio": lambda: frames_from(bob, alice, "microphone"),
            "alice←bob video": lambda: frames_from(alice, bob, "camera"),
            "bob←alice video": lambda: frames_from(bob, alice, "camera"),
        }
        for count in marks.values():
            await alice.wait_for(grows(count, by=20), timeout=30)
        assert_hears(alice, bob)
        assert_hears(bob, alice)
        new_pid = server.janus_pid()
        assert new_pid is not None and new_pid != old_pid
        status, _ = server.request("GET", "/readyz")
        assert status == 200


async def test_screen_share_is_added_to_the_same_publisher_connection(
    server: RunningServer,
) -> None:
    slug = server.create_room()
    async with participants(server, slug, ["Alice", "Bob"]) as (alice, bob):
        await wait_media(bob, alice)
        connection = alice._publisher
        published = await alice.publish({"screen": lambda: PatternVideoTrack(640, 360)})
        assert alice._publisher is connection, "renegotiated, not a second connection"
        assert sorted(s.source for s in published.streams) == ["camera", "microphone", "screen"]
        # Visio asked for Opus FEC and DTX, and Janus agreed (the sender's encoder follows).
        assert "useinbandfec=1;usedtx=1" in published.sdp
        await bob.wait_for(lambda: frames_from(bob, alice, "screen") >= 15, timeout=20)
        screen = bob.track_from(alice.participant_id or "", "screen")
        assert screen is not None and screen.last_size == (640, 360)
        # Camera and microphone keep flowing after the renegotiation.
        await bob.wait_for(grows(lambda: frames_from(bob, alice, "camera"), by=15))
        await alice.unpublish()
        alice_id = alice.participant_id
        await bob.wait_for(lambda: not bob.roster[alice_id or ""].streams)
        await bob.wait_for(receives_nothing_from(bob, alice_id))
