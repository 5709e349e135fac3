import type { Participant } from '../../meeting';

export interface ListedParticipant {
  participant: Participant;
  /** 1, 2, … in the order hands were raised; null when the hand is down. */
  handRank: number | null;
}

/**
 * The participant list's order: raised hands first, in the order they were
 * raised (the queue of who asked to speak), then ourselves, then everyone
 * else in join order.
 */
export function listParticipants(participants: readonly Participant[], hands: readonly string[]): ListedParticipant[] {
  const byId = new Map(participants.map((p) => [p.id, p]));
  const raised: ListedParticipant[] = [];
  for (const id of hands) {
    const participant = byId.get(id);
    if (participant !== undefined) raised.push({ participant, handRank: raised.length + 1 });
  }
  const raisedIds = new Set(raised.map((item) => item.participant.id));
  const rest = participants
    .filter((p) => !raisedIds.has(p.id))
    .sort((a, b) => Number(b.isSelf) - Number(a.isSelf))
    .map((participant) => ({ participant, handRank: null }));
  return [...raised, ...rest];
}
