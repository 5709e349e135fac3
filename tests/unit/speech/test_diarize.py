from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from tests.speech_fixtures import SENTENCES, VOICE_B, conversation, read_wav
from tests.unit.speech.conftest import Meeting, requires_diarization
from visio.speech.base import SAMPLE_RATE, SpeakerTurn, SpeechRegion
from visio.speech.diarize import (
    NoDiarizer,
    PyannoteDiarizer,
    ResemblyzerDiarizer,
    cluster,
    estimate_speakers,
    smooth,
    turns_from_windows,
)
from visio.speech.errors import SpeechEngineUnavailable, SpeechModelMissing
from visio.speech.metrics import der
from visio.speech.vad import SileroVad


def voices(centres: int, per_voice: int, spread: float, seed: int = 0) -> np.ndarray:
    """Unit vectors scattered around ``centres`` random directions (like speaker embeddings)."""
    rng = np.random.default_rng(seed)
    points = []
    for _ in range(centres):
        centre = np.abs(rng.normal(size=256))
        centre /= np.linalg.norm(centre)
        points.append(centre + rng.normal(scale=spread / 16, size=(per_voice, 256)))
    stacked = np.concatenate(points)
    return np.asarray(stacked / np.linalg.norm(stacked, axis=1, keepdims=True))


@pytest.mark.parametrize("count", [1, 2, 3, 5])
def test_the_eigengap_finds_the_number_of_voices(count: int) -> None:
    speakers, spectral = estimate_speakers(voices(count, 12, spread=0.5), max_speakers=8)
    assert speakers == count
    assert spectral.shape == (12 * count, count)


@requires_diarization  # scikit-learn's KMeans
def test_many_windows_are_clustered_on_a_sample_then_assigned() -> None:
    embeddings = voices(3, 40, spread=0.5)
    labels = cluster(embeddings, max_speakers=8, max_points=30)
    assert labels.tolist() == [0] * 40 + [1] * 40 + [2] * 40


def test_the_number_of_voices_is_capped() -> None:
    speakers, _ = estimate_speakers(voices(4, 10, spread=0.5), max_speakers=2)
    assert speakers <= 2


def test_a_lone_window_takes_its_neighbours_voice() -> None:
    assert smooth([0, 0, 1, 0, 0, 1, 1]) == [0, 0, 0, 0, 0, 1, 1]


def test_turns_change_voice_halfway_between_windows() -> None:
    regions = [SpeechRegion(0.0, 3.0), SpeechRegion(5.0, 5.3)]
    windows = [(0, 0.0, 1.5), (0, 0.75, 2.25), (0, 1.5, 3.0)]
    turns = turns_from_windows(regions, windows, [0, 1, 1])
    assert turns == [
        SpeakerTurn(0.0, 1.125, 0),
        SpeakerTurn(1.125, 3.0, 1),
        # A region too short for a window takes the nearest window's voice.
        SpeakerTurn(5.0, 5.3, 1),
    ]


def test_no_diarizer_hears_one_voice() -> None:
    regions = [SpeechRegion(0, 1), SpeechRegion(2, 3)]
    samples = np.zeros(3 * SAMPLE_RATE, dtype=np.float32)
    assert {t.speaker for t in NoDiarizer().diarize(samples, regions, 8)} == {0}


@requires_diarization
def test_two_voices_taking_turns_are_told_apart(
    diarizer: ResemblyzerDiarizer, vad: SileroVad, meeting: Meeting
) -> None:
    samples = read_wav(meeting.mix)
    turns = diarizer.diarize(samples, vad.detect(samples), max_speakers=8)
    assert len({t.speaker for t in turns}) == 2
    reference = [(u.start, u.end, u.voice.name) for u in meeting.utterances]
    hypothesis = [(t.start, t.end, t.speaker) for t in turns]
    assert der(reference, hypothesis) <= 0.10


@requires_diarization
def test_one_voice_is_not_split(diarizer: ResemblyzerDiarizer, vad: SileroVad) -> None:
    _, _, mix = conversation([(VOICE_B, text) for text in SENTENCES[6:11]], pause=0.7)
    turns = diarizer.diarize(mix, vad.detect(mix), max_speakers=8)
    assert turns
    assert {t.speaker for t in turns} == {0}


@requires_diarization
def test_no_speech_no_turns(diarizer: ResemblyzerDiarizer) -> None:
    assert diarizer.diarize(np.zeros(SAMPLE_RATE, dtype=np.float32), [], 8) == []


def test_resemblyzer_missing_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    # A None entry makes `import resemblyzer` fail as if the package were absent.
    monkeypatch.setitem(sys.modules, "resemblyzer", None)
    samples = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    with pytest.raises(SpeechEngineUnavailable) as caught:
        ResemblyzerDiarizer().diarize(samples, [SpeechRegion(0.0, 2.0)], 8)
    assert caught.value.code == "speech_engine_unavailable"
    assert "'diarization' extra" in caught.value.message
    assert caught.value.details["extra"] == "diarization"


def test_pyannote_without_a_folder_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SpeechModelMissing, match="VISIO_DIARIZATION_MODEL_DIR"):
        PyannoteDiarizer(None)
    with pytest.raises(SpeechModelMissing, match="does not exist") as caught:
        PyannoteDiarizer(tmp_path / "pyannote")
    assert caught.value.details["path"] == str(tmp_path / "pyannote")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SpeechModelMissing, match=r"has no config\.yaml"):
        PyannoteDiarizer(tmp_path / "empty")


def test_pyannote_without_its_package_says_what_to_install(tmp_path: Path) -> None:
    try:
        import pyannote.audio  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("pyannote.audio is installed here")
    (tmp_path / "config.yaml").write_text("pipeline: {}\n")
    diarizer = PyannoteDiarizer(tmp_path)
    samples = np.zeros(2 * SAMPLE_RATE, dtype=np.float32)
    with pytest.raises(SpeechEngineUnavailable, match=r"pyannote\.audio") as caught:
        diarizer.diarize(samples, [SpeechRegion(0.0, 2.0)], 4)
    assert caught.value.details["package"] == "pyannote.audio"
