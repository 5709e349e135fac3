import { describe, expect, it } from 'vitest';
import type { ServerMessage } from '../signaling/types';
import { chatMessage, joined, participant } from '../test/messages';
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
