// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithI18n } from '../../i18n/testing';
import type { MediaDevicesLike } from '../../media/devices';
import { PrejoinScreen, type PrejoinScreenProps } from './components/PrejoinScreen';

const room: PrejoinScreenProps['room'] = { slug: 'abcd-efgh-ijkl', name: 'Weekly', settings: { access_level: 'trusted', start_audio_muted: false, start_video_muted: false } };

function failingDevices(name: string): MediaDevicesLike & { getUserMedia: ReturnType<typeof vi.fn> } {
  return {
    getUserMedia: vi.fn(async () => {
      throw new DOMException('refused', name);
    }),
    getDisplayMedia: vi.fn(),
    enumerateDevices: vi.fn(async () => []),
  };
}

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

describe('PrejoinScreen', () => {
  it('explains a refused permission, and joining still works without devices', async () => {
    const devices = failingDevices('NotAllowedError');
    const onJoin = vi.fn();
    renderWithI18n(createElement(PrejoinScreen, { room, onJoin, mediaDevices: devices }));
    const error = await screen.findByTestId('media-error');
    expect(error.textContent).toContain('Access to the camera and microphone was refused');
    expect(error.textContent).toContain('You can still join');
    expect(screen.getByTestId('prejoin-mic').getAttribute('aria-pressed')).toBe('false');
    expect(screen.getByTestId('prejoin-cam').getAttribute('aria-pressed')).toBe('false');

    fireEvent.change(screen.getByTestId('display-name'), { target: { value: '  Alice  ' } });
    fireEvent.click(screen.getByTestId('join-button'));
    expect(onJoin).toHaveBeenCalledWith({ name: 'Alice', microphone: false, camera: false, devices: {}, tracks: {}, sharedMicrophone: false });
    // The name is remembered.
    expect(window.localStorage.getItem('visio.displayName')).toBe('Alice');
  });

  it('joins as a shared room microphone when asked, and remembers it', async () => {
    const onJoin = vi.fn();
    window.localStorage.setItem('visio.displayName', 'Room 4');
    renderWithI18n(createElement(PrejoinScreen, { room, onJoin, mediaDevices: failingDevices('NotAllowedError') }));
    await screen.findByTestId('media-error');
    const shared = screen.getByLabelText('Shared room microphone (several people speak into it)') as HTMLInputElement;
    expect(shared.checked).toBe(false);
    fireEvent.click(shared);
    fireEvent.click(screen.getByTestId('join-button'));
    expect(onJoin).toHaveBeenCalledWith(expect.objectContaining({ name: 'Room 4', sharedMicrophone: true }));

    cleanup();
    renderWithI18n(createElement(PrejoinScreen, { room, onJoin: vi.fn(), mediaDevices: failingDevices('NotAllowedError') }));
    expect((screen.getByTestId('shared-microphone') as HTMLInputElement).checked).toBe(true);
    await screen.findByTestId('media-error');
  });

  it('says when there is no camera and no microphone', async () => {
    renderWithI18n(createElement(PrejoinScreen, { room, onJoin: vi.fn(), mediaDevices: failingDevices('NotFoundError') }));
    expect((await screen.findByTestId('media-error')).textContent).toContain('No camera and no microphone were found');
  });

  it('asks for a name before joining', async () => {
    const onJoin = vi.fn();
    renderWithI18n(createElement(PrejoinScreen, { room, onJoin, mediaDevices: failingDevices('NotAllowedError') }));
    await screen.findByTestId('media-error');
    fireEvent.click(screen.getByTestId('join-button'));
    expect(onJoin).not.toHaveBeenCalled();
    expect(screen.getByTestId('display-name').getAttribute('aria-invalid')).toBe('true');
  });

  it('starts muted when the meeting asks, without opening the devices', async () => {
    const devices = failingDevices('NotAllowedError');
    const onJoin = vi.fn();
    window.localStorage.setItem('visio.displayName', 'Bob');
    renderWithI18n(
      createElement(PrejoinScreen, {
        room: { ...room, settings: { access_level: 'trusted', start_audio_muted: true, start_video_muted: true } },
        onJoin,
        mediaDevices: devices,
      }),
    );
    expect((screen.getByTestId('display-name') as HTMLInputElement).value).toBe('Bob');
    expect(screen.getByTestId('prejoin-mic').getAttribute('aria-pressed')).toBe('false');
    fireEvent.click(screen.getByTestId('join-button'));
    expect(onJoin).toHaveBeenCalledWith(expect.objectContaining({ name: 'Bob', microphone: false, camera: false }));
    await waitFor(() => expect(devices.getUserMedia).not.toHaveBeenCalled());
    expect(screen.queryByTestId('media-error')).toBeNull();
  });

  it('shows the meeting link', () => {
    renderWithI18n(createElement(PrejoinScreen, { room, onJoin: vi.fn(), mediaDevices: failingDevices('NotAllowedError'), isNew: true }));
    expect(screen.getByTestId('meeting-link').textContent).toBe(`${window.location.origin}/abcd-efgh-ijkl`);
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Your meeting is ready');
  });
});
