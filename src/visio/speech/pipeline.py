"""From per-participant audio files to one transcript on the meeting clock.

For each track: decode, find the speech (VAD), transcribe it in chunks, and,
for a shared microphone, tell its voices apart and split the words between
them; then merge all tracks' segments by start time.  Tracks are processed
one after the other, so memory holds one track's audio at a time (a shared
microphone's parts are held together, for diarization): about 230 MB per
hour of audio.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from visio.speech.audio import load_audio
from visio.speech.base import SAMPLE_RATE, RecognizedSegment, Samples, SpeakerTurn, SpeechRegion
from visio.speech.chunks import transcribe_regions
from visio.speech.engines import SpeechEngines
from visio.speech.errors import AudioMissing
from visio.speech.transcript import (
    Engines,
    Segment,
    Speaker,
    Transcript,
    TranscriptStatus,
    Word,
)

log = logging.getLogger(__name__)

#: ``progress(fraction, stage)``: fraction grows from 0 to 1; stage is one of
#: "decoding", "detecting speech", "transcribing", "diarizing", "merging", "done".
ProgressCallback = Callable[[float, str], None]

#: Silence between the parts of a shared track when they are diarized together.
_PART_GAP_SECONDS = 1.0


class AudioPart(BaseModel):
    """One audio file of a track, starting ``start`` seconds after the meeting clock's 0."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    path: Path
    start: float = Field(default=0.0, ge=0.0)


class Track(BaseModel):
    """What one participant's microphone heard: one file, or several if they left and came back."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    speaker_id: str = Field(min_length=1)
    speaker_name: str = Field(min_length=1)
    parts: list[AudioPart] = Field(min_length=1)
    #: Several people share this microphone (a meeting room): its voices are diarized.
    shared_mic: bool = False

    @classmethod
    def from_file(
        cls,
        speaker_id: str,
        speaker_name: str,
        path: Path,
        start: float = 0.0,
        shared_mic: bool = False,
    ) -> Track:
        return cls(
            speaker_id=speaker_id,
            speaker_name=speaker_name,
            parts=[AudioPart(path=path, start=start)],
            shared_mic=shared_mic,
        )


@dataclass
class _Progress:
    callback: ProgressCallback | None
    done: float = 0.0

    def report(self, fraction: float, stage: str) -> None:
        # Never backwards, never past 1, whatever rounding does.
        self.done = min(1.0, max(self.done, fraction))
        if self.callback is not None:
            self.callback(self.done, stage)


@dataclass
class _DecodedPart:
    part: AudioPart
    duration: float
    regions: list[SpeechRegion]
    segments: list[RecognizedSegment]
    samples: Samples | None = field(default=None, repr=False)


def _word(word_start: float, word_end: float, text: str, prob: float) -> Word:
    return Word(
        start=round(word_start, 3),
        end=round(max(word_end, word_start), 3),
        word=text.strip(),
        prob=round(min(max(prob, 0.0), 1.0), 4),
    )


def _on_meeting_clock(segment: RecognizedSegment, offset: float) -> tuple[float, float, list[Word]]:
    words = [
        _word(w.start + offset, w.end + offset, w.text, w.probability)
        for w in segment.words
        if w.text.strip()
    ]
    return segment.start + offset, segment.end + offset, words


def _voice_of(start: float, end: float, turns: Sequence[SpeakerTurn]) -> int:
    """The voice of the turn overlapping ``start..end`` most, or the nearest turn's."""
    best, best_overlap = -1, 0.0
    for turn in turns:
        overlap = min(end, turn.end) - max(start, turn.start)
        if overlap > best_overlap:
            best, best_overlap = turn.speaker, overlap
    if best >= 0:
        return best
    middle = (start + end) / 2
    nearest = min(turns, key=lambda t: min(abs(t.start - middle), abs(t.end - middle)))
    return nearest.speaker


class TranscriptPipeline:
    """Runs the engines over a meeting's tracks.  One pipeline serves many meetings.

    Thread-safe as its engines are (all engines here are): concurrent runs
    share the loaded models and take turns on them.
    """

    def __init__(self, engines: SpeechEngines) -> None:
        self.engines = engines

    def run(
        self,
        tracks: Sequence[Track],
        language: str,
        progress: ProgressCallback | None = None,
    ) -> Transcript:
        """The merged transcript of ``tracks``, spoken in ``language`` (e.g. "fr", "en-US").

        Returns a transcript with status ``empty`` when nobody spoke.  Raises,
        before decoding anything, ``LanguageNotSupported`` when the speech
        model cannot do ``language`` and ``AudioMissing`` when a file does not
        exist; then ``AudioUnreadable`` for a file that is not audio,
        ``SpeechModelMissing`` / ``SpeechEngineUnavailable`` for an engine
        that cannot load.
        """
        started = time.perf_counter()
        report = _Progress(progress)
        report.report(0.0, "decoding")
        code = self.engines.asr.check_language(language)
        sizes: list[float] = []
        for track in tracks:
            size = 0.0
            for part in track.parts:
                if not part.path.is_file():
                    raise AudioMissing(
                        f"Audio file of {track.speaker_name!r} not found: {part.path}",
                        path=str(part.path),
                        speaker_id=track.speaker_id,
                    )
                size += max(part.path.stat().st_size, 1)
            sizes.append(size)
        total_size = sum(sizes) or 1.0

        segments: list[Segment] = []
        shared_labels: set[tuple[str, str]] = set()
        audio_seconds = duration = 0.0
        diarized = False
        base = 0.0
        for track, size in zip(tracks, sizes, strict=True):
            share = 0.98 * size / total_size
            parts = self._decode_track(track, code, report, base, share)
            audio_seconds += sum(p.duration for p in parts)
            duration = max([duration, *(p.part.start + p.duration for p in parts)])
            if track.shared_mic:
                diarized = True
                report.report(base + share * 0.85, "diarizing")
                track_segments = self._diarized_segments(track, parts)
                shared_labels.update((s.speaker_id, s.speaker_label) for s in track_segments)
            else:
                track_segments = [
                    self._segment(track.speaker_id, track.speaker_name, segment, p.part.start)
                    for p in parts
                    for segment in p.segments
                ]
            segments.extend(s for s in track_segments if s.text)
            base += share

        report.report(0.98, "merging")
        segments.sort(key=lambda s: (s.start, s.end, s.speaker_label))
        speakers: dict[tuple[str, str], Speaker] = {}
        for segment in segments:
            key = (segment.speaker_id, segment.speaker_label)
            if key not in speakers:
                speakers[key] = Speaker(
                    speaker_id=segment.speaker_id,
                    label=segment.speaker_label,
                    shared_mic=key in shared_labels,
                )
        transcript = Transcript(
            status=TranscriptStatus.COMPLETE if segments else TranscriptStatus.EMPTY,
            language=code,
            duration=round(duration, 3),
            audio_seconds=round(audio_seconds, 3),
            processing_seconds=round(time.perf_counter() - started, 3),
            engines=Engines(
                vad=self.engines.vad.name,
                asr=self.engines.asr.name,
                asr_model=self.engines.asr.model_name,
                diarization=self.engines.diarizer.name if diarized else None,
            ),
            speakers=list(speakers.values()),
            segments=segments,
        )
        report.report(1.0, "done")
        return transcript

    def _decode_track(
        self, track: Track, language: str, report: _Progress, base: float, share: float
    ) -> list[_DecodedPart]:
        sizes = [max(part.path.stat().st_size, 1) for part in track.parts]
        speech_share = share * (0.85 if track.shared_mic else 1.0)
        out: list[_DecodedPart] = []
        at = base
        for part, size in zip(track.parts, sizes, strict=True):
            part_share = speech_share * size / sum(sizes)
            report.report(at, "decoding")
            samples = load_audio(part.path)
            report.report(at + 0.03 * part_share, "detecting speech")
            regions = self.engines.vad.detect(samples)
            report.report(at + 0.08 * part_share, "transcribing")

            def on_chunk(
                done: int, total: int, at: float = at, part_share: float = part_share
            ) -> None:
                report.report(at + part_share * (0.08 + 0.92 * done / total), "transcribing")

            recognized = transcribe_regions(
                self.engines.asr, samples, regions, language, on_chunk=on_chunk
            )
            log.info(
                "speech: %s part at %.1f s: %.1f s of audio, %d regions, %d segments",
                track.speaker_id,
                part.start,
                len(samples) / SAMPLE_RATE,
                len(regions),
                len(recognized),
            )
            out.append(
                _DecodedPart(
                    part=part,
                    duration=len(samples) / SAMPLE_RATE,
                    regions=regions,
                    segments=recognized,
                    samples=samples if track.shared_mic else None,
                )
            )
            at += part_share
        return out

    @staticmethod
    def _segment(speaker_id: str, label: str, segment: RecognizedSegment, offset: float) -> Segment:
        start, end, words = _on_meeting_clock(segment, offset)
        return Segment(
            speaker_id=speaker_id,
            speaker_label=label,
            start=round(start, 3),
            end=round(max(end, start), 3),
            text=segment.text.strip(),
            words=words,
        )

    def _diarized_segments(self, track: Track, parts: Sequence[_DecodedPart]) -> list[Segment]:
        """The track's segments, split between its voices."""
        turns = self._turns(parts)
        voices = len({turn.speaker for turn in turns})

        def label(voice: int) -> str:
            return track.speaker_name if voices <= 1 else f"{track.speaker_name} ({voice + 1})"

        out: list[Segment] = []
        for decoded in parts:
            for recognized in decoded.segments:
                start, end, words = _on_meeting_clock(recognized, decoded.part.start)
                if not turns:
                    out.append(
                        self._segment(track.speaker_id, label(0), recognized, decoded.part.start)
                    )
                    continue
                if not words:
                    voice = _voice_of(start, end, turns)
                    out.append(
                        self._segment(
                            track.speaker_id, label(voice), recognized, decoded.part.start
                        )
                    )
                    continue
                # A segment may hold a change of voice: cut it where its words change voice.
                run: list[Word] = []
                run_voice = -1
                for word in words:
                    voice = _voice_of(word.start, word.end, turns)
                    if run and voice != run_voice:
                        out.append(_segment_of_words(track.speaker_id, label(run_voice), run))
                        run = []
                    run.append(word)
                    run_voice = voice
                out.append(_segment_of_words(track.speaker_id, label(run_voice), run))
        return out

    def _turns(self, parts: Sequence[_DecodedPart]) -> list[SpeakerTurn]:
        """Who speaks when, on the meeting clock, all parts diarized together.

        Diarizing the parts as one recording keeps voice numbers consistent
        across them (a room that dropped out and rejoined).
        """
        pieces: list[Samples] = []
        regions: list[SpeechRegion] = []
        offsets: list[float] = []
        at = 0.0
        for decoded in parts:
            offsets.append(at)
            samples = decoded.samples if decoded.samples is not None else np.zeros(0, np.float32)
            pieces.append(samples)
            regions.extend(SpeechRegion(r.start + at, r.end + at) for r in decoded.regions)
            gap = np.zeros(round(_PART_GAP_SECONDS * SAMPLE_RATE), dtype=np.float32)
            pieces.append(gap)
            at += len(samples) / SAMPLE_RATE + _PART_GAP_SECONDS
        if not regions:
            return []
        joined = np.concatenate(pieces)
        turns = self.engines.diarizer.diarize(joined, regions, self.engines.max_speakers)
        out: list[SpeakerTurn] = []
        for turn in turns:
            index = max(i for i, offset in enumerate(offsets) if offset <= turn.start + 1e-9)
            shift = parts[index].part.start - offsets[index]
            out.append(SpeakerTurn(turn.start + shift, turn.end + shift, turn.speaker))
        return out


def _segment_of_words(speaker_id: str, label: str, words: Sequence[Word]) -> Segment:
    return Segment(
        speaker_id=speaker_id,
        speaker_label=label,
        start=words[0].start,
        end=max(words[-1].end, words[0].start),
        text=" ".join(w.word for w in words),
        words=list(words),
    )
