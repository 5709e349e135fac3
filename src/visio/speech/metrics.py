"""Word error rate and diarization error rate, for tests and benchmarks."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

#: Labelled stretch of time ``(start, end, speaker)``.
Turn = tuple[float, float, Hashable]

_PUNCTUATION = re.compile(r"[^\w\s']|_")


def normalize_text(text: str) -> list[str]:
    """Lower-case words without punctuation (apostrophes inside words are kept)."""
    text = unicodedata.normalize("NFKC", text).lower().replace("\u2019", "'")
    words = _PUNCTUATION.sub(" ", text).split()
    return [word.strip("'") for word in words if word.strip("'")]


@dataclass(frozen=True, slots=True)
class WordErrors:
    substitutions: int
    deletions: int
    insertions: int
    reference_words: int

    @property
    def rate(self) -> float:
        """Errors per reference word (0 when both are empty; can exceed 1)."""
        errors = self.substitutions + self.deletions + self.insertions
        if self.reference_words == 0:
            return 0.0 if errors == 0 else float("inf")
        return errors / self.reference_words


def word_errors(reference: str, hypothesis: str) -> WordErrors:
    """The word-level Levenshtein alignment of two texts, after :func:`normalize_text`."""
    ref, hyp = normalize_text(reference), normalize_text(hypothesis)
    # cost[j] = (errors, substitutions, deletions, insertions) aligning ref[:i] to hyp[:j]
    previous = [(j, 0, 0, j) for j in range(len(hyp) + 1)]
    for i in range(1, len(ref) + 1):
        current = [(i, 0, i, 0)]
        for j in range(1, len(hyp) + 1):
            if ref[i - 1] == hyp[j - 1]:
                best = previous[j - 1]
            else:
                diagonal, up, left = previous[j - 1], previous[j], current[j - 1]
                best = min(
                    (diagonal[0] + 1, diagonal[1] + 1, diagonal[2], diagonal[3]),
                    (up[0] + 1, up[1], up[2] + 1, up[3]),
                    (left[0] + 1, left[1], left[2], left[3] + 1),
                )
            current.append(best)
        previous = current
    _, subs, dels, ins = previous[-1]
    return WordErrors(subs, dels, ins, len(ref))


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate of ``hypothesis`` against ``reference``."""
    return word_errors(reference, hypothesis).rate


def _frames(
    turns: Sequence[Turn], labels: dict[Hashable, int], count: int, step: float
) -> list[set[int]]:
    active: list[set[int]] = [set() for _ in range(count)]
    for start, end, speaker in turns:
        label = labels.setdefault(speaker, len(labels))
        for frame in range(max(0, round(start / step)), min(count, round(end / step))):
            active[frame].add(label)
    return active


def _best_mapping(overlap: np.ndarray) -> float:
    """The largest total overlap of a one-to-one mapping of rows to columns (exact)."""
    rows, cols = overlap.shape
    if rows > cols:
        overlap, rows, cols = overlap.T, cols, rows
    if cols > 16:
        raise ValueError("DER supports up to 16 speakers on the smaller side")
    # best[mask] = best total when the first rows are mapped to the columns in mask
    best = {0: 0.0}
    for row in range(rows):
        nxt: dict[int, float] = {}
        for mask, total in best.items():
            for col in range(cols):
                if not mask & (1 << col):
                    key = mask | (1 << col)
                    value = total + float(overlap[row, col])
                    if value > nxt.get(key, -1.0):
                        nxt[key] = value
        best = nxt
    return max(best.values(), default=0.0)


@dataclass(frozen=True, slots=True)
class DiarizationErrors:
    missed: float
    false_alarm: float
    confusion: float
    reference_speech: float

    @property
    def rate(self) -> float:
        if self.reference_speech == 0:
            return 0.0
        return (self.missed + self.false_alarm + self.confusion) / self.reference_speech


def diarization_errors(
    reference: Sequence[Turn],
    hypothesis: Sequence[Turn],
    collar: float = 0.0,
    step: float = 0.01,
) -> DiarizationErrors:
    """Missed speech, false alarm and speaker confusion, in seconds (NIST-style DER).

    Hypothesis speakers are mapped one-to-one onto reference speakers so as to
    maximise their overlap.  Time within ``collar`` seconds of a reference
    turn boundary is not scored.
    """
    end = max((e for _, e, _ in [*reference, *hypothesis]), default=0.0)
    count = round(end / step) + 1
    ref_labels: dict[Hashable, int] = {}
    hyp_labels: dict[Hashable, int] = {}
    ref = _frames(reference, ref_labels, count, step)
    hyp = _frames(hypothesis, hyp_labels, count, step)
    scored = np.ones(count, dtype=bool)
    if collar > 0:
        width = round(collar / step)
        for start, stop, _ in reference:
            for edge in (round(start / step), round(stop / step)):
                scored[max(0, edge - width) : edge + width] = False
    overlap = np.zeros((max(1, len(ref_labels)), max(1, len(hyp_labels))))
    missed = false_alarm = 0
    speech = 0
    for frame in np.flatnonzero(scored).tolist():
        r, h = ref[frame], hyp[frame]
        speech += len(r)
        missed += max(0, len(r) - len(h))
        false_alarm += max(0, len(h) - len(r))
        for a in r:
            for b in h:
                overlap[a, b] += 1
    matched_frames = sum(min(len(ref[f]), len(hyp[f])) for f in np.flatnonzero(scored).tolist())
    confusion = matched_frames - _best_mapping(overlap)
    return DiarizationErrors(missed * step, false_alarm * step, confusion * step, speech * step)


def der(reference: Sequence[Turn], hypothesis: Sequence[Turn], collar: float = 0.0) -> float:
    """Diarization error rate: (missed + false alarm + confusion) / reference speech."""
    return diarization_errors(reference, hypothesis, collar).rate
