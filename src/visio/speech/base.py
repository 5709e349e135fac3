"""The interfaces of the speech engines, and the small values they exchange.

All audio is mono float32 PCM in [-1, 1] at :data:`SAMPLE_RATE` (16 kHz), as a
1-D numpy array; all times are seconds from the first sample of that array.
Engines know nothing about meetings: the pipeline (:mod:`visio.speech.pipeline`)
puts their results on the meeting clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

SAMPLE_RATE = 16_000

#: Mono float32 PCM at :data:`SAMPLE_RATE`.
Samples = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class SpeechRegion:
    """A stretch of audio that contains speech, ``start < end``."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class RecognizedWord:
    start: float
    end: float
    #: As the model wrote it, with its leading space and punctuation.
    text: str
    #: The model's probability for the word, 0..1.
    probability: float


@dataclass(frozen=True, slots=True)
class RecognizedSegment:
    start: float
    end: float
    text: str
    words: tuple[RecognizedWord, ...]


@dataclass(frozen=True, slots=True)
class SpeakerTurn:
    """A stretch of audio attributed to one voice; ``speaker`` numbers voices from 0."""

    start: float
    end: float
    speaker: int


class VoiceActivityDetector(Protocol):
    """Finds where people speak."""

    @property
    def name(self) -> str: ...

    def detect(self, samples: Samples) -> list[SpeechRegion]:
        """The speech regions of ``samples``, ordered and not overlapping.

        Returns an empty list for silence or noise.  Raises ``ValueError`` for
        audio that is not 1-D float32.
        """
        ...


class SpeechRecognizer(Protocol):
    """Turns speech into words with their timestamps."""

    @property
    def name(self) -> str: ...

    @property
    def model_name(self) -> str:
        """The model in use (a folder name for local models)."""
        ...

    @property
    def languages(self) -> frozenset[str]:
        """The ISO 639-1 codes the model can transcribe (``{"en"}`` for an English-only model)."""
        ...

    def check_language(self, language: str) -> str:
        """The model's code for ``language`` (``"fr-FR"`` → ``"fr"``).

        Raises :class:`~visio.speech.errors.LanguageNotSupported` when the
        model cannot do it, without loading or running anything heavy.
        """
        ...

    def transcribe(self, samples: Samples, language: str) -> list[RecognizedSegment]:
        """The segments spoken in ``samples``, in order; an empty list when nothing is said.

        Raises :class:`~visio.speech.errors.LanguageNotSupported` before any
        decoding when the model cannot do ``language``.
        """
        ...


class Diarizer(Protocol):
    """Tells voices apart in a track that several people share (a room microphone)."""

    @property
    def name(self) -> str: ...

    def diarize(
        self, samples: Samples, regions: Sequence[SpeechRegion], max_speakers: int
    ) -> list[SpeakerTurn]:
        """Who speaks when, inside the given speech regions, ordered by start.

        The number of voices (1..``max_speakers``) is estimated; voices are
        numbered by first appearance.  Returns an empty list when ``regions`` is.
        """
        ...


@dataclass(frozen=True, slots=True)
class CaptionUpdate:
    """Live-caption text for ``start..end`` of the stream; ``final`` text will not change."""

    start: float
    end: float
    text: str
    final: bool


class CaptionStream(Protocol):
    """One speaker's live audio being captioned.  Not thread-safe: feed it from one task."""

    def accept(self, samples: Samples) -> list[CaptionUpdate]:
        """Feeds the next samples; returns the captions that changed (often none)."""
        ...

    def finish(self) -> list[CaptionUpdate]:
        """Ends the stream; returns the last, final captions."""
        ...


class StreamingRecognizer(Protocol):
    """Live captions (no engine ships yet: see docs/speech.md)."""

    @property
    def name(self) -> str: ...

    @property
    def languages(self) -> frozenset[str]: ...

    def open(self, language: str) -> CaptionStream:
        """A new stream; raises ``LanguageNotSupported`` for a language the engine cannot do."""
        ...
