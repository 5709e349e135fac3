from __future__ import annotations

import itertools

import numpy as np
import pytest

from tests.speech_fixtures import read_wav
from tests.unit.speech.conftest import Meeting
from visio.speech.base import SAMPLE_RATE, SpeechRegion
from visio.speech.vad import NoVad, SileroVad, VadParams, hysteresis_regions

FRAME = 0.032


def regions_of(probabilities: list[float], params: VadParams | None = None) -> list[SpeechRegion]:
    probs = np.array(probabilities, dtype=np.float32)
    return hysteresis_regions(probs, FRAME, len(probs) * FRAME, params or VadParams(pad=0.0))


def test_hysteresis_keeps_a_region_open_through_dips_above_release() -> None:
    # 0.4 is below the 0.5 threshold but above the 0.35 release: still speech.
    regions = regions_of([0.0] * 5 + [0.9] * 10 + [0.4] * 6 + [0.9] * 10 + [0.0] * 10)
    assert len(regions) == 1
    assert regions[0].start == pytest.approx(5 * FRAME)
    assert regions[0].end == pytest.approx(31 * FRAME)


def test_hysteresis_bridges_pauses_shorter_than_min_silence() -> None:
    # Two frames (64 ms) of silence < 100 ms: one region; five frames (160 ms): two.
    assert len(regions_of([0.9] * 10 + [0.0] * 2 + [0.9] * 10 + [0.0] * 10)) == 1
    assert len(regions_of([0.9] * 10 + [0.0] * 5 + [0.9] * 10 + [0.0] * 10)) == 2


def test_hysteresis_drops_blips_shorter_than_min_speech() -> None:
    # 7 frames = 224 ms < 250 ms
    assert regions_of([0.0] * 5 + [0.9] * 7 + [0.0] * 10) == []
    assert len(regions_of([0.0] * 5 + [0.9] * 9 + [0.0] * 10)) == 1


def test_padding_never_makes_regions_overlap_or_leave_the_audio() -> None:
    params = VadParams(pad=0.2, min_silence=0.1)
    regions = regions_of([0.9] * 10 + [0.0] * 6 + [0.9] * 10, params)
    assert len(regions) == 2
    assert regions[0].start == 0.0
    assert regions[0].end <= regions[1].start
    assert regions[1].end == pytest.approx(26 * FRAME)


def test_invalid_thresholds_are_refused() -> None:
    with pytest.raises(ValueError, match="release"):
        VadParams(threshold=0.3, release=0.5)


def test_silero_finds_each_utterance_and_ignores_the_silence(
    vad: SileroVad, meeting: Meeting
) -> None:
    samples = read_wav(meeting.track_a)
    regions = vad.detect(samples)
    spoken = [u for u in meeting.utterances if u.voice.name == "a"]
    for utterance in spoken:
        covered = sum(
            max(0.0, min(r.end, utterance.end) - max(r.start, utterance.start)) for r in regions
        )
        assert covered >= 0.9 * (utterance.end - utterance.start), utterance.text
    detected = sum(r.duration for r in regions)
    speech = sum(u.end - u.start for u in spoken)
    # Pads and hysteresis add a little; the other speaker's long turns are not speech here.
    assert detected <= speech * 1.15 + 0.5
    assert all(a.end <= b.start for a, b in itertools.pairwise(regions))


def test_silero_hears_no_speech_in_silence_or_hiss(vad: SileroVad) -> None:
    silence = np.zeros(5 * SAMPLE_RATE, dtype=np.float32)
    hiss = np.random.default_rng(0).normal(0, 0.005, 5 * SAMPLE_RATE).astype(np.float32)
    assert vad.detect(silence) == []
    assert vad.detect(hiss) == []


def test_vad_refuses_audio_that_is_not_float32_mono(vad: SileroVad) -> None:
    with pytest.raises(ValueError, match="float32"):
        vad.detect(np.zeros((2, 100), dtype=np.float32))
    with pytest.raises(ValueError, match="float32"):
        vad.detect(np.zeros(100, dtype=np.float64))


def test_no_vad_takes_the_whole_audio_as_speech() -> None:
    assert NoVad().detect(np.zeros(SAMPLE_RATE * 2, dtype=np.float32)) == [SpeechRegion(0.0, 2.0)]
    assert NoVad().detect(np.zeros(0, dtype=np.float32)) == []
