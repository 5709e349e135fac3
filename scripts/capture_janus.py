"""Record the Janus API traffic of a short real meeting into tests/captured/.

Run inside the test network namespace:
    scripts/netns-run .venv/bin/python scripts/capture_janus.py

Visio runs in-process with its supervised Janus; two aiortc participants join,
publish, subscribe, talk, chat and leave; one sends a hostile SDP.  Every
message to and from Janus is written, secrets scrubbed, to
tests/captured/janus_session.jsonl for the unit tests of the Janus layer.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

import uvicorn

from visio.app import create_app
from visio.client.media import PatternVideoTrack, ToneTrack
from visio.client.participant import Participant, SignalingError
from visio.config import load_settings
from visio.media.janus.server import JanusMediaServer

OUT = Path(__file__).resolve().parent.parent / "tests" / "captured" / "janus_session.jsonl"
SECRET_KEYS = {"apisecret", "admin_key", "secret", "pin", "token"}


def scrub(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: ("<scrubbed>" if k in SECRET_KEYS else scrub(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def scenario(base: str, slug: str) -> None:
    url = f"{base}/{slug}"
    alice, bob = Participant(url, "Alice"), Participant(url, "Bob")
    await alice.join()
    await bob.join()
    await alice.publish({"microphone": lambda: ToneTrack(440), "camera": PatternVideoTrack})
    await bob.publish({"microphone": lambda: ToneTrack(660)})
    await alice.wait_for(lambda: alice.active_speaker is not None, timeout=20)
    await bob.wait_for(lambda: len(bob.received) == 2, timeout=20)
    with contextlib.suppress(SignalingError):
        from visio.signaling import messages as m

        await bob.request(
            m.Publish(type="publish", sdp="v=0\r\nm=audio 9 RTP/AVP 0\r\n", sources={})
        )
    await bob.leave()
    await asyncio.sleep(1)
    await alice.leave()


async def main() -> int:
    lines: list[str] = []

    def capture(direction: str, message: dict[str, Any]) -> None:
        lines.append(json.dumps({"dir": direction, "msg": scrub(message)}, sort_keys=True))

    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            data_dir=Path(tmp),
            port=free_port(),
            janus_ws_port=free_port(),
            janus_admin_ws_port=free_port(),
            empty_room_grace_seconds=0.2,
        )
        app = create_app(settings, media=JanusMediaServer(settings, capture=capture))
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=settings.port))
        task = asyncio.create_task(server.serve())
        while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
            await asyncio.sleep(0.05)
        base = f"http://127.0.0.1:{settings.port}"
        from visio.rooms.service import RoomService

        with app.state.services.db.session() as session:
            slug = RoomService(session, settings).create(name="capture").slug
        await scenario(base, slug)
        await asyncio.sleep(0.5)
        server.should_exit = True
        await task
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    print(f"wrote {len(lines)} messages to {OUT}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
