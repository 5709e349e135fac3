"""What capturing a microphone for a transcript costs ``visio serve``'s event loop.

The capture (``visio.transcripts.audio.OpusToWav``) parses each forwarded RTP
packet, decodes its Opus and writes 16 kHz PCM, on the server's event loop.
This bench feeds it the packets of espeak-ng speech encoded as browsers send
it (libopus, 20 ms packets, 50 a second) and measures the time per packet:
what one microphone costs while it sends.  (A browser's microphone sends
nothing in silence when DTX is on, which Visio asks for; that case is not
measured here: FFmpeg's libopus encoder does no DTX.)::

    .venv/bin/python -m bench.capture [--rounds 5]
"""

from __future__ import annotations

import argparse
import fractions
import statistics
import tempfile
import time
from pathlib import Path

import av
import numpy as np
from tests.speech_fixtures import SENTENCES, VOICE_A, synthesize

from bench.machine import host_info
from visio.transcripts.audio import OpusToWav, WavWriter

RTP_CLOCK = 48_000
FRAME = 960  # 20 ms


def encoded(samples16k: np.ndarray) -> list[tuple[int, bytes]]:
    """(RTP timestamp, Opus packet) of ``samples16k``, 20 ms each."""
    pcm = (np.clip(samples16k, -1.0, 1.0) * 32767).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
    frame.sample_rate = 16_000
    frame.pts = 0
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RTP_CLOCK, frame_size=FRAME)
    encoder = av.CodecContext.create("libopus", "w")
    encoder.sample_rate = RTP_CLOCK
    encoder.layout = "mono"
    encoder.format = "s16"
    encoder.bit_rate = 32_000
    encoder.time_base = fractions.Fraction(1, RTP_CLOCK)
    out: list[tuple[int, bytes]] = []
    at = 0
    for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
        chunk.pts = at
        at += chunk.samples
        for packet in encoder.encode(chunk):
            # (pts starts below 0: the encoder's look-ahead)
            out.append((int(packet.pts or 0) + FRAME, bytes(packet)))
    return out


def rtp(timestamp: int, sequence: int, payload: bytes) -> bytes:
    header = bytes([0x80, 111]) + sequence.to_bytes(2, "big") + timestamp.to_bytes(4, "big")
    return header + (0x5EED).to_bytes(4, "big") + payload


def feed_seconds(packets: list[tuple[int, bytes]], folder: Path) -> float:
    """Seconds the capture spends on ``packets``: parse, decode, write."""
    capture = OpusToWav(WavWriter(folder / "capture.wav"))
    datagrams = [rtp(ts, i & 0xFFFF, payload) for i, (ts, payload) in enumerate(packets)]
    started = time.perf_counter()
    for datagram, (ts, _payload) in zip(datagrams, packets, strict=True):
        capture.feed(datagram, ts / RTP_CLOCK)
    spent = time.perf_counter() - started
    capture.close()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    speech = synthesize(" ".join(SENTENCES[:6]), VOICE_A)
    seconds = len(speech) / 16_000
    talking = encoded(speech)
    per_packet: list[float] = []
    with tempfile.TemporaryDirectory(prefix="visio-bench-capture-") as folder:
        for _ in range(args.rounds):
            per_packet.append(feed_seconds(talking, Path(folder)) / len(talking))
    cost = statistics.median(per_packet)
    rate = len(talking) / seconds
    print(f"{seconds:.1f} s of speech: {len(talking)} packets ({rate:.1f}/s)")
    print(f"capture cost per packet (median of {args.rounds}): {cost * 1e6:.0f} us")
    print(f"one sending microphone: {cost * rate * 100:.2f} % of a core (of the event loop)")
    print("machine: " + ", ".join(f"{k} {v}" for k, v in host_info().items()))


if __name__ == "__main__":
    main()
