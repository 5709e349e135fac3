// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError, type Member, type Room } from '../../api/client';
import { renderWithI18n } from '../../i18n/testing';
import { AccountContext } from '../account/AccountContext';
import { testConfig } from '../account/testing';
import { FakeController, makeState } from '../meeting/testing';
import { MeetingSettingsDialog, type AccessApi } from './components/MeetingSettingsDialog';

afterEach(cleanup);

const room: Room = {
  id: '1',
  slug: 'abcd-efgh-ijkl',
  name: null,
  url: 'https://visio.example/abcd-efgh-ijkl',
  settings: { access_level: 'trusted', start_audio_muted: true, start_video_muted: false },
  your_role: 'owner',
  created_at: '2025-03-14T09:00:00Z',
  updated_at: '2025-03-14T09:00:00Z',
};

const member = (email: string, role: Member['role'], invitation: Member['invitation'] = 'none'): Member => ({
  email,
  role,
  invitation,
  invitation_error: null,
  created_at: '2025-03-14T09:00:00Z',
});

function fakeApi(members: Member[] = []): AccessApi & { [K in keyof AccessApi]: ReturnType<typeof vi.fn> } {
  return {
    getRoom: vi.fn(async () => room),
    updateRoomSettings: vi.fn(async (_slug: string, settings: Room['settings']) => ({ ...room, settings })),
    listMembers: vi.fn(async () => members),
    addMember: vi.fn(async (_slug: string, m: { email: string; role: Member['role'] }) => member(m.email, m.role)),
    removeMember: vi.fn(async () => undefined),
  };
}

function open(role: 'owner' | 'host', api: AccessApi, controller = new FakeController(makeState({ role }))) {
  renderWithI18n(createElement(MeetingSettingsDialog, { controller, slug: room.slug, open: true, onClose: vi.fn(), api }));
  return controller;
}

describe('MeetingSettingsDialog', () => {
  it('changes the access level, keeping the other settings', async () => {
    const api = fakeApi();
    open('owner', api);
    const trusted = screen.getByTestId('access-level-trusted') as HTMLInputElement;
    expect(trusted.checked).toBe(true);
    await waitFor(() => expect((screen.getByTestId('access-level-public') as HTMLInputElement).disabled).toBe(false));
    fireEvent.click(screen.getByLabelText(/^Open/));
    await waitFor(() =>
      expect(api.updateRoomSettings).toHaveBeenCalledWith('abcd-efgh-ijkl', {
        access_level: 'public',
        start_audio_muted: true,
        start_video_muted: false,
      }),
    );
  });

  it('sets the transcript language, and goes back to the server default', async () => {
    const api = fakeApi();
    open('owner', api);
    const select = screen.getByTestId('transcript-language-setting') as HTMLSelectElement;
    await waitFor(() => expect(select.disabled).toBe(false));
    expect(select.value).toBe('');
    expect([...select.options].map((o) => o.text)).toEqual(['Server default', 'French', 'English']);
    fireEvent.change(select, { target: { value: 'en' } });
    await waitFor(() => expect(select.value).toBe('en'));
    expect(api.updateRoomSettings).toHaveBeenLastCalledWith('abcd-efgh-ijkl', {
      access_level: 'trusted',
      start_audio_muted: true,
      start_video_muted: false,
      transcript_language: 'en',
    });
    await waitFor(() => expect(select.disabled).toBe(false));
    fireEvent.change(select, { target: { value: '' } });
    await waitFor(() => expect(api.updateRoomSettings).toHaveBeenCalledTimes(2));
    expect(api.updateRoomSettings).toHaveBeenLastCalledWith('abcd-efgh-ijkl', expect.objectContaining({ transcript_language: null }));
  });

  it("marks the languages the server's speech model cannot do, and names its default", async () => {
    const dialog = createElement(MeetingSettingsDialog, {
      controller: new FakeController(makeState({ role: 'owner' })),
      slug: room.slug,
      open: true,
      onClose: vi.fn(),
      api: fakeApi(),
    });
    const account = { loading: false, config: testConfig({ sign_in_enabled: false }), me: null };
    renderWithI18n(createElement(AccountContext.Provider, { value: account }, dialog), 'fr');
    const select = screen.getByTestId('transcript-language-setting') as HTMLSelectElement;
    await waitFor(() => expect(select.disabled).toBe(false));
    expect([...select.options].map((o) => o.text)).toEqual([
      'Par défaut du serveur (français)',
      'Français (indisponible sur ce serveur)',
      'Anglais',
    ]);
  });

  it('locks the meeting live', () => {
    const controller = open('host', fakeApi());
    fireEvent.click(screen.getByTestId('lock-meeting'));
    expect(controller.setLocked).toHaveBeenCalledWith(true);
  });

  it('shows co-hosts to the owner only, and invitations with their state', async () => {
    const api = fakeApi([member('co@example.org', 'host'), member('guest@example.org', 'invited', 'sent')]);
    open('owner', api);
    await waitFor(() => expect(screen.getAllByTestId('cohost-item')).toHaveLength(1));
    const invite = screen.getByTestId('invite-item');
    expect(invite.dataset.invitation).toBe('sent');
    expect(invite.textContent).toContain('Email sent');
    cleanup();
    open('host', api);
    await waitFor(() => expect(screen.getAllByTestId('invite-item')).toHaveLength(1));
    expect(screen.queryByTestId('cohost-section')).toBeNull();
  });

  it('adds a co-host without email and invites by email; refuses what is not an address', async () => {
    const api = fakeApi();
    open('owner', api);
    fireEvent.change(screen.getByTestId('cohost-email'), { target: { value: 'co@example.org' } });
    await act(async () => fireEvent.click(screen.getByTestId('cohost-add')));
    expect(api.addMember).toHaveBeenCalledWith('abcd-efgh-ijkl', { email: 'co@example.org', role: 'host', sendInvitation: false });
    fireEvent.change(screen.getByTestId('invite-email'), { target: { value: 'not an address' } });
    await act(async () => fireEvent.click(screen.getByTestId('invite-add')));
    expect(screen.getByTestId('invite-email').getAttribute('aria-invalid')).toBe('true');
    fireEvent.change(screen.getByTestId('invite-email'), { target: { value: 'guest@example.org' } });
    await act(async () => fireEvent.click(screen.getByTestId('invite-add')));
    expect(api.addMember).toHaveBeenLastCalledWith('abcd-efgh-ijkl', { email: 'guest@example.org', role: 'invited', sendInvitation: true });
  });

  it('keeps an invitation without email when the server cannot send one', async () => {
    const api = fakeApi();
    api.addMember.mockRejectedValueOnce(new ApiError(409, 'mail_not_configured', 'No SMTP'));
    open('owner', api);
    fireEvent.change(screen.getByTestId('invite-email'), { target: { value: 'guest@example.org' } });
    await act(async () => fireEvent.click(screen.getByTestId('invite-add')));
    expect(api.addMember).toHaveBeenLastCalledWith('abcd-efgh-ijkl', { email: 'guest@example.org', role: 'invited', sendInvitation: false });
    expect(screen.getByText(/Email is not set up on this server/)).toBeTruthy();
  });

  it('removes a member', async () => {
    const api = fakeApi([member('guest@example.org', 'invited')]);
    open('owner', api);
    fireEvent.click(await screen.findByRole('button', { name: 'Remove guest@example.org' }));
    await waitFor(() => expect(api.removeMember).toHaveBeenCalledWith('abcd-efgh-ijkl', 'guest@example.org'));
  });
});
