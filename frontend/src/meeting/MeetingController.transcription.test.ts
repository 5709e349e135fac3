import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { joinMeeting, setup } from '../test/controllerSetup';
import { FakePeerConnection } from '../test/fakePeerConnection';
import type { TranscriptionInfo } from '../signaling/types';

beforeEach(() => {
  vi.useFakeTimers();
  FakePeerConnection.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const OFF: TranscriptionInfo = { active: false, transcript_id: null, language: null, started_at: null, started_by: null };

function on(id = 't1', startedBy = 'Alice'): TranscriptionInfo {
  return { active: true, transcript_id: id, language: 'en', started_at: '2025-03-14T09:30:00Z', started_by: startedBy };
}

describe('MeetingController: transcription', () => {
  it('starts not transcribed, without a notice', async () => {
    const s = setup();
    await joinMeeting(s);
    expect(s.controller.getSnapshot()).toMatchObject({
      transcription: { active: false, transcriptId: null, lastTranscriptId: null },
      transcriptionNotice: null,
    });
  });

  it('tells someone who joins a meeting already being transcribed, once', async () => {
    const s = setup(() => ({ transcription: on('t1', 'Alice') }));
    await joinMeeting(s);
    const state = s.controller.getSnapshot();
    expect(state.transcription).toEqual({
      active: true,
      transcriptId: 't1',
      language: 'en',
      startedAt: '2025-03-14T09:30:00Z',
      startedBy: 'Alice',
      lastTranscriptId: null,
    });
    expect(state.transcriptionNotice).toEqual({
      id: 1,
      kind: 'started',
      transcriptId: 't1',
      startedBy: 'Alice',
      byYou: false,
      atJoin: true,
    });

    // Back after a reconnection, into the same transcript: no second notice.
    s.socket().drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    s.socket().open();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'joined', selfId: 'self2' });
    expect(s.controller.getSnapshot().transcriptionNotice?.id).toBe(1);
  });

  it('follows starts and stops, says who, and keeps the stopped transcript for hosts', async () => {
    const s = setup(() => ({ role: 'owner', lobby: [] }));
    await joinMeeting(s);
    const starting = s.controller.startTranscription('en');
    await vi.advanceTimersByTimeAsync(0);
    await starting;
    expect(s.socket().sentOfType('start_transcription').map(({ id: _id, ...rest }) => rest)).toEqual([
      { type: 'start_transcription', language: 'en' },
    ]);
    s.socket().receive({ type: 'transcription', transcription: on('t1', 'Alice'), by: 'self1' });
    let state = s.controller.getSnapshot();
    expect(state.transcription).toMatchObject({ active: true, transcriptId: 't1', startedBy: 'Alice' });
    expect(state.transcriptionNotice).toMatchObject({ id: 1, kind: 'started', byYou: true, atJoin: false });

    // A snapshot that changes nothing about the transcription keeps the same object.
    const kept = state.transcription;
    s.socket().receive({ type: 'hands', hands: ['self1'] });
    expect(s.controller.getSnapshot().transcription).toBe(kept);

    const stopping = s.controller.stopTranscription();
    await vi.advanceTimersByTimeAsync(0);
    await stopping;
    expect(s.socket().sentOfType('stop_transcription')).toHaveLength(1);
    s.socket().receive({ type: 'transcription', transcription: OFF, by: 'self1' });
    state = s.controller.getSnapshot();
    expect(state.transcription).toMatchObject({ active: false, transcriptId: null, lastTranscriptId: 't1' });
    expect(state.transcriptionNotice).toMatchObject({ id: 2, kind: 'stopped', transcriptId: 't1', byYou: true });

    // Another host starts a second one.
    s.socket().receive({ type: 'transcription', transcription: on('t2', 'Bob'), by: 'bob' });
    state = s.controller.getSnapshot();
    expect(state.transcription).toMatchObject({ active: true, transcriptId: 't2', startedBy: 'Bob', lastTranscriptId: 't1' });
    expect(state.transcriptionNotice).toMatchObject({ id: 3, kind: 'started', startedBy: 'Bob', byYou: false });
  });

  it('sends no language when none is chosen (the server default applies)', async () => {
    const s = setup(() => ({ role: 'owner', lobby: [] }));
    await joinMeeting(s);
    const starting = s.controller.startTranscription();
    await vi.advanceTimersByTimeAsync(0);
    await starting;
    const [sent] = s.socket().sentOfType('start_transcription');
    expect(sent).not.toHaveProperty('language');
  });

  it('rejects with the server error: a language the model cannot do, with what it can', async () => {
    const s = setup(
      () => ({ role: 'owner', lobby: [] }),
      (message, id) =>
        message.type === 'start_transcription'
          ? {
              type: 'error',
              reply_to: id,
              code: 'speech_language_unsupported',
              message: 'The speech model cannot transcribe fr',
              details: { language: 'fr', supported: ['en'] },
            }
          : undefined,
    );
    await joinMeeting(s);
    const starting = s.controller.startTranscription('fr');
    const failure = expect(starting).rejects.toMatchObject({
      code: 'speech_language_unsupported',
      details: { language: 'fr', supported: ['en'] },
    });
    await vi.advanceTimersByTimeAsync(0);
    await failure;
    expect(s.controller.getSnapshot().transcription.active).toBe(false);
  });

  it('notices a transcript that stopped while we were reconnecting', async () => {
    let transcription = on('t1');
    const s = setup(() => ({ transcription }));
    await joinMeeting(s);
    transcription = OFF;
    s.socket().drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    s.socket().open();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.controller.getSnapshot()).toMatchObject({
      transcription: { active: false, lastTranscriptId: 't1' },
      transcriptionNotice: { id: 2, kind: 'stopped', transcriptId: 't1' },
    });
  });

  it('forgets the notice and the last transcript when joining again', async () => {
    const s = setup(() => ({ transcription: on('t1') }));
    await joinMeeting(s);
    s.socket().receive({ type: 'transcription', transcription: OFF, by: null });
    expect(s.controller.getSnapshot().transcription.lastTranscriptId).toBe('t1');
    await s.controller.leave();
    const joining = s.controller.join('Alice', { microphone: false, camera: false });
    expect(s.controller.getSnapshot()).toMatchObject({ transcriptionNotice: null, transcription: { lastTranscriptId: null } });
    await vi.advanceTimersByTimeAsync(0);
    s.server.current.open();
    await vi.advanceTimersByTimeAsync(0);
    await joining;
    // Joined again a meeting being transcribed: told again (a new session).
    expect(s.controller.getSnapshot().transcriptionNotice).toMatchObject({ kind: 'started', atJoin: true });
  });
});
