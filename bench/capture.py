"""What capturing a microphone for a transcript costs, on the event loop and in the job.

While the meeting runs, ``visio serve`` records each forwarded RTP packet on
its event loop (``visio.transcripts.audio.OpusRecorder``: parse, append);
the transcript job decodes the recording to 16 kHz WAV
(``decode_recording``).  This bench feeds both the packets of espeak-ng
speech encoded as browsers send it (libopus, 20 ms packets, 50 a second) and
reports the time per packet of each, what one sending microphone costs the
event loop, and the disk an hour of it takes.  It also times the previous
design, decoding on the event loop (``decode_on_the_loop``), in the same run.
(A browser's microphone sends nothing in silence when DTX is on, which Visio
asks for; that case is not measured here: FFmpeg's libopus encoder does no
DTX.)::

    .venv/bin/python -m bench.capture [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import av
import numpy as np
from tests.rtp import FRAME, opus_packets, rtp
from tests.speech_fixtures import SENTENCES, VOICE_A, synthesize

from bench.machine import host_info
from visio.transcripts.audio import (
    RECORDING_SUFFIX,
    OpusRecorder,
    RtpPacket,
    WavWriter,
    decode_recording,
)

RTP_CLOCK = 48_000


def datagrams_of(speech16k: np.ndarray) -> list[tuple[bytes, float]]:
    """RTP datagrams of ``speech16k`` as a browser sends them (mono Opus, 32 kb/s, 20 ms),
    each with its arrival time."""
    pcm = (np.clip(speech16k, -1.0, 1.0) * 32767).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
    frame.sample_rate = 16_000
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RTP_CLOCK)
    pcm48 = np.concatenate(
        [
            out.to_ndarray().reshape(-1)
            for out in [*resampler.resample(frame), *resampler.resample(None)]
        ]
    )
    packets = opus_packets(pcm48, layout="mono", bit_rate=32_000)
    return [(rtp(p, seq=i, ts=i * FRAME), i * FRAME / RTP_CLOCK) for i, p in enumerate(packets)]


def record_seconds(datagrams: list[tuple[bytes, float]], path: Path) -> float:
    """Seconds the event loop spends recording ``datagrams``."""
    recorder = OpusRecorder(path)
    started = time.perf_counter()
    for datagram, now in datagrams:
        recorder.feed(datagram, now)
    spent = time.perf_counter() - started
    recorder.close()
    return spent


def decode_on_the_loop(datagrams: list[tuple[bytes, float]], path: Path) -> float:
    """Seconds the previous design spent on the event loop: decode and write each packet."""
    decoder = av.CodecContext.create("libopus", "r")
    decoder.sample_rate = RTP_CLOCK
    decoder.layout = "mono"
    resampler = av.AudioResampler(format="s16", layout="mono", rate=16_000)
    writer = WavWriter(path)
    started = time.perf_counter()
    for datagram, _now in datagrams:
        packet = RtpPacket.parse(datagram)
        for frame in decoder.decode(av.Packet(packet.payload)):
            for out in resampler.resample(frame):
                writer.write(out.to_ndarray().reshape(-1))
    spent = time.perf_counter() - started
    writer.close()
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    speech = synthesize(" ".join(SENTENCES[:6]), VOICE_A)
    seconds = len(speech) / 16_000
    datagrams = datagrams_of(speech)
    count = len(datagrams)
    record: list[float] = []
    decode: list[float] = []
    old: list[float] = []
    with tempfile.TemporaryDirectory(prefix="visio-bench-capture-") as folder:
        recording = Path(folder) / f"capture{RECORDING_SUFFIX}"
        for _ in range(args.rounds):
            record.append(record_seconds(datagrams, recording) / count)
            started = time.perf_counter()
            decode_recording(recording, Path(folder) / "capture.wav")
            decode.append((time.perf_counter() - started) / count)
            old.append(decode_on_the_loop(datagrams, Path(folder) / "old.wav") / count)
        size = recording.stat().st_size
    rate = count / seconds
    loop, job, before = (statistics.median(x) for x in (record, decode, old))
    print(f"{seconds:.1f} s of speech: {count} packets ({rate:.1f}/s); median of {args.rounds}")
    print(
        f"event loop, recording: {loop * 1e6:.1f} us a packet,"
        f" {loop * rate * 100:.3f} % of a core per sending microphone"
    )
    print(
        f"event loop, before (decoding there): {before * 1e6:.1f} us a packet,"
        f" {before * rate * 100:.2f} % of a core; now / before: {loop / before:.3f}"
    )
    print(
        f"job, decoding the recording: {job * 1e6:.1f} us a packet,"
        f" {job * rate * 3600:.1f} s per hour of microphone"
    )
    print(
        f"disk: {size / seconds * 3600 / 1e6:.1f} MB per hour of recording"
        f" (16 kHz WAV: {16_000 * 2 * 3600 / 1e6:.1f} MB)"
    )
    print("machine: " + ", ".join(f"{k} {v}" for k, v in host_info().items()))


if __name__ == "__main__":
    main()
