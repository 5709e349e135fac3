"""Telling voices apart inside one track: resemblyzer (default), pyannote, and none.

resemblyzer (extra ``diarization``): GE2E speaker embeddings on 1.5 s windows
every 0.75 s over the speech regions, then spectral clustering.  The number
of voices is the one with the largest eigengap of the affinity graph's
Laplacian (self-tuning local scaling, Zelnik-Manor & Perona 2004); a fixed
similarity threshold is not used, because same- and cross-speaker
similarities overlap on real speech (0.67-0.79 measured) and such a threshold
split one speaker into three.
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
import os
import threading
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from visio.speech.base import SAMPLE_RATE, Samples, SpeakerTurn, SpeechRegion
from visio.speech.errors import SpeechEngineUnavailable, SpeechModelMissing

log = logging.getLogger(__name__)

WINDOW_SECONDS = 1.5
HOP_SECONDS = 0.75
#: Regions shorter than this get no embedding of their own (too little voice
#: to say whose it is); they take the label of the nearest embedded window.
MIN_EMBED_SECONDS = 0.5
#: The neighbour whose distance sets each point's scale in the affinity graph.
LOCAL_SCALE_NEIGHBOUR = 7
#: Most windows clustered at once (a 1,500-point eigendecomposition takes about a second).
MAX_SPECTRAL_POINTS = 1500
#: mel frames per second in resemblyzer (10 ms hop)
_MEL_RATE = 100

FloatArray = npt.NDArray[np.float64]

INSTALL_HINT = (
    "install the 'diarization' extra: scripts/install.sh --diarization"
    " (or pip install 'visio[diarization]' then pip install --no-deps resemblyzer==0.1.4),"
    " or set VISIO_DIARIZATION_ENGINE=none"
)


def resemblyzer_available() -> bool:
    """Whether the packages of the ``diarization`` extra are installed (nothing is imported)."""
    return all(
        importlib.util.find_spec(name) is not None
        for name in ("resemblyzer", "torch", "librosa", "webrtcvad", "sklearn")
    )


# --- clustering (pure numpy, plus scikit-learn's KMeans) ---------------------------


def estimate_speakers(embeddings: FloatArray, max_speakers: int) -> tuple[int, FloatArray]:
    """The number of voices (1..``max_speakers``) and the spectral embedding of each point.

    Builds a locally scaled affinity graph of the cosine distances, and takes
    the count with the largest gap between consecutive eigenvalues of its
    normalized Laplacian.
    """
    count = len(embeddings)
    if count < 3 or max_speakers < 2:
        return 1, np.ones((count, 1))
    distance = np.clip(1.0 - embeddings @ embeddings.T, 0.0, 2.0)
    neighbour = min(LOCAL_SCALE_NEIGHBOUR, count - 1)
    scale = np.maximum(np.sort(distance, axis=1)[:, neighbour], 1e-6)
    affinity = np.exp(-(distance**2) / np.outer(scale, scale))
    np.fill_diagonal(affinity, 0.0)
    inv_sqrt_degree = 1.0 / np.sqrt(np.maximum(affinity.sum(axis=1), 1e-12))
    laplacian = np.eye(count) - inv_sqrt_degree[:, None] * affinity * inv_sqrt_degree[None, :]
    values, vectors = np.linalg.eigh(laplacian)
    limit = min(max_speakers, count - 1)
    gaps = np.diff(values[: limit + 1])
    speakers = int(np.argmax(gaps)) + 1
    spectral = vectors[:, :speakers]
    norms = np.linalg.norm(spectral, axis=1, keepdims=True)
    return speakers, spectral / np.maximum(norms, 1e-12)


def cluster(
    embeddings: FloatArray, max_speakers: int, max_points: int = MAX_SPECTRAL_POINTS
) -> npt.NDArray[np.int64]:
    """A voice label per embedding (L2-normalised rows), voices numbered by first appearance.

    Past ``max_points`` windows (about 20 minutes of speech) the spectral
    step runs on an even sample of them, since its cost grows with the cube
    of their number; every window then joins the nearest voice centroid.
    """
    sample = embeddings
    if len(embeddings) > max_points:
        sample = embeddings[np.linspace(0, len(embeddings) - 1, max_points).round().astype(int)]
    speakers, spectral = estimate_speakers(sample, max_speakers)
    if speakers == 1:
        return np.zeros(len(embeddings), dtype=np.int64)
    from sklearn.cluster import KMeans

    raw = np.asarray(KMeans(n_clusters=speakers, n_init=10, random_state=0).fit_predict(spectral))
    if sample is not embeddings:
        centroids = np.stack([sample[raw == label].mean(axis=0) for label in range(speakers)])
        raw = np.argmax(embeddings @ centroids.T, axis=1)
    order: dict[int, int] = {}
    for label in raw.tolist():
        order.setdefault(int(label), len(order))
    return np.array([order[int(label)] for label in raw.tolist()], dtype=np.int64)


def smooth(labels: Sequence[int]) -> list[int]:
    """A lone label between two equal neighbours takes theirs (a window is 1.5 s: no real turn
    is that short and surrounded by the same voice)."""
    out = list(labels)
    for index in range(1, len(out) - 1):
        if out[index - 1] == out[index + 1] != out[index]:
            out[index] = out[index - 1]
    return out


def turns_from_windows(
    regions: Sequence[SpeechRegion],
    windows: Sequence[tuple[int, float, float]],
    labels: Sequence[int],
) -> list[SpeakerTurn]:
    """Speaker turns covering ``regions``, from labelled windows ``(region index, start, end)``.

    Each instant of a region takes the label of the window whose centre is
    nearest; regions without a window take the nearest window's label.
    """
    if not windows:
        return [SpeakerTurn(r.start, r.end, 0) for r in regions]
    centres = np.array([(start + end) / 2 for _, start, end in windows])
    by_region: dict[int, list[int]] = {}
    for index, (region_index, _, _) in enumerate(windows):
        by_region.setdefault(region_index, []).append(index)
    turns: list[SpeakerTurn] = []
    for region_index, region in enumerate(regions):
        members = by_region.get(region_index)
        if not members:
            nearest = int(np.argmin(np.abs(centres - (region.start + region.end) / 2)))
            turns.append(SpeakerTurn(region.start, region.end, labels[nearest]))
            continue
        # Boundaries halfway between consecutive window centres of different voices.
        start = region.start
        for left, right in itertools.pairwise(members):
            if labels[left] != labels[right]:
                middle = float((centres[left] + centres[right]) / 2)
                turns.append(SpeakerTurn(start, middle, labels[left]))
                start = middle
        turns.append(SpeakerTurn(start, region.end, labels[members[-1]]))
    merged: list[SpeakerTurn] = []
    for turn in turns:
        if merged and merged[-1].speaker == turn.speaker and turn.start - merged[-1].end < 1e-6:
            merged[-1] = SpeakerTurn(merged[-1].start, turn.end, turn.speaker)
        else:
            merged.append(turn)
    return merged


def renumber(turns: Sequence[SpeakerTurn]) -> list[SpeakerTurn]:
    """Voices numbered 0, 1, ... by first appearance."""
    order: dict[int, int] = {}
    out = []
    for turn in sorted(turns, key=lambda t: (t.start, t.end)):
        label = order.setdefault(turn.speaker, len(order))
        out.append(SpeakerTurn(turn.start, turn.end, label))
    return out


# --- engines -----------------------------------------------------------------------


class ResemblyzerDiarizer:
    """GE2E embeddings (resemblyzer's bundled 17 MB model, on torch) + spectral clustering.

    The model is loaded once, on first use.  Thread-safe: calls take turns.
    """

    name = "resemblyzer"

    def __init__(self) -> None:
        self._encoder: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        try:
            with warnings.catch_warnings():
                # resemblyzer imports scipy.ndimage.morphology, deprecated in SciPy 1.x.
                warnings.simplefilter("ignore", DeprecationWarning)
                import resemblyzer
            import sklearn.cluster  # noqa: F401  (checked here, used by cluster())
        except ImportError as exc:
            hint = INSTALL_HINT
            if "pkg_resources" in str(exc):
                hint = "webrtcvad imports pkg_resources: pip install webrtcvad-wheels in its place"
            raise SpeechEngineUnavailable(
                f"VISIO_DIARIZATION_ENGINE=resemblyzer cannot be used ({exc}): {hint}",
                engine="resemblyzer",
                extra="diarization",
            ) from exc
        return resemblyzer.VoiceEncoder("cpu", verbose=False)

    def embed(
        self, samples: Samples, regions: Sequence[SpeechRegion]
    ) -> tuple[list[tuple[int, float, float]], FloatArray]:
        """Windows ``(region index, start, end)`` over the speech and their embeddings."""
        with self._lock:
            if self._encoder is None:
                self._encoder = self._load()
            encoder = self._encoder
        import torch
        from resemblyzer.audio import normalize_volume, wav_to_mel_spectrogram

        size = round(WINDOW_SECONDS * _MEL_RATE)
        hop = round(HOP_SECONDS * _MEL_RATE)
        windows: list[tuple[int, float, float]] = []
        full: list[npt.NDArray[np.float32]] = []
        full_at: list[int] = []
        short: list[tuple[int, npt.NDArray[np.float32]]] = []
        for region_index, region in enumerate(regions):
            if region.duration < MIN_EMBED_SECONDS:
                continue
            audio = samples[round(region.start * SAMPLE_RATE) : round(region.end * SAMPLE_RATE)]
            audio = normalize_volume(audio, -30, increase_only=True).astype(np.float32)
            mel = wav_to_mel_spectrogram(audio)
            frames = len(mel)
            if frames <= size:
                short.append((len(windows), mel))
                windows.append((region_index, region.start, region.end))
                continue
            starts = list(range(0, frames - size + 1, hop))
            if starts[-1] != frames - size:
                starts.append(frames - size)
            for first in starts:
                full_at.append(len(windows))
                full.append(mel[first : first + size])
                windows.append(
                    (
                        region_index,
                        region.start + first / _MEL_RATE,
                        region.start + (first + size) / _MEL_RATE,
                    )
                )
        embeddings = np.zeros((len(windows), 256), dtype=np.float64)
        with self._lock, torch.inference_mode():
            for begin in range(0, len(full), 64):
                batch = torch.from_numpy(np.stack(full[begin : begin + 64]))
                out = encoder(batch).numpy()
                for offset, row in enumerate(out):
                    embeddings[full_at[begin + offset]] = row
            for at, mel in short:
                embeddings[at] = encoder(torch.from_numpy(mel[None])).numpy()[0]
        norms = np.linalg.norm(embeddings, axis=1, keepdims=True)
        return windows, embeddings / np.maximum(norms, 1e-12)

    def diarize(
        self, samples: Samples, regions: Sequence[SpeechRegion], max_speakers: int
    ) -> list[SpeakerTurn]:
        if not regions:
            return []
        windows, embeddings = self.embed(samples, regions)
        labels = cluster(embeddings, max_speakers).tolist() if windows else []
        # Smooth within a region only: a pause is a natural place for a turn.
        smoothed: list[int] = []
        index = 0
        while index < len(windows):
            end = index
            while end < len(windows) and windows[end][0] == windows[index][0]:
                end += 1
            smoothed.extend(smooth(labels[index:end]))
            index = end
        return renumber(turns_from_windows(regions, windows, smoothed))


class PyannoteDiarizer:
    """A pyannote.audio (4.x) pipeline loaded from a local folder (``VISIO_DIARIZATION_MODEL_DIR``).

    pyannote is not a dependency of visio: it needs a torch/torchaudio pair
    built for each other (docs/speech.md).  Thread-safe: calls take turns.
    """

    name = "pyannote"

    def __init__(self, model_dir: Path | None) -> None:
        """Raises :class:`SpeechModelMissing` if the folder is unset, missing or not a pipeline."""
        setting = "VISIO_DIARIZATION_MODEL_DIR"
        if model_dir is None:
            raise SpeechModelMissing(
                f"VISIO_DIARIZATION_ENGINE=pyannote needs {setting}: a local folder holding a"
                " pyannote pipeline (config.yaml and its models)",
                setting=setting,
                path=None,
            )
        if not (model_dir / "config.yaml").is_file():
            what = "does not exist" if not model_dir.is_dir() else "has no config.yaml"
            raise SpeechModelMissing(
                f"{setting}: the pyannote pipeline folder {model_dir} {what}",
                setting=setting,
                path=str(model_dir),
            )
        self.model_dir = model_dir
        self._pipeline: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        # pyannote sends usage metrics unless told not to; it reads this at import.
        os.environ["PYANNOTE_METRICS_ENABLED"] = "0"
        os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            from pyannote.audio import Pipeline
        except ImportError as exc:
            raise SpeechEngineUnavailable(
                f"VISIO_DIARIZATION_ENGINE=pyannote needs the pyannote.audio package ({exc}):"
                " install pyannote.audio 4.x with a matching torch/torchaudio pair"
                " (docs/speech.md), or set VISIO_DIARIZATION_ENGINE=resemblyzer",
                engine="pyannote",
                package="pyannote.audio",
            ) from exc
        try:
            pipeline = Pipeline.from_pretrained(self.model_dir)
        except Exception as exc:  # any failure of a third-party loader: report the folder
            raise SpeechModelMissing(
                f"VISIO_DIARIZATION_MODEL_DIR: cannot load the pyannote pipeline in"
                f" {self.model_dir}: {exc}",
                setting="VISIO_DIARIZATION_MODEL_DIR",
                path=str(self.model_dir),
            ) from exc
        if pipeline is None:
            raise SpeechModelMissing(
                f"VISIO_DIARIZATION_MODEL_DIR: {self.model_dir} holds no pyannote pipeline",
                setting="VISIO_DIARIZATION_MODEL_DIR",
                path=str(self.model_dir),
            )
        return pipeline

    def load(self) -> Any:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = self._load()
            return self._pipeline

    def diarize(
        self, samples: Samples, regions: Sequence[SpeechRegion], max_speakers: int
    ) -> list[SpeakerTurn]:
        if not regions:
            return []
        pipeline = self.load()
        import torch

        # In memory: the torchaudio/torchcodec file readers are the fragile part.
        waveform = {"waveform": torch.from_numpy(samples)[None, :], "sample_rate": SAMPLE_RATE}
        with self._lock:
            output = pipeline(waveform, max_speakers=max_speakers)
        annotation = getattr(output, "speaker_diarization", output)
        names: dict[str, int] = {}
        turns = []
        for segment, _track, label in annotation.itertracks(yield_label=True):
            speaker = names.setdefault(str(label), len(names))
            turns.append(SpeakerTurn(float(segment.start), float(segment.end), speaker))
        return renumber(turns)


class NoDiarizer:
    """No diarization: everything said in a shared track is one voice."""

    name = "none"

    def diarize(
        self, samples: Samples, regions: Sequence[SpeechRegion], max_speakers: int
    ) -> list[SpeakerTurn]:
        return [SpeakerTurn(r.start, r.end, 0) for r in regions]
