// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { createElement, type ReactElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithI18n } from '../../i18n/testing';
import { lobbyRequest } from '../../test/messages';
import { FakeController, makeState } from '../meeting/testing';
import { LobbyNotice } from './components/LobbyNotice';
import { LobbyPanel } from './components/LobbyPanel';
import { WaitingScreen } from './components/WaitingScreen';
import { useLobbyAlerts } from './hooks/useLobbyAlerts';

afterEach(cleanup);

const hostWith = (...ids: string[]) =>
  new FakeController(makeState({ role: 'owner', lobby: ids.map((id) => lobbyRequest(id, { display_name: `Guest ${id}` })) }));

describe('LobbyPanel', () => {
  it('lists who waits, and admits or denies one person', () => {
    const controller = hostWith('r1', 'r2');
    renderWithI18n(createElement(LobbyPanel, { controller, onClose: vi.fn() }));
    expect(screen.getByRole('heading').textContent).toBe('Waiting room (2)');
    expect(screen.getAllByTestId('lobby-request').map((el) => el.dataset.requestId)).toEqual(['r1', 'r2']);
    fireEvent.click(screen.getByRole('button', { name: 'Admit Guest r2' }));
    expect(controller.decideLobby).toHaveBeenLastCalledWith(['r2'], true);
    fireEvent.click(screen.getByRole('button', { name: 'Deny Guest r1' }));
    expect(controller.decideLobby).toHaveBeenLastCalledWith(['r1'], false);
  });

  it('admits or denies everyone at once', () => {
    const controller = hostWith('r1', 'r2', 'r3');
    renderWithI18n(createElement(LobbyPanel, { controller, onClose: vi.fn() }));
    fireEvent.click(screen.getByTestId('lobby-admit-all'));
    expect(controller.decideLobby).toHaveBeenLastCalledWith(['r1', 'r2', 'r3'], true);
    fireEvent.click(screen.getByTestId('lobby-deny-all'));
    expect(controller.decideLobby).toHaveBeenLastCalledWith(['r1', 'r2', 'r3'], false);
  });

  it('says when nobody waits, and follows resolutions live', () => {
    const controller = hostWith('r1');
    renderWithI18n(createElement(LobbyPanel, { controller, onClose: vi.fn() }));
    expect(screen.queryByTestId('lobby-admit-all')).toBeNull();
    act(() => controller.update({ lobby: [] }));
    expect(screen.queryByTestId('lobby-request')).toBeNull();
    expect(screen.getByText(/Nobody is waiting/)).toBeTruthy();
  });
});

describe('LobbyNotice', () => {
  it('offers to admit a single person or to view the list', () => {
    const controller = hostWith('r1');
    const onView = vi.fn();
    renderWithI18n(createElement(LobbyNotice, { controller, onView }));
    expect(screen.getByTestId('lobby-notice').textContent).toContain('Guest r1 asks to join');
    fireEvent.click(screen.getByTestId('lobby-notice-admit'));
    expect(controller.decideLobby).toHaveBeenCalledWith(['r1'], true);
    act(() => controller.update({ lobby: [lobbyRequest('r1'), lobbyRequest('r2')] }));
    expect(screen.queryByTestId('lobby-notice-admit')).toBeNull();
    expect(screen.getByTestId('lobby-notice').textContent).toContain('2 people are waiting');
    fireEvent.click(screen.getByTestId('lobby-notice-view'));
    expect(onView).toHaveBeenCalled();
  });

  it('hides until the next request once dismissed', () => {
    const controller = hostWith('r1');
    renderWithI18n(createElement(LobbyNotice, { controller, onView: vi.fn() }));
    fireEvent.click(screen.getByRole('button', { name: 'Hide until the next request' }));
    expect(screen.queryByTestId('lobby-notice')).toBeNull();
    act(() => controller.update({ lobby: [lobbyRequest('r1'), lobbyRequest('r2')] }));
    expect(screen.getByTestId('lobby-notice')).toBeTruthy();
  });
});

function Alerts({ controller, chime }: { controller: FakeController; chime: () => void }): ReactElement | null {
  useLobbyAlerts(controller, chime);
  return null;
}

describe('useLobbyAlerts', () => {
  it('chimes and announces each new request once', () => {
    const controller = hostWith();
    const chime = vi.fn();
    renderWithI18n(createElement(Alerts, { controller, chime }));
    expect(chime).not.toHaveBeenCalled();
    act(() => controller.update({ lobby: [lobbyRequest('r1', { display_name: 'Zoé' })] }));
    expect(chime).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('lobby-toast').textContent).toBe('Zoé asks to join');
    act(() => controller.update({ lobby: [lobbyRequest('r1', { display_name: 'Zoé' })] }));
    act(() => controller.update({ lobby: [] }));
    expect(chime).toHaveBeenCalledTimes(1);
  });
});

describe('WaitingScreen', () => {
  it('says who waits and for what, in French, and cancels', () => {
    const onCancel = vi.fn();
    renderWithI18n(createElement(WaitingScreen, { name: 'Bob', meeting: 'Point hebdo', onCancel }), 'fr');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Veuillez patienter, un organisateur va vous faire entrer');
    expect(screen.getByTestId('waiting-name').textContent).toBe('Bob');
    expect(screen.getByText('Réunion : Point hebdo')).toBeTruthy();
    fireEvent.click(screen.getByTestId('cancel-waiting'));
    expect(onCancel).toHaveBeenCalled();
  });
});
