"""Media sources and sinks for the participant SDK: tones, test video, WAV files, recorders."""

from __future__ import annotations

import asyncio
import fractions
import math
import time
import wave
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc.mediastreams import AUDIO_PTIME, MediaStreamError, MediaStreamTrack

SAMPLE_RATE = 48_000
SAMPLES_PER_FRAME = int(SAMPLE_RATE * AUDIO_PTIME)


class _PacedAudioTrack(MediaStreamTrack):
    """Audio produced 20 ms at a time (48 kHz mono), paced in real time."""

    kind = "audio"

    def __init__(self) -> None:
        super().__init__()
        self._pts = 0
        self._start: float | None = None

    def samples_at(self, pts: int) -> np.ndarray[Any, np.dtype[np.int16]]:
        """The ``SAMPLES_PER_FRAME`` samples starting at sample ``pts``."""
        raise NotImplementedError

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._pts / SAMPLE_RATE - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        samples = self.samples_at(self._pts)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = SAMPLE_RATE
        frame.pts = self._pts
        frame.time_base = fractions.Fraction(1, SAMPLE_RATE)
        self._pts += SAMPLES_PER_FRAME
        return frame


class ToneTrack(_PacedAudioTrack):
    """A sine tone at ``frequency`` Hz."""

    def __init__(self, frequency: float, amplitude: float = 0.3) -> None:
        super().__init__()
        self.frequency = frequency
        self.amplitude = amplitude

    def samples_at(self, pts: int) -> np.ndarray[Any, np.dtype[np.int16]]:
        t = (np.arange(SAMPLES_PER_FRAME) + pts) / SAMPLE_RATE
        wave = self.amplitude * 32767 * np.sin(2 * math.pi * self.frequency * t)
        return wave.astype(np.int16)


class WavTrack(_PacedAudioTrack):
    """An audio file (anything ffmpeg reads), looped, resampled to 48 kHz mono."""

    def __init__(self, path: Path, *, loop: bool = True) -> None:
        super().__init__()
        self.samples = read_wav_48k_mono(path)
        if self.samples.size == 0:
            raise ValueError(f"{path} has no audio")
        self.loop = loop

    def samples_at(self, pts: int) -> np.ndarray[Any, np.dtype[np.int16]]:
        total = self.samples.size
        offset = pts % total if self.loop else pts
        chunk = self.samples[offset : offset + SAMPLES_PER_FRAME]
        if chunk.size < SAMPLES_PER_FRAME:
            missing = SAMPLES_PER_FRAME - chunk.size
            rest = self.samples[:missing] if self.loop else np.zeros(missing, dtype=np.int16)
            chunk = np.concatenate([chunk, rest])
        return chunk


class PatternVideoTrack(MediaStreamTrack):
    """Synthetic video: a solid colour with a moving bar, ``fps`` frames a second."""

    kind = "video"

    def __init__(
        self,
        width: int = 320,
        height: int = 240,
        fps: int = 15,
        color: tuple[int, int, int] = (40, 120, 200),
    ) -> None:
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self.color = color
        self._count = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        wait = self._start + self._count / self.fps - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        image = np.empty((self.height, self.width, 3), dtype=np.uint8)
        image[:, :] = self.color
        x = (self._count * 4) % self.width
        image[:, x : x + 8] = 255
        frame = av.VideoFrame.from_ndarray(image, format="rgb24")
        frame.pts = self._count * (90_000 // self.fps)
        frame.time_base = fractions.Fraction(1, 90_000)
        self._count += 1
        return frame


def read_wav_48k_mono(path: Path) -> np.ndarray[Any, np.dtype[np.int16]]:
    """Decode any audio file ffmpeg reads into 48 kHz mono int16 samples."""
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    chunks: list[np.ndarray[Any, np.dtype[np.int16]]] = []
    with av.open(str(path)) as container:
        for frame in container.decode(audio=0):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1).astype(np.int16, copy=False))
    for out in resampler.resample(None):
        chunks.append(out.to_ndarray().reshape(-1).astype(np.int16, copy=False))
    return np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)


@dataclass
class ReceivedTrack:
    """What arrived on one subscribed stream: counts, audio samples, and files."""

    participant_id: str
    source: str
    kind: str
    frames: int = 0
    first_frame_at: float | None = None
    last_size: tuple[int, int] | None = None
    samples: list[np.ndarray[Any, np.dtype[np.int16]]] = field(default_factory=list)
    keep_samples_seconds: float = 10.0
    path: Path | None = None
    _kept: int = 0
    _wave: wave.Wave_write | None = None
    _container: Any = None
    _stream: Any = None
    _resampler: Any = None
    first_frame: asyncio.Event = field(default_factory=asyncio.Event)

    def audio(self) -> np.ndarray[Any, np.dtype[np.int16]]:
        if not self.samples:
            return np.zeros(0, dtype=np.int16)
        return np.concatenate(self.samples)

    def add(self, frame: av.AudioFrame | av.VideoFrame) -> None:
        if self.first_frame_at is None:
            self.first_frame_at = time.monotonic()
            self.first_frame.set()
        self.frames += 1
        if isinstance(frame, av.AudioFrame):
            if self._resampler is None:
                self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for out in self._resampler.resample(frame):
                pcm = out.to_ndarray().reshape(-1).astype(np.int16, copy=False)
                self.samples.append(pcm)
                self._kept += pcm.size
                while self._kept - self.samples[0].size >= self.keep_samples_seconds * SAMPLE_RATE:
                    self._kept -= self.samples.pop(0).size
                if self._wave is not None:
                    self._wave.writeframes(pcm.tobytes())
        else:
            self.last_size = (frame.width, frame.height)
            if self._container is not None:
                if self._stream is None:
                    self._stream = self._container.add_stream("mpeg4", rate=15)
                    self._stream.width, self._stream.height = frame.width, frame.height
                    self._stream.pix_fmt = "yuv420p"
                if (frame.width, frame.height) == (self._stream.width, self._stream.height):
                    frame.pts = None
                    for packet in self._stream.encode(frame.reformat(format="yuv420p")):
                        self._container.mux(packet)

    def open_file(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"{self.participant_id}-{self.source}"
        if self.kind == "audio":
            self.path = folder / f"{stem}.wav"
            self._wave = wave.open(str(self.path), "wb")  # noqa: SIM115 - closed in close()
            self._wave.setnchannels(1)
            self._wave.setsampwidth(2)
            self._wave.setframerate(SAMPLE_RATE)
        else:
            self.path = folder / f"{stem}.mp4"
            self._container = av.open(str(self.path), "w")

    def close(self) -> None:
        if self._wave is not None:
            self._wave.close()
            self._wave = None
        if self._container is not None:
            if self._stream is not None:
                for packet in self._stream.encode(None):
                    self._container.mux(packet)
            self._container.close()
            self._container = None


def dominant_frequency(
    samples: np.ndarray[Any, np.dtype[np.int16]], rate: int = SAMPLE_RATE
) -> float:
    """The strongest frequency in ``samples`` (Hz)."""
    if samples.size < 1024:
        return 0.0
    window = samples.astype(np.float64) * np.hanning(samples.size)
    spectrum = np.abs(np.fft.rfft(window))
    spectrum[0] = 0
    return float(np.argmax(spectrum) * rate / samples.size)


def rms(samples: np.ndarray[Any, np.dtype[np.int16]]) -> float:
    if samples.size == 0:
        return 0.0
    return float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
