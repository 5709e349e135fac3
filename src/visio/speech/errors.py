"""Errors of the speech pipeline, each with a stable code (see :mod:`visio.errors`).

Audio errors name the file; configuration errors name the setting (its
``VISIO_*`` variable) and the path, so that an operator can fix them without
reading code.
"""

from __future__ import annotations

from visio.errors import VisioError


class SpeechError(VisioError):
    code = "speech_error"
    http_status = 500
    default_message = "The transcript could not be made"


class AudioMissing(SpeechError):
    """An audio file of a track does not exist (or cannot be opened)."""

    code = "audio_missing"
    http_status = 500
    default_message = "An audio file of the meeting is missing"


class AudioUnreadable(SpeechError):
    """An audio file exists but cannot be decoded (corrupt, truncated, not audio)."""

    code = "audio_unreadable"
    http_status = 422
    default_message = "An audio file of the meeting cannot be decoded"


class LanguageNotSupported(SpeechError):
    """The speech model cannot transcribe the meeting's language; nothing was decoded."""

    code = "speech_language_unsupported"
    http_status = 422
    default_message = "The speech model cannot transcribe this language"


class SpeechModelMissing(SpeechError):
    """A configured model folder is missing or is not a model of the expected kind."""

    code = "speech_model_missing"
    http_status = 503
    default_message = "A speech model folder is missing or invalid"


class SpeechEngineUnavailable(SpeechError):
    """The configured engine's Python package is not installed (or fails to import)."""

    code = "speech_engine_unavailable"
    http_status = 503
    default_message = "A speech engine is not installed"
