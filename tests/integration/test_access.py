"""Access rules against a real ``visio serve`` and Janus: lobby, moderation enforced at the SFU,
removal out of the Janus room, and the Janus room closed to anyone going around Visio."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from tests.harness import RunningServer, browser, owned_meeting
from tests.integration.test_meeting import TONES, assert_hears, sources
from visio.client.participant import EntryRefused, Participant
from visio.media.janus.protocol import JanusError
from visio.media.janus.transport import JanusConnection, JanusSession
from visio.secrets_store import load_existing

pytestmark = pytest.mark.integration

#: VideoRoom's errors: "unauthorized" (wrong pin or secret), "missing element" (none given).
JANUS_UNAUTHORIZED = 433
JANUS_MISSING = 429


async def janus_room(server: RunningServer) -> int:
    rooms = await server.janus_rooms()
    assert len(rooms) == 1, rooms
    return rooms[0]


async def janus_participants(server: RunningServer, room: int) -> int:
    secrets = load_existing(server.data_dir)
    assert secrets is not None
    connection = JanusConnection(server.janus_url, api_secret=secrets.janus_api_secret)
    await connection.connect()
    try:
        session = await JanusSession.create(connection)
        handle = await session.attach("janus.plugin.videoroom", lambda _m: None)
        reply = await session.message(handle, {"request": "listparticipants", "room": room})
        await session.destroy()
    finally:
        await connection.close()
    return len(reply.data["participants"])


def hears(receiver: Participant, sender: Participant) -> Callable[[], bool]:
    def check() -> bool:
        track = receiver.track_from(sender.participant_id or "", "microphone")
        return track is not None and track.frames > 100

    return check


async def until_rate(
    receiver: Participant, sender: Participant, ok: Callable[[float], bool], timeout: float
) -> None:
    """Wait until the audio frames received per second (one 20 ms Opus frame each) satisfy ``ok``.

    A stream the SFU drops sends nothing at all: the receiver's frame count stops.
    """
    track = receiver.track_from(sender.participant_id or "", "microphone")
    assert track is not None
    async with asyncio.timeout(timeout):
        while True:
            before = track.frames
            await asyncio.sleep(1.0)
            if ok(track.frames - before):
                return


async def test_guest_waits_in_the_lobby_until_the_host_admits_then_media_flows(
    server: RunningServer,
) -> None:
    async with browser(server) as owner_http, browser(server) as guest_http:
        slug = await owned_meeting(owner_http)  # trusted: guests wait
        url = server.meeting_url(slug)
        host = Participant(url, "Alice", http=owner_http)
        guest = Participant(url, "Bob", http=guest_http, lobby_timeout=20)
        try:
            await host.join()
            assert host.role == "owner" and host.lobby == {}
            await host.publish(sources("Alice"))
            entering = asyncio.create_task(guest.join())
            await host.wait_for(lambda: len(host.lobby) == 1, 10)
            (request,) = host.lobby.values()
            assert request.display_name == "Bob" and not request.signed_in
            for _ in range(100):  # the HTTP answer may come after the host's event
                if guest.entry_states:
                    break
                await asyncio.sleep(0.05)
            assert not entering.done() and guest.entry_states[0] == "waiting"
            await host.decide([request.id], admit=True)
            await asyncio.wait_for(entering, 10)
            assert guest.role == "guest"
            await guest.publish(sources("Bob"))
            for receiver, sender in ((host, guest), (guest, host)):
                await receiver.wait_for(hears(receiver, sender), 20)
                assert_hears(receiver, sender)
        finally:
            await guest.close()
            await host.close()


async def test_denied_guest_is_told(server: RunningServer) -> None:
    async with browser(server) as owner_http, browser(server) as guest_http:
        slug = await owned_meeting(owner_http)
        url = server.meeting_url(slug)
        host = Participant(url, "Alice", http=owner_http)
        guest = Participant(url, "Eve", http=guest_http, lobby_timeout=20)
        try:
            await host.join()
            entering = asyncio.create_task(guest.join())
            await host.wait_for(lambda: len(host.lobby) == 1, 10)
            await host.decide(list(host.lobby), admit=False)
            with pytest.raises(EntryRefused) as refused:
                await asyncio.wait_for(entering, 10)
            assert refused.value.status == "denied"
            assert host.participant_id is not None and len(host.roster) == 1
        finally:
            await guest.close()
            await host.close()


async def test_host_mute_is_enforced_by_janus_and_lifted_by_the_participant(
    server: RunningServer,
) -> None:
    async with browser(server) as owner_http:
        slug = await owned_meeting(owner_http, access_level="public")
        url = server.meeting_url(slug)
        host = Participant(url, "Alice", http=owner_http)
        # Bob's client ignores the `moderated` notice: only the SFU can silence him.
        bob = Participant(url, "Bob")
        try:
            await host.join()
            await bob.join()
            await bob.publish(sources("Bob"))
            await host.wait_for(hears(host, bob), 20)
            assert_hears(host, bob)
            await host.mute_participant(bob.participant_id or "", "microphone")
            await bob.wait_for(lambda: len(bob.moderations) == 1, 5)
            await until_rate(host, bob, lambda per_second: per_second < 5, 10)
            await bob.set_muted("microphone", False)  # he may unmute himself
            await until_rate(host, bob, lambda per_second: per_second > 30, 10)
            assert_hears(host, bob)
            assert TONES["Bob"] == 660.0
        finally:
            await bob.close()
            await host.close()


async def test_removed_participant_leaves_the_janus_room_and_must_be_admitted_again(
    server: RunningServer,
) -> None:
    async with browser(server) as owner_http, browser(server) as eve_http:
        slug = await owned_meeting(owner_http, access_level="public")
        url = server.meeting_url(slug)
        host = Participant(url, "Alice", http=owner_http)
        eve = Participant(url, "Eve", http=eve_http, lobby_timeout=2)
        try:
            await host.join()
            await eve.join()
            room = await janus_room(server)
            assert await janus_participants(server, room) == 2
            await host.remove_participant(eve.participant_id or "")
            await asyncio.wait_for(eve.closed.wait(), 5)
            assert eve.close_code == 4403
            await host.wait_for(lambda: len(host.roster) == 1, 5)
            assert await janus_participants(server, room) == 1
            again = Participant(url, "Eve", http=eve_http, lobby_timeout=2)
            with pytest.raises(EntryRefused) as refused:
                await again.join()
            assert refused.value.status == "timeout" and again.entry_states[-1] == "waiting"
            await again.close()
        finally:
            await eve.close()
            await host.close()


async def test_the_janus_room_refuses_anyone_without_the_pin(server: RunningServer) -> None:
    """Even with the Janus API secret (an insider on the media network), no pin, no entry."""
    async with browser(server) as owner_http:
        slug = await owned_meeting(owner_http, access_level="public")
        host = Participant(server.meeting_url(slug), "Alice", http=owner_http)
        try:
            await host.join()
            room = await janus_room(server)
            secrets = load_existing(server.data_dir)
            assert secrets is not None
            connection = JanusConnection(server.janus_url, api_secret=secrets.janus_api_secret)
            await connection.connect()
            try:
                session = await JanusSession.create(connection)
                handle = await session.attach("janus.plugin.videoroom", lambda _m: None)
                for attempt, code in (
                    ({"request": "join", "ptype": "publisher", "room": room}, JANUS_MISSING),
                    (
                        {"request": "join", "ptype": "publisher", "room": room, "pin": "guess"},
                        JANUS_UNAUTHORIZED,
                    ),
                    ({"request": "kick", "room": room, "id": 1}, JANUS_MISSING),
                    (
                        {"request": "kick", "room": room, "id": 1, "secret": "guess"},
                        JANUS_UNAUTHORIZED,
                    ),
                    ({"request": "destroy", "room": room, "secret": "guess"}, JANUS_UNAUTHORIZED),
                ):
                    with pytest.raises(JanusError) as refused:
                        await session.message(handle, attempt, wait_event=True)
                    assert refused.value.code == code, attempt
                await session.destroy()
            finally:
                await connection.close()
            assert await janus_participants(server, room) == 1
            assert await server.janus_rooms() == [room]
        finally:
            await host.close()
