import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../signaling/types';
import { chatMessage, joined, lobbyRequest, participant } from '../test/messages';
import { applyServerMessage, EMPTY_ROSTER, expireReactions, markChatRead, type RosterState } from './roster';

function apply(state: RosterState, ...messages: ServerMessage[]): RosterState {
  return messages.reduce((s, m, i) => applyServerMessage(s, m, { now: 1_000 * i, reactionId: i + 1 }), state);
}

const start = apply(
  EMPTY_ROSTER,
  joined('self', {
    participants: [participant('bob', { streams: 'av', speaking: true }), participant('self')],
    active_speaker: 'bob',
    chat: [chatMessage('m1', 'bob')],
  }),
);

describe('roster reducer', () => {
  it('takes the snapshot from joined, with nothing unread', () => {
    expect(start.selfId).toBe('self');
    expect(start.participants.map((p) => p.id)).toEqual(['bob', 'self']);
    expect(start.chat).toEqual({ messages: [chatMessage('m1', 'bob')], unread: 0 });
  });

  it('follows whether the meeting is transcribed, from joined and transcription', () => {
    expect(start.transcription).toMatchObject({ active: false, transcript_id: null });
    const info = { active: true, transcript_id: 't1', language: 'en', started_at: '2025-03-14T09:30:00Z', started_by: 'Alice' };
    const next = apply(start, { type: 'transcription', transcription: info, by: 'bob' });
    expect(next.transcription).toEqual(info);
    expect(apply(EMPTY_ROSTER, joined('self', { transcription: info })).transcription).toEqual(info);
  });

  it('returns the same state for messages that change nothing here', () => {
    const ack: ServerMessage = { type: 'ack', reply_to: 'r1' };
    expect(apply(start, ack)).toBe(start);
  });

  it('keeps untouched participants identical', () => {
    const next = apply(start, { type: 'participant_joined', participant: participant('chloe') });
    expect(next.participants[0]).toBe(start.participants[0]);
  });

  it('replaces an updated participant in place and removes one who left', () => {
    const updated = participant('bob', { display_name: 'Robert' });
    const next = apply(
      start,
      { type: 'participant_updated', participant: updated },
      { type: 'hands', hands: ['bob'] },
      { type: 'participant_left', participant_id: 'bob', reason: 'disconnected' },
    );
    expect(next.participants.map((p) => p.id)).toEqual(['self']);
    expect(next.hands).toEqual([]);
    expect(next.activeSpeaker).toBeNull();
  });

  it('clears streams, speaking and the active speaker on media_reset', () => {
    const next = apply(start, { type: 'media_reset', reason: 'media_server_restarted', ice_servers: [] });
    expect(next.participants[0]).toMatchObject({ streams: [], speaking: false });
    expect(next.activeSpeaker).toBeNull();
    expect(next.chat).toBe(start.chat);
  });

  it('counts messages missed during a reconnection as unread', () => {
    const rejoined = apply(
      start,
      joined('self2', {
        participants: [participant('bob'), participant('self2')],
        chat: [chatMessage('m1', 'bob'), chatMessage('m2', 'bob'), chatMessage('m3', 'self')],
      }),
    );
    expect(rejoined.selfId).toBe('self2');
    expect(rejoined.chat.unread).toBe(1);
    expect(markChatRead(rejoined).chat.unread).toBe(0);
  });

  it('expires reactions by age', () => {
    const next = apply(
      start,
      { type: 'reaction', participant_id: 'bob', emoji: '👍' },
      { type: 'reaction', participant_id: 'bob', emoji: '🙏' },
    );
    expect(next.reactions.map((r) => [r.id, r.receivedAt])).toEqual([
      [1, 0],
      [2, 1_000],
    ]);
    expect(expireReactions(next, 4_500, 4_000).reactions.map((r) => r.emoji)).toEqual(['🙏']);
    expect(expireReactions(next, 3_000, 4_000)).toBe(next);
  });
});

describe('roster reducer: lobby, access and roles', () => {
  const asHost = apply(
    EMPTY_ROSTER,
    joined('self', { role: 'owner', lobby: [lobbyRequest('r2', { requested_at: '2025-03-14T09:32:00Z' })] }),
  );

  it('keeps waiting requests oldest first, once each', () => {
    const next = apply(
      asHost,
      { type: 'lobby_request', request: lobbyRequest('r1', { requested_at: '2025-03-14T09:31:00Z' }) },
      { type: 'lobby_request', request: lobbyRequest('r3', { requested_at: '2025-03-14T09:33:00Z' }) },
      { type: 'lobby_request', request: lobbyRequest('r1', { requested_at: '2025-03-14T09:31:00Z' }) },
    );
    expect(next.lobby.map((r) => r.id)).toEqual(['r1', 'r2', 'r3']);
  });

  it('drops a request once resolved, whatever the outcome', () => {
    const next = apply(
      asHost,
      { type: 'lobby_request', request: lobbyRequest('r1') },
      { type: 'lobby_resolved', request_id: 'r2', outcome: 'expired', by: null },
      { type: 'lobby_resolved', request_id: 'r1', outcome: 'denied', by: 'self' },
    );
    expect(next.lobby).toEqual([]);
    // An unknown request changes nothing (no render).
    expect(apply(next, { type: 'lobby_resolved', request_id: 'zz', outcome: 'admitted', by: null })).toBe(next);
  });

  it('ignores lobby requests when not a host', () => {
    expect(start.role).toBe('participant');
    expect(apply(start, { type: 'lobby_request', request: lobbyRequest('r1') })).toBe(start);
  });

  it('takes role, access and lobby from joined, and follows changes', () => {
    expect(asHost).toMatchObject({ role: 'owner', access: { level: 'trusted', locked: false } });
    const locked = apply(asHost, { type: 'access_changed', access: { level: 'restricted', locked: true } });
    expect(locked.access).toEqual({ level: 'restricted', locked: true });
    const demoted = apply(start, { type: 'role_changed', role: 'host', lobby: [lobbyRequest('r1')] });
    expect(demoted).toMatchObject({ role: 'host', lobby: [{ id: 'r1' }] });
    expect(demoted.participants.find((p) => p.id === 'self')?.role).toBe('host');
    expect(apply(demoted, { type: 'role_changed', role: 'participant', lobby: null }).lobby).toEqual([]);
  });
});
