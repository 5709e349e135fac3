// @vitest-environment jsdom
import { cleanup, screen, within } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { renderWithI18n } from '../../i18n/testing';
import { FakeController, makeParticipant, makeState } from '../meeting/testing';
import { ParticipantsPanel } from './components/ParticipantsPanel';

afterEach(cleanup);

describe('ParticipantsPanel', () => {
  it('marks a shared meeting-room microphone, and only that one', () => {
    const controller = new FakeController(
      makeState({
        participants: [
          makeParticipant('self', { isSelf: true, displayName: 'Me' }),
          makeParticipant('room', { displayName: 'Room 4', sharedMicrophone: true }),
        ],
      }),
    );
    renderWithI18n(createElement(ParticipantsPanel, { controller, onClose: vi.fn() }));
    const [me, room] = screen.getAllByTestId('participant-item');
    expect(within(room!).getByTestId('shared-mic-badge').textContent).toBe('Room mic');
    expect(within(me!).queryByTestId('shared-mic-badge')).toBeNull();
  });
});
