// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen, within } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWithI18n } from '../../i18n/testing';
import { FakeController, makeState } from '../meeting/testing';
import { ControlsBar, type ControlsBarProps } from './components/ControlsBar';

beforeEach(() => {
  // Screen sharing needs getDisplayMedia (jsdom has no mediaDevices).
  Object.defineProperty(navigator, 'mediaDevices', { value: { getDisplayMedia: vi.fn() }, configurable: true });
});
afterEach(() => {
  cleanup();
  Reflect.deleteProperty(navigator, 'mediaDevices');
});

function renderBar(controller: FakeController, props: Partial<ControlsBarProps> = {}) {
  const handlers = {
    onTogglePanel: vi.fn(),
    onToggleLayout: vi.fn(),
    onOpenSettings: vi.fn(),
    onOpenHelp: vi.fn(),
    onLeave: vi.fn(),
  };
  renderWithI18n(createElement(ControlsBar, { controller, panel: null, layout: 'grid', code: 'abcd-efgh-ijkl', ...handlers, ...props }));
  return handlers;
}

const pressed = (testId: string) => screen.getByTestId(testId).getAttribute('aria-pressed');

describe('ControlsBar', () => {
  it('gives every control an accessible name', () => {
    renderBar(new FakeController());
    const group = screen.getByRole('group', { name: 'Meeting controls' });
    for (const name of ['Microphone', 'Camera', 'Share screen', 'Raise hand', 'Reactions', 'Leave the meeting']) {
      expect(within(group).getByRole('button', { name })).toBeTruthy();
    }
    for (const name of ['Speaker view', 'Settings', 'Keyboard shortcuts', 'Participants', 'Chat']) {
      expect(screen.getByRole('button', { name })).toBeTruthy();
    }
    for (const id of ['toggle-mic', 'toggle-cam', 'toggle-screen', 'raise-hand', 'reactions', 'toggle-chat', 'toggle-participants', 'leave']) {
      expect(screen.getByTestId(id).tagName).toBe('BUTTON');
    }
  });

  it('says the state with aria-pressed and follows the controller', () => {
    const controller = new FakeController();
    renderBar(controller);
    expect(pressed('toggle-mic')).toBe('true');
    expect(pressed('toggle-cam')).toBe('true');
    expect(pressed('toggle-screen')).toBe('false');
    expect(pressed('raise-hand')).toBe('false');
    act(() =>
      controller.update((state) => ({
        ...state,
        hands: ['self'],
        local: {
          ...state.local,
          microphone: { ...state.local.microphone, enabled: false },
          camera: { track: null, enabled: false, deviceId: null },
          screen: { video: {} as MediaStreamTrack, audio: null },
        },
      })),
    );
    expect(pressed('toggle-mic')).toBe('false');
    expect(pressed('toggle-cam')).toBe('false');
    expect(pressed('toggle-screen')).toBe('true');
    expect(pressed('raise-hand')).toBe('true');
  });

  it('calls the controller from the buttons', async () => {
    const controller = new FakeController();
    const handlers = renderBar(controller);
    fireEvent.click(screen.getByTestId('toggle-mic'));
    expect(controller.setMicrophoneEnabled).toHaveBeenCalledWith(false);
    fireEvent.click(screen.getByTestId('toggle-cam'));
    expect(controller.setCameraEnabled).toHaveBeenCalledWith(false);
    fireEvent.click(screen.getByTestId('toggle-screen'));
    expect(controller.startScreenShare).toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('raise-hand'));
    expect(controller.raiseHand).toHaveBeenCalledWith(true);
    fireEvent.click(screen.getByTestId('leave'));
    expect(handlers.onLeave).toHaveBeenCalled();
    fireEvent.click(screen.getByTestId('toggle-chat'));
    expect(handlers.onTogglePanel).toHaveBeenCalledWith('chat');
    fireEvent.click(screen.getByTestId('toggle-layout'));
    expect(handlers.onToggleLayout).toHaveBeenCalled();
  });

  it('toggles the microphone with Ctrl+D and the camera with Ctrl+E', () => {
    const controller = new FakeController();
    renderBar(controller);
    const ctrlD = new KeyboardEvent('keydown', { key: 'd', code: 'KeyD', ctrlKey: true, bubbles: true, cancelable: true });
    act(() => {
      window.dispatchEvent(ctrlD);
    });
    expect(controller.setMicrophoneEnabled).toHaveBeenCalledWith(false);
    expect(ctrlD.defaultPrevented).toBe(true);
    act(() => {
      fireEvent.keyDown(document.body, { key: 'e', code: 'KeyE', ctrlKey: true });
    });
    expect(controller.setCameraEnabled).toHaveBeenCalledWith(false);
    // Documented for assistive technologies.
    expect(screen.getByTestId('toggle-mic').getAttribute('aria-keyshortcuts')).toBe('Control+D');
    expect(screen.getByTestId('toggle-cam').getAttribute('aria-keyshortcuts')).toBe('Control+E');
  });

  it('ignores D and E without Ctrl', () => {
    const controller = new FakeController();
    renderBar(controller);
    fireEvent.keyDown(document.body, { key: 'd', code: 'KeyD' });
    fireEvent.keyDown(document.body, { key: 'e', code: 'KeyE', altKey: true, ctrlKey: true });
    expect(controller.setMicrophoneEnabled).not.toHaveBeenCalled();
    expect(controller.setCameraEnabled).not.toHaveBeenCalled();
  });

  it('queues a second camera press behind one in progress', async () => {
    const controller = new FakeController();
    let finish: () => void = () => undefined;
    controller.setCameraEnabled.mockImplementationOnce(() => new Promise<undefined>((resolve) => (finish = () => resolve(undefined))));
    renderBar(controller);
    fireEvent.click(screen.getByTestId('toggle-cam'));
    fireEvent.click(screen.getByTestId('toggle-cam'));
    expect(controller.setCameraEnabled.mock.calls).toEqual([[false]]);
    await act(async () => finish());
    expect(controller.setCameraEnabled.mock.calls).toEqual([[false], [true]]);
  });

  it('shows the unread count on the chat button', () => {
    const controller = new FakeController(makeState({ chat: { messages: [], unread: 3 } }));
    renderBar(controller);
    expect(screen.getByTestId('chat-unread').textContent).toBe('3');
    expect(screen.getByRole('button', { name: 'Chat', description: '3 unread messages' })).toBeTruthy();
    act(() => controller.update({ chat: { messages: [], unread: 0 } }));
    expect(screen.queryByTestId('chat-unread')).toBeNull();
  });

  it('opens the reactions and sends one', () => {
    const controller = new FakeController();
    renderBar(controller);
    const button = screen.getByTestId('reactions');
    expect(button.getAttribute('aria-expanded')).toBe('false');
    fireEvent.click(button);
    expect(button.getAttribute('aria-expanded')).toBe('true');
    const reactions = screen.getAllByTestId('reaction-button');
    expect(reactions).toHaveLength(8);
    fireEvent.click(screen.getByRole('button', { name: 'Celebration' }));
    expect(controller.react).toHaveBeenCalledWith('🎉');
    fireEvent.keyDown(document, { key: 'Escape' });
    expect(screen.queryByTestId('reaction-button')).toBeNull();
  });
});

describe('stopping a screen share the SFU refused to unpublish', () => {
  it('publishes the camera (and with it the microphone) again', async () => {
    const { SignalingError } = await import('../../meeting');
    const controller = new FakeController(
      makeState({ local: { ...makeState().local, screen: { video: {} as MediaStreamTrack, audio: null } } }),
    );
    controller.stopScreenShare.mockRejectedValueOnce(new SignalingError('media_error', "Can't unpublish, not published"));
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    renderBar(controller);
    fireEvent.click(screen.getByTestId('toggle-screen'));
    await vi.waitFor(() => expect(controller.setCameraEnabled).toHaveBeenCalledWith(true));
  });
});
