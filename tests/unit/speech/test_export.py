from __future__ import annotations

import datetime
import io
import json
import re

import docx
import pytest

from visio.speech.export import (
    MEDIA_TYPES,
    ExportFormat,
    export,
    to_docx,
    to_json,
    to_srt,
    to_txt,
    to_vtt,
)
from visio.speech.transcript import (
    Engines,
    Segment,
    Speaker,
    Transcript,
    TranscriptStatus,
    Word,
)


def words(start: float, text: str, step: float = 0.4) -> list[Word]:
    return [
        Word(
            start=round(start + i * step, 3),
            end=round(start + (i + 1) * step - 0.05, 3),
            word=w,
            prob=0.9,
        )
        for i, w in enumerate(text.split())
    ]


def segment(speaker_id: str, label: str, start: float, text: str) -> Segment:
    ws = words(start, text)
    return Segment(
        speaker_id=speaker_id,
        speaker_label=label,
        start=ws[0].start,
        end=ws[-1].end,
        text=text,
        words=ws,
    )


def make_transcript() -> Transcript:
    long_text = " ".join(f"word{i}" for i in range(30))  # 12 s of speech: several captions
    segments = [
        segment("u-alice", "Alice <Martin>", 1.0, "Hello everyone, welcome."),
        segment("u-alice", "Alice <Martin>", 3.0, "Let us start & go."),
        segment("u-bob", "Bob", 6.0, long_text),
        segment("room", "Salle A (1)", 3661.5, "One hour later."),
    ]
    return Transcript(
        status=TranscriptStatus.COMPLETE,
        language="en",
        duration=3700.0,
        audio_seconds=7400.0,
        processing_seconds=12.5,
        engines=Engines(vad="silero", asr="faster-whisper", asr_model="tiny.en"),
        speakers=[
            Speaker(speaker_id="u-alice", label="Alice <Martin>"),
            Speaker(speaker_id="u-bob", label="Bob"),
            Speaker(speaker_id="room", label="Salle A (1)", shared_mic=True),
        ],
        segments=segments,
    )


TIMING = re.compile(r"^(\d\d):(\d\d):(\d\d)[.,](\d\d\d) --> (\d\d):(\d\d):(\d\d)[.,](\d\d\d)$")


def parse_cues(text: str, separator: str) -> list[tuple[float, float, str]]:
    cues = []
    blocks = [b for b in text.strip().split("\n\n") if b]
    for block in blocks:
        lines = block.split("\n")
        if lines[0] == "WEBVTT":
            continue
        assert lines[0].isdigit(), block
        match = TIMING.match(lines[1])
        assert match, lines[1]
        assert separator in lines[1]
        h1, m1, s1, ms1, h2, m2, s2, ms2 = map(int, match.groups())
        start = h1 * 3600 + m1 * 60 + s1 + ms1 / 1000
        end = h2 * 3600 + m2 * 60 + s2 + ms2 / 1000
        assert 1 <= len(lines[2:]) <= 2, block
        cues.append((start, end, "\n".join(lines[2:])))
    return cues


def test_vtt_cues_have_valid_timings_and_voices() -> None:
    text = to_vtt(make_transcript())
    assert text.startswith("WEBVTT\n\n")
    cues = parse_cues(text, ".")
    assert all(start < end for start, end, _ in cues)
    assert [c[0] for c in cues] == sorted(c[0] for c in cues)
    assert all(end - start <= 7.0 for start, end, _ in cues)
    # Speaker names are escaped inside the voice tag, and text outside it.
    assert cues[0][2] == "<v Alice &lt;Martin&gt;>Hello everyone, welcome."
    assert cues[1][2] == "<v Alice &lt;Martin&gt;>Let us start &amp; go."
    bob = [c for c in cues if c[2].startswith("<v Bob>")]
    assert len(bob) >= 2  # the long turn is cut into several captions
    assert " ".join(c[2].removeprefix("<v Bob>") for c in bob).split() == [
        f"word{i}" for i in range(30)
    ]
    assert cues[-1][0] == pytest.approx(3661.5)


def test_srt_cues_number_from_one_with_commas() -> None:
    text = to_srt(make_transcript())
    cues = parse_cues(text, ",")
    numbers = [int(block.split("\n")[0]) for block in text.strip().split("\n\n")]
    assert numbers == list(range(1, len(cues) + 1))
    assert cues[0][2] == "Alice <Martin>: Hello everyone, welcome."
    assert text.count("01:01:01,500 --> ") == 1


def test_txt_has_one_paragraph_per_turn() -> None:
    text = to_txt(make_transcript())
    assert text.split("\n\n") == [
        "[00:00:01] Alice <Martin>\nHello everyone, welcome. Let us start & go.",
        "[00:00:06] Bob\n" + " ".join(f"word{i}" for i in range(30)),
        "[01:01:01] Salle A (1)\nOne hour later.\n",
    ]


def test_docx_has_title_date_speakers_and_paragraphs() -> None:
    data = to_docx(make_transcript(), title="Weekly meeting", date=datetime.date(2025, 3, 14))
    document = docx.Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    assert texts[0] == "Weekly meeting"
    assert document.core_properties.title == "Weekly meeting"
    assert "Date: 2025-03-14" in texts[1]
    assert "Duration: 01:01:40" in texts[1]
    bullets = [
        p.text for p in document.paragraphs if p.style is not None and p.style.name == "List Bullet"
    ]
    assert bullets == ["Alice <Martin>", "Bob", "Salle A (1)"]
    assert "Alice <Martin>  00:00:01\nHello everyone, welcome. Let us start & go." in texts
    assert any(t.startswith("Salle A (1)  01:01:01") for t in texts)


def test_docx_of_an_empty_transcript_says_so() -> None:
    empty = make_transcript().model_copy(
        update={"status": TranscriptStatus.EMPTY, "segments": [], "speakers": []}
    )
    texts = [p.text for p in docx.Document(io.BytesIO(to_docx(empty))).paragraphs]
    assert "Nobody spoke." in texts


def test_json_is_the_model_and_parses_back() -> None:
    transcript = make_transcript()
    data = json.loads(to_json(transcript))
    assert data["segments"][0]["words"][0] == {
        "start": 1.0,
        "end": 1.35,
        "word": "Hello",
        "prob": 0.9,
    }
    assert Transcript.model_validate_json(to_json(transcript)) == transcript


@pytest.mark.parametrize("fmt", list(ExportFormat))
def test_every_format_exports_to_bytes_with_a_media_type(fmt: ExportFormat) -> None:
    data = export(make_transcript(), fmt, title="T")
    assert data
    assert fmt in MEDIA_TYPES
    if fmt is not ExportFormat.DOCX:
        data.decode("utf-8")
