"""Offline speech: voice activity, recognition, diarization, and the transcript pipeline.

Knows nothing about meetings or Janus: its input is per-participant audio
files on disk (:class:`Track`), its output a :class:`Transcript`.  Importing
it loads no model; engines load theirs on first use.

    engines = build_engines(settings)          # checks model folders
    pipeline = TranscriptPipeline(engines)     # reuse it: models stay loaded
    transcript = pipeline.run(tracks, "fr", progress=lambda f, stage: ...)
"""

from visio.speech.engines import SpeechEngines, build_engines, check_engines
from visio.speech.errors import (
    AudioMissing,
    AudioUnreadable,
    LanguageNotSupported,
    SpeechEngineUnavailable,
    SpeechError,
    SpeechModelMissing,
)
from visio.speech.export import MEDIA_TYPES, ExportFormat, export
from visio.speech.pipeline import AudioPart, ProgressCallback, Track, TranscriptPipeline
from visio.speech.transcript import Engines, Segment, Speaker, Transcript, TranscriptStatus, Word

__all__ = [
    "MEDIA_TYPES",
    "AudioMissing",
    "AudioPart",
    "AudioUnreadable",
    "Engines",
    "ExportFormat",
    "LanguageNotSupported",
    "ProgressCallback",
    "Segment",
    "Speaker",
    "SpeechEngineUnavailable",
    "SpeechEngines",
    "SpeechError",
    "SpeechModelMissing",
    "Track",
    "Transcript",
    "TranscriptPipeline",
    "TranscriptStatus",
    "Word",
    "build_engines",
    "check_engines",
    "export",
]
