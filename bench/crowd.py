"""A crowd of signaling-only participants: listen-only people who publish no media.

Each participant opens the meeting's WebSocket, sends ``join``, waits for
``joined``, then sends ``ping`` every 20 s (docs/protocol.md, Keepalive) and
reads and discards whatever the server sends, for ``--hold`` seconds.  Joins
are spread ``--spacing`` seconds apart.  When every participant has its
``joined`` (or a refusal), one JSON line is printed on stdout::

    {"joined": 145}

SIGTERM or SIGINT closes every connection cleanly (close 1000) and exits 0.

    .venv/bin/python -m bench.crowd http://127.0.0.1:8000/abc-defg-hij --count 145 --hold 600
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

PING_SECONDS = 20.0
JOIN_TIMEOUT_SECONDS = 30.0


def ws_url(url: str) -> str:
    """The signaling endpoint for a meeting URL (``http://host/slug``) or a ws:// URL as is."""
    parts = urlsplit(url)
    if parts.scheme in ("ws", "wss"):
        return url
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"not an http(s) or ws(s) URL: {url}")
    slug = parts.path.strip("/").split("/")[-1]
    if not slug:
        raise ValueError(f"no meeting code in {url}")
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}/api/v1/rooms/{slug}/ws"


@dataclass
class Tally:
    """What the participants reached, shared by their tasks."""

    count: int
    joined: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    join_ms: list[float] = field(default_factory=list)
    settled: asyncio.Event = field(default_factory=asyncio.Event)

    def settle_one(self) -> None:
        if self.joined + self.failed >= self.count:
            self.settled.set()


async def pinger(ws: ClientConnection) -> None:
    n = 0
    while True:
        await asyncio.sleep(PING_SECONDS)
        n += 1
        await ws.send(json.dumps({"type": "ping", "id": f"p{n}"}))


async def participant(url: str, index: int, tally: Tally, hold: float) -> None:
    name = f"Agent {index:03d}"
    counted = False
    try:
        async with connect(url, max_size=None, open_timeout=JOIN_TIMEOUT_SECONDS) as ws:
            started = time.perf_counter()
            await ws.send(
                json.dumps({"type": "join", "id": "j", "protocol_version": 1, "display_name": name})
            )
            async with asyncio.timeout(JOIN_TIMEOUT_SECONDS):
                while True:
                    msg: Any = json.loads(await ws.recv())
                    if msg.get("type") == "joined":
                        break
                    if msg.get("type") == "error":
                        raise RuntimeError(f"join refused: {msg.get('code')} {msg.get('message')}")
            tally.joined += 1
            tally.join_ms.append((time.perf_counter() - started) * 1000.0)
            counted = True
            tally.settle_one()
            ping_task = asyncio.create_task(pinger(ws))
            try:
                async with asyncio.timeout(hold):
                    async for _ in ws:
                        pass  # events of the meeting: read and discarded
            except TimeoutError:
                pass
            finally:
                ping_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, ConnectionClosed):
                    await ping_task
    except asyncio.CancelledError:
        raise
    except (OSError, TimeoutError, RuntimeError, ConnectionClosed, ValueError) as exc:
        if not counted:
            tally.failed += 1
            if len(tally.errors) < 10:
                tally.errors.append(f"{name}: {type(exc).__name__}: {exc}")
            tally.settle_one()


async def run(url: str, count: int, hold: float, spacing: float) -> int:
    tally = Tally(count=count)
    if count <= 0:
        tally.settled.set()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    tasks: list[asyncio.Task[None]] = []

    async def spawn_all() -> None:
        for i in range(count):
            tasks.append(asyncio.create_task(participant(url, i + 1, tally, hold)))
            await asyncio.sleep(spacing)

    spawner = asyncio.create_task(spawn_all())
    stopped = asyncio.create_task(stop.wait())
    settled = asyncio.create_task(tally.settled.wait())
    await asyncio.wait({stopped, settled}, return_when=asyncio.FIRST_COMPLETED)
    if tally.settled.is_set():
        report: dict[str, Any] = {"joined": tally.joined}
        if tally.failed:
            report["failed"] = tally.failed
            report["errors"] = tally.errors
        if tally.join_ms:
            ordered = sorted(tally.join_ms)
            report["join_ms_median"] = round(ordered[len(ordered) // 2], 1)
            report["join_ms_max"] = round(ordered[-1], 1)
        print(json.dumps(report), flush=True)
        await spawner
        everyone = asyncio.gather(*tasks)
        done = asyncio.create_task(asyncio.wait({everyone}))
        await asyncio.wait({stopped, done}, return_when=asyncio.FIRST_COMPLETED)
    for task in (spawner, *tasks):
        task.cancel()
    # Cancelling a task inside `async with connect(...)` closes its socket (close 1000).
    await asyncio.gather(spawner, *tasks, return_exceptions=True)
    stopped.cancel()
    settled.cancel()
    await asyncio.gather(stopped, settled, return_exceptions=True)
    return 0 if tally.failed == 0 else 1


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.crowd", description="Signaling-only listeners"
    )
    parser.add_argument("url", help="meeting URL (http://host/slug) or its ws:// signaling URL")
    parser.add_argument("--count", type=int, default=145, help="participants (default 145)")
    parser.add_argument("--hold", type=float, default=600.0, help="seconds to stay (default 600)")
    parser.add_argument(
        "--spacing", type=float, default=0.02, help="seconds between joins (default 0.02)"
    )
    args = parser.parse_args(argv)
    try:
        url = ws_url(args.url)
    except ValueError as exc:
        parser.error(str(exc))
    return asyncio.run(run(url, args.count, args.hold, args.spacing))


if __name__ == "__main__":
    sys.exit(main())
