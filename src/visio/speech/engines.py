"""Choosing the speech engines from the settings.

Building the engines checks the model folders (cheap) and imports nothing
heavy; each engine loads its model on first use and keeps it.
"""

from __future__ import annotations

from dataclasses import dataclass

from visio.config import Settings
from visio.speech.asr import WhisperRecognizer
from visio.speech.base import Diarizer, SpeechRecognizer, VoiceActivityDetector
from visio.speech.diarize import (
    INSTALL_HINT,
    NoDiarizer,
    PyannoteDiarizer,
    ResemblyzerDiarizer,
    resemblyzer_available,
)
from visio.speech.errors import SpeechError
from visio.speech.vad import NoVad, SileroVad


@dataclass(frozen=True)
class SpeechEngines:
    vad: VoiceActivityDetector
    asr: SpeechRecognizer
    #: Used for shared-microphone tracks only.
    diarizer: Diarizer
    max_speakers: int = 8


def build_vad(settings: Settings) -> VoiceActivityDetector:
    return SileroVad() if settings.vad_engine == "silero" else NoVad()


def build_recognizer(settings: Settings) -> WhisperRecognizer:
    """Raises ``SpeechModelMissing`` naming VISIO_ASR_MODEL_DIR when its folder is unusable."""
    return WhisperRecognizer(
        settings.asr_model_dir,
        compute_type=settings.asr_compute_type,
        cpu_threads=settings.asr_cpu_threads,
        beam_size=settings.asr_beam_size,
    )


def build_diarizer(settings: Settings) -> Diarizer:
    """Raises ``SpeechModelMissing`` for a pyannote engine without a usable folder.

    A resemblyzer engine whose packages are missing is built all the same and
    raises ``SpeechEngineUnavailable`` (naming the extra) when first used, so
    that meetings without a shared microphone are still transcribed.
    """
    if settings.diarization_engine == "resemblyzer":
        return ResemblyzerDiarizer()
    if settings.diarization_engine == "pyannote":
        return PyannoteDiarizer(settings.diarization_model_dir)
    return NoDiarizer()


def build_engines(settings: Settings) -> SpeechEngines:
    return SpeechEngines(
        vad=build_vad(settings),
        asr=build_recognizer(settings),
        diarizer=build_diarizer(settings),
        max_speakers=settings.diarization_max_speakers,
    )


def check_engines(settings: Settings) -> list[str]:
    """Problems with the speech configuration, for ``visio doctor`` (empty: all fine)."""
    problems: list[str] = []
    for build in (build_vad, build_recognizer, build_diarizer):
        try:
            build(settings)
        except SpeechError as exc:
            problems.append(exc.message)
    if settings.diarization_engine == "resemblyzer" and not resemblyzer_available():
        problems.append(
            "VISIO_DIARIZATION_ENGINE=resemblyzer: shared microphones cannot be diarized; "
            + INSTALL_HINT
        )
    return problems
