// @vitest-environment jsdom
import { act, cleanup, fireEvent, screen } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { renderWithI18n } from '../../i18n/testing';
import type { Participant } from '../../meeting';
import { FakeController, makeParticipant, makeState } from '../meeting/testing';
import { VideoGrid } from './components/VideoGrid';

const fakeStream = (id: string) => ({ id }) as unknown as MediaStream;

function meetingOf(n: number): Participant[] {
  return Array.from({ length: n }, (_, i) =>
    i === 0
      ? makeParticipant('self', { isSelf: true, displayName: 'Me', media: { camera: fakeStream('self-cam') } })
      : makeParticipant(`p${i}`, { displayName: `Person ${i}`, media: { camera: fakeStream(`cam-${i}`) } }),
  );
}

beforeEach(() => {
  // jsdom lays nothing out: the stage falls back to the window size.
  Object.assign(window, { innerWidth: 1280, innerHeight: 720, devicePixelRatio: 1 });
  vi.spyOn(HTMLMediaElement.prototype, 'play').mockImplementation(async () => undefined);
});
afterEach(cleanup);

describe('VideoGrid', () => {
  it('reports the tiles of the page shown, and pages with next/previous', () => {
    const controller = new FakeController(makeState({ participants: meetingOf(40) }));
    renderWithI18n(createElement(VideoGrid, { controller, mode: 'grid' }));
    const last = () => controller.setVisibleTiles.mock.calls.at(-1)?.[0] as { participantId: string }[];
    expect(last().map((t) => t.participantId)).toEqual(Array.from({ length: 15 }, (_, i) => `p${i + 1}`));
    expect(screen.getAllByTestId('tile')).toHaveLength(16);

    fireEvent.click(screen.getByTestId('grid-next'));
    expect(last().map((t) => t.participantId)).toEqual(Array.from({ length: 16 }, (_, i) => `p${i + 16}`));
    // Off-page people have no tile and no <video>.
    expect(document.querySelector('[data-participant-id="p1"]')).toBeNull();
    expect(document.querySelectorAll('video[data-source="camera"]')).toHaveLength(16);

    fireEvent.click(screen.getByTestId('grid-prev'));
    expect(last().map((t) => t.participantId)[0]).toBe('p1');
    expect(screen.getByTestId('grid-prev').getAttribute('aria-disabled')).toBe('true');
  });

  it('does not report again when an unrelated change comes (a chat message)', () => {
    const controller = new FakeController(makeState({ participants: meetingOf(3) }));
    renderWithI18n(createElement(VideoGrid, { controller, mode: 'grid' }));
    const calls = controller.setVisibleTiles.mock.calls.length;
    act(() => controller.update({ chat: { messages: [], unread: 1 } }));
    expect(controller.setVisibleTiles.mock.calls.length).toBe(calls);
  });

  it('shows a screen share large and reports it first', () => {
    const participants = meetingOf(3).map((p) =>
      p.id === 'p2' ? { ...p, screenSharing: true, media: { ...p.media, screen: fakeStream('screen') } } : p,
    );
    const controller = new FakeController(makeState({ participants }));
    renderWithI18n(createElement(VideoGrid, { controller, mode: 'grid' }));
    const reported = controller.setVisibleTiles.mock.calls.at(-1)?.[0] as { participantId: string; source: string; height: number }[];
    expect(reported[0]).toMatchObject({ participantId: 'p2', source: 'screen' });
    expect(reported[0]!.height).toBeGreaterThan(reported[1]!.height * 3);
    const screenVideo = document.querySelector('video[data-source="screen"]');
    expect(screenVideo?.closest('[data-testid="tile"]')?.getAttribute('data-participant-id')).toBe('p2');
  });

  it('marks tiles with the contract attributes, and our own as local and mirrored', () => {
    const participants = meetingOf(3).map((p) =>
      p.id === 'p1' ? { ...p, microphoneOn: false, handRaised: true, speaking: true } : p,
    );
    const controller = new FakeController(makeState({ participants, activeSpeaker: 'p2' }));
    renderWithI18n(createElement(VideoGrid, { controller, mode: 'grid' }));
    const tile = (id: string) => document.querySelector(`[data-testid="tile"][data-participant-id="${id}"]`) as HTMLElement;
    expect(tile('self').dataset.local).toBe('true');
    expect(tile('self').querySelector('video')?.className).toContain('mirrored');
    expect(tile('p1').dataset).toMatchObject({ local: 'false', audioMuted: 'true', handRaised: 'true', speaking: 'false' });
    expect(tile('p2').dataset).toMatchObject({ activeSpeaker: 'true', audioMuted: 'false' });
    expect(tile('p2').querySelector('[data-testid="tile-name"]')?.textContent).toBe('Person 2');
  });

  it('shows an avatar, not a video, when the camera is off', () => {
    const participants = meetingOf(2).map((p) => (p.id === 'p1' ? { ...p, cameraOn: false } : p));
    const controller = new FakeController(makeState({ participants }));
    renderWithI18n(createElement(VideoGrid, { controller, mode: 'grid' }));
    const tile = document.querySelector('[data-participant-id="p1"]') as HTMLElement;
    expect(tile.querySelector('video')).toBeNull();
    expect(tile.querySelector('.v-avatar')?.textContent).toBe('P');
  });

  it('keeps the other tiles\' <video> and sets srcObject once when one person changes', () => {
    let sets = 0;
    Object.defineProperty(HTMLMediaElement.prototype, 'srcObject', {
      configurable: true,
      get(this: { stream?: MediaStream }) {
        return this.stream ?? null;
      },
      set(this: { stream?: MediaStream }, stream: MediaStream) {
        sets += 1;
        this.stream = stream;
      },
    });
    const controller = new FakeController(makeState({ participants: meetingOf(3) }));
    renderWithI18n(createElement(VideoGrid, { controller, mode: 'grid' }));
    expect(sets).toBe(3);
    const before = document.querySelector('[data-participant-id="p2"] video');
    act(() =>
      controller.update((state) => ({
        ...state,
        participants: state.participants.map((p) => (p.id === 'p1' ? { ...p, handRaised: true } : p)),
      })),
    );
    expect(document.querySelector('[data-participant-id="p1"]')?.getAttribute('data-hand-raised')).toBe('true');
    expect(document.querySelector('[data-participant-id="p2"] video')).toBe(before);
    act(() => controller.update({ activeSpeaker: 'p2', chat: { messages: [], unread: 2 } }));
    expect(sets).toBe(3);
    Reflect.deleteProperty(HTMLMediaElement.prototype, 'srcObject');
  });
});
