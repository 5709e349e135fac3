"""Capturing a live meeting's audio for its transcript: one file per published audio stream.

For each participant's published microphone (and shared screen's sound), the SFU forwards the
stream as plain RTP (``MediaParticipant.forward_audio``) to a UDP socket of
this process on ``transcript_capture_host``; :class:`~visio.transcripts.audio.OpusRecorder`
appends its Opus packets, placed by RTP timestamp, to
``<audio dir>/<transcript id>/<capture id>.opusrec`` (no decoding on the event
loop: the transcript job decodes it).

**The meeting clock** starts when the transcript starts (its wall-clock time
is ``Transcript.started_at``).  A capture starts at the arrival of its first
packet, measured on this process's monotonic clock; inside the file, samples
are placed by RTP timestamp.  So a participant who joins late, leaves and
comes back, or publishes again after a media reset gets several files, each
with its own start offset, and one speaker key: they stay one speaker.

Database writes (a capture row when its first packet arrives, its duration
when it ends) run in a worker thread, one after the other, so the event loop
never waits on the database and a crash leaves rows that name every file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from visio.db import Database, utcnow
from visio.errors import VisioError
from visio.media.base import AudioForward, AudioSource, MediaParticipant
from visio.transcripts.audio import RECORDING_SUFFIX, OpusRecorder
from visio.transcripts.store import TranscriptStore

log = logging.getLogger(__name__)

#: Captured audio reaches the OS at least this often (a crash loses at most this much).
FLUSH_SECONDS = 1.0


class SerialWriter:
    """Database writes from the event loop: off the loop, one at a time, in order."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._lock = asyncio.Lock()
        self._pending: set[asyncio.Task[None]] = set()

    def submit(self, write: Callable[[TranscriptStore], object]) -> None:
        async def run() -> None:
            async with self._lock:  # FIFO: writes land in the order they were submitted
                await asyncio.get_running_loop().run_in_executor(None, self._write, write)

        task = asyncio.get_running_loop().create_task(run())
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def _write(self, write: Callable[[TranscriptStore], object]) -> None:
        try:
            with self.db.session() as session:
                write(TranscriptStore(session))
        except Exception:  # a thread boundary: logged, the capture goes on
            log.exception("transcript capture: a database write failed")

    async def drain(self) -> None:
        while self._pending:
            await asyncio.gather(*list(self._pending), return_exceptions=True)


class Receiver(Protocol):
    """Where the SFU sends one forward: a local UDP port."""

    @property
    def port(self) -> int: ...

    def close(self) -> None: ...


#: ``open_receiver(host, on_datagram)``: a receiver on ``host`` (port chosen by the system).
OpenReceiver = Callable[[str, Callable[[bytes], None]], Awaitable[Receiver]]


class _Datagrams(asyncio.DatagramProtocol):
    def __init__(self, on_datagram: Callable[[bytes], None]) -> None:
        self.on_datagram = on_datagram

    def datagram_received(self, data: bytes, addr: tuple[str | Any, int]) -> None:
        self.on_datagram(data)

    def error_received(self, exc: Exception) -> None:
        log.debug("capture socket error: %s", exc)


@dataclass
class UdpReceiver:
    transport: asyncio.DatagramTransport

    @property
    def port(self) -> int:
        return int(self.transport.get_extra_info("sockname")[1])

    def close(self) -> None:
        self.transport.close()


async def open_udp_receiver(host: str, on_datagram: Callable[[bytes], None]) -> Receiver:
    """A UDP socket on ``host`` and a free port."""
    transport, _ = await asyncio.get_running_loop().create_datagram_endpoint(
        lambda: _Datagrams(on_datagram), local_addr=(host, 0)
    )
    return UdpReceiver(transport)


@dataclass(eq=False)
class _Stream:
    """One participant's microphone (or shared screen's sound), captured into one file."""

    session: CaptureSession
    participant_id: str
    source: AudioSource
    speaker: str
    shared_microphone: bool
    display_name: str
    media: MediaParticipant
    mid: str
    capture_id: str
    path: Path
    recorder: OpusRecorder
    receiver: Receiver | None = None
    forward: AudioForward | None = None
    registered: bool = False
    _last_flush: float = field(default=0.0)

    def received(self, data: bytes) -> None:
        now = time.monotonic()
        first = self.recorder.first_arrival is None
        try:
            self.recorder.feed(data, now)
        except Exception:  # a datagram boundary: raising would close the socket
            log.exception("capture of %s: a packet could not be written", self.participant_id)
            return
        if first and self.recorder.first_arrival is not None:
            self._register(self.recorder.first_arrival - self.session.t0)
        if now - self._last_flush >= FLUSH_SECONDS:
            self._last_flush = now
            self.recorder.flush()

    def _register(self, start: float) -> None:
        self.registered = True
        session = self.session
        session.writer.submit(
            lambda store: store.add_capture(
                self.capture_id,
                session.transcript_id,
                speaker_key=self.speaker,
                shared_microphone=self.shared_microphone,
                source=self.source,
                display_name=self.display_name,
                participant_id=self.participant_id,
                path=self.path.name,
                start=start,
            )
        )


class CaptureSession:
    """One meeting's transcript while it is captured.  Implements ``TranscriptCapture``.

    ``on_stopped(transcript_id)`` runs once the capture has ended and the
    transcript is queued in the database (it hands the job to the queue).
    """

    def __init__(
        self,
        *,
        transcript_id: str,
        language: str,
        started_at: datetime,
        folder: Path,
        host: str,
        db: Database,
        on_stopped: Callable[[str], Awaitable[None]],
        open_receiver: OpenReceiver = open_udp_receiver,
    ) -> None:
        self._transcript_id = transcript_id
        self._language = language
        self._started_at = started_at
        #: The meeting clock's 0 on this process's monotonic clock.
        self.t0 = time.monotonic()
        self.folder = folder
        self.host = host
        self.writer = SerialWriter(db)
        self._on_stopped = on_stopped
        self._open_receiver = open_receiver
        self._streams: dict[tuple[str, AudioSource], _Stream] = {}
        self._stopped = False

    @property
    def transcript_id(self) -> str:
        return self._transcript_id

    @property
    def language(self) -> str:
        return self._language

    @property
    def started_at(self) -> datetime:
        return self._started_at

    @property
    def capturing(self) -> dict[tuple[str, AudioSource], str]:
        """(participant id, source) → captured mid (for tests and logs)."""
        return {key: stream.mid for key, stream in self._streams.items()}

    async def follow(
        self,
        participant_id: str,
        speaker: str,
        display_name: str,
        media: MediaParticipant | None,
        mid: str | None,
        *,
        source: AudioSource = "microphone",
        shared_microphone: bool = False,
    ) -> None:
        current = self._streams.get((participant_id, source))
        if current is not None and current.media is media and current.mid == mid:
            return
        if current is not None:
            await self._close(current, stop_forward=True)
        if media is None or mid is None or self._stopped:
            return
        await self._open(
            participant_id, source, speaker, display_name, media, mid, shared_microphone
        )

    async def _open(
        self,
        participant_id: str,
        source: AudioSource,
        speaker: str,
        display_name: str,
        media: MediaParticipant,
        mid: str,
        shared_microphone: bool,
    ) -> None:
        capture_id = str(uuid.uuid4())
        path = self.folder / f"{capture_id}{RECORDING_SUFFIX}"
        stream = _Stream(
            session=self,
            participant_id=participant_id,
            source=source,
            speaker=speaker,
            shared_microphone=shared_microphone,
            display_name=display_name,
            media=media,
            mid=mid,
            capture_id=capture_id,
            path=path,
            recorder=OpusRecorder(path),
        )
        try:
            stream.receiver = await self._open_receiver(self.host, stream.received)
            port = stream.receiver.port
            stream.forward = await media.forward_audio(mid, self.host, port)
        except (OSError, VisioError):
            await self._close(stream, stop_forward=False)
            raise
        self._streams[(participant_id, source)] = stream
        log.info(
            "transcript %s: capturing %s's %s (%s) on %s:%d",
            self.transcript_id,
            participant_id,
            source,
            mid,
            self.host,
            port,
        )

    async def _close(self, stream: _Stream, *, stop_forward: bool) -> None:
        key = (stream.participant_id, stream.source)
        if self._streams.get(key) is stream:
            del self._streams[key]
        if stop_forward and stream.forward is not None:
            with contextlib.suppress(VisioError, OSError):
                await stream.media.stop_forward(stream.forward.forward_id)
        if stream.receiver is not None:
            stream.receiver.close()
        stream.recorder.close()
        if stream.registered:
            duration = stream.recorder.duration
            capture_id = stream.capture_id
            self.writer.submit(lambda store: store.close_capture(capture_id, duration))
        else:
            # Nothing was ever heard: no row names the file, so it goes.
            with contextlib.suppress(OSError):
                stream.path.unlink()

    async def media_lost(self) -> None:
        for stream in list(self._streams.values()):
            await self._close(stream, stop_forward=False)

    async def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for stream in list(self._streams.values()):
            await self._close(stream, stop_forward=True)
        await self.writer.drain()
        transcript_id = self.transcript_id

        self.writer.submit(lambda store: store.queue(transcript_id, utcnow()))
        await self.writer.drain()
        log.info("transcript %s: capture ended; job queued", transcript_id)
        await self._on_stopped(transcript_id)
