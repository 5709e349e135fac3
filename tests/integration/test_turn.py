"""TURN: coturn with REST credentials from the join answer; peers that may only relay still talk."""

from __future__ import annotations

import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.harness import RunningServer, free_port, run_server
from tests.integration.test_meeting import TONES, assert_hears, sources, wait_media
from visio.client.participant import Participant

pytestmark = pytest.mark.integration

TURN_IP = "10.77.0.1"  # the veth address made by scripts/netns-run


@pytest.fixture
def coturn(netns: None, tmp_path: Path) -> Iterator[tuple[str, str]]:
    secret = secrets.token_hex(16)
    port = free_port()
    pidfile = tmp_path / "turnserver.pid"
    log = (tmp_path / "turn.log").open("wb")
    process = subprocess.Popen(
        [
            "turnserver",
            "--listening-ip",
            TURN_IP,
            "--relay-ip",
            TURN_IP,
            "--listening-port",
            str(port),
            "--min-port",
            "49000",
            "--max-port",
            "49999",
            "--use-auth-secret",
            "--static-auth-secret",
            secret,
            "--realm",
            "visio.test",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--no-software-attribute",
            "--fingerprint",
            "--pidfile",
            str(pidfile),
            "--log-file",
            "stdout",
            "--verbose",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and b"turn" not in _listening(port):
            time.sleep(0.1)
        yield f"turn:{TURN_IP}:{port}?transport=udp", secret
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def _listening(port: int) -> bytes:
    out = subprocess.run(["ss", "-lunp", f"sport = :{port}"], capture_output=True, check=False)
    return out.stdout


async def test_relay_only_peers_exchange_media_through_coturn(
    coturn: tuple[str, str], tmp_path: Path
) -> None:
    url, secret = coturn
    with run_server(
        tmp_path / "var", turn_urls=url, turn_secret=secret, turn_ttl_seconds="600"
    ) as server:
        await _meeting_through_relay(server, url)


async def _meeting_through_relay(server: RunningServer, url: str) -> None:
    slug = server.create_room()
    people = [Participant(server.meeting_url(slug), n, relay_only=True) for n in ("Alice", "Bob")]
    try:
        for person in people:
            joined = await person.join()
            [turn] = joined.ice_servers
            assert turn.urls == [url] and turn.username and turn.credential
            expiry = int(turn.username.split(":")[0])
            assert 0 < expiry - time.time() <= 600
            await person.publish(sources(person.display_name))
        alice, bob = people
        await wait_media(alice, bob, timeout=30)
        await wait_media(bob, alice, timeout=30)
        assert_hears(alice, bob)
        assert_hears(bob, alice)
        # Only relay candidates were allowed: the selected pair is the TURN relay.
        assert alice._publisher is not None
        transport = alice._publisher.pc.getTransceivers()[0].sender.transport.transport
        pair = transport._connection._nominated  # aioice: component → nominated pair
        assert all(p.local_candidate.type == "relay" for p in pair.values()), TONES
    finally:
        for person in people:
            await person.close()
