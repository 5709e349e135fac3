"""Speech test fixtures: espeak-ng audio made once per session, engines loaded once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.speech_fixtures import (
    SENTENCES,
    VOICE_A,
    VOICE_B,
    VOICE_FR,
    Utterance,
    conversation,
    synthesize,
    write_wav,
)
from visio.speech.asr import WhisperRecognizer
from visio.speech.base import SAMPLE_RATE
from visio.speech.diarize import ResemblyzerDiarizer, resemblyzer_available
from visio.speech.engines import SpeechEngines
from visio.speech.pipeline import TranscriptPipeline
from visio.speech.vad import SileroVad

requires_diarization = pytest.mark.skipif(
    not resemblyzer_available(),
    reason="the 'diarization' extra (torch, resemblyzer) is not installed;"
    " scripts/install.sh --test installs it",
)


@dataclass(frozen=True)
class Meeting:
    """Two people taking turns, each on their own track, plus their mix and silence."""

    utterances: list[Utterance]
    track_a: Path
    track_b: Path
    mix: Path
    silence: Path
    duration: float


@pytest.fixture(scope="session")
def speech_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture(scope="session")
def meeting(speech_dir: Path) -> Meeting:
    turns = [(VOICE_A if i % 2 == 0 else VOICE_B, text) for i, text in enumerate(SENTENCES[:6])]
    utterances, tracks, mix = conversation(turns, pause=0.7, lead=1.0)
    duration = len(mix) / SAMPLE_RATE
    return Meeting(
        utterances=utterances,
        track_a=write_wav(speech_dir / "a.wav", tracks["a"]),
        track_b=write_wav(speech_dir / "b.wav", tracks["b"]),
        mix=write_wav(speech_dir / "mix.wav", mix),
        silence=write_wav(speech_dir / "silence.wav", np.zeros(len(mix), dtype=np.float32)),
        duration=duration,
    )


@pytest.fixture(scope="session")
def french_wav(speech_dir: Path) -> Path:
    text = "Bonjour à tous, la réunion commence maintenant. Nous parlons du budget."
    return write_wav(speech_dir / "fr.wav", synthesize(text, VOICE_FR))


@pytest.fixture(scope="session")
def vad() -> SileroVad:
    return SileroVad()


@pytest.fixture(scope="session")
def recognizer() -> WhisperRecognizer:
    return WhisperRecognizer()


@pytest.fixture(scope="session")
def diarizer() -> ResemblyzerDiarizer:
    return ResemblyzerDiarizer()


@pytest.fixture(scope="session")
def pipeline(
    vad: SileroVad, recognizer: WhisperRecognizer, diarizer: ResemblyzerDiarizer
) -> TranscriptPipeline:
    return TranscriptPipeline(SpeechEngines(vad=vad, asr=recognizer, diarizer=diarizer))
