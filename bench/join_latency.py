"""Join latency: Visio (signaling + its Janus) against a raw client of the same Janus.

Both sides measure how long a newcomer waits for the first decoded audio
frame of someone already talking, and the two sides alternate in one run
(A B, then B A, ...) so that a noisy machine slows both alike: compare the
ratio, not the absolute numbers.  docs/benchmarks.md says exactly what each
side includes.

Run it inside the test network namespace (ICE needs a non-loopback path)::

    scripts/netns-run .venv/bin/python -m bench.join_latency [--samples 20] [--json FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import importlib.metadata
import json
import logging
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError, MediaStreamTrack
from aiortc.sdp import candidate_from_sdp
from tests.harness import RunningServer, free_port, in_test_namespace, run_server

from bench.machine import host_info
from visio.client.media import ToneTrack
from visio.client.participant import Participant
from visio.media.janus.protocol import JanusMessage, candidate_from_trickle
from visio.media.janus.transport import JanusConnection, JanusSession
from visio.secrets_store import load_existing
from visio.signaling import messages as m

VIDEOROOM = "janus.plugin.videoroom"
TARGET_RATIO = 1.15
TARGET_VISIO_MEDIAN_MS = 300.0
#: How often the waiting loops look for the first frame.  The frame's own
#: timestamp is taken when it is decoded, so this only bounds the bench's overhead.
POLL_SECONDS = 0.005
#: A media phase (answer → first frame) longer than this waited for a DTLS retransmission.
STALL_MS = 700.0

Side = Literal["visio", "raw"]


# --- the machine ------------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    """What the numbers were measured on (docs/benchmarks.md wants it next to them)."""
    info = host_info()
    try:
        out = subprocess.run(["janus", "--version"], capture_output=True, text=True, check=False)
        info["janus"] = out.stdout.splitlines()[0] if out.stdout else "unknown"
    except OSError:
        info["janus"] = "not found"
    for package in ("aiortc", "aioice", "av", "websockets", "uvicorn"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            info[package] = importlib.metadata.version(package)
    return info


def code_version() -> str:
    """The commit measured, marked ``+dirty`` when the work tree has uncommitted changes."""
    root = Path(__file__).resolve().parent.parent
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("+dirty" if dirty else "")


# --- statistics -------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), linearly interpolated between ranks (numpy's default)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Sample:
    """One measured join: the total and its sub-steps, in milliseconds."""

    total_ms: float
    steps_ms: dict[str, float]


@dataclass
class SideResult:
    samples: list[Sample] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def totals(self) -> list[float]:
        return [s.total_ms for s in self.samples]

    def summary(self) -> dict[str, Any]:
        totals = self.totals()
        # A media set-up that stalls about a second is a lost first DTLS flight
        # waiting for its retransmission timer (aiortc and Janus, both sides alike):
        # counted apart so that a p95 on few samples can be read.
        smooth = [s.total_ms for s in self.samples if s.steps_ms["answer_to_frame"] < STALL_MS]
        steps: dict[str, float] = {}
        for name in self.samples[0].steps_ms if self.samples else []:
            steps[name] = round(percentile([s.steps_ms[name] for s in self.samples], 50), 1)
        return {
            "n": len(totals),
            "failures": self.failures,
            "median_ms": round(percentile(totals, 50), 1),
            "mean_ms": round(sum(totals) / len(totals), 1),
            "p95_ms": round(percentile(totals, 95), 1),
            "dtls_stalls": len(totals) - len(smooth),
            "p95_without_stalls_ms": round(percentile(smooth, 95), 1) if smooth else None,
            "min_ms": round(min(totals), 1),
            "max_ms": round(max(totals), 1),
            "steps_median_ms": steps,
            "totals_ms": [round(t, 1) for t in totals],
            "steps_ms": [{k: round(v, 1) for k, v in s.steps_ms.items()} for s in self.samples],
        }


# --- Visio side -------------------------------------------------------------------------


class _StampedQueue(asyncio.Queue[m.ServerMessage]):
    """The SDK's event queue, noting when each server message arrived (after parsing)."""

    def __init__(self) -> None:
        super().__init__()
        self.stamps: list[tuple[float, str]] = []

    def put_nowait(self, item: m.ServerMessage) -> None:
        self.stamps.append((time.monotonic(), str(getattr(item, "type", "?"))))
        super().put_nowait(item)


class TimedParticipant(Participant):
    """A Participant that notes when each message is sent and received.

    Only the public ``events`` queue and ``send`` are used, so the SDK runs
    unchanged.
    """

    def __init__(self, meeting_url: str, display_name: str, *, auto_subscribe: bool) -> None:
        super().__init__(meeting_url, display_name, auto_subscribe=auto_subscribe)
        self.received_stamps = _StampedQueue()
        self.events = self.received_stamps
        self.sent_stamps: list[tuple[float, str]] = []

    async def send(self, message: m._Message) -> None:
        self.sent_stamps.append((time.monotonic(), str(getattr(message, "type", "?"))))
        await super().send(message)

    def sent_at(self, kind: str) -> float:
        return next(t for t, k in self.sent_stamps if k == kind)

    def received_at(self, kind: str, after: float = 0.0) -> float:
        return next(t for t, k in self.received_stamps.stamps if k == kind and t >= after)


async def _poll(check: Callable[[], float | None], timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value is not None:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("no audio frame in time")
        await asyncio.sleep(POLL_SECONDS)


async def visio_sample(
    server: RunningServer, slug: str, publisher_id: str, timeout: float
) -> Sample:
    """A new participant joins the meeting and auto-subscribes; time to the publisher's audio."""
    listener = TimedParticipant(server.meeting_url(slug), "listener", auto_subscribe=True)
    try:
        t0 = time.monotonic()
        await listener.connect()
        t_ws = time.monotonic()
        await listener.join()

        def first_frame() -> float | None:
            track = listener.track_from(publisher_id, "microphone")
            return None if track is None else track.first_frame_at

        t_frame = await _poll(first_frame, timeout)
        t_join = listener.sent_at("join")
        t_joined = listener.received_at("joined")
        t_sub = listener.sent_at("subscribe")
        t_offer = listener.received_at("subscription_offer")
        t_answer = listener.sent_at("subscription_answer")
        t_ack = listener.received_at("ack", after=t_answer)
        return Sample(
            (t_frame - t0) * 1000,
            {
                "ws_connect": (t_ws - t0) * 1000,
                "join": (t_joined - t_join) * 1000,
                "sdk_to_subscribe": (t_sub - t_joined) * 1000,
                "subscribe_to_offer": (t_offer - t_sub) * 1000,
                "client_answer": (t_answer - t_offer) * 1000,
                "start_ack": (t_ack - t_answer) * 1000,
                "answer_to_frame": (t_frame - t_answer) * 1000,
            },
        )
    finally:
        await listener.close()


# --- raw Janus side ---------------------------------------------------------------------


class RawPeer:
    """An aiortc peer driven straight through Janus, with the SDK's candidate handling.

    Janus trickles its candidates (``full_trickle``), sometimes before the
    remote description is set (notes, trap 2): they wait until it is.
    """

    def __init__(self) -> None:
        # An explicit empty list: with None aiortc would add a public STUN server.
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.described = False
        self.up = asyncio.Event()
        self.first_frame_at: float | None = None
        #: When ICE, then DTLS (the whole connection), came up: only for the
        #: breakdown of the media phase, which is the same aiortc-Janus path on both sides.
        self.ice_connected_at: float | None = None
        self.connected_at: float | None = None
        self._early: list[dict[str, Any] | None] = []
        self._tasks: set[asyncio.Task[None]] = set()

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self._spawn(self._consume(track))

        @self.pc.on("iceconnectionstatechange")
        def on_ice_state() -> None:
            if self.pc.iceConnectionState == "completed" and self.ice_connected_at is None:
                self.ice_connected_at = time.monotonic()

        @self.pc.on("connectionstatechange")
        def on_state() -> None:
            if self.pc.connectionState == "connected" and self.connected_at is None:
                self.connected_at = time.monotonic()

    def on_janus(self, message: JanusMessage) -> None:
        if message.janus == "trickle":
            candidate = candidate_from_trickle(message)
            if self.described:
                self._spawn(self._add(candidate))
            else:
                self._early.append(candidate)
        elif message.janus == "webrtcup":
            self.up.set()

    async def set_remote(self, sdp: str, kind: str) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type=kind))
        self.described = True
        early, self._early = self._early, []
        for candidate in early:
            await self._add(candidate)

    async def _add(self, candidate: dict[str, Any] | None) -> None:
        if candidate is None or not candidate.get("candidate"):
            return
        ice = candidate_from_sdp(str(candidate["candidate"]).removeprefix("candidate:"))
        ice.sdpMid = candidate.get("sdpMid")
        ice.sdpMLineIndex = candidate.get("sdpMLineIndex")
        await self.pc.addIceCandidate(ice)

    async def _consume(self, track: MediaStreamTrack) -> None:
        with contextlib.suppress(MediaStreamError, asyncio.CancelledError):
            while True:
                await track.recv()
                if self.first_frame_at is None:
                    self.first_frame_at = time.monotonic()

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await self.pc.close()


@dataclass
class RawRoom:
    """A VideoRoom of our own on Visio's Janus, with an aiortc tone publisher in it."""

    url: str
    api_secret: str
    room_id: int
    pin: str
    feed_id: int
    audio_mid: str
    connection: JanusConnection
    session: JanusSession
    publisher: RawPeer

    async def close(self) -> None:
        await self.publisher.close()
        await self.session.destroy()
        await self.connection.close()


def room_create_body(room_id: int, admin_key: str, pin: str) -> dict[str, Any]:
    """The options of the rooms Visio creates (JanusRoom.create, media/janus/videoroom.py)."""
    return {
        "request": "create",
        "room": room_id,
        "admin_key": admin_key,
        "secret": secrets.token_urlsafe(24),
        "pin": pin,
        "is_private": True,
        "permanent": False,
        "publishers": 160,
        "audiocodec": "opus",
        "videocodec": "vp8,h264,vp9",
        "opus_fec": True,
        "opus_dtx": True,
        "notify_joining": False,
        "audiolevel_ext": True,
        "audiolevel_event": True,
        "audio_active_packets": 50,
        "audio_level_average": 40,
        "transport_wide_cc_ext": True,
    }


async def start_raw_room(url: str, api_secret: str, admin_key: str, timeout: float) -> RawRoom:
    connection = JanusConnection(url, api_secret=api_secret)
    await connection.connect()
    session = await JanusSession.create(connection)
    control = await session.attach(VIDEOROOM, lambda _m: None)
    room_id = secrets.randbelow(2**52) + 1
    feed_id = secrets.randbelow(2**52) + 1
    pin = secrets.token_urlsafe(24)
    await session.message(control, room_create_body(room_id, admin_key, pin))
    peer = RawPeer()
    handle = await session.attach(VIDEOROOM, peer.on_janus)
    await session.message(
        handle,
        {
            "request": "join",
            "ptype": "publisher",
            "room": room_id,
            "pin": pin,
            "id": feed_id,
            "display": "raw-publisher",
        },
        wait_event=True,
    )
    peer.pc.addTransceiver(ToneTrack(440), direction="sendonly")
    await peer.pc.setLocalDescription(await peer.pc.createOffer())
    mid = str(peer.pc.getTransceivers()[0].mid)
    reply = await session.message(
        handle,
        {"request": "publish", "descriptions": [{"mid": mid, "description": "microphone"}]},
        jsep={"type": "offer", "sdp": peer.pc.localDescription.sdp},
        wait_event=True,
    )
    if reply.jsep is None:
        raise RuntimeError("Janus sent no answer to the raw publisher")
    await peer.set_remote(reply.jsep.sdp, "answer")
    await asyncio.wait_for(peer.up.wait(), timeout)
    return RawRoom(url, api_secret, room_id, pin, feed_id, mid, connection, session, peer)


async def raw_sample(room: RawRoom, timeout: float) -> Sample:
    """A new raw client subscribes to the raw publisher's audio; time to its first frame."""
    peer = RawPeer()
    connection = JanusConnection(room.url, api_secret=room.api_secret)
    session: JanusSession | None = None
    try:
        t0 = time.monotonic()
        await connection.connect()
        t_ws = time.monotonic()
        session = await JanusSession.create(connection)
        t_session = time.monotonic()
        handle = await session.attach(VIDEOROOM, peer.on_janus)
        t_attach = time.monotonic()
        reply = await session.message(
            handle,
            {
                "request": "join",
                "ptype": "subscriber",
                "room": room.room_id,
                "pin": room.pin,
                "use_msid": True,
                "streams": [{"feed": room.feed_id, "mid": room.audio_mid}],
            },
            wait_event=True,
        )
        t_offer = time.monotonic()
        if reply.jsep is None:
            raise RuntimeError("Janus sent no offer to the raw subscriber")
        await peer.set_remote(reply.jsep.sdp, "offer")
        await peer.pc.setLocalDescription(await peer.pc.createAnswer())
        t_answer = time.monotonic()
        await session.message(
            handle,
            {"request": "start"},
            jsep={"type": "answer", "sdp": peer.pc.localDescription.sdp},
            wait_event=True,
        )
        t_started = time.monotonic()
        t_frame = await _poll(lambda: peer.first_frame_at, timeout)
        t_ice = peer.ice_connected_at or t_frame
        t_dtls = peer.connected_at or t_frame
        return Sample(
            (t_frame - t0) * 1000,
            {
                "ws_connect": (t_ws - t0) * 1000,
                "session_create": (t_session - t_ws) * 1000,
                "attach": (t_attach - t_session) * 1000,
                "join_to_offer": (t_offer - t_attach) * 1000,
                "client_answer": (t_answer - t_offer) * 1000,
                "start_ack": (t_started - t_answer) * 1000,
                "answer_to_frame": (t_frame - t_answer) * 1000,
                "  answer_to_ice": (t_ice - t_answer) * 1000,
                "  ice_to_dtls": (t_dtls - t_ice) * 1000,
                "  dtls_to_frame": (t_frame - t_dtls) * 1000,
            },
        )
    finally:
        await peer.close()
        if session is not None:
            await session.destroy()
        await connection.close()


# --- the run ------------------------------------------------------------------------------


@dataclass
class Options:
    samples: int
    warmup: int
    pause: float
    timeout: float


async def measure(server: RunningServer, janus_url: str, options: Options) -> dict[str, Any]:
    install = load_existing(server.data_dir)
    if install is None:
        raise RuntimeError(f"no secrets.json in {server.data_dir}")
    slug = server.create_room(name="join latency bench")
    # The publisher only publishes: auto-subscribing would make Visio renegotiate
    # its (empty) subscription on every listener that joins, work outside the measure.
    publisher = Participant(server.meeting_url(slug), "publisher", auto_subscribe=False)
    raw_room: RawRoom | None = None
    results: dict[Side, SideResult] = {"visio": SideResult(), "raw": SideResult()}
    try:
        await publisher.join()
        await publisher.publish({"microphone": lambda: ToneTrack(440)})
        publisher_id = publisher.participant_id or ""
        await publisher.wait_for(
            lambda: bool(
                publisher.roster.get(publisher_id) and publisher.roster[publisher_id].streams
            )
        )
        raw_room = await start_raw_room(
            janus_url, install.janus_api_secret, install.janus_admin_key, options.timeout
        )
        room = raw_room

        async def run(side: Side) -> Sample:
            if side == "visio":
                return await visio_sample(server, slug, publisher_id, options.timeout)
            return await raw_sample(room, options.timeout)

        rounds = options.warmup + options.samples
        for i in range(rounds):
            order: tuple[Side, Side] = ("visio", "raw") if i % 2 == 0 else ("raw", "visio")
            for side in order:
                try:
                    sample = await run(side)
                except Exception as exc:  # a failed sample is reported, not fatal
                    if i >= options.warmup:
                        results[side].failures.append(f"{type(exc).__name__}: {exc}")
                else:
                    if i >= options.warmup:
                        results[side].samples.append(sample)
                    label = "warm-up" if i < options.warmup else f"round {i + 1 - options.warmup}"
                    print(f"{label}  {side:5s} {sample.total_ms:7.1f} ms", file=sys.stderr)
                # Let both sides finish tearing down before the next join.
                await asyncio.sleep(options.pause)
    finally:
        if raw_room is not None:
            await raw_room.close()
        await publisher.close()
    visio, raw = results["visio"].summary(), results["raw"].summary()
    return {
        "bench": "join_latency",
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "code": code_version(),
        "samples_per_side": options.samples,
        "warmup_rounds": options.warmup,
        "visio": visio,
        "raw": raw,
        "ratio_median": round(visio["median_ms"] / raw["median_ms"], 3),
        "ratio_p95": round(visio["p95_ms"] / raw["p95_ms"], 3),
        "targets": {"ratio_max": TARGET_RATIO, "visio_median_max_ms": TARGET_VISIO_MEDIAN_MS},
    }


def report(result: dict[str, Any]) -> str:
    visio, raw = result["visio"], result["raw"]
    lines = [
        f"{result['date']}  code {result['code']}",
        f"join → first decoded audio frame, {result['samples_per_side']} samples per side "
        f"(interleaved, {result['warmup_rounds']} warm-up rounds excluded)",
        f"{'':18s}{'visio':>10s}{'raw':>10s}{'ratio':>8s}",
        f"{'median (ms)':18s}{visio['median_ms']:10.1f}{raw['median_ms']:10.1f}"
        f"{result['ratio_median']:8.2f}",
        f"{'p95 (ms)':18s}{visio['p95_ms']:10.1f}{raw['p95_ms']:10.1f}{result['ratio_p95']:8.2f}",
        f"{'mean (ms)':18s}{visio['mean_ms']:10.1f}{raw['mean_ms']:10.1f}"
        f"{visio['mean_ms'] / raw['mean_ms']:8.2f}",
        f"failures: visio {len(visio['failures'])}, raw {len(raw['failures'])}; "
        f"~1 s DTLS stalls: visio {visio['dtls_stalls']}, raw {raw['dtls_stalls']} "
        f"(p95 without them: visio {visio['p95_without_stalls_ms']}, "
        f"raw {raw['p95_without_stalls_ms']})",
        "median of each step (ms):",
    ]
    for side in ("visio", "raw"):
        steps = "  ".join(f"{k}={v:.1f}" for k, v in result[side]["steps_median_ms"].items())
        lines.append(f"  {side:5s} {steps}")
    ok_ratio = result["ratio_median"] <= TARGET_RATIO and result["ratio_p95"] <= TARGET_RATIO
    ok_median = visio["median_ms"] <= TARGET_VISIO_MEDIAN_MS
    lines.append(
        f"targets: ratio ≤ {TARGET_RATIO} {'met' if ok_ratio else 'MISSED'}; "
        f"Visio median ≤ {TARGET_VISIO_MEDIAN_MS:.0f} ms {'met' if ok_median else 'MISSED'}"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--samples", type=int, default=20, help="measured samples per side")
    parser.add_argument("--warmup", type=int, default=3, help="rounds (one per side) not counted")
    parser.add_argument("--pause", type=float, default=0.5, help="seconds between samples")
    parser.add_argument("--timeout", type=float, default=10.0, help="per sample, seconds")
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    if not in_test_namespace():
        print("run inside scripts/netns-run (ICE needs a non-loopback path)", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.WARNING)
    options = Options(args.samples, args.warmup, args.pause, args.timeout)
    janus_port = free_port()
    with (
        tempfile.TemporaryDirectory(prefix="visio-bench-") as tmp,
        run_server(Path(tmp) / "var", janus_ws_port=str(janus_port)) as server,
    ):
        result = asyncio.run(measure(server, f"ws://127.0.0.1:{janus_port}", options))
    print(report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
