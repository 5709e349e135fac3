"""Meeting transcripts: per-participant capture, background jobs, results and retention.

- ``capture``: while a host has a transcript running, each published
  microphone (and shared screen's sound) is forwarded by the SFU as RTP to
  this process and recorded to its own file of Opus packets, on the meeting
  clock (0 = when the transcript started);
- ``jobs`` / ``queue`` / ``celery_app``: when the capture ends, a job runs
  the speech pipeline (``visio.speech``) in ``visio serve`` or on ``visio
  worker`` processes (Celery + Redis); the database row is the job, which
  makes retries and restarts safe;
- ``service`` / ``api``: owners and hosts list, read and download; the owner
  shares one with signed-in people by email (who read and download it) and
  deletes.

The signaling knows this area only through ``visio.signaling.room.Transcriber``.
See docs/transcripts.md.
"""
