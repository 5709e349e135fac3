from __future__ import annotations

import pytest

from visio.speech.metrics import der, diarization_errors, normalize_text, wer, word_errors


def test_text_is_normalized_before_scoring() -> None:
    assert normalize_text("Hello, World! It\u2019s   l'été.") == ["hello", "world", "it's", "l'été"]


def test_wer_counts_substitutions_deletions_and_insertions() -> None:
    errors = word_errors("the cat sat on the mat", "the cat sit on mat today")
    assert (errors.substitutions, errors.deletions, errors.insertions) == (1, 1, 1)
    assert errors.rate == pytest.approx(3 / 6)
    assert wer("Same words.", "same WORDS") == 0.0
    assert wer("", "") == 0.0
    assert wer("one two", "") == 1.0


def test_der_is_zero_whatever_the_labels_are_called() -> None:
    reference = [(0.0, 2.0, "alice"), (2.0, 4.0, "bob")]
    assert der(reference, [(0.0, 2.0, 1), (2.0, 4.0, 0)]) == pytest.approx(0.0)


def test_der_counts_missed_false_alarm_and_confusion() -> None:
    reference = [(0.0, 2.0, "alice"), (2.0, 4.0, "bob")]
    hypothesis = [(0.0, 1.0, "x"), (1.0, 3.0, "y"), (4.0, 5.0, "y")]
    errors = diarization_errors(reference, hypothesis)
    # 3.0-4.0 missed, 4.0-5.0 false alarm, 1.0-2.0 confused (x=alice, y=bob).
    assert errors.missed == pytest.approx(1.0)
    assert errors.false_alarm == pytest.approx(1.0)
    assert errors.confusion == pytest.approx(1.0)
    assert errors.rate == pytest.approx(3 / 4)


def test_a_collar_forgives_boundary_errors() -> None:
    reference = [(0.0, 2.0, "alice"), (2.0, 4.0, "bob")]
    hypothesis = [(0.0, 2.2, "a"), (2.2, 4.0, "b")]
    assert der(reference, hypothesis) == pytest.approx(0.05)
    assert der(reference, hypothesis, collar=0.25) == pytest.approx(0.0)


def test_one_speaker_for_everyone_is_confusion() -> None:
    reference = [(0.0, 1.0, "a"), (1.0, 2.0, "b"), (2.0, 3.0, "c")]
    assert der(reference, [(0.0, 3.0, "x")]) == pytest.approx(2 / 3)
