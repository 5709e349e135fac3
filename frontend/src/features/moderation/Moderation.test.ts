// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { createElement, type ReactElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithI18n } from '../../i18n/testing';
import type { Participant } from '../../meeting';
import { FakeController, makeParticipant, makeState } from '../meeting/testing';
import { LeaveControl } from './components/LeaveControl';
import { ParticipantMenu } from './components/ParticipantMenu';
import { useMeetingNotices } from './hooks/useMeetingNotices';

afterEach(cleanup);

function meetingWith(role: 'owner' | 'host' | 'participant', bob: Partial<Participant> = {}): FakeController {
  return new FakeController(
    makeState({
      role,
      participants: [
        makeParticipant('self', { isSelf: true, displayName: 'Me', role }),
        makeParticipant('bob', { displayName: 'Bob', ...bob }),
      ],
    }),
  );
}

const menuItems = () => screen.getAllByRole('menuitem').map((item) => item.dataset.testid);

describe('ParticipantMenu', () => {
  it('is not there for participants, nor on oneself', () => {
    renderWithI18n(createElement(ParticipantMenu, { controller: meetingWith('participant'), participantId: 'bob', variant: 'list' }));
    expect(screen.queryByTestId('participant-menu')).toBeNull();
    cleanup();
    renderWithI18n(createElement(ParticipantMenu, { controller: meetingWith('owner'), participantId: 'self', variant: 'list' }));
    expect(screen.queryByTestId('participant-menu')).toBeNull();
  });

  it('lists what applies now; the owner also names co-hosts', () => {
    const controller = meetingWith('owner', { handRaised: true, screenSharing: true });
    renderWithI18n(createElement(ParticipantMenu, { controller, participantId: 'bob', variant: 'tile' }));
    const button = screen.getByRole('button', { name: 'More actions for Bob' });
    expect(button.getAttribute('aria-haspopup')).toBe('menu');
    fireEvent.click(button);
    expect(screen.getByRole('menu', { name: 'Actions for Bob' })).toBeTruthy();
    expect(menuItems()).toEqual([
      'moderate-mute',
      'moderate-stop-camera',
      'moderate-stop-screen',
      'moderate-lower-hand',
      'moderate-make-host',
      'moderate-remove',
    ]);
    fireEvent.click(screen.getByTestId('moderate-mute'));
    expect(controller.muteParticipant).toHaveBeenCalledWith('bob', 'microphone');
    expect(screen.queryByRole('menu')).toBeNull();
    fireEvent.click(button);
    fireEvent.click(screen.getByTestId('moderate-make-host'));
    expect(controller.setParticipantRole).toHaveBeenCalledWith('bob', 'host');
  });

  it('lets a co-host moderate but not name co-hosts, and nobody remove the owner', () => {
    const controller = meetingWith('host', { microphoneOn: false, cameraOn: false, role: 'owner' });
    renderWithI18n(createElement(ParticipantMenu, { controller, participantId: 'bob', variant: 'list' }));
    // Nothing applies to a muted owner without camera: no menu at all.
    expect(screen.queryByTestId('participant-menu')).toBeNull();
    act(() =>
      controller.update((state) => ({
        ...state,
        participants: [state.participants[0]!, makeParticipant('bob', { displayName: 'Bob', role: 'host' })],
      })),
    );
    fireEvent.click(screen.getByTestId('participant-menu'));
    expect(menuItems()).toEqual(['moderate-mute', 'moderate-stop-camera', 'moderate-remove']);
  });

  it('removes only after a confirmation', () => {
    const controller = meetingWith('owner');
    renderWithI18n(createElement(ParticipantMenu, { controller, participantId: 'bob', variant: 'list' }));
    fireEvent.click(screen.getByTestId('participant-menu'));
    fireEvent.click(screen.getByTestId('moderate-remove'));
    expect(controller.removeParticipant).not.toHaveBeenCalled();
    expect(screen.getByText(/can come back only if a host lets them in/)).toBeTruthy();
    fireEvent.click(screen.getByTestId('confirm-remove'));
    expect(controller.removeParticipant).toHaveBeenCalledWith('bob');
  });

  it('moves through the items with the arrow keys and closes with Escape', () => {
    renderWithI18n(createElement(ParticipantMenu, { controller: meetingWith('owner'), participantId: 'bob', variant: 'list' }));
    const button = screen.getByTestId('participant-menu');
    fireEvent.keyDown(button, { key: 'ArrowDown' });
    const items = screen.getAllByRole('menuitem');
    expect(document.activeElement).toBe(items[0]);
    fireEvent.keyDown(items[0]!, { key: 'ArrowUp' });
    expect(document.activeElement).toBe(items.at(-1));
    fireEvent.keyDown(items.at(-1)!, { key: 'Escape' });
    expect(screen.queryByRole('menu')).toBeNull();
    expect(document.activeElement).toBe(button);
  });
});

describe('LeaveControl', () => {
  it('leaves at once for participants', () => {
    const onLeave = vi.fn();
    renderWithI18n(createElement(LeaveControl, { controller: meetingWith('participant'), onLeave, onEndForAll: vi.fn() }));
    fireEvent.click(screen.getByTestId('leave'));
    expect(onLeave).toHaveBeenCalled();
  });

  it('asks hosts whether to leave or end the meeting for everyone', () => {
    const onLeave = vi.fn();
    const onEndForAll = vi.fn();
    renderWithI18n(createElement(LeaveControl, { controller: meetingWith('host'), onLeave, onEndForAll }), 'fr');
    fireEvent.click(screen.getByTestId('leave'));
    expect(onLeave).not.toHaveBeenCalled();
    expect(screen.getAllByRole('menuitem').map((item) => item.textContent)).toEqual(['Quitter la réunion', 'Mettre fin à la réunion pour tous']);
    fireEvent.click(screen.getByTestId('end-meeting'));
    expect(onEndForAll).toHaveBeenCalled();
  });
});

function Notices({ controller }: { controller: FakeController }): ReactElement | null {
  useMeetingNotices(controller);
  return null;
}

describe('useMeetingNotices', () => {
  it('says a host muted us, in French', () => {
    const controller = meetingWith('participant');
    renderWithI18n(createElement(Notices, { controller }), 'fr');
    act(() => controller.update({ moderation: { id: 1, action: 'muted', source: 'microphone', byName: 'Alice' } }));
    expect(screen.getByTestId('moderation-notice').textContent).toBe(
      'Un organisateur a coupé votre micro — vous pouvez le réactiver',
    );
  });

  it('says when we become co-host', () => {
    const controller = meetingWith('participant');
    renderWithI18n(createElement(Notices, { controller }));
    act(() => controller.update({ role: 'host' }));
    expect(screen.getByTestId('role-notice').textContent).toBe('You are now a co-host of the meeting.');
  });
});
