"""From the SFU's plain RTP to a WAV file on the meeting clock.

:class:`RtpPacket` parses RTP (RFC 3550); :class:`OpusToWav` decodes Opus
payloads (PyAV's libopus) and writes 16 kHz mono 16-bit PCM, placing each
packet by its RTP timestamp: silence the sender did not send (Opus DTX, a
host's mute at the SFU, lost packets) is written as zeros, so that a sample's
position in the file is its time since the first packet.

The WAV header is written first with "unknown size" (0xFFFFFFFF, as streamed
WAV does; FFmpeg then reads to the end of the file) and patched with the real
sizes on close, or by :func:`repair_wav` after a crash.
"""

from __future__ import annotations

import logging
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import av
import numpy as np

log = logging.getLogger(__name__)

SAMPLE_RATE = 16_000
#: Opus's RTP clock (RFC 7587), whatever the audio's real bandwidth.
RTP_CLOCK = 48_000
WAV_HEADER_BYTES = 44
_UNKNOWN = 0xFFFFFFFF
#: A timestamp this far from the wall clock means a sender restarted its clock: re-anchor.
RESYNC_SECONDS = 2.0
#: Jitter below this is not worth filling with silence.
GAP_TOLERANCE_SAMPLES = SAMPLE_RATE * 30 // 1000


class RtpError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class RtpPacket:
    payload_type: int
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes

    @classmethod
    def parse(cls, data: bytes) -> RtpPacket:
        """Parse one RTP packet.  Raises :class:`RtpError` for anything else (e.g. RTCP)."""
        if len(data) < 12:
            raise RtpError("shorter than an RTP header")
        first, second = data[0], data[1]
        if first >> 6 != 2:
            raise RtpError(f"RTP version {first >> 6}")
        payload_type = second & 0x7F
        if 64 <= payload_type <= 95:
            raise RtpError("an RTCP packet")  # RFC 5761: RTCP types 192-223 land here
        csrc_count = first & 0x0F
        offset = 12 + 4 * csrc_count
        if first & 0x10:  # header extension
            if len(data) < offset + 4:
                raise RtpError("truncated header extension")
            words = struct.unpack_from("!H", data, offset + 2)[0]
            offset += 4 + 4 * words
        end = len(data)
        if first & 0x20:  # padding
            padding = data[-1]
            if padding == 0 or padding > end - offset:
                raise RtpError("bad padding")
            end -= padding
        if offset > end:
            raise RtpError("truncated packet")
        sequence, timestamp, ssrc = struct.unpack_from("!HII", data, 2)
        return cls(payload_type, sequence, timestamp, ssrc, bytes(data[offset:end]))


def wav_header(data_bytes: int = _UNKNOWN) -> bytes:
    riff = _UNKNOWN if data_bytes == _UNKNOWN else min(_UNKNOWN, 36 + data_bytes)
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        riff,
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        1,  # mono
        SAMPLE_RATE,
        SAMPLE_RATE * 2,
        2,
        16,
        b"data",
        data_bytes,
    )


def repair_wav(path: Path) -> float:
    """Write the real sizes into a WAV header left unpatched by a crash.

    Returns the audio's duration in seconds (0 for a missing or headless file).
    """
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return 0.0
    if size < WAV_HEADER_BYTES:
        return 0.0
    data = size - WAV_HEADER_BYTES
    data -= data % 2
    with path.open("r+b") as file:
        file.write(wav_header(data))
    return data / 2 / SAMPLE_RATE


class WavWriter:
    """16 kHz mono 16-bit PCM, readable at any moment, sizes patched on close."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: BinaryIO | None = path.open("wb")
        self._file.write(wav_header())
        self.samples = 0

    def write(self, pcm: np.ndarray[Any, Any]) -> None:
        if self._file is None or pcm.size == 0:
            return
        self._file.write(pcm.astype("<i2", copy=False).tobytes())
        self.samples += int(pcm.size)

    def silence(self, samples: int) -> None:
        while samples > 0:
            step = min(samples, SAMPLE_RATE * 10)
            self.write(np.zeros(step, dtype=np.int16))
            samples -= step

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    @property
    def duration(self) -> float:
        return self.samples / SAMPLE_RATE

    def close(self) -> None:
        file, self._file = self._file, None
        if file is None:
            return
        with file:
            file.seek(0)
            file.write(wav_header(self.samples * 2))


class OpusToWav:
    """Decodes one Opus RTP stream (one SSRC) into a :class:`WavWriter`.

    ``clock()`` is the receiver's monotonic clock in seconds: the first
    packet's arrival anchors the file on the meeting clock, and timestamps
    that stray from it by more than :data:`RESYNC_SECONDS` (a sender whose RTP
    clock restarted or drifted) are re-anchored to it.
    """

    def __init__(self, writer: WavWriter) -> None:
        self.writer = writer
        self.ssrc: int | None = None
        self.first_arrival: float | None = None
        self.packets = 0
        self.dropped = 0
        self._base: int | None = None  # extended RTP timestamp at sample 0
        self._last_ts: int | None = None
        self._extended = 0
        self._decoder = av.CodecContext.create("libopus", "r")
        self._decoder.sample_rate = RTP_CLOCK
        # libopus mixes stereo down itself; resampling stereo to mono would lower the level.
        self._decoder.layout = "mono"
        self._resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)

    def _extend(self, timestamp: int) -> int:
        """The 32-bit timestamp made monotonic across wrap-arounds."""
        if self._last_ts is None:
            self._extended = timestamp
        else:
            delta = (timestamp - self._last_ts) & 0xFFFFFFFF
            if delta >= 0x80000000:
                delta -= 1 << 32
            self._extended += delta
        self._last_ts = timestamp
        return self._extended

    def feed(self, data: bytes, now: float) -> None:
        """One datagram received at ``now``.  Anything that is not our Opus stream is dropped."""
        try:
            packet = RtpPacket.parse(data)
        except RtpError:
            self.dropped += 1
            return
        if self.ssrc is None:
            self.ssrc = packet.ssrc
        elif packet.ssrc != self.ssrc:
            self.dropped += 1  # one forward is one stream: another sender is noise
            return
        if not packet.payload:
            return
        if self.first_arrival is None:
            self.first_arrival = now
        ts = self._extend(packet.timestamp)
        if self._base is None:
            self._base = ts
        position = (ts - self._base) * SAMPLE_RATE // RTP_CLOCK
        by_clock = round((now - self.first_arrival) * SAMPLE_RATE)
        if abs(position - by_clock) > RESYNC_SECONDS * SAMPLE_RATE:
            log.info(
                "capture: RTP clock strayed %.1f s; re-anchoring",
                (position - by_clock) / SAMPLE_RATE,
            )
            self._base = ts - by_clock * RTP_CLOCK // SAMPLE_RATE
            position = by_clock
        written = self.writer.samples
        if position < written - SAMPLE_RATE // 2:
            self.dropped += 1  # late or repeated: its place is written already
            return
        if position > written + GAP_TOLERANCE_SAMPLES:
            self.writer.silence(position - written)
        try:
            frames = self._decoder.decode(av.Packet(packet.payload))
        except (av.FFmpegError, ValueError) as exc:
            self.dropped += 1
            log.debug("capture: undecodable Opus packet: %s", exc)
            return
        self.packets += 1
        for frame in frames:
            for out in self._resampler.resample(frame):
                self.writer.write(out.to_ndarray().reshape(-1))

    def close(self) -> None:
        try:
            for out in self._resampler.resample(None):
                self.writer.write(out.to_ndarray().reshape(-1))
        except (av.FFmpegError, ValueError):
            pass
        self.writer.close()
