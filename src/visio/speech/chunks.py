"""Grouping speech regions into recognizer-sized chunks, and putting the results back.

Whisper pays one 30 s encoder pass per window however little speech it
holds, so transcribing each VAD region alone costs more than the whole track
(1.7 times, measured).  Consecutive regions are therefore joined, with their
silences shortened, into chunks of up to ~25 s; each word is then mapped back
to the region it came from.

Whisper reads a sentence's first word unreliably when the audio starts right
at it: with the VAD's tight edges (30 ms) and the chunk starting at 0, the
same Opus-coded sentence read "Let us move" or "Let's just move", and "Could
you" or "You", depending only on where its onset fell within a few
milliseconds (4 of 16 offsets 4 ms apart flipped).  Each region therefore keeps
``CONTEXT_SECONDS`` of its surroundings and each chunk starts with
``LEAD_SECONDS`` of silence: the same sweep then gave one reading of "Let us
move" at all 16 offsets, through Opus as on the original file ("Could you"
still wavers with "Can you" at some, even on the original: the model's own
doubt, not where the audio starts).
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from visio.speech.base import (
    SAMPLE_RATE,
    RecognizedSegment,
    RecognizedWord,
    Samples,
    SpeechRecognizer,
    SpeechRegion,
)

MAX_CHUNK_SECONDS = 25.0
#: Audio kept on each side of a speech region (never past half-way to the next one).
CONTEXT_SECONDS = 0.2
#: Silence before a chunk's first piece.
LEAD_SECONDS = 0.5
#: Silence put between two joined regions: enough for Whisper to hear a pause.
JOIN_GAP_SECONDS = 0.4
#: Words of one recognized segment further apart than this on the source
#: time line (they came from regions joined into one chunk) start a new segment.
SPLIT_GAP_SECONDS = 1.5


@dataclass(frozen=True, slots=True)
class Piece:
    """``source_start..source_end`` of the track, placed at ``chunk_start`` in the chunk."""

    source_start: float
    source_end: float
    chunk_start: float

    @property
    def chunk_end(self) -> float:
        return self.chunk_start + self.source_end - self.source_start


@dataclass(frozen=True, slots=True)
class Chunk:
    pieces: tuple[Piece, ...]

    @property
    def duration(self) -> float:
        return self.pieces[-1].chunk_end

    def samples(self, source: Samples) -> Samples:
        """The chunk's audio: each piece of ``source``, with silence between them."""
        out = np.zeros(round(self.duration * SAMPLE_RATE) + 1, dtype=np.float32)
        for piece in self.pieces:
            first = round(piece.source_start * SAMPLE_RATE)
            last = min(round(piece.source_end * SAMPLE_RATE), len(source))
            at = round(piece.chunk_start * SAMPLE_RATE)
            data = source[first:last]
            out[at : at + len(data)] = data[: len(out) - at]
        return out

    def piece_at(self, time: float) -> int:
        """The index of the piece nearest to ``time`` (a time in the chunk)."""
        starts = [piece.chunk_start for piece in self.pieces]
        index = max(0, bisect.bisect_right(starts, time) - 1)
        if index + 1 < len(self.pieces):
            gap_middle = (self.pieces[index].chunk_end + self.pieces[index + 1].chunk_start) / 2
            if time > gap_middle:
                index += 1
        return index

    def to_source(self, time: float, piece: int) -> float:
        """``time`` in the chunk as a time in the source, kept inside ``piece``."""
        p = self.pieces[piece]
        return p.source_start + min(max(time - p.chunk_start, 0.0), p.source_end - p.source_start)


def widen(
    regions: Sequence[SpeechRegion], duration: float, context: float = CONTEXT_SECONDS
) -> list[SpeechRegion]:
    """``regions`` with ``context`` seconds more on each side, within ``0..duration``.

    Two neighbours closer than twice ``context`` share the silence between them
    at its middle, so that no audio is read twice.
    """
    spans = [r for r in regions if r.end > r.start]
    out: list[SpeechRegion] = []
    for index, region in enumerate(spans):
        low = max(0.0, region.start - context)
        high = min(duration, region.end + context)
        if index > 0:
            low = max(low, (spans[index - 1].end + region.start) / 2)
        if index + 1 < len(spans):
            high = min(high, (region.end + spans[index + 1].start) / 2)
        out.append(SpeechRegion(low, max(high, low)))
    return [r for r in out if r.end > r.start]


def plan_chunks(
    regions: Sequence[SpeechRegion],
    max_seconds: float = MAX_CHUNK_SECONDS,
    gap_seconds: float = JOIN_GAP_SECONDS,
    lead_seconds: float = LEAD_SECONDS,
) -> list[Chunk]:
    """Consecutive regions joined into chunks of at most ``max_seconds``.

    Each chunk starts with ``lead_seconds`` of silence.  A region longer than
    ``max_seconds`` is a chunk of its own: Whisper's long-form decoding cuts it
    at its own timestamps, better than a blind cut would.
    """
    chunks: list[Chunk] = []
    pieces: list[Piece] = []
    for region in regions:
        if region.duration <= 0:
            continue
        at = pieces[-1].chunk_end + gap_seconds if pieces else lead_seconds
        if pieces and at + region.duration > max_seconds:
            chunks.append(Chunk(tuple(pieces)))
            pieces, at = [], lead_seconds
        pieces.append(Piece(region.start, region.end, at))
    if pieces:
        chunks.append(Chunk(tuple(pieces)))
    return chunks


def _segment_from_words(words: Sequence[RecognizedWord]) -> RecognizedSegment:
    text = "".join(word.text for word in words).strip()
    return RecognizedSegment(words[0].start, words[-1].end, text, tuple(words))


def map_segments(chunk: Chunk, segments: Sequence[RecognizedSegment]) -> list[RecognizedSegment]:
    """Segments recognized in ``chunk``, on the source's time line.

    Each word goes back to the region it was said in; a segment whose words
    came from regions far apart is split there.
    """
    out: list[RecognizedSegment] = []
    for segment in segments:
        if not segment.words:
            middle = (segment.start + segment.end) / 2
            index = chunk.piece_at(middle)
            start = chunk.to_source(segment.start, index)
            end = max(chunk.to_source(segment.end, index), start)
            out.append(RecognizedSegment(start, end, segment.text, ()))
            continue
        run: list[RecognizedWord] = []
        for word in segment.words:
            index = chunk.piece_at((word.start + word.end) / 2)
            start = chunk.to_source(word.start, index)
            mapped = RecognizedWord(
                start, max(chunk.to_source(word.end, index), start), word.text, word.probability
            )
            if run and mapped.start - run[-1].end > SPLIT_GAP_SECONDS:
                out.append(_segment_from_words(run))
                run = []
            run.append(mapped)
        out.append(_segment_from_words(run))
    return [segment for segment in out if segment.text]


def transcribe_regions(
    recognizer: SpeechRecognizer,
    samples: Samples,
    regions: Sequence[SpeechRegion],
    language: str,
    on_chunk: Callable[[int, int], None] | None = None,
    max_seconds: float = MAX_CHUNK_SECONDS,
) -> list[RecognizedSegment]:
    """The speech of ``regions`` transcribed chunk by chunk, on ``samples``' time line.

    ``on_chunk(done, total)`` is called after each chunk.  Raises what the
    recognizer raises (``LanguageNotSupported`` before any decoding).
    """
    recognizer.check_language(language)
    chunks = plan_chunks(widen(regions, len(samples) / SAMPLE_RATE), max_seconds)
    out: list[RecognizedSegment] = []
    for done, chunk in enumerate(chunks, start=1):
        out.extend(map_segments(chunk, recognizer.transcribe(chunk.samples(samples), language)))
        if on_chunk is not None:
            on_chunk(done, len(chunks))
    out.sort(key=lambda segment: (segment.start, segment.end))
    return out
