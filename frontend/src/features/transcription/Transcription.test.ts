// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Room } from '../../api/client';
import { renderWithI18n } from '../../i18n/testing';
import { testConfig } from '../account/testing';
import { SignalingError } from '../../meeting';
import { ControlsBar } from '../controls/components/ControlsBar';
import { FakeController, makeState, transcribing } from '../meeting/testing';
import { TranscriptionDialog } from './components/TranscriptionDialog';
import { TranscriptionStatus } from './components/TranscriptionStatus';
import { isSupported, languageLabel, languageName, supportedLanguages } from './languages';

afterEach(cleanup);

const started = (id: number, overrides: { byYou?: boolean; atJoin?: boolean; startedBy?: string | null } = {}) => ({
  id,
  kind: 'started' as const,
  transcriptId: 't1',
  startedBy: 'Alice',
  byYou: false,
  atJoin: false,
  ...overrides,
});

describe('languages', () => {
  it('names languages in the UI language, and matches regions', () => {
    expect(languageName('en', 'fr')).toBe('anglais');
    expect(languageLabel('fr', 'en')).toBe('French');
    expect(languageLabel('fr', 'fr')).toBe('Français');
    expect(isSupported('en', ['en-US'])).toBe(true);
    expect(isSupported('fr', ['en'])).toBe(false);
    expect(isSupported('fr', null)).toBe(true);
    expect(supportedLanguages({ supported: ['en', 3] })).toEqual(['en']);
    expect(supportedLanguages(null)).toBeNull();
  });
});

describe('TranscriptionStatus', () => {
  it('shows nothing while the meeting is not transcribed', () => {
    renderWithI18n(createElement(TranscriptionStatus, { controller: new FakeController() }));
    expect(screen.queryByTestId('transcription-indicator')).toBeNull();
    expect(screen.queryByTestId('transcription-notice')).toBeNull();
  });

  it('tells someone who joins a transcribed meeting, and keeps the indicator after the notice is read', () => {
    const controller = new FakeController(makeState({ transcription: transcribing(), transcriptionNotice: started(1, { atJoin: true }) }));
    renderWithI18n(createElement(TranscriptionStatus, { controller }));
    const indicator = screen.getByTestId('transcription-indicator');
    expect(indicator.textContent).toContain('Transcription in progress');
    // In a polite live region that was there before it (announced when it appears).
    expect(indicator.closest('[role="status"]')).not.toBeNull();
    const notice = screen.getByRole('region', { name: 'Transcription notice' });
    expect(notice.textContent).toContain('This meeting is being transcribed');
    expect(screen.getByTestId('transcription-started-by').textContent).toBe('Transcription started by Alice.');
    fireEvent.click(screen.getByTestId('transcription-notice-ok'));
    expect(screen.queryByTestId('transcription-notice')).toBeNull();
    expect(screen.getByTestId('transcription-indicator')).toBeTruthy();
  });

  it('says so in French, and to the host who started it', () => {
    const controller = new FakeController(makeState({ transcription: transcribing(), transcriptionNotice: started(1, { byYou: true }) }));
    renderWithI18n(createElement(TranscriptionStatus, { controller }), 'fr');
    expect(screen.getByTestId('transcription-indicator').textContent).toContain('Transcription en cours');
    expect(screen.getByTestId('transcription-notice').textContent).toContain('Cette réunion est transcrite');
    expect(screen.getByTestId('transcription-started-by').textContent).toContain('Vous avez lancé la transcription');
  });

  it('shows a new notice for a new transcript, and a toast when it stops', () => {
    const controller = new FakeController();
    renderWithI18n(createElement(TranscriptionStatus, { controller }));
    act(() => controller.update({ transcription: transcribing(), transcriptionNotice: started(1) }));
    fireEvent.click(screen.getByTestId('transcription-notice-ok'));
    act(() =>
      controller.update({
        transcription: transcribing({ active: false, transcriptId: null, lastTranscriptId: 't1' }),
        transcriptionNotice: { id: 2, kind: 'stopped', transcriptId: 't1', startedBy: 'Alice', byYou: false, atJoin: false },
      }),
    );
    expect(screen.queryByTestId('transcription-indicator')).toBeNull();
    expect(screen.getByTestId('transcription-stopped-notice').textContent).toBe('The transcription has stopped.');
    act(() => controller.update({ transcription: transcribing({ transcriptId: 't2', startedBy: 'Bob' }), transcriptionNotice: started(3, { startedBy: 'Bob' }) }));
    expect(screen.getByTestId('transcription-started-by').textContent).toBe('Transcription started by Bob.');
  });
});

describe('TranscriptionDialog', () => {
  const host = () => new FakeController(makeState({ role: 'owner' }));
  const meeting = (transcriptLanguage: string | null = null) =>
    vi.fn(
      async (): Promise<Room> => ({
        id: '1',
        slug: 'abcd-efgh-ijkl',
        name: null,
        url: 'https://visio.example/abcd-efgh-ijkl',
        settings: { access_level: 'trusted', start_audio_muted: false, start_video_muted: false, transcript_language: transcriptLanguage },
        your_role: 'owner',
        created_at: '2025-03-14T09:00:00Z',
        updated_at: '2025-03-14T09:00:00Z',
      }),
    );

  it('starts in French by default, or in the language chosen, and closes', async () => {
    const controller = host();
    const onClose = vi.fn();
    renderWithI18n(createElement(TranscriptionDialog, { controller, slug: 'abcd-efgh-ijkl', open: true, onClose, loadRoom: meeting() }));
    const select = screen.getByLabelText(/Language spoken/) as HTMLSelectElement;
    expect(select.value).toBe('fr');
    expect([...select.options].map((o) => o.textContent)).toEqual(['French', 'English']);
    fireEvent.change(select, { target: { value: 'en' } });
    fireEvent.click(screen.getByTestId('start-transcription'));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(controller.startTranscription).toHaveBeenCalledWith('en');
    // The transcripts open in a new tab: following the link here would leave the meeting.
    const link = screen.getByTestId('transcripts-link');
    expect(link.getAttribute('href')).toBe('/abcd-efgh-ijkl/transcripts');
    expect(link.getAttribute('target')).toBe('_blank');
  });

  it("starts from the meeting's own language, when its settings name one", async () => {
    const controller = host();
    renderWithI18n(createElement(TranscriptionDialog, { controller, slug: 'abcd-efgh-ijkl', open: true, onClose: vi.fn(), loadRoom: meeting('de') }));
    const select = screen.getByLabelText(/Language spoken/) as HTMLSelectElement;
    await waitFor(() => expect(select.value).toBe('de'));
    expect([...select.options].map((o) => o.textContent)).toEqual(['French', 'English', 'German']);
    fireEvent.click(screen.getByTestId('start-transcription'));
    await waitFor(() => expect(controller.startTranscription).toHaveBeenCalledWith('de'));
  });

  it('says clearly when the server cannot transcribe the language, and offers the one it can', async () => {
    const controller = host();
    controller.startTranscription.mockRejectedValueOnce(
      new SignalingError('speech_language_unsupported', 'no', { language: 'fr', supported: ['en'] }),
    );
    const onClose = vi.fn();
    renderWithI18n(createElement(TranscriptionDialog, { controller, slug: 'abcd-efgh-ijkl', open: true, onClose, loadRoom: meeting() }), 'fr');
    fireEvent.click(screen.getByTestId('start-transcription'));
    const error = await screen.findByTestId('transcription-error');
    expect(error.getAttribute('role')).toBe('alert');
    expect(error.textContent).toBe('Ce serveur ne sait pas transcrire cette langue (français). Langue disponible : anglais.');
    expect(onClose).not.toHaveBeenCalled();
    const select = screen.getByLabelText(/Langue parlée/) as HTMLSelectElement;
    expect(select.value).toBe('en');
    expect([...select.options].map((o) => o.textContent)).toEqual(['Français (indisponible sur ce serveur)', 'Anglais']);
    fireEvent.click(screen.getByTestId('start-transcription'));
    await waitFor(() => expect(onClose).toHaveBeenCalled());
    expect(controller.startTranscription).toHaveBeenLastCalledWith('en');
  });

  it("offers only what the server's speech model can do, from its config", async () => {
    const controller = host();
    const server = testConfig().transcription; // the bundled model: English only
    renderWithI18n(createElement(TranscriptionDialog, { controller, slug: 'abcd-efgh-ijkl', open: true, onClose: vi.fn(), loadRoom: meeting(), server }));
    const select = screen.getByLabelText(/Language spoken/) as HTMLSelectElement;
    // French is the default, but this server's model is English-only: English is picked.
    await waitFor(() => expect(select.value).toBe('en'));
    expect([...select.options].map((o) => o.textContent)).toEqual(['French (not available on this server)', 'English']);
    expect(screen.getByText(/Language available: English\./)).toBeTruthy();
    fireEvent.click(screen.getByTestId('start-transcription'));
    await waitFor(() => expect(controller.startTranscription).toHaveBeenCalledWith('en'));
  });

  it("uses the server's default language when its model can do it", () => {
    const controller = host();
    const server = { ...testConfig().transcription, languages: ['de', 'en', 'fr'], default_language: 'en' };
    renderWithI18n(createElement(TranscriptionDialog, { controller, slug: 'abcd-efgh-ijkl', open: true, onClose: vi.fn(), loadRoom: meeting(), server }));
    const select = screen.getByLabelText(/Language spoken/) as HTMLSelectElement;
    expect(select.value).toBe('en');
    expect([...select.options].map((o) => o.textContent)).toEqual(['French', 'English']);
  });

  it('says so, and starts nothing, when the server makes no transcripts', () => {
    const controller = host();
    const server = { ...testConfig().transcription, available: false, languages: [] };
    renderWithI18n(createElement(TranscriptionDialog, { controller, slug: 'abcd-efgh-ijkl', open: true, onClose: vi.fn(), loadRoom: meeting(), server }), 'fr');
    expect(screen.getByTestId('transcription-unavailable').textContent).toBe('Ce serveur ne fait pas de transcriptions.');
    expect((screen.getByTestId('start-transcription') as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByTestId('start-transcription'));
    expect(controller.startTranscription).not.toHaveBeenCalled();
  });

  it.each([
    ['forbidden', 'host', 'On this server, only the meeting’s owner can start a transcription.'.replace('’', "'")],
    ['transcription_unavailable', 'owner', 'This server makes no transcripts.'],
    ['invalid_state', 'owner', 'The meeting is already being transcribed.'],
    ['media_error', 'owner', 'The transcription could not start. Try again.'],
  ] as const)('explains %s', async (code, role, text) => {
    const controller = new FakeController(makeState({ role }));
    controller.startTranscription.mockRejectedValueOnce(new SignalingError(code, 'no'));
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    renderWithI18n(createElement(TranscriptionDialog, { controller, slug: 'abcd-efgh-ijkl', open: true, onClose: vi.fn(), loadRoom: meeting() }));
    fireEvent.click(screen.getByTestId('start-transcription'));
    expect((await screen.findByTestId('transcription-error')).textContent).toBe(text);
  });

  it('stops a running transcript, then links to it', async () => {
    const controller = new FakeController(makeState({ role: 'host', transcription: transcribing() }));
    renderWithI18n(createElement(TranscriptionDialog, { controller, slug: 'abcd-efgh-ijkl', open: true, onClose: vi.fn(), loadRoom: meeting() }));
    expect(screen.getByRole('dialog', { hidden: true }).getAttribute('aria-labelledby')).toBeTruthy();
    expect(screen.getByText('Transcription in progress')).toBeTruthy();
    expect(screen.getByTestId('transcription-active').textContent).toMatch(/^Transcription started at .+ by Alice, in English\.$/);
    expect(screen.queryByTestId('start-transcription')).toBeNull();
    fireEvent.click(screen.getByTestId('stop-transcription'));
    await waitFor(() => expect(controller.stopTranscription).toHaveBeenCalled());
    act(() => controller.update({ transcription: transcribing({ active: false, transcriptId: null, lastTranscriptId: 't1' }) }));
    expect(screen.getByTestId('transcription-stopped').textContent).toContain('Transcription stopped');
    expect(screen.getByTestId('transcripts-link').getAttribute('href')).toBe('/abcd-efgh-ijkl/transcripts/t1');
    expect(screen.getByTestId('start-transcription')).toBeTruthy();
  });
});

describe('ControlsBar: transcription', () => {
  const bar = (controller: FakeController, onOpenTranscription = vi.fn()) =>
    createElement(ControlsBar, {
      controller,
      panel: null,
      onTogglePanel: vi.fn(),
      layout: 'grid',
      onToggleLayout: vi.fn(),
      onOpenSettings: vi.fn(),
      onOpenHelp: vi.fn(),
      onLeave: vi.fn(),
      onOpenTranscription,
      code: 'abcd-efgh-ijkl',
    });

  it('gives hosts the control, marked while the meeting is transcribed', () => {
    const controller = new FakeController(makeState({ role: 'owner' }));
    const open = vi.fn();
    renderWithI18n(bar(controller, open));
    const button = screen.getByTestId('open-transcription');
    expect(button.getAttribute('aria-label')).toBe('Transcription');
    expect(button.getAttribute('aria-haspopup')).toBe('dialog');
    expect(button.dataset.active).toBe('false');
    fireEvent.click(button);
    expect(open).toHaveBeenCalled();
    act(() => controller.update({ transcription: transcribing() }));
    expect(screen.getByTestId('open-transcription').dataset.active).toBe('true');
    expect(screen.getByText('The meeting is being transcribed')).toBeTruthy();
  });

  it('does not give it to participants', () => {
    renderWithI18n(bar(new FakeController(makeState({ role: 'participant' }))));
    expect(screen.queryByTestId('open-transcription')).toBeNull();
  });
});
