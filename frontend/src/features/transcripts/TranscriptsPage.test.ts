// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type Room, type TranscriptDetail, type TranscriptDocument, type TranscriptSummary } from '../../api/client';
import { parseRoute } from '../../app/router';
import { renderWithI18n } from '../../i18n/testing';
import TranscriptsPage, { type TranscriptsApi } from './components/TranscriptsPage';

const room: Room = {
  id: '1',
  slug: 'abcd-efgh-ijkl',
  name: 'Point hebdo',
  url: 'https://visio.example/abcd-efgh-ijkl',
  settings: { access_level: 'trusted', start_audio_muted: false, start_video_muted: false },
  your_role: 'owner',
  created_at: '2025-03-14T09:00:00Z',
  updated_at: '2025-03-14T09:00:00Z',
};

function summary(id: string, overrides: Partial<TranscriptSummary> = {}): TranscriptSummary {
  return {
    id,
    status: 'done',
    language: 'en',
    progress: 1,
    stage: 'done',
    attempts: 1,
    error: null,
    started_at: '2025-03-14T09:30:00Z',
    started_by: 'Alice',
    stopped_at: '2025-03-14T09:42:30Z',
    finished_at: '2025-03-14T09:44:00Z',
    expires_at: '2025-04-13T09:44:00Z',
    speakers: ['Alice', 'Bob'],
    audio_kept: false,
    formats: ['txt', 'vtt', 'srt', 'docx', 'json'],
    shared_with: [],
    ...overrides,
  };
}

const DOCUMENT: TranscriptDocument = {
  status: 'complete',
  language: 'en',
  duration: 40,
  audio_seconds: 60,
  processing_seconds: 5,
  engines: { vad: 'silero', asr: 'faster-whisper', asr_model: 'tiny.en' },
  speakers: [
    { speaker_id: 's1', label: 'Alice Martin', shared_mic: false },
    { speaker_id: 's2', label: 'Bob', shared_mic: false },
  ],
  segments: [
    { speaker_id: 's1', speaker_label: 'Alice Martin', start: 1, end: 4, text: 'The budget is ready.', words: [] },
    { speaker_id: 's2', speaker_label: 'Bob', start: 5, end: 8, text: 'Great, send the budget today.', words: [] },
    { speaker_id: 's1', speaker_label: 'Alice Martin', start: 9, end: 12, text: 'I will.', words: [] },
    { speaker_id: 's2', speaker_label: 'Bob', start: 75, end: 79, text: 'Thank you all.', words: [] },
  ],
};

function detail(id: string, overrides: Partial<TranscriptDetail> = {}): TranscriptDetail {
  return { ...summary(id), transcript: DOCUMENT, ...overrides };
}

function fakeApi(overrides: Partial<TranscriptsApi> = {}) {
  return {
    getRoom: vi.fn(async () => room),
    list: vi.fn(async (): Promise<TranscriptSummary[]> => []),
    get: vi.fn(async (_slug: string, id: string): Promise<TranscriptDetail> => detail(id)),
    remove: vi.fn(async () => undefined),
    share: vi.fn(async (_slug: string, id: string, emails: string[]): Promise<TranscriptSummary> => summary(id, { shared_with: emails.map((e) => e.toLowerCase()) })),
    ...overrides,
  };
}

const render = (api: TranscriptsApi, id?: string, language: 'en' | 'fr' = 'en') =>
  renderWithI18n(createElement(TranscriptsPage, { slug: 'abcd-efgh-ijkl', api, ...(id !== undefined ? { id } : {}) }), language);

beforeEach(() => {
  window.history.replaceState(null, '', '/abcd-efgh-ijkl/transcripts');
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('routes', () => {
  it('routes a meeting’s transcripts and one of them', () => {
    expect(parseRoute('/abcd-efgh-ijkl/transcripts')).toEqual({ name: 'transcripts', slug: 'abcd-efgh-ijkl' });
    expect(parseRoute('/ABCD-efgh-ijkl/transcripts/')).toEqual({ name: 'transcripts', slug: 'abcd-efgh-ijkl' });
    expect(parseRoute('/abcd-efgh-ijkl/transcripts/0b9d3f1e-5c2a-4e8b-9f61-2d7c4a1b3e05')).toEqual({
      name: 'transcript',
      slug: 'abcd-efgh-ijkl',
      id: '0b9d3f1e-5c2a-4e8b-9f61-2d7c4a1b3e05',
    });
    expect(parseRoute('/abcd-efgh-ijkl/transcripts/a/b')).toEqual({ name: 'not-found', path: '/abcd-efgh-ijkl/transcripts/a/b' });
    expect(parseRoute('/abcd-efgh-ijkl')).toEqual({ name: 'meeting', slug: 'abcd-efgh-ijkl' });
  });
});

describe('the list', () => {
  it('says what each transcript is, with progress while it is prepared and why there is no text', async () => {
    const api = fakeApi({
      list: vi.fn(async () => [
        summary('t4', { status: 'running', progress: 0.42, stage: 'transcribing', formats: [], finished_at: null, expires_at: null }),
        summary('t3', { status: 'empty', speakers: [] }),
        summary('t2', {
          status: 'failed',
          error: { code: 'audio_unreadable', message: 'corrupt' },
          formats: [],
        }),
        summary('t1'),
      ]),
    });
    render(api);
    const items = await screen.findAllByTestId('transcript-item');
    expect(items.map((item) => [item.dataset.transcriptId, item.dataset.status])).toEqual([
      ['t4', 'running'],
      ['t3', 'empty'],
      ['t2', 'failed'],
      ['t1', 'done'],
    ]);
    expect(screen.getByRole('heading', { level: 1, name: 'Transcripts' })).toBeTruthy();
    expect(screen.getByText('Meeting Point hebdo')).toBeTruthy();
    const running = within(items[0]!);
    expect(running.getByTestId('transcript-status').textContent).toBe('Being prepared');
    expect((running.getByTestId('transcript-progress') as HTMLProgressElement).value).toBe(42);
    expect(running.getByTestId('transcript-explanation').textContent).toContain('Preparing the text: recognizing speech.');
    expect(within(items[1]!).getByTestId('transcript-explanation').textContent).toContain('Nobody spoke during the transcription');
    expect(within(items[2]!).getByTestId('transcript-explanation').textContent).toContain('The recorded audio cannot be read.');
    const done = within(items[3]!);
    expect(done.getByTestId('transcript-status').textContent).toBe('Ready');
    expect(done.getByText('Started by Alice')).toBeTruthy();
    expect(done.getByText('Duration: 12:30')).toBeTruthy();
    expect(done.getByText('Language: English')).toBeTruthy();
    expect(done.getByText('2 people recorded')).toBeTruthy();
    expect(done.getByTestId('transcript-open').getAttribute('href')).toBe('/abcd-efgh-ijkl/transcripts/t1');
  });

  it('asks again while a transcript is prepared, and stops once all are finished', async () => {
    vi.useFakeTimers();
    const list = vi
      .fn<() => Promise<TranscriptSummary[]>>()
      .mockResolvedValueOnce([summary('t1', { status: 'queued', progress: 0, stage: null, formats: [] })])
      .mockResolvedValueOnce([summary('t1', { status: 'running', progress: 0.5, stage: 'decoding', formats: [] })])
      .mockResolvedValue([summary('t1')]);
    render(fakeApi({ list }));
    await act(() => vi.advanceTimersByTimeAsync(0));
    expect(screen.getByTestId('transcript-status').textContent).toBe('Waiting');
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(screen.getByTestId('transcript-status').textContent).toBe('Being prepared');
    await act(() => vi.advanceTimersByTimeAsync(2_000));
    expect(screen.getByTestId('transcript-status').textContent).toBe('Ready');
    await act(() => vi.advanceTimersByTimeAsync(20_000));
    expect(list).toHaveBeenCalledTimes(3);
  });

  it('says when there is none yet, and how to make one', async () => {
    render(fakeApi(), undefined, 'fr');
    expect((await screen.findByTestId('transcripts-empty')).textContent).toContain('Aucune transcription pour cette réunion');
  });

  it('tells people who are not hosts that the transcripts are not for them', async () => {
    render(fakeApi({ list: vi.fn(async () => Promise.reject(new ApiError(403, 'forbidden', 'Only hosts'))) }));
    const page = await screen.findByTestId('transcripts-forbidden');
    expect(page.textContent).toContain('Only the owner and co-hosts of this meeting can read its transcripts.');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Restricted access');
  });

  it('says when the meeting does not exist', async () => {
    render(fakeApi({ getRoom: vi.fn(async () => Promise.reject(new ApiError(404, 'room_not_found', 'No'))) }));
    expect(await screen.findByTestId('meeting-not-found')).toBeTruthy();
  });
});

describe('one transcript', () => {
  it('shows who said what, with colours, initials and times', async () => {
    render(fakeApi(), 't1');
    const turns = await screen.findAllByTestId('transcript-turn');
    expect(turns.map((turn) => [within(turn).getByTestId('turn-speaker').textContent, within(turn).getByTestId('turn-time').textContent])).toEqual([
      ['Alice Martin', '0:01'],
      ['Bob', '0:05'],
      ['Alice Martin', '0:09'],
      ['Bob', '1:15'],
    ]);
    expect(within(turns[0]!).getByTestId('turn-time').getAttribute('datetime')).toBe('2025-03-14T09:30:01.000Z');
    const legend = screen.getAllByTestId('transcript-speaker');
    expect(legend.map((item) => item.textContent)).toEqual(['AMAlice Martin2 turns', 'BBob2 turns']);
    const [alice, bob] = legend.map((item) => (item.querySelector('[aria-hidden="true"]') as HTMLElement).style.background);
    expect(alice).not.toBe(bob);
    expect(screen.getByTestId('transcript-title').textContent).toMatch(/^Transcript of /);
  });

  it('searches the text: highlights, counts and moves between matches', async () => {
    render(fakeApi(), 't1');
    const input = await screen.findByLabelText(/Search the text/);
    fireEvent.change(input, { target: { value: 'BUDGET' } });
    await waitFor(() => expect(screen.getAllByTestId('search-hit')).toHaveLength(2));
    const count = screen.getByTestId('search-count');
    expect(count.textContent).toBe('2 results — Result 1 of 2');
    expect(count.getAttribute('role')).toBe('status');
    const current = () => screen.getAllByTestId('search-hit').findIndex((mark) => mark.dataset.current === 'true');
    expect(current()).toBe(0);
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(current()).toBe(1);
    expect(count.textContent).toBe('2 results — Result 2 of 2');
    fireEvent.keyDown(input, { key: 'Enter' });
    expect(current()).toBe(0);
    fireEvent.keyDown(input, { key: 'Enter', shiftKey: true });
    expect(current()).toBe(1);
    fireEvent.click(screen.getByTestId('search-prev'));
    expect(current()).toBe(0);
    fireEvent.click(screen.getByTestId('search-next'));
    expect(current()).toBe(1);
    fireEvent.change(input, { target: { value: 'nothing like it' } });
    await waitFor(() => expect(count.textContent).toBe('No results'));
    expect(screen.queryAllByTestId('search-hit')).toHaveLength(0);
    expect((screen.getByTestId('search-next') as HTMLButtonElement).disabled).toBe(true);
  });

  it("jumps between a chosen speaker's turns", async () => {
    render(fakeApi(), 't1');
    const select = (await screen.findByLabelText('Turns of')) as HTMLSelectElement;
    const currentTurn = () => screen.getAllByTestId('transcript-turn').findIndex((turn) => turn.dataset.current === 'true');
    expect(screen.getByTestId('turn-position').textContent).toBe('2 turns');
    fireEvent.change(select, { target: { value: select.options[1]!.value } });
    fireEvent.click(screen.getByTestId('speaker-next'));
    expect(currentTurn()).toBe(1);
    expect(screen.getByTestId('turn-position').textContent).toBe('Turn 1 of 2 — 0:05');
    fireEvent.click(screen.getByTestId('speaker-next'));
    expect(currentTurn()).toBe(3);
    fireEvent.click(screen.getByTestId('speaker-next'));
    expect(currentTurn()).toBe(1);
    fireEvent.click(screen.getByTestId('speaker-prev'));
    expect(currentTurn()).toBe(3);
    expect(screen.getByTestId('turn-position').textContent).toBe('Turn 2 of 2 — 1:15');
  });

  it('offers every format for download', async () => {
    render(fakeApi(), 't1');
    await screen.findAllByTestId('transcript-turn');
    for (const format of ['txt', 'docx', 'vtt', 'srt', 'json']) {
      const link = screen.getByTestId(`download-${format}`);
      expect(link.getAttribute('href')).toBe(`/api/v1/rooms/abcd-efgh-ijkl/transcripts/t1/download?format=${format}`);
      expect(link.hasAttribute('download')).toBe(true);
    }
  });

  it('explains an empty transcript, with nothing to search', async () => {
    render(fakeApi({ get: vi.fn(async () => detail('t1', { status: 'empty', transcript: { ...DOCUMENT, status: 'empty', segments: [], speakers: [] } })) }), 't1');
    expect((await screen.findByTestId('transcript-explanation')).textContent).toContain('Nobody spoke');
    expect(screen.queryByTestId('transcript-search')).toBeNull();
  });

  it('lets the owner delete it after a confirmation', async () => {
    const api = fakeApi();
    render(api, 't1');
    fireEvent.click(await screen.findByTestId('delete-transcript'));
    expect(api.remove).not.toHaveBeenCalled();
    expect(screen.getByText(/deleted for good/)).toBeTruthy();
    fireEvent.click(screen.getByTestId('confirm-delete'));
    await waitFor(() => expect(api.remove).toHaveBeenCalledWith('abcd-efgh-ijkl', 't1'));
    await waitFor(() => expect(window.location.pathname).toBe('/abcd-efgh-ijkl/transcripts'));
    expect(screen.getByTestId('transcript-deleted').textContent).toBe('The transcript was deleted.');
  });

  it('says why a delete was refused', async () => {
    const api = fakeApi({ remove: vi.fn(async () => Promise.reject(new ApiError(409, 'transcript_busy', 'busy'))) });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    render(api, 't1');
    fireEvent.click(await screen.findByTestId('delete-transcript'));
    fireEvent.click(screen.getByTestId('confirm-delete'));
    expect((await screen.findByTestId('delete-error')).textContent).toContain('stop the transcription in the meeting first');
  });

  it('does not offer a co-host to delete', async () => {
    render(fakeApi({ getRoom: vi.fn(async () => ({ ...room, your_role: 'host' as const })) }), 't1');
    await screen.findAllByTestId('transcript-turn');
    expect(screen.queryByTestId('delete-transcript')).toBeNull();
  });

  it('says when the transcript is gone', async () => {
    render(fakeApi({ get: vi.fn(async () => Promise.reject(new ApiError(404, 'transcript_not_found', 'No'))) }), 't9');
    expect((await screen.findByTestId('transcript-not-found')).textContent).toContain('it may have been deleted');
  });
});

describe('sharing a transcript', () => {
  const shared = (emails: string[]) => fakeApi({ get: vi.fn(async (_slug: string, id: string) => detail(id, { shared_with: emails })) });
  const listed = () => screen.queryAllByTestId('shared-with').map((item) => item.textContent);

  it('lets the owner add an address, sending the whole list', async () => {
    const api = shared(['bob@example.fr']);
    render(api, 't1', 'fr');
    const section = await screen.findByTestId('transcript-sharing');
    expect(section.textContent).toContain('Les personnes ajoutées, connectées avec cette adresse, pourront lire et télécharger cette transcription.');
    expect(listed()).toEqual(['bob@example.fr']);
    fireEvent.change(screen.getByTestId('share-email'), { target: { value: ' Carol@Example.fr ' } });
    fireEvent.click(screen.getByTestId('share-add'));
    await waitFor(() => expect(listed()).toEqual(['bob@example.fr', 'carol@example.fr']));
    expect(api.share).toHaveBeenCalledWith('abcd-efgh-ijkl', 't1', ['bob@example.fr', 'Carol@Example.fr']);
    expect((screen.getByTestId('share-email') as HTMLInputElement).value).toBe('');
  });

  it('stops sharing with a removed address', async () => {
    const api = shared(['bob@example.fr', 'carol@example.fr']);
    render(api, 't1');
    await screen.findByTestId('transcript-sharing');
    fireEvent.click(screen.getAllByTestId('share-remove')[0]!);
    await waitFor(() => expect(listed()).toEqual(['carol@example.fr']));
    expect(api.share).toHaveBeenCalledWith('abcd-efgh-ijkl', 't1', ['carol@example.fr']);
  });

  it('says when an address is not valid, and keeps it to correct', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const api = fakeApi({ share: vi.fn(async () => Promise.reject(new ApiError(422, 'validation_failed', 'bad email'))) });
    render(api, 't1');
    await screen.findByTestId('transcript-sharing');
    fireEvent.change(screen.getByTestId('share-email'), { target: { value: 'not-an-address' } });
    fireEvent.click(screen.getByTestId('share-add'));
    expect((await screen.findByTestId('share-error')).textContent).toBe('This email address is not valid.');
    expect((screen.getByTestId('share-email') as HTMLInputElement).value).toBe('not-an-address');
    expect(listed()).toEqual([]);
  });

  it('says that only the owner may share when the server refuses', async () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    render(fakeApi({ share: vi.fn(async () => Promise.reject(new ApiError(403, 'forbidden', 'No'))) }), 't1');
    await screen.findByTestId('transcript-sharing');
    fireEvent.change(screen.getByTestId('share-email'), { target: { value: 'bob@example.fr' } });
    fireEvent.click(screen.getByTestId('share-add'));
    expect((await screen.findByTestId('share-error')).textContent).toBe("Only the meeting's owner can share this transcript.");
  });

  it('is not offered to a co-host', async () => {
    render(fakeApi({ getRoom: vi.fn(async () => ({ ...room, your_role: 'host' as const })) }), 't1');
    await screen.findAllByTestId('transcript-turn');
    expect(screen.queryByTestId('transcript-sharing')).toBeNull();
    expect(screen.getByTestId('back-to-list')).toBeTruthy();
  });

  it('shows a shared transcript to a participant, with no list, delete or sharing', async () => {
    for (const role of ['participant', 'guest'] as const) {
      const api = fakeApi({ getRoom: vi.fn(async () => ({ ...room, your_role: role })) });
      render(api, 't1');
      expect(await screen.findAllByTestId('transcript-turn')).toHaveLength(4);
      expect(screen.getByTestId('download-txt')).toBeTruthy();
      expect(screen.queryByTestId('back-to-list')).toBeNull();
      expect(screen.queryByTestId('delete-transcript')).toBeNull();
      expect(screen.queryByTestId('transcript-sharing')).toBeNull();
      expect(api.list).not.toHaveBeenCalled();
      cleanup();
    }
  });
});
