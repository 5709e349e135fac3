"""Synthetic speech for the speech tests and bench/transcribe.py, made with espeak-ng.

espeak-ng speaks at 22.05 kHz; sox resamples to 16 kHz mono.  The three
voices are ones a speaker-embedding model tells apart (cross-voice cosine
similarity 0.51-0.63 against 0.80-0.85 within a voice; espeak's male voices
are closer, 0.77, and were left out).  The speech is synthetic, so these
figures check the wiring, not accuracy on real meetings.
"""

from __future__ import annotations

import subprocess
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from visio.speech.base import SAMPLE_RATE, Samples


@dataclass(frozen=True)
class Voice:
    name: str
    espeak: str
    pitch: int = 50
    speed: int = 165


VOICE_A = Voice("a", "en-us", pitch=40, speed=160)
VOICE_B = Voice("b", "en-gb-x-rp+f3", pitch=70, speed=170)
VOICE_C = Voice("c", "en-us+f2", pitch=60, speed=175)
VOICE_FR = Voice("fr", "fr", pitch=50, speed=160)

#: Plain sentences with words the tiny model knows (the test's reference text).
SENTENCES = (
    "The weather is nice today and the team will meet after lunch.",
    "Please send the report to everyone before the end of the week.",
    "We need three more people to finish the project on time.",
    "The new office is close to the station and has a large garden.",
    "Could you check the numbers again and call me back tomorrow?",
    "I think the budget for next year should stay the same.",
    "The children played in the park until the sun went down.",
    "Our customers want a simpler way to pay for their orders.",
    "Let us move the meeting to Thursday morning at ten.",
    "The library closes early on Sundays during the summer.",
    "She bought a red bicycle and rides it to work every day.",
    "Thank you all for coming, and see you next month.",
)


def synthesize(text: str, voice: Voice) -> Samples:
    """``text`` spoken by ``voice``, 16 kHz mono float32, with espeak's edges of silence trimmed."""
    with tempfile.TemporaryDirectory(prefix="visio-espeak-") as folder:
        raw = Path(folder) / "raw.wav"
        out = Path(folder) / "out.wav"
        subprocess.run(
            [
                *("espeak-ng", "-v", voice.espeak, "-p", str(voice.pitch), "-s", str(voice.speed)),
                *("-w", str(raw), text),
            ],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["sox", str(raw), "-r", str(SAMPLE_RATE), "-c", "1", "-b", "16", str(out)],
            check=True,
            capture_output=True,
        )
        samples = read_wav(out)
    voiced = np.flatnonzero(np.abs(samples) > 1e-3)
    if len(voiced) == 0:
        return samples
    return samples[voiced[0] : voiced[-1] + 1]


def read_wav(path: Path) -> Samples:
    with wave.open(str(path), "rb") as file:
        if file.getsampwidth() != 2 or file.getnchannels() != 1:
            raise ValueError(f"{path}: expected 16-bit mono")
        data = np.frombuffer(file.readframes(file.getnframes()), dtype=np.int16)
    return (data.astype(np.float32) / 32768.0).astype(np.float32)


def write_wav(path: Path, samples: Samples) -> Path:
    """16-bit mono WAV at 16 kHz."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    with wave.open(str(path), "wb") as file:
        file.setnchannels(1)
        file.setsampwidth(2)
        file.setframerate(SAMPLE_RATE)
        file.writeframes(pcm.tobytes())
    return path


@dataclass(frozen=True)
class Utterance:
    voice: Voice
    text: str
    start: float
    end: float


def conversation(
    turns: Sequence[tuple[Voice, str]], pause: float = 0.8, lead: float = 0.5
) -> tuple[list[Utterance], dict[str, Samples], Samples]:
    """The turns spoken one after another with pauses between them.

    Returns the timed utterances (the reference), one track per voice (silent
    while the others speak, the same length) and the mix of all voices.
    """
    spoken = [(voice, text, synthesize(text, voice)) for voice, text in turns]
    utterances: list[Utterance] = []
    at = lead
    for voice, text, samples in spoken:
        duration = len(samples) / SAMPLE_RATE
        utterances.append(Utterance(voice, text, at, at + duration))
        at += duration + pause
    total = round((at + lead) * SAMPLE_RATE)
    tracks: dict[str, Samples] = {}
    for (voice, _text, samples), utterance in zip(spoken, utterances, strict=True):
        track = tracks.setdefault(voice.name, np.zeros(total, dtype=np.float32))
        first = round(utterance.start * SAMPLE_RATE)
        track[first : first + len(samples)] += samples
    mix = np.sum(list(tracks.values()), axis=0).astype(np.float32)
    return utterances, tracks, mix


def through_opus(samples: Samples, folder: Path) -> Samples:
    """``samples`` as a transcript hears them from a Python bot.

    Encoded 20 ms at a time by aiortc's Opus encoder (what ``visio.client``
    sends), carried in RTP packets, recorded by the capture's own
    :class:`~visio.transcripts.audio.OpusRecorder` and decoded as the
    transcript job does (:func:`~visio.transcripts.audio.decode_recording`).
    """
    import fractions

    import av
    from aiortc.codecs.opus import OpusEncoder

    from tests.rtp import rtp
    from visio.transcripts.audio import OpusRecorder, decode_recording

    resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
    pcm16 = (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(pcm16, format="s16", layout="mono")
    frame.sample_rate = SAMPLE_RATE
    pcm48 = np.concatenate(
        [
            out.to_ndarray().reshape(-1)
            for out in [*resampler.resample(frame), *resampler.resample(None)]
        ]
    )
    step = 960  # 20 ms at 48 kHz
    pcm48 = np.concatenate([pcm48, np.zeros(-len(pcm48) % step + 5 * step, dtype=np.int16)])
    encoder = OpusEncoder()
    recording = folder / "through-opus.opusrec"
    recorder = OpusRecorder(recording)
    for index, at in enumerate(range(0, len(pcm48), step)):
        piece = av.AudioFrame.from_ndarray(
            pcm48[at : at + step].reshape(1, -1), format="s16", layout="mono"
        )
        piece.sample_rate = 48_000
        piece.pts = at
        piece.time_base = fractions.Fraction(1, 48_000)
        payloads, _timestamp = encoder.encode(piece)
        for payload in payloads:
            recorder.feed(rtp(payload, seq=index, ts=at), at / 48_000)
    recorder.close()
    decode_recording(recording, folder / "through-opus.wav")
    return read_wav(folder / "through-opus.wav")
