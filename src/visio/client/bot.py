"""``visio bot <meeting URL>``: publish audio/video, record what arrives, chat."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiortc.mediastreams import MediaStreamTrack

    from visio.client.participant import TrackFactory

# The SDK (aiortc, PyAV, numpy) is imported by run_bot only: building the CLI
# parser for `visio serve` must not load ~50 MiB of media libraries.


def add_bot_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "meeting_url", help="meeting link, e.g. http://127.0.0.1:8000/abcd-efgh-ijkl"
    )
    parser.add_argument("--name", default="Visio bot", help="display name")
    audio = parser.add_mutually_exclusive_group()
    audio.add_argument("--audio", type=Path, help="audio file to publish (looped)")
    audio.add_argument("--tone", type=float, help="publish a sine tone at this frequency (Hz)")
    parser.add_argument("--video", choices=["none", "pattern"], default="pattern")
    parser.add_argument("--video-file", type=Path, help="video file to publish instead")
    parser.add_argument("--record", type=Path, help="folder where received media is written")
    parser.add_argument("--chat", action="append", default=[], help="chat message to send on join")
    parser.add_argument("--duration", type=float, default=0, help="leave after N seconds (0: stay)")


async def run_bot(args: argparse.Namespace) -> int:
    from visio.client.media import PatternVideoTrack, ToneTrack, WavTrack
    from visio.client.participant import Participant

    bot = Participant(args.meeting_url, args.name, record_dir=args.record)
    sources: dict[str, TrackFactory] = {}
    if args.audio is not None:
        path: Path = args.audio
        sources["microphone"] = lambda: WavTrack(path)
    elif args.tone is not None:
        frequency: float = args.tone
        sources["microphone"] = lambda: ToneTrack(frequency)
    if args.video_file is not None:
        from aiortc.contrib.media import MediaPlayer

        video_path = str(args.video_file)

        def file_video() -> MediaStreamTrack:
            track = MediaPlayer(video_path, loop=True).video
            if track is None:
                raise SystemExit(f"{video_path} has no video stream")
            return track

        sources["camera"] = file_video
    elif args.video == "pattern":
        sources["camera"] = PatternVideoTrack
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    joined = await bot.join()
    print(f"joined {joined.room.slug} as {joined.participant_id} ({len(joined.participants)} here)")
    if sources:
        await bot.publish(sources)
    for text in args.chat:
        await bot.send_chat(text)
    seen = 0
    try:
        deadline = loop.time() + args.duration if args.duration else None
        while not stop.is_set() and not bot.closed.is_set():
            for message in bot.chat[seen:]:
                print(f"[chat] {message.display_name}: {message.text}")
            seen = len(bot.chat)
            if deadline is not None and loop.time() >= deadline:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    finally:
        await bot.leave()
    for (participant, source), track in bot.received.items():
        where = f" → {track.path}" if track.path else ""
        print(f"received {track.frames} {track.kind} frames from {participant}/{source}{where}")
    return 0 if bot.close_code in (None, 1000) else 1
