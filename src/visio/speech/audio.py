"""Decoding audio files to :data:`~visio.speech.base.Samples` (16 kHz mono float32).

PyAV (FFmpeg's libraries, already a dependency through aiortc) reads any
format FFmpeg reads: WAV, Opus/Ogg, WebM, MKV, MP3...
"""

from __future__ import annotations

import logging
from pathlib import Path

import av
import numpy as np

from visio.speech.base import SAMPLE_RATE, Samples
from visio.speech.errors import AudioMissing, AudioUnreadable

log = logging.getLogger(__name__)


def load_audio(path: Path) -> Samples:
    """The first audio stream of ``path``, mixed to mono and resampled to 16 kHz.

    Raises :class:`AudioMissing` when the file does not exist and
    :class:`AudioUnreadable` when it is not audio FFmpeg can decode.  A file
    whose end is damaged (a recording cut short) gives the audio before the
    damage, with a warning in the log.
    """
    if not path.is_file():
        raise AudioMissing(f"Audio file not found: {path}", path=str(path))
    pieces: list[Samples] = []
    try:
        container = av.open(str(path), mode="r", metadata_errors="ignore")
    except av.FFmpegError as exc:
        raise AudioUnreadable(f"Cannot read {path}: {exc}", path=str(path)) from exc
    except OSError as exc:
        raise AudioMissing(f"Cannot open {path}: {exc}", path=str(path)) from exc
    with container:
        if not container.streams.audio:
            raise AudioUnreadable(f"{path} has no audio stream", path=str(path))
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
        try:
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
            for out in resampler.resample(None):
                pieces.append(out.to_ndarray().reshape(-1).astype(np.float32, copy=False))
        except (av.FFmpegError, ValueError) as exc:
            if not pieces:
                raise AudioUnreadable(f"Cannot decode {path}: {exc}", path=str(path)) from exc
            decoded = sum(len(p) for p in pieces) / SAMPLE_RATE
            log.warning(
                "%s is damaged after %.1f s; using the audio before it: %s", path, decoded, exc
            )
    if not pieces:
        return np.zeros(0, dtype=np.float32)
    samples = np.concatenate(pieces)
    # Decoders may overshoot slightly (float codecs); keep the documented range.
    np.clip(samples, -1.0, 1.0, out=samples)
    return samples
