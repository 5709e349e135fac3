"""From the SFU's plain RTP to a WAV file on the meeting clock, in two steps.

While the meeting runs, :class:`OpusRecorder` only parses RTP (RFC 3550) and
appends each Opus packet to a *recording* with its place on the capture's
clock (by RTP timestamp): about 7 µs a packet on the server's event loop,
and some 16 MB an hour (bench/capture.py).  The transcript job then decodes the recording with
:func:`decode_recording` (PyAV's libopus) into 16 kHz mono 16-bit WAV, where
silence the sender did not send (Opus DTX, a host's mute at the SFU, lost
packets) is written as zeros, so that a sample's position in the file is its
time since the first packet.

A recording is a 16-byte header (``VISIOPUS``, version, reserved) then
records of ``<Q position><H length>`` (little-endian; position in 48 kHz
samples from the first packet) followed by the packet.  It is append-only:
after a crash, a last record cut short is ignored.

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
#: Jitter below this (in 48 kHz samples) is not worth filling with silence.
GAP_TOLERANCE = RTP_CLOCK * 30 // 1000


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


#: What a recording's file name ends with (captures made before it are WAV files).
RECORDING_SUFFIX = ".opusrec"
RECORDING_MAGIC = b"VISIOPUS"
RECORDING_VERSION = 1
RECORDING_HEADER = RECORDING_MAGIC + bytes([RECORDING_VERSION]) + bytes(7)
_RECORD = struct.Struct("<QH")


class RecordingError(ValueError):
    """Not a recording this version of Visio reads."""


def opus_samples(packet: bytes) -> int:
    """How many 48 kHz samples an Opus packet holds (RFC 6716, 3.1); 0 if unreadable."""
    if not packet:
        return 0
    toc = packet[0]
    config = toc >> 3
    if config < 12:  # SILK: 10, 20, 40, 60 ms
        frame = (480, 960, 1920, 2880)[config & 3]
    elif config < 16:  # hybrid: 10, 20 ms
        frame = (480, 960)[config & 1]
    else:  # CELT: 2.5, 5, 10, 20 ms
        frame = (120, 240, 480, 960)[config & 3]
    code = toc & 3
    if code == 0:
        frames = 1
    elif code in (1, 2):
        frames = 2
    else:
        if len(packet) < 2:
            return 0
        frames = packet[1] & 0x3F
    return frame * frames


def packet_end(position: int, packet: bytes) -> int:
    """Where a packet placed at ``position`` ends (48 kHz samples; 20 ms if unreadable)."""
    return position + (opus_samples(packet) or 960)


class OpusRecorder:
    """Records one Opus RTP stream (one SSRC) into a recording file.

    ``now`` (the receiver's monotonic clock, in seconds) anchors the first
    packet; timestamps that stray from it by more than :data:`RESYNC_SECONDS`
    (a sender whose RTP clock restarted or jumped) are re-anchored to it.
    Packets more than half a second older than what was recorded (late or
    repeated) are dropped; the decoder sorts the rest.
    """

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: BinaryIO | None = path.open("wb")
        self._file.write(RECORDING_HEADER)
        self.ssrc: int | None = None
        self.first_arrival: float | None = None
        self.packets = 0
        self.dropped = 0
        self._base: int | None = None  # extended RTP timestamp at position 0
        self._last_ts: int | None = None
        self._extended = 0
        self._end = 0  # 48 kHz samples recorded, up to the end of the latest packet

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
        if self._file is None:
            return
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
        if not packet.payload or len(packet.payload) > 0xFFFF:
            return
        if self.first_arrival is None:
            self.first_arrival = now
        ts = self._extend(packet.timestamp)
        if self._base is None:
            self._base = ts
        position = ts - self._base
        by_clock = round((now - self.first_arrival) * RTP_CLOCK)
        if abs(position - by_clock) > RESYNC_SECONDS * RTP_CLOCK:
            log.info(
                "capture: RTP clock strayed %.1f s; re-anchoring", (position - by_clock) / RTP_CLOCK
            )
            self._base = ts - by_clock
            position = by_clock
        if position < 0 or position < self._end - RTP_CLOCK // 2:
            self.dropped += 1  # late or repeated: its place is recorded already
            return
        self._file.write(_RECORD.pack(position, len(packet.payload)) + packet.payload)
        self.packets += 1
        self._end = max(self._end, packet_end(position, packet.payload))

    @property
    def duration(self) -> float:
        return self._end / RTP_CLOCK

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        file, self._file = self._file, None
        if file is not None:
            file.close()


def read_recording(path: Path) -> list[tuple[int, bytes]]:
    """The (position, packet) records of a recording, in file order.

    Raises ``FileNotFoundError``, or :class:`RecordingError` when the file is
    not a recording; a last record a crash cut short is left out.
    """
    data = path.read_bytes()
    if data[: len(RECORDING_MAGIC)] != RECORDING_MAGIC:
        raise RecordingError(f"{path.name} is not a Visio audio recording")
    if len(data) < len(RECORDING_HEADER) or data[len(RECORDING_MAGIC)] != RECORDING_VERSION:
        raise RecordingError(f"{path.name}: unknown recording version")
    records: list[tuple[int, bytes]] = []
    at = len(RECORDING_HEADER)
    while at + _RECORD.size <= len(data):
        position, length = _RECORD.unpack_from(data, at)
        at += _RECORD.size
        if at + length > len(data):
            break  # cut short by a crash
        records.append((position, data[at : at + length]))
        at += length
    return records


def recording_seconds(path: Path) -> float:
    """How long a recording lasts (0 for a missing or unreadable one)."""
    try:
        records = read_recording(path)
    except (OSError, RecordingError):
        return 0.0
    end = max((packet_end(p, packet) for p, packet in records), default=0)
    return end / RTP_CLOCK


def decode_recording(source: Path, target: Path) -> float:
    """Decode a recording into a 16 kHz mono WAV file; its duration in seconds.

    Packets are placed by position: gaps become silence, and a packet whose
    place is already decoded (late, repeated) is skipped.  Raises
    ``FileNotFoundError`` or :class:`RecordingError`.
    """
    # One packet per position (a repeated one is the same packet), in time order.
    records = sorted(dict(read_recording(source)).items())
    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate = RTP_CLOCK
    # libopus mixes stereo down itself; resampling stereo to mono would lower the level.
    decoder.layout = "mono"
    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    writer = WavWriter(target)
    try:
        end = 0  # in 48 kHz samples
        for position, packet in records:
            if packet_end(position, packet) <= end:
                continue  # decoded already
            if position > end + GAP_TOLERANCE:
                writer.silence((position - end) * SAMPLE_RATE // RTP_CLOCK)
                end = position
            try:
                frames = decoder.decode(av.Packet(packet))
            except (av.FFmpegError, ValueError) as exc:
                log.debug("recording %s: undecodable Opus packet: %s", source.name, exc)
                continue
            for frame in frames:
                end += frame.samples
                for out in resampler.resample(frame):
                    writer.write(out.to_ndarray().reshape(-1))
        for out in resampler.resample(None):
            writer.write(out.to_ndarray().reshape(-1))
    finally:
        writer.close()
    return writer.duration


def captured_seconds(path: Path) -> float:
    """How long a capture a crash left open lasts: a recording, or a WAV file (header repaired)."""
    if path.suffix == RECORDING_SUFFIX:
        return recording_seconds(path)
    return repair_wav(path)
