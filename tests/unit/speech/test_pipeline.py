from __future__ import annotations

import subprocess
from collections import Counter
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

import numpy as np
import pytest

from tests.speech_fixtures import read_wav, write_wav
from tests.unit.speech.conftest import Meeting, requires_diarization
from visio.speech import (
    AudioMissing,
    AudioPart,
    AudioUnreadable,
    LanguageNotSupported,
    Track,
    Transcript,
    TranscriptPipeline,
    TranscriptStatus,
)
from visio.speech.audio import load_audio
from visio.speech.base import SAMPLE_RATE
from visio.speech.metrics import wer

NAMES = {"a": "Alice Martin", "b": "Bob Durand"}


@dataclass(frozen=True)
class Run:
    transcript: Transcript
    progress: list[tuple[float, str]]


@pytest.fixture(scope="module")
def two_people_and_a_silent_one(
    pipeline: TranscriptPipeline, meeting: Meeting, tmp_path_factory: pytest.TempPathFactory
) -> Run:
    """Alice left and came back (two files); Bob's file starts 2 s into the meeting."""
    folder = tmp_path_factory.mktemp("pipeline")
    alice = read_wav(meeting.track_a)
    first_b = next(u for u in meeting.utterances if u.voice.name == "b")
    cut = round((first_b.start + 0.2) * SAMPLE_RATE)  # Alice is silent while Bob speaks
    bob_late = read_wav(meeting.track_b)[2 * SAMPLE_RATE :]
    tracks = [
        Track(
            speaker_id="u-alice",
            speaker_name=NAMES["a"],
            parts=[
                AudioPart(path=write_wav(folder / "alice-1.wav", alice[:cut]), start=0.0),
                AudioPart(
                    path=write_wav(folder / "alice-2.wav", alice[cut:]), start=cut / SAMPLE_RATE
                ),
            ],
        ),
        Track.from_file("u-bob", NAMES["b"], write_wav(folder / "bob.wav", bob_late), start=2.0),
        Track.from_file("u-carol", "Carol", meeting.silence),
    ]
    progress: list[tuple[float, str]] = []
    transcript = pipeline.run(tracks, "en", progress=lambda f, s: progress.append((f, s)))
    return Run(transcript, progress)


def test_words_are_ordered_by_speaker_and_time(
    two_people_and_a_silent_one: Run, meeting: Meeting
) -> None:
    transcript = two_people_and_a_silent_one.transcript
    assert transcript.status is TranscriptStatus.COMPLETE
    turns = [label for label, _ in groupby(s.speaker_label for s in transcript.segments)]
    assert turns == [NAMES[u.voice.name] for u in meeting.utterances]
    reference = " ".join(u.text for u in meeting.utterances)
    assert wer(reference, transcript.text) <= 0.15, transcript.text
    starts = [s.start for s in transcript.segments]
    assert starts == sorted(starts)


def test_times_are_on_the_meeting_clock(two_people_and_a_silent_one: Run, meeting: Meeting) -> None:
    transcript = two_people_and_a_silent_one.transcript
    for segment in transcript.segments:
        said = [u for u in meeting.utterances if NAMES[u.voice.name] == segment.speaker_label]
        assert any(u.start - 0.7 <= segment.start and segment.end <= u.end + 0.7 for u in said)
        assert all(segment.start <= w.start <= w.end <= segment.end for w in segment.words)
    assert transcript.duration == pytest.approx(meeting.duration, abs=0.01)


def test_the_speakers_are_listed_once_and_silence_is_not_one(
    two_people_and_a_silent_one: Run,
) -> None:
    transcript = two_people_and_a_silent_one.transcript
    assert [(s.speaker_id, s.label) for s in transcript.speakers] == [
        ("u-alice", NAMES["a"]),
        ("u-bob", NAMES["b"]),
    ]
    assert transcript.engines.model_dump() == {
        "vad": "silero",
        "asr": "faster-whisper",
        "asr_model": "tiny.en (bundled)",
        "diarization": None,
    }


def test_progress_goes_from_zero_to_done(two_people_and_a_silent_one: Run) -> None:
    progress = two_people_and_a_silent_one.progress
    fractions = [f for f, _ in progress]
    assert fractions[0] == 0.0
    assert fractions == sorted(fractions)
    assert progress[-1] == (1.0, "done")
    assert {"decoding", "detecting speech", "transcribing"} <= {s for _, s in progress}


@requires_diarization
def test_a_shared_microphone_is_split_into_its_voices(
    pipeline: TranscriptPipeline, meeting: Meeting
) -> None:
    track = Track.from_file("room-a", "Salle A", meeting.mix, shared_mic=True)
    transcript = pipeline.run([track], "en")
    assert {s.label for s in transcript.speakers} == {"Salle A (1)", "Salle A (2)"}
    assert all(s.speaker_id == "room-a" and s.shared_mic for s in transcript.speakers)
    assert transcript.engines.diarization == "resemblyzer"
    # Each word's label matches the voice that said it (one label per voice).
    pairs: Counter[tuple[str, str]] = Counter()
    for segment in transcript.segments:
        for word in segment.words:
            middle = (word.start + word.end) / 2
            said = min(
                meeting.utterances,
                key=lambda u: (
                    0.0
                    if u.start <= middle <= u.end
                    else min(abs(u.start - middle), abs(u.end - middle))
                ),
            )
            pairs[(said.voice.name, segment.speaker_label)] += 1
    consistent = max(
        pairs[("a", "Salle A (1)")] + pairs[("b", "Salle A (2)")],
        pairs[("a", "Salle A (2)")] + pairs[("b", "Salle A (1)")],
    )
    assert consistent >= 0.9 * sum(pairs.values())


def test_silence_only_gives_an_empty_transcript(
    pipeline: TranscriptPipeline, meeting: Meeting
) -> None:
    transcript = pipeline.run([Track.from_file("u-carol", "Carol", meeting.silence)], "en")
    assert transcript.status is TranscriptStatus.EMPTY
    assert transcript.segments == []
    assert transcript.speakers == []
    assert transcript.audio_seconds == pytest.approx(meeting.duration, abs=0.01)
    assert pipeline.run([], "en").status is TranscriptStatus.EMPTY


def test_a_corrupt_file_is_a_coded_error(pipeline: TranscriptPipeline, tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 20)
    with pytest.raises(AudioUnreadable) as caught:
        pipeline.run([Track.from_file("u-x", "X", corrupt)], "en")
    assert caught.value.code == "audio_unreadable"
    assert caught.value.details["path"] == str(corrupt)


def test_an_empty_file_is_a_coded_error(pipeline: TranscriptPipeline, tmp_path: Path) -> None:
    empty = tmp_path / "empty.webm"
    empty.write_bytes(b"")
    with pytest.raises(AudioUnreadable):
        pipeline.run([Track.from_file("u-x", "X", empty)], "en")


def test_a_missing_file_fails_before_anything_is_decoded(
    pipeline: TranscriptPipeline, meeting: Meeting, tmp_path: Path
) -> None:
    progress: list[tuple[float, str]] = []
    tracks = [
        Track.from_file("u-alice", "Alice", meeting.track_a),
        Track.from_file("u-bob", "Bob", tmp_path / "gone.opus"),
    ]
    with pytest.raises(AudioMissing) as caught:
        pipeline.run(tracks, "en", progress=lambda f, s: progress.append((f, s)))
    assert caught.value.code == "audio_missing"
    assert caught.value.details["speaker_id"] == "u-bob"
    assert progress == [(0.0, "decoding")]


def test_french_is_refused_with_the_english_model(
    pipeline: TranscriptPipeline, french_wav: Path
) -> None:
    with pytest.raises(LanguageNotSupported) as caught:
        pipeline.run([Track.from_file("u-x", "X", french_wav)], "fr")
    assert caught.value.code == "speech_language_unsupported"


def test_audio_in_other_containers_is_decoded(tmp_path: Path) -> None:
    wav = write_wav(tmp_path / "tone.wav", np.sin(np.arange(SAMPLE_RATE) / 5).astype(np.float32))
    opus = tmp_path / "tone.ogg"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-c:a", "libopus", str(opus)],
        check=True,
    )
    samples = load_audio(opus)
    assert samples.dtype == np.float32
    assert len(samples) == pytest.approx(SAMPLE_RATE, abs=SAMPLE_RATE * 0.05)


def test_a_track_needs_at_least_one_file() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        Track(speaker_id="u", speaker_name="U", parts=[])
