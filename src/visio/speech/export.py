"""Transcript exports: plain text, WebVTT, SubRip, Word (.docx) and JSON."""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum

from visio.speech.transcript import Segment, Transcript, Word


class ExportFormat(StrEnum):
    TXT = "txt"
    VTT = "vtt"
    SRT = "srt"
    DOCX = "docx"
    JSON = "json"


#: Content type of each format, for HTTP responses.
MEDIA_TYPES: dict[ExportFormat, str] = {
    ExportFormat.TXT: "text/plain; charset=utf-8",
    ExportFormat.VTT: "text/vtt; charset=utf-8",
    ExportFormat.SRT: "application/x-subrip; charset=utf-8",
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.JSON: "application/json",
}

#: A caption longer than this (seconds or characters) is cut at a word.
CUE_MAX_SECONDS = 7.0
CUE_MAX_CHARS = 84
CUE_LINE_CHARS = 42
#: Shortest caption shown, so that a one-word cue stays readable.
CUE_MIN_SECONDS = 0.5
#: Same-speaker segments closer than this form one paragraph in text exports.
PARAGRAPH_GAP_SECONDS = 20.0


def clock(seconds: float) -> str:
    """``HH:MM:SS`` for paragraph headers."""
    whole = max(0, int(seconds))
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}"


def _cue_time(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


@dataclass(frozen=True, slots=True)
class Paragraph:
    label: str
    start: float
    end: float
    text: str


def paragraphs(transcript: Transcript) -> list[Paragraph]:
    """Consecutive segments of one voice joined, for reading."""
    out: list[Paragraph] = []
    for segment in transcript.segments:
        last = out[-1] if out else None
        if (
            last is not None
            and last.label == segment.speaker_label
            and segment.start - last.end < PARAGRAPH_GAP_SECONDS
        ):
            out[-1] = Paragraph(
                last.label, last.start, max(last.end, segment.end), f"{last.text} {segment.text}"
            )
        else:
            out.append(Paragraph(segment.speaker_label, segment.start, segment.end, segment.text))
    return out


def to_txt(transcript: Transcript) -> str:
    """``[HH:MM:SS] Speaker`` then the paragraph, blank line between paragraphs."""
    blocks = [f"[{clock(p.start)}] {p.label}\n{p.text}" for p in paragraphs(transcript)]
    return "\n\n".join(blocks) + "\n" if blocks else ""


@dataclass(frozen=True, slots=True)
class Cue:
    start: float
    end: float
    label: str
    text: str


def _word_runs(words: Sequence[Word]) -> Iterator[list[Word]]:
    run: list[Word] = []
    for word in words:
        length = sum(len(w.word) + 1 for w in run) + len(word.word)
        if run and (length > CUE_MAX_CHARS or word.end - run[0].start > CUE_MAX_SECONDS):
            yield run
            run = []
        run.append(word)
    if run:
        yield run


def cues(transcript: Transcript) -> list[Cue]:
    """Captions: each segment cut at words into pieces of at most 7 s and 84 characters."""
    out: list[Cue] = []
    for segment in transcript.segments:
        if not segment.words:
            out.append(Cue(segment.start, segment.end, segment.speaker_label, segment.text))
            continue
        for run in _word_runs(segment.words):
            text = " ".join(w.word for w in run)
            out.append(Cue(run[0].start, run[-1].end, segment.speaker_label, text))
    out.sort(key=lambda cue: (cue.start, cue.end))
    return [
        Cue(cue.start, max(cue.end, cue.start + CUE_MIN_SECONDS), cue.label, cue.text)
        for cue in out
        if cue.text.strip()
    ]


def _wrap(text: str) -> str:
    """At most two lines of about 42 characters (longer text keeps a longer second line)."""
    if len(text) <= CUE_LINE_CHARS:
        return text
    middle = len(text) // 2
    spaces = [i for i, char in enumerate(text) if char == " "]
    if not spaces:
        return text
    cut = min(spaces, key=lambda i: abs(i - middle))
    return text[:cut] + "\n" + text[cut + 1 :]


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(transcript: Transcript) -> str:
    """WebVTT with the speaker as a voice span: ``<v Name>text``."""
    lines = ["WEBVTT", ""]
    for number, cue in enumerate(cues(transcript), start=1):
        lines.append(str(number))
        lines.append(f"{_cue_time(cue.start, '.')} --> {_cue_time(cue.end, '.')}")
        text = _wrap(_vtt_escape(" ".join(cue.text.split())))
        lines.append(f"<v {_vtt_escape(cue.label)}>{text}")
        lines.append("")
    return "\n".join(lines)


def to_srt(transcript: Transcript) -> str:
    """SubRip with the speaker before the text: ``Name: text``."""
    lines: list[str] = []
    for number, cue in enumerate(cues(transcript), start=1):
        lines.append(str(number))
        lines.append(f"{_cue_time(cue.start, ',')} --> {_cue_time(cue.end, ',')}")
        lines.append(_wrap(f"{cue.label}: {' '.join(cue.text.split())}"))
        lines.append("")
    return "\n".join(lines)


def to_json(transcript: Transcript) -> str:
    return transcript.model_dump_json(indent=2)


def to_docx(
    transcript: Transcript,
    title: str = "Transcript",
    date: datetime.date | None = None,
) -> bytes:
    """A Word document: title, date, speakers, then one paragraph per turn."""
    from docx import Document
    from docx.shared import Pt, RGBColor

    document = Document()
    document.core_properties.title = title
    document.add_heading(title, level=0)
    facts = []
    if isinstance(date, datetime.datetime):
        facts.append(f"Date: {date.isoformat(sep=' ', timespec='minutes')}")
    elif date is not None:
        facts.append(f"Date: {date.isoformat()}")
    facts.append(f"Duration: {clock(transcript.duration)}")
    facts.append(f"Language: {transcript.language}")
    document.add_paragraph(" · ".join(facts))
    document.add_heading("Speakers", level=1)
    for speaker in transcript.speakers:
        document.add_paragraph(speaker.label, style="List Bullet")
    document.add_heading("Transcript", level=1)
    if not transcript.segments:
        document.add_paragraph("Nobody spoke.")
    for paragraph in paragraphs(transcript):
        block = document.add_paragraph()
        name = block.add_run(paragraph.label)
        name.bold = True
        stamp = block.add_run(f"  {clock(paragraph.start)}")
        stamp.font.size = Pt(9)
        stamp.font.color.rgb = RGBColor(0x66, 0x66, 0x66)
        block.add_run().add_break()
        block.add_run(paragraph.text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def export(
    transcript: Transcript,
    fmt: ExportFormat,
    title: str = "Transcript",
    date: datetime.date | None = None,
) -> bytes:
    """The transcript in ``fmt``, as bytes (UTF-8 for the text formats); see :data:`MEDIA_TYPES`."""
    if fmt is ExportFormat.DOCX:
        return to_docx(transcript, title=title, date=date)
    writers = {
        ExportFormat.TXT: to_txt,
        ExportFormat.VTT: to_vtt,
        ExportFormat.SRT: to_srt,
        ExportFormat.JSON: to_json,
    }
    return writers[ExportFormat(fmt)](transcript).encode("utf-8")


__all__ = [
    "MEDIA_TYPES",
    "Cue",
    "ExportFormat",
    "Paragraph",
    "Segment",
    "clock",
    "cues",
    "export",
    "paragraphs",
    "to_docx",
    "to_json",
    "to_srt",
    "to_txt",
    "to_vtt",
]
