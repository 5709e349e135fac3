"""``visio bot``: a real process publishing a speech WAV, recording what it receives, chatting."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.harness import RunningServer
from tests.integration.test_meeting import TONES, has_chat, participants
from visio.client.media import SAMPLE_RATE, dominant_frequency, read_wav_48k_mono

pytestmark = pytest.mark.integration

SENTENCE = "Visio is a sovereign video conference. The meeting starts now, please unmute."


def envelope(
    samples: np.ndarray[Any, np.dtype[np.int16]], window: int = 960
) -> np.ndarray[Any, Any]:
    """RMS per 20 ms window."""
    usable = samples[: samples.size // window * window].astype(np.float64)
    rms: np.ndarray[Any, Any] = np.sqrt((usable.reshape(-1, window) ** 2).mean(axis=1))
    return rms


def best_correlation(received: np.ndarray[Any, Any], source: np.ndarray[Any, Any]) -> float:
    """Best Pearson correlation of the source envelope with any stretch of the received one."""
    best = -1.0
    for lag in range(0, received.size - source.size + 1):
        window = received[lag : lag + source.size]
        if window.std() == 0:
            continue
        best = max(best, float(np.corrcoef(window, source)[0, 1]))
    return best


async def test_bot_publishes_a_wav_records_what_it_receives_and_chats(
    server: RunningServer, tmp_path: Path
) -> None:
    speech = tmp_path / "speech.wav"
    speak = await asyncio.create_subprocess_exec(
        "espeak-ng", "-v", "en", "-w", str(speech), SENTENCE
    )
    assert await speak.wait() == 0
    movie = tmp_path / "camera.webm"
    make_movie = await asyncio.create_subprocess_exec(
        "ffmpeg",
        "-loglevel",
        "error",
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=352x288:rate=15",
        "-t",
        "3",
        "-c:v",
        "libvpx",
        str(movie),
    )
    assert await make_movie.wait() == 0
    source = envelope(read_wav_48k_mono(speech))
    slug = server.create_room()
    async with participants(server, slug, ["Alice"]) as (alice,):
        record = tmp_path / "received"
        bot = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "visio",
            "--log-level",
            "warning",
            "bot",
            server.meeting_url(slug),
            "--name",
            "Robot",
            "--audio",
            str(speech),
            "--video-file",
            str(movie),
            "--record",
            str(record),
            "--chat",
            "hello from the bot",
            "--duration",
            "12",
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        await alice.wait_for(has_chat(alice, "hello from the bot"), timeout=20)
        robot = next(p.id for p in alice.roster.values() if p.display_name == "Robot")
        await alice.send_chat("hello robot")
        output, _ = await asyncio.wait_for(bot.communicate(), 40)
        text = output.decode()
        assert bot.returncode == 0, text
        assert "[chat] Alice: hello robot" in text
        # Alice heard the speech: its loudness over time matches the file's.
        track = alice.track_from(robot, "microphone")
        assert track is not None and track.frames > 200
        received = envelope(track.audio())
        assert best_correlation(received, source) > 0.8
        # And saw the video file it published.
        camera = alice.track_from(robot, "camera")
        assert camera is not None and camera.frames > 30 and camera.last_size == (352, 288)
        # The bot wrote what it received from Alice: her tone, and her video.
        alice_id = alice.participant_id
        wav = record / f"{alice_id}-microphone.wav"
        assert wav.stat().st_size > SAMPLE_RATE  # more than half a second of audio
        heard = read_wav_48k_mono(wav)
        assert dominant_frequency(heard[-SAMPLE_RATE:]) == pytest.approx(TONES["Alice"], abs=5)
        assert (record / f"{alice_id}-camera.mp4").stat().st_size > 1000
