"""Opus in RTP, as the SFU forwards it to a capture (transcript tests, bench/capture.py)."""

from __future__ import annotations

import fractions
import struct
from typing import Any

import av
import numpy as np

FRAME = 960  # 20 ms at 48 kHz


def opus_packets(
    samples: np.ndarray[Any, Any], *, layout: str = "stereo", bit_rate: int = 64_000
) -> list[bytes]:
    """Opus packets of 20 ms of 48 kHz mono int16 ``samples``, as a browser sends them."""
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = 48_000
    encoder.layout = layout
    encoder.format = "s16"
    encoder.bit_rate = bit_rate
    encoder.time_base = fractions.Fraction(1, 48_000)
    resampler = av.AudioResampler(format="s16", layout=layout, rate=48_000, frame_size=FRAME)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = 48_000
    frame.pts = 0
    packets: list[bytes] = []
    for chunk in resampler.resample(frame):
        packets += [bytes(p) for p in encoder.encode(chunk)]
    return packets


def rtp(
    payload: bytes,
    *,
    seq: int,
    ts: int,
    ssrc: int = 0x1234,
    pt: int = 111,
    csrc: int = 0,
    extension: bytes | None = None,
    padding: int = 0,
) -> bytes:
    """An RTP packet (RFC 3550) carrying ``payload``, with CSRCs, an extension, padding."""
    first = 0x80 | csrc | (0x10 if extension is not None else 0) | (0x20 if padding else 0)
    header = struct.pack("!BBHII", first, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
    header += b"\x00\x00\x00\x01" * csrc
    if extension is not None:
        header += struct.pack("!HH", 0xBEDE, len(extension) // 4) + extension
    tail = b"\x00" * (padding - 1) + bytes([padding]) if padding else b""
    return header + payload + tail
