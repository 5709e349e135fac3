"""The transcript job on a real database: claims, leases, retries, results, mail, clean-up.

Most tests use a fake pipeline (what the job does around the speech engines);
the bad-input tests run the real one, on inputs that fail or end before any
speech model is loaded.
"""

from __future__ import annotations

import asyncio
import os
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.rtp import opus_packets, rtp
from tests.speech_fixtures import write_wav
from visio.accounts.models import User
from visio.config import Settings, load_settings
from visio.db import Database, utcnow
from visio.errors import VisioError
from visio.mail import MailFailed
from visio.rooms.service import RoomService
from visio.speech import (
    AudioUnreadable,
    Engines,
    Segment,
    Speaker,
    Track,
    Transcript,
    TranscriptStatus,
)
from visio.speech.pipeline import ProgressCallback
from visio.transcripts.audio import RECORDING_SUFFIX, OpusRecorder, wav_header
from visio.transcripts.jobs import JobOutcome, TranscriptJobRunner, tracks_of
from visio.transcripts.manager import TranscriptManager
from visio.transcripts.models import Transcript as Row
from visio.transcripts.models import TranscriptCapture, TranscriptState
from visio.transcripts.queue import CeleryQueue, InProcessQueue
from visio.transcripts.store import TranscriptStore

LEASE = 30.0


@dataclass
class Clock:
    now: datetime = field(default_factory=utcnow)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def document(*said: tuple[str, str]) -> Transcript:
    segments = [
        Segment(speaker_id=f"s{i}", speaker_label=who, start=i, end=i + 1, text=text)
        for i, (who, text) in enumerate(said)
    ]
    return Transcript(
        status=TranscriptStatus.COMPLETE if segments else TranscriptStatus.EMPTY,
        language="en",
        duration=len(segments),
        audio_seconds=len(segments),
        processing_seconds=0.1,
        engines=Engines(vad="fake", asr="fake", asr_model="fake"),
        speakers=[Speaker(speaker_id=s.speaker_id, label=s.speaker_label) for s in segments],
        segments=segments,
    )


class FakePipeline:
    """Returns ``result`` (or raises ``error``), after ``during`` runs, recording the tracks."""

    def __init__(
        self,
        result: Transcript | None = None,
        error: Exception | None = None,
        during: Callable[[], None] | None = None,
    ) -> None:
        self.result = result or document(("Alice", "Hello"), ("Bob", "Hi"))
        self.error = error
        self.during = during
        self.calls: list[tuple[list[Track], str]] = []

    def run(
        self, tracks: Sequence[Track], language: str, progress: ProgressCallback | None = None
    ) -> Transcript:
        self.calls.append((list(tracks), language))
        if progress is not None:
            progress(0.5, "transcribing")
        if self.during is not None:
            self.during()
        if self.error is not None:
            raise self.error
        return self.result


@dataclass
class FakeMailer:
    enabled: bool = True
    fail: bool = False
    sent: list[tuple[str, str, str]] = field(default_factory=list)

    def send(self, to: str, subject: str, text: str) -> None:
        if self.fail:
            raise MailFailed("The email could not be sent: refused")
        self.sent.append((to, subject, text))


@dataclass
class World:
    settings: Settings
    db: Database
    clock: Clock

    def runner(
        self,
        pipeline: Any = None,
        *,
        mailer: FakeMailer | None = None,
        worker: str = "worker-1",
    ) -> TranscriptJobRunner:
        fake = pipeline if pipeline is not None else FakePipeline()
        return TranscriptJobRunner(
            self.settings,
            self.db,
            pipeline=lambda: fake,
            mailer=mailer,
            worker=worker,
            clock=self.clock,
        )

    def row(self, transcript_id: str) -> Row:
        with self.db.session() as session:
            found = session.get(Row, transcript_id)
            assert found is not None
            return found

    def folder(self, transcript_id: str) -> Path:
        return self.settings.resolved_transcript_audio_dir / transcript_id

    def meeting(
        self,
        captures: Sequence[tuple[str, str, float]] = (("visitor:a", "Alice", 0.0),),
        *,
        owner_email: str | None = "owner@example.gouv.fr",
        audio: Callable[[Path], None] | None = None,
        queued: bool = True,
        language: str = "en",
        suffix: str = ".wav",
    ) -> str:
        """A transcript whose capture ended (or is still going: ``queued=False``).

        Captures are WAV files (as before recordings), or ``suffix=".opusrec"``
        recordings as the server now makes them.
        """
        now = self.clock()
        with self.db.session() as session:
            owner_id = None
            if owner_email is not None:
                owner = User(
                    issuer="https://id.example",
                    subject=str(uuid.uuid4()),
                    email=owner_email,
                    created_at=now,
                    last_login_at=now,
                )
                session.add(owner)
                session.flush()
                owner_id = owner.id
            room = RoomService(session, self.settings).create("Weekly", owner_id=owner_id)
            store = TranscriptStore(session)
            transcript = store.create(
                room.id, language, started_by="u", started_by_name="Host", started_at=now
            )
            folder = self.folder(transcript.id)
            folder.mkdir(parents=True)
            for i, (key, name, start) in enumerate(captures):
                path = folder / f"c{i}{suffix}"
                (audio or (silent_recording if suffix == RECORDING_SUFFIX else silent_wav))(path)
                store.add_capture(
                    f"{transcript.id}-c{i}",
                    transcript.id,
                    speaker_key=key,
                    display_name=name,
                    participant_id=f"p{i}",
                    path=path.name,
                    start=start,
                )
                store.close_capture(f"{transcript.id}-c{i}", 1.0)
            if queued:
                store.queue(transcript.id, now)
            return transcript.id


def silent_wav(path: Path) -> None:
    write_wav(path, np.zeros(16_000, dtype=np.float32))


def silent_recording(path: Path) -> None:
    """A second of silence, recorded from RTP as the server records microphones."""
    recorder = OpusRecorder(path)
    for i, payload in enumerate(opus_packets(np.zeros(48_000, dtype=np.int16))):
        recorder.feed(rtp(payload, seq=i, ts=i * 960), i * 0.02)
    recorder.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    settings = load_settings(
        data_dir=tmp_path, transcript_job_lease_seconds=LEASE, transcript_job_max_attempts=3
    )
    db = Database(settings.resolved_database_url)
    db.upgrade()
    yield World(settings, db, Clock())
    db.dispose()


# --- the happy path ---------------------------------------------------------------------------


def test_job_stores_the_transcript_deletes_the_audio_and_tells_the_owner(world: World) -> None:
    transcript_id = world.meeting()
    mailer = FakeMailer()
    outcome = world.runner(mailer=mailer).run(transcript_id)
    assert outcome == JobOutcome("done")
    row = world.row(transcript_id)
    assert row.state is TranscriptState.DONE and row.attempts == 1 and row.progress == 1.0
    assert row.lease_owner is None and row.finished_at == world.clock.now
    assert row.expires_at == world.clock.now + timedelta(days=30)
    assert row.result is not None
    assert Transcript.model_validate_json(row.result).text == "Hello\nHi"
    assert not world.folder(transcript_id).exists() and row.audio_deleted_at is not None
    [(to, subject, text)] = mailer.sent
    assert to == "owner@example.gouv.fr" and "Weekly" in subject
    assert re.search(rf"/[a-z-]+/transcripts/{transcript_id}\n", text)  # the web page
    assert row.notice == "sent"


def test_audio_is_kept_when_the_setting_says_so(world: World, tmp_path: Path) -> None:
    world.settings = load_settings(data_dir=tmp_path, transcript_delete_audio=False)
    transcript_id = world.meeting()
    world.runner().run(transcript_id)
    assert world.folder(transcript_id).is_dir()
    assert world.row(transcript_id).audio_deleted_at is None


def test_running_a_finished_job_again_does_nothing(world: World) -> None:
    transcript_id = world.meeting()
    pipeline = FakePipeline()
    mailer = FakeMailer()
    runner = world.runner(pipeline, mailer=mailer)
    assert runner.run(transcript_id).kind == "done"
    assert runner.run(transcript_id).kind == "skipped"
    assert world.runner(worker="worker-2").run(transcript_id).kind == "skipped"
    assert len(pipeline.calls) == 1 and len(mailer.sent) == 1
    assert world.row(transcript_id).attempts == 1


def test_a_transcript_still_captured_or_deleted_is_not_run(world: World) -> None:
    capturing = world.meeting(queued=False)
    assert world.runner().run(capturing).kind == "skipped"
    assert world.runner().run("no-such-transcript").kind == "skipped"
    assert world.row(capturing).state is TranscriptState.CAPTURING


def test_each_speaker_is_one_track_whatever_their_reconnections(world: World) -> None:
    transcript_id = world.meeting(
        [
            ("visitor:a", "Alice", 0.0),
            ("user:b", "Bob", 1.5),
            ("visitor:a", "Alice M.", 7.0),  # came back, with another name
            ("visitor:c", "Bob", 3.0),  # a second person called Bob
        ]
    )
    pipeline = FakePipeline()
    world.runner(pipeline).run(transcript_id)
    [(tracks, language)] = pipeline.calls
    assert language == "en"
    assert [(t.speaker_id, t.speaker_name) for t in tracks] == [
        ("s1", "Alice M."),
        ("s2", "Bob"),
        ("s3", "Bob (2)"),
    ]
    assert [p.start for p in tracks[0].parts] == [0.0, 7.0]
    assert all(p.path.parent == world.folder(transcript_id) for t in tracks for p in t.parts)


def test_tracks_of_sorts_parts_by_start() -> None:
    captures = [
        TranscriptCapture(id="2", speaker_key="k", display_name="A", path="2.wav", start=5.0),
        TranscriptCapture(id="1", speaker_key="k", display_name="A", path="1.wav", start=1.0),
    ]
    [track] = tracks_of(Path("/audio"), captures)
    assert [str(p.path) for p in track.parts] == ["/audio/1.wav", "/audio/2.wav"]


def test_a_shared_meeting_room_microphone_is_diarized_and_others_are_not() -> None:
    captures = [
        TranscriptCapture(id="1", speaker_key="user:u1", display_name="Ana", path="1.wav", start=0),
        TranscriptCapture(
            id="2",
            speaker_key="visitor:abc",
            shared_microphone=True,
            display_name="Salle A",
            path="2.wav",
            start=1,
        ),
    ]
    ana, salle = tracks_of(Path("/audio"), captures)
    assert (ana.speaker_name, ana.shared_mic) == ("Ana", False)
    assert (salle.speaker_name, salle.shared_mic) == ("Salle A", True)


def test_a_persons_laptop_and_the_room_microphone_they_joined_from_stay_apart() -> None:
    # Ana joins from her laptop and, signed in as herself, from the meeting room's computer.
    captures = [
        TranscriptCapture(id="1", speaker_key="user:u1", display_name="Ana", path="1.wav", start=0),
        TranscriptCapture(
            id="2",
            speaker_key="user:u1",
            shared_microphone=True,
            display_name="Salle A",
            path="2.wav",
            start=0,
        ),
    ]
    laptop, room = tracks_of(Path("/audio"), captures)
    assert (laptop.speaker_name, laptop.shared_mic, len(laptop.parts)) == ("Ana", False, 1)
    assert (room.speaker_name, room.shared_mic, len(room.parts)) == ("Salle A", True, 1)


@pytest.mark.parametrize(
    ("language", "screen"), [("en", "Ana (shared screen)"), ("fr", "Ana (écran partagé)")]
)
def test_a_shared_screens_sound_is_its_presenters_second_track(language: str, screen: str) -> None:
    def capture(id: str, source: str, start: float) -> TranscriptCapture:
        return TranscriptCapture(
            id=id,
            speaker_key="user:u1",
            source=source,
            display_name="Ana",
            path=f"{id}.wav",
            start=start,
        )

    captures = [
        capture("1", "microphone", 0),
        capture("2", "screen_audio", 4),
        capture("3", "screen_audio", 9),
    ]
    voice, video = tracks_of(Path("/audio"), captures, language)
    assert (voice.speaker_id, voice.speaker_name) == ("s1", "Ana")
    assert (video.speaker_id, video.speaker_name, video.shared_mic) == ("s2", screen, False)
    assert [p.start for p in video.parts] == [4, 9]


# --- workers that die or compete ------------------------------------------------------------


def test_a_job_held_by_a_live_worker_is_left_to_it(world: World) -> None:
    transcript_id = world.meeting()
    holder_started = threading.Event()
    release = threading.Event()

    def hold() -> None:
        holder_started.set()
        release.wait(10)

    first = world.runner(FakePipeline(during=hold), worker="worker-1")
    thread = threading.Thread(target=first.run, args=(transcript_id,))
    thread.start()
    assert holder_started.wait(10)
    try:
        second = world.runner(FakePipeline(), worker="worker-2")
        outcome = second.run(transcript_id)
        assert outcome.kind == "busy" and 0 < outcome.retry_after <= LEASE + 1
    finally:
        release.set()
        thread.join()
    assert world.row(transcript_id).state is TranscriptState.DONE


def test_a_dead_workers_job_is_taken_over_once_its_lease_expired(world: World) -> None:
    transcript_id = world.meeting()
    with world.db.session() as session:  # worker-1 claims it, then dies (no heartbeat)
        assert TranscriptStore(session).claim(transcript_id, "worker-1", world.clock(), LEASE, 3)
    world.clock.advance(LEASE - 1)
    assert world.runner(worker="worker-2").run(transcript_id).kind == "busy"
    world.clock.advance(2)
    assert world.runner(worker="worker-2").run(transcript_id).kind == "done"
    row = world.row(transcript_id)
    assert row.state is TranscriptState.DONE and row.attempts == 2


def test_a_job_whose_every_attempt_died_fails_with_a_stored_error(world: World) -> None:
    transcript_id = world.meeting()
    for attempt in range(3):
        with world.db.session() as session:
            store = TranscriptStore(session)
            assert store.claim(transcript_id, f"dead-{attempt}", world.clock(), LEASE, 3)
        world.clock.advance(LEASE + 1)
    assert world.runner().run(transcript_id).kind == "failed"
    row = world.row(transcript_id)
    assert row.state is TranscriptState.FAILED and row.error_code == "worker_lost"
    assert world.folder(transcript_id).is_dir()  # failed: the audio stays for a retry


def test_a_worker_that_lost_its_lease_drops_its_result(world: World) -> None:
    transcript_id = world.meeting()

    def taken_over() -> None:  # another worker took the job while this one was stalled
        world.clock.advance(LEASE + 1)
        with world.db.session() as session:
            store = TranscriptStore(session)
            assert store.claim(transcript_id, "worker-2", world.clock(), LEASE, 3)

    outcome = world.runner(FakePipeline(during=taken_over), worker="worker-1").run(transcript_id)
    assert outcome.kind == "lost"
    row = world.row(transcript_id)
    assert row.state is TranscriptState.RUNNING and row.lease_owner == "worker-2"
    assert row.result is None and world.folder(transcript_id).is_dir()


def test_a_transcript_deleted_during_its_job_stays_deleted(world: World) -> None:
    transcript_id = world.meeting()

    def deleted() -> None:
        with world.db.session() as session:
            TranscriptStore(session).delete_ids([transcript_id])

    outcome = world.runner(FakePipeline(during=deleted)).run(transcript_id)
    assert outcome.kind == "lost"
    with world.db.session() as session:
        assert session.get(Row, transcript_id) is None


def test_a_transient_failure_is_retried_later_then_given_up(world: World) -> None:
    transcript_id = world.meeting()
    broken = FakePipeline(error=OSError("disk full"))
    outcome = world.runner(broken).run(transcript_id)
    assert outcome.kind == "retry" and outcome.retry_after == 10.0
    row = world.row(transcript_id)
    assert row.state is TranscriptState.QUEUED and row.error_code == "retrying"
    assert row.error_message is not None and "disk full" in row.error_message
    assert world.runner(broken).run(transcript_id).kind == "busy"  # not before its time
    world.clock.advance(11)
    assert world.runner(broken).run(transcript_id).kind == "retry"
    world.clock.advance(61)
    assert world.runner(broken).run(transcript_id).kind == "failed"
    row = world.row(transcript_id)
    assert row.state is TranscriptState.FAILED and row.attempts == 3
    assert row.error_code == "internal_error" and "3 attempts" in (row.error_message or "")


def test_a_speech_error_fails_at_once_keeps_the_audio_and_tells_the_owner(world: World) -> None:
    transcript_id = world.meeting()
    mailer = FakeMailer()
    error = AudioUnreadable("Cannot decode c0.wav: invalid data", path="c0.wav")
    outcome = world.runner(FakePipeline(error=error), mailer=mailer).run(transcript_id)
    assert outcome.kind == "failed"
    row = world.row(transcript_id)
    assert (row.state, row.attempts, row.error_code) == (
        TranscriptState.FAILED,
        1,
        "audio_unreadable",
    )
    assert row.expires_at is not None
    assert world.folder(transcript_id).is_dir()
    [(_to, subject, text)] = mailer.sent
    assert "impossible" in subject and "invalid data" in text


def test_mail_is_sent_at_most_once_and_its_failure_is_stored(world: World) -> None:
    transcript_id = world.meeting()
    runner = world.runner(mailer=FakeMailer(fail=True))
    runner.run(transcript_id)
    assert world.row(transcript_id).notice == "failed"
    mailer = FakeMailer()
    world.runner(mailer=mailer).notify(transcript_id)
    assert mailer.sent == []


def test_no_mail_without_an_owner_address_or_smtp(world: World) -> None:
    anonymous = world.meeting(owner_email=None)
    mailer = FakeMailer()
    world.runner(mailer=mailer).run(anonymous)
    unconfigured = world.meeting(owner_email="other@example.gouv.fr")
    world.runner(mailer=FakeMailer(enabled=False)).run(unconfigured)
    assert mailer.sent == []
    assert world.row(anonymous).notice == world.row(unconfigured).notice == "none"


# --- bad input, through the real speech pipeline ------------------------------------------


def test_a_meeting_where_nobody_spoke_gives_an_empty_transcript(world: World) -> None:
    transcript_id = world.meeting([("visitor:a", "Alice", 0.0), ("visitor:b", "Bob", 0.5)])
    runner = TranscriptJobRunner(world.settings, world.db, clock=world.clock)
    assert runner.run(transcript_id).kind == "empty"
    row = world.row(transcript_id)
    assert row.state is TranscriptState.EMPTY and row.error_code is None
    assert row.result is not None
    empty = Transcript.model_validate_json(row.result)
    assert empty.status is TranscriptStatus.EMPTY and empty.segments == []


@pytest.mark.parametrize("suffix", [".wav", RECORDING_SUFFIX])
@pytest.mark.parametrize(
    ("audio", "code"),
    [
        (
            lambda path: path.write_bytes(b"RIFF\x00\x00garbage that is no audio" * 10),
            "audio_unreadable",
        ),
        (lambda path: None, "audio_missing"),
    ],
    ids=["corrupt", "missing"],
)
def test_a_corrupt_or_missing_file_fails_the_job_with_a_stored_error(
    world: World, audio: Callable[[Path], None], code: str, suffix: str
) -> None:
    transcript_id = world.meeting(audio=audio, suffix=suffix)
    runner = TranscriptJobRunner(world.settings, world.db, clock=world.clock)
    assert runner.run(transcript_id).kind == "failed"
    row = world.row(transcript_id)
    assert row.state is TranscriptState.FAILED and row.error_code == code
    assert row.error_message and f"c0{suffix}" in row.error_message


def test_a_recording_is_decoded_for_the_job_and_goes_with_the_audio(world: World) -> None:
    transcript_id = world.meeting(suffix=RECORDING_SUFFIX)
    runner = TranscriptJobRunner(world.settings, world.db, clock=world.clock)
    assert runner.run(transcript_id).kind == "empty"
    row = world.row(transcript_id)
    assert row.state is TranscriptState.EMPTY and row.result is not None
    assert Transcript.model_validate_json(row.result).duration == pytest.approx(1.0, abs=0.05)
    assert not world.folder(transcript_id).exists()  # the recording and its WAV


def test_a_language_the_model_cannot_do_fails_the_job_with_a_stored_error(world: World) -> None:
    transcript_id = world.meeting(language="fr")
    runner = TranscriptJobRunner(world.settings, world.db, clock=world.clock)
    assert runner.run(transcript_id).kind == "failed"
    assert world.row(transcript_id).error_code == "speech_language_unsupported"


# --- the server's part: recovery, clean-up, queues ------------------------------------------


def test_captures_a_crash_left_open_are_closed_and_their_transcripts_queued(
    world: World,
) -> None:
    transcript_id = world.meeting(queued=False)
    folder = world.folder(transcript_id)
    # The file as a crash leaves it: header with unknown sizes, 0.75 s of audio.
    (folder / "c0.wav").write_bytes(wav_header() + np.zeros(12_000, dtype="<i2").tobytes())
    with world.db.session() as session:
        session.query(TranscriptCapture).update({TranscriptCapture.duration: None})
    manager = TranscriptManager(world.settings, world.db, queue=RecordingQueue())
    assert manager.recover() == [transcript_id]
    row = world.row(transcript_id)
    assert row.state is TranscriptState.QUEUED and row.stopped_at is not None
    with world.db.session() as session:
        [capture] = TranscriptStore(session).captures(transcript_id)
    assert capture.duration == 0.75
    assert manager.recover() == []


def test_a_recording_a_crash_left_open_gets_its_duration(world: World) -> None:
    transcript_id = world.meeting(queued=False, suffix=RECORDING_SUFFIX)
    with world.db.session() as session:
        session.query(TranscriptCapture).update({TranscriptCapture.duration: None})
    manager = TranscriptManager(world.settings, world.db, queue=RecordingQueue())
    assert manager.recover() == [transcript_id]
    with world.db.session() as session:
        [capture] = TranscriptStore(session).captures(transcript_id)
    assert capture.duration == pytest.approx(1.0, abs=0.03)


def test_clean_up_deletes_expired_transcripts_and_audio_left_behind(world: World) -> None:
    expired = world.meeting()
    leftover = world.meeting()
    kept = world.meeting()
    for transcript_id in (expired, leftover, kept):
        world.runner().run(transcript_id)
    world.folder(leftover).mkdir()  # a worker died between storing and deleting
    with world.db.session() as session:
        row = session.get(Row, leftover)
        assert row is not None
        row.audio_deleted_at = None
        expiring = session.get(Row, expired)
        assert expiring is not None
        expiring.expires_at = utcnow() - timedelta(seconds=1)
    orphan, fresh = world.folder("orphan"), world.folder("starting-now")
    orphan.mkdir()
    fresh.mkdir()
    os.utime(orphan, (time.time() - 7200, time.time() - 7200))
    TranscriptManager(world.settings, world.db, queue=RecordingQueue()).clean_up()
    with world.db.session() as session:
        assert session.get(Row, expired) is None
        assert session.get(Row, kept) is not None
    assert not world.folder(leftover).exists()
    assert world.row(leftover).audio_deleted_at is not None
    assert not orphan.exists() and fresh.exists()


@dataclass
class RecordingQueue:
    enqueued: list[str] = field(default_factory=list)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def enqueue(self, transcript_ids: Sequence[str]) -> None:
        self.enqueued.extend(transcript_ids)

    async def sweep(self) -> None:
        return None


async def test_the_in_process_queue_runs_what_the_database_says_is_due(world: World) -> None:
    first, second = world.meeting(), world.meeting()
    queue = InProcessQueue(world.runner(), poll_seconds=0.05)
    await queue.start()
    try:
        await queue.enqueue([first])
        for _ in range(200):
            if all(world.row(t).state is TranscriptState.DONE for t in (first, second)):
                break
            await asyncio.sleep(0.05)
    finally:
        await queue.stop()
    assert {world.row(t).state for t in (first, second)} == {TranscriptState.DONE}


@dataclass
class FakeCelery:
    sent: list[tuple[str, list[str], str]] = field(default_factory=list)
    down: bool = False

    def send_task(self, name: str, args: list[str], queue: str) -> None:
        if self.down:
            raise ConnectionError("broker unreachable")
        self.sent.append((name, args, queue))


async def test_celery_sweep_resends_stalled_jobs_only(world: World) -> None:
    dead = world.meeting()
    waiting = world.meeting()
    fresh = world.meeting()
    celery = FakeCelery()
    queue = CeleryQueue(world.settings, world.db, app=celery)
    with world.db.session() as session:
        store = TranscriptStore(session)
        assert store.claim(dead, "gone", world.clock(), LEASE, 3)
        claimed = session.get(Row, dead)
        assert claimed is not None
        claimed.lease_expires_at = utcnow() - timedelta(seconds=1)  # its worker died
        store.mark_enqueued([waiting], utcnow() - timedelta(hours=1))
        store.mark_enqueued([fresh], utcnow())
    await queue.sweep()
    assert sorted(args[0] for _name, args, _queue in celery.sent) == sorted([dead, waiting])
    assert {name for name, _args, _queue in celery.sent} == {"visio.transcripts.transcribe"}


async def test_celery_enqueue_survives_a_broker_that_is_down(world: World) -> None:
    transcript_id = world.meeting()
    celery = FakeCelery(down=True)
    queue = CeleryQueue(world.settings, world.db, app=celery)
    await queue.enqueue([transcript_id])  # logged, not raised
    assert world.row(transcript_id).enqueued_at is None  # so the sweep sends it again
    celery.down = False
    await queue.sweep()
    assert [args for _name, args, _queue in celery.sent] == [[transcript_id]]


def test_a_language_check_failure_other_than_the_language_says_unavailable(
    world: World,
) -> None:
    class Broken:
        def check_language(self, language: str) -> str:
            raise AudioUnreadable("boom")

    manager = TranscriptManager(
        world.settings,
        world.db,
        queue=RecordingQueue(),
        recognizer=Broken(),  # type: ignore[arg-type]
    )
    with pytest.raises(VisioError) as refused:
        manager.check_language("en")
    assert refused.value.code == "transcription_unavailable"


async def test_a_stopping_server_gives_its_running_job_back_at_once(world: World) -> None:
    transcript_id = world.meeting()
    started, release = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        release.wait(10)

    queue = InProcessQueue(world.runner(FakePipeline(during=hold)), poll_seconds=0.05)
    await queue.start()
    try:
        assert await asyncio.to_thread(started.wait, 10)
        await queue.stop()
        row = world.row(transcript_id)
        # Queued again, due now: the next start takes it without waiting for the lease.
        assert row.state is TranscriptState.QUEUED and row.lease_owner is None
        assert row.error_message is not None and "Interrupted" in row.error_message
    finally:
        release.set()
    await asyncio.sleep(0.1)  # the abandoned thread ends; its result is dropped
    assert world.row(transcript_id).state is TranscriptState.QUEUED
