"""Transcript jobs that lose nothing: a Celery worker killed mid-job, a server killed mid-job.

Both start from a meeting already captured (two speakers' WAV files and their
rows, as a capture leaves them), so that no media is needed: what is tested
is the job's life, with the real speech engines, a real Redis, real worker
and server processes, and a real SMTP server for the owner's email.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from tests.harness import run_app_without_media, run_redis, run_worker
from tests.smtp import smtp_server
from tests.speech_fixtures import VOICE_A, VOICE_B, synthesize, write_wav
from visio.accounts.models import User
from visio.config import Settings, load_settings
from visio.db import Database, utcnow
from visio.rooms.service import RoomService
from visio.speech.base import SAMPLE_RATE
from visio.speech.metrics import wer
from visio.transcripts.models import Transcript, TranscriptState
from visio.transcripts.queue import CeleryQueue
from visio.transcripts.store import TranscriptStore

pytestmark = pytest.mark.integration

ALICE = "Please send the report to everyone before the end of the week."
BOB = "Let us move the meeting to Thursday morning at ten."
#: Short leases so that a dead worker's job is taken again within seconds.
FAST = {"transcript_job_lease_seconds": "3", "transcript_sweep_seconds": "1"}

T = TypeVar("T")


def captured_meeting(settings: Settings) -> str:
    """A meeting whose capture ended: Alice at 0.5 s, Bob at 4 s, queued for its job."""
    db = Database(settings.resolved_database_url)
    db.upgrade()
    now = utcnow()
    try:
        with db.session() as session:
            owner = User(
                issuer="https://id.example.gouv.fr",
                subject="owner-1",
                email="chloe@example.gouv.fr",
                given_name="Chloé",
                created_at=now,
                last_login_at=now,
            )
            session.add(owner)
            session.flush()
            room = RoomService(session, settings).create("Weekly", owner_id=owner.id)
            store = TranscriptStore(session)
            transcript = store.create(
                room.id, "en", started_by=owner.id, started_by_name="Chloé", started_at=now
            )
            folder = settings.resolved_transcript_audio_dir / transcript.id
            folder.mkdir(parents=True)
            for name, voice, text, start in (
                ("Alice", VOICE_A, ALICE, 0.5),
                ("Bob", VOICE_B, BOB, 4.0),
            ):
                samples = synthesize(text, voice)
                write_wav(folder / f"{name}.wav", samples)
                store.add_capture(
                    f"capture-{name}",
                    transcript.id,
                    speaker_key=f"visitor:{name}",
                    display_name=name,
                    participant_id=name,
                    path=f"{name}.wav",
                    start=start,
                )
                store.close_capture(f"capture-{name}", len(samples) / SAMPLE_RATE)
            store.queue(transcript.id, now)
            return transcript.id
    finally:
        db.dispose()


def row(settings: Settings, transcript_id: str) -> Transcript | None:
    db = Database(settings.resolved_database_url)
    try:
        with db.session() as session:
            return session.get(Transcript, transcript_id)
    finally:
        db.dispose()


def wait_for(check: Callable[[], T | None], timeout: float, every: float = 0.2) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError("condition not met in time")
        time.sleep(every)


def in_the_middle(settings: Settings, transcript_id: str) -> Transcript | None:
    """The job, once a worker has claimed it and sent a heartbeat since."""
    current = row(settings, transcript_id)
    if (
        current is not None
        and current.state is TranscriptState.RUNNING
        and current.heartbeat_at is not None
        and current.job_started_at is not None
        and current.heartbeat_at > current.job_started_at
    ):
        return current
    return None


def finished(settings: Settings, transcript_id: str) -> Transcript | None:
    current = row(settings, transcript_id)
    return current if current is not None and current.state.finished else None


def assert_complete(done: Transcript) -> None:
    assert done.state is TranscriptState.DONE, (done.error_code, done.error_message)
    from visio.speech import Transcript as Document

    assert done.result is not None
    document = Document.model_validate_json(done.result)
    said = {s.speaker_label: s.text for s in document.segments}
    assert list(said) == ["Alice", "Bob"]
    # Complete: each sentence is there, give or take the tiny model's slips.
    assert wer(ALICE, said["Alice"]) <= 0.35 and wer(BOB, said["Bob"]) <= 0.35, said


def test_worker_killed_mid_job_is_retried_and_the_transcript_is_stored_once(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    with run_redis(tmp_path / "redis") as broker, smtp_server() as (inbox, smtp_port):
        env = FAST | {
            "celery_broker_url": broker,
            "smtp_host": "127.0.0.1",
            "smtp_port": str(smtp_port),
        }
        settings = load_settings(data_dir=data_dir, **env)
        transcript_id = captured_meeting(settings)
        with run_worker(data_dir, **env) as worker:
            db = Database(settings.resolved_database_url)
            CeleryQueue(settings, db).send([transcript_id])
            busy = wait_for(lambda: in_the_middle(settings, transcript_id), 60)
            assert busy.lease_owner is not None
            pool_process = int(busy.lease_owner.split(":")[1])
            assert pool_process != worker.pid
            os.kill(pool_process, signal.SIGKILL)

            done = wait_for(lambda: finished(settings, transcript_id), 90)
            assert_complete(done)
            assert done.attempts == 2
            assert worker.poll() is None  # the worker replaced its pool process
            # The owner is told once, and the audio went once the transcript was stored.
            assert inbox.arrived.wait(10)
            time.sleep(1.0)
            assert len(inbox.messages) == 1
            assert inbox.messages[0]["To"] == "chloe@example.gouv.fr"
            assert "Weekly" in str(inbox.messages[0]["Subject"])
            assert not (settings.resolved_transcript_audio_dir / transcript_id).exists()
            with db.session() as session:
                assert len(TranscriptStore(session).for_room(done.room_id)) == 1
            db.dispose()


def test_server_killed_mid_job_finishes_it_after_a_restart(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    settings = load_settings(data_dir=data_dir, **FAST)
    transcript_id = captured_meeting(settings)
    with run_app_without_media(data_dir, **FAST) as server:
        wait_for(lambda: in_the_middle(settings, transcript_id), 60)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
    with run_app_without_media(data_dir, **FAST):
        done = wait_for(lambda: finished(settings, transcript_id), 90)
    assert_complete(done)
    assert done.attempts == 2
