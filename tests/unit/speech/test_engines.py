from __future__ import annotations

from pathlib import Path

import pytest

from visio.config import load_settings
from visio.speech import SpeechModelMissing, build_engines, check_engines
from visio.speech.diarize import NoDiarizer, ResemblyzerDiarizer
from visio.speech.vad import NoVad, SileroVad


def test_settings_come_from_visio_variables(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VISIO_ASR_MODEL_DIR", str(tmp_path / "large-v3"))
    monkeypatch.setenv("VISIO_VAD_ENGINE", "none")
    monkeypatch.setenv("VISIO_DIARIZATION_ENGINE", "pyannote")
    monkeypatch.setenv("VISIO_DIARIZATION_MAX_SPEAKERS", "4")
    settings = load_settings()
    assert settings.asr_model_dir == tmp_path / "large-v3"
    assert settings.vad_engine == "none"
    assert settings.diarization_engine == "pyannote"
    assert settings.diarization_max_speakers == 4


def test_unknown_engines_are_refused() -> None:
    with pytest.raises(ValueError, match="vad_engine"):
        load_settings(vad_engine="webrtc")


def test_default_engines_need_no_configuration() -> None:
    engines = build_engines(load_settings(asr_model_dir=None, vad_engine="silero"))
    assert isinstance(engines.vad, SileroVad)
    assert engines.asr.languages == frozenset({"en"})
    assert isinstance(engines.diarizer, ResemblyzerDiarizer)
    assert engines.max_speakers == 8


def test_engines_can_be_switched_off() -> None:
    engines = build_engines(
        load_settings(asr_model_dir=None, vad_engine="none", diarization_engine="none")
    )
    assert isinstance(engines.vad, NoVad)
    assert isinstance(engines.diarizer, NoDiarizer)


def test_a_missing_model_folder_stops_the_build_and_is_reported(tmp_path: Path) -> None:
    settings = load_settings(
        asr_model_dir=tmp_path / "nope",
        diarization_engine="pyannote",
        diarization_model_dir=None,
    )
    with pytest.raises(SpeechModelMissing, match="VISIO_ASR_MODEL_DIR"):
        build_engines(settings)
    problems = check_engines(settings)
    assert len(problems) == 2
    assert str(tmp_path / "nope") in problems[0]
    assert "VISIO_DIARIZATION_MODEL_DIR" in problems[1]
