"""From RTP to a recording, and a recording to WAV on the meeting clock: parsing, gaps,
strays, reordering, crash-safe files."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.rtp import FRAME, opus_packets, rtp
from visio.speech.audio import load_audio
from visio.transcripts.audio import (
    RECORDING_SUFFIX,
    SAMPLE_RATE,
    OpusRecorder,
    RecordingError,
    RtpError,
    RtpPacket,
    WavWriter,
    captured_seconds,
    decode_recording,
    opus_samples,
    read_recording,
    repair_wav,
    wav_header,
)


def tone(seconds: float, frequency: float = 440.0, amplitude: float = 0.3) -> np.ndarray[Any, Any]:
    t = np.arange(round(48_000 * seconds)) / 48_000
    return (amplitude * 32767 * np.sin(2 * np.pi * frequency * t)).astype(np.int16)


def capture(
    path: Path, packets: list[tuple[bytes, float]]
) -> tuple[OpusRecorder, np.ndarray[Any, Any]]:
    """Record ``packets`` (datagram, arrival time) as the server does, decode as the job does."""
    recorder = OpusRecorder(path.with_suffix(RECORDING_SUFFIX))
    for data, now in packets:
        recorder.feed(data, now)
    recorder.close()
    decode_recording(recorder.path, path)
    return recorder, load_audio(path)


# --- RTP -------------------------------------------------------------------------------


def test_rtp_packet_parses_header_fields_and_payload() -> None:
    packet = RtpPacket.parse(rtp(b"opus", seq=7, ts=123_456, ssrc=99, pt=96))
    assert (packet.payload_type, packet.sequence, packet.timestamp, packet.ssrc) == (
        96,
        7,
        123_456,
        99,
    )
    assert packet.payload == b"opus"


def test_rtp_payload_skips_csrcs_extension_and_padding() -> None:
    data = rtp(b"opus", seq=1, ts=1, csrc=2, extension=b"\x10\xff\x00\x00", padding=4)
    assert RtpPacket.parse(data).payload == b"opus"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"\x80\x6f\x00", "shorter"),
        (b"\x40" + rtp(b"x", seq=1, ts=1)[1:], "version"),
        (rtp(b"x", seq=1, ts=1, pt=72), "RTCP"),  # 200 (sender report) & 0x7f
        (b"\xa0" + rtp(b"x", seq=1, ts=1)[1:-1] + b"\x09", "padding longer than the packet"),
    ],
)
def test_rtp_parser_refuses_what_is_not_rtp(data: bytes, why: str) -> None:
    with pytest.raises(RtpError):
        RtpPacket.parse(data)


# --- Opus recordings, decoded to WAV ------------------------------------------------------


def test_silence_the_sender_did_not_send_is_written_by_timestamp(tmp_path: Path) -> None:
    # One second of tone, then 1.5 s without packets (DTX, a host's mute), then one more second.
    packets = opus_packets(tone(2.0))
    feed = []
    for i, payload in enumerate(packets):
        ts = i * FRAME + (72_000 if i >= 50 else 0)
        feed.append((rtp(payload, seq=i, ts=ts), 100.0 + ts / 48_000))
    recorder, audio = capture(tmp_path / "a.wav", feed)
    assert recorder.packets == len(packets) and recorder.dropped == 0
    assert recorder.duration == pytest.approx(3.5, abs=0.05)
    assert len(audio) / SAMPLE_RATE == pytest.approx(3.5, abs=0.05)
    loud = np.abs(audio) > 0.05
    assert loud[: SAMPLE_RATE - 800].mean() > 0.5
    assert not loud[round(1.1 * SAMPLE_RATE) : round(2.4 * SAMPLE_RATE)].any()
    assert loud[round(2.6 * SAMPLE_RATE) :].mean() > 0.5
    assert recorder.first_arrival == 100.0


def test_other_sources_rtcp_and_late_packets_are_dropped(tmp_path: Path) -> None:
    packets = opus_packets(tone(1.0))
    feed = [(rtp(p, seq=i, ts=i * FRAME), i * 0.02) for i, p in enumerate(packets)]
    feed.insert(10, (rtp(packets[3], seq=99, ts=3 * FRAME + 100, ssrc=0xBAD), 0.2))
    feed.insert(20, (b"\x81\xc8\x00\x06" + b"\x00" * 24, 0.4))  # an RTCP sender report
    feed.append((rtp(packets[0], seq=0, ts=0), 1.1))  # a second late
    recorder, audio = capture(tmp_path / "a.wav", feed)
    assert recorder.dropped == 3
    assert len(audio) / SAMPLE_RATE == pytest.approx(1.0, abs=0.05)


def test_timestamps_wrapping_around_keep_the_audio_continuous(tmp_path: Path) -> None:
    packets = opus_packets(tone(1.0))
    start = 0xFFFFFFFF - 10 * FRAME
    feed = [(rtp(p, seq=i, ts=start + i * FRAME), i * 0.02) for i, p in enumerate(packets)]
    _, audio = capture(tmp_path / "a.wav", feed)
    assert len(audio) / SAMPLE_RATE == pytest.approx(1.0, abs=0.05)


def test_a_sender_clock_that_jumps_is_re_anchored_to_arrival_time(tmp_path: Path) -> None:
    packets = opus_packets(tone(1.0))
    feed = []
    for i, payload in enumerate(packets):
        ts = i * FRAME + (48_000 * 3600 if i >= 25 else 0)  # an hour ahead, mid-stream
        feed.append((rtp(payload, seq=i, ts=ts), i * 0.02))
    _, audio = capture(tmp_path / "a.wav", feed)
    # Not an hour of silence: the file follows the wall clock.
    assert len(audio) / SAMPLE_RATE == pytest.approx(1.0, abs=0.1)


def test_packets_out_of_order_are_put_back_in_their_place(tmp_path: Path) -> None:
    packets = opus_packets(tone(1.0))
    in_order = [(rtp(p, seq=i, ts=i * FRAME), i * 0.02) for i, p in enumerate(packets)]
    _, reference = capture(tmp_path / "reference.wav", in_order)
    feed = list(in_order)
    feed[10], feed[11] = feed[11], feed[10]
    feed.insert(30, feed[29])  # and one sent twice
    _, audio = capture(tmp_path / "a.wav", feed)
    # The same samples as in order: nothing decoded twice, nothing shifted.
    assert len(audio) == len(reference)
    assert np.abs(audio - reference).max() < 0.05


def test_opus_packet_durations_come_from_their_table_of_contents() -> None:
    assert opus_samples(bytes([0b01111_0_00])) == 960  # hybrid 20 ms, one frame
    assert opus_samples(bytes([0b00001_0_01])) == 1920  # SILK 20 ms, two frames
    assert opus_samples(bytes([0b11110_0_11, 3])) == 3 * 480  # CELT 10 ms, three frames
    assert opus_samples(b"") == 0
    assert all(opus_samples(p) == FRAME for p in opus_packets(tone(0.2)))


# --- crash-safe files ---------------------------------------------------------------------


def test_a_file_being_written_is_readable_and_a_closed_one_has_its_sizes(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    writer = WavWriter(path)
    writer.write(np.full(SAMPLE_RATE, 1000, dtype=np.int16))
    writer.flush()
    # Unknown size in the header (a crash now): FFmpeg reads to the end of the file.
    assert len(load_audio(path)) == SAMPLE_RATE
    writer.silence(SAMPLE_RATE // 2)
    writer.close()
    with wave.open(str(path)) as closed:
        assert closed.getnframes() == SAMPLE_RATE * 3 // 2
        assert closed.getframerate() == SAMPLE_RATE and closed.getnchannels() == 1
    assert writer.duration == 1.5


def test_a_recording_cut_short_by_a_crash_keeps_what_was_whole(tmp_path: Path) -> None:
    path = tmp_path / f"a{RECORDING_SUFFIX}"
    recorder = OpusRecorder(path)
    for i, payload in enumerate(opus_packets(tone(1.0))):
        recorder.feed(rtp(payload, seq=i, ts=i * FRAME), i * 0.02)
    recorder.flush()
    whole = path.read_bytes()
    path.write_bytes(whole[:-5])  # the last record half written
    assert captured_seconds(path) == pytest.approx(0.98, abs=0.001)
    assert len(read_recording(path)) == recorder.packets - 1
    assert decode_recording(path, tmp_path / "a.wav") == pytest.approx(0.98, abs=0.03)
    recorder.close()


def test_what_is_not_a_recording_is_refused(tmp_path: Path) -> None:
    path = tmp_path / f"a{RECORDING_SUFFIX}"
    path.write_bytes(b"RIFF" + bytes(60))
    with pytest.raises(RecordingError):
        decode_recording(path, tmp_path / "a.wav")
    assert captured_seconds(path) == 0.0
    assert captured_seconds(tmp_path / f"missing{RECORDING_SUFFIX}") == 0.0


def test_repair_writes_the_sizes_a_crash_left_unknown(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    path.write_bytes(wav_header() + np.zeros(8000, dtype="<i2").tobytes() + b"\x01")
    assert repair_wav(path) == 0.5
    with wave.open(str(path)) as repaired:
        assert repaired.getnframes() == 8000
    assert repair_wav(tmp_path / "missing.wav") == 0.0
