/**
 * Which streams to receive: a pure function of the roster, what is on screen
 * and the server's limits (protocol.md, "Scale").
 */
import type { Limits, ParticipantInfo, StreamRequest } from '../signaling/types';

/** A video tile the UI shows now. */
export interface VisibleTile {
  participantId: string;
  /** `camera` or `screen`. */
  source: 'camera' | 'screen';
  /**
   * Its height in **device** pixels (CSS height × `devicePixelRatio`): the
   * server picks the simulcast layer from it (≤ 200 → ¼, ≤ 400 → ½, else full).
   */
  height: number;
}

/** Inputs of {@link chooseSubscriptions}. */
export interface SubscriptionInput {
  /** Everyone in the meeting (this client's own entry is skipped). */
  participants: readonly ParticipantInfo[];
  /** This client's participant id. */
  selfId: string | null;
  /** The video tiles on screen, most important first (used when over the video limit). */
  visibleTiles: readonly VisibleTile[];
  limits: Pick<Limits, 'max_video_subscriptions' | 'max_audio_subscriptions'>;
  /** The active speaker, whose audio is kept first when over the audio limit. */
  activeSpeaker?: string | null;
}

/** The largest `height` the protocol accepts. */
const MAX_HEIGHT = 4320;

/**
 * The `subscribe` list for now:
 *
 * - **video** only for visible tiles, with their `height`: screen shares
 *   first, then cameras in the tiles' order, never more than
 *   `max_video_subscriptions`. A muted camera sends nothing worth a tile's
 *   m-line, so it is skipped (the tile shows the avatar);
 * - **audio** for everyone else: unmuted first (speaking, then the active
 *   speaker, then in join order), muted last, never more than
 *   `max_audio_subscriptions`. Muted people send silence, and every
 *   subscribed stream costs an m-line of a size-limited answer.
 *
 * Deterministic: the same inputs give the same list, in the same order, so
 * callers can compare lists to decide whether to send `subscribe`.
 */
export function chooseSubscriptions(input: SubscriptionInput): StreamRequest[] {
  const others = input.participants.filter((p) => p.id !== input.selfId);
  const byId = new Map(others.map((p) => [p.id, p]));
  return [...chooseVideo(input, byId), ...chooseAudio(input, others)];
}

function chooseVideo(
  input: SubscriptionInput,
  byId: ReadonlyMap<string, ParticipantInfo>,
): StreamRequest[] {
  const seen = new Set<string>();
  const candidates: { request: StreamRequest; screen: boolean; order: number }[] = [];
  input.visibleTiles.forEach((tile, order) => {
    const participant = byId.get(tile.participantId);
    const stream = participant?.streams.find((s) => s.source === tile.source && s.kind === 'video');
    if (participant === undefined || stream === undefined) return;
    if (tile.source === 'camera' && stream.muted) return;
    const key = `${participant.id}/${stream.mid}`;
    if (seen.has(key)) return;
    seen.add(key);
    candidates.push({
      request: { participant_id: participant.id, mid: stream.mid, height: toHeight(tile.height) },
      screen: tile.source === 'screen',
      order,
    });
  });
  candidates.sort((a, b) => Number(b.screen) - Number(a.screen) || a.order - b.order);
  return candidates.slice(0, Math.max(0, input.limits.max_video_subscriptions)).map((c) => c.request);
}

function chooseAudio(input: SubscriptionInput, others: readonly ParticipantInfo[]): StreamRequest[] {
  const candidates: { request: StreamRequest; rank: number[] }[] = [];
  others.forEach((participant, order) => {
    for (const stream of participant.streams) {
      if (stream.kind !== 'audio') continue;
      candidates.push({
        request: { participant_id: participant.id, mid: stream.mid },
        rank: [
          stream.muted ? 1 : 0,
          participant.speaking ? 0 : 1,
          participant.id === input.activeSpeaker ? 0 : 1,
          order,
        ],
      });
    }
  });
  candidates.sort((a, b) => compareRanks(a.rank, b.rank));
  return candidates.slice(0, Math.max(0, input.limits.max_audio_subscriptions)).map((c) => c.request);
}

function compareRanks(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i += 1) {
    const diff = (a[i] ?? 0) - (b[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}

function toHeight(height: number): number {
  if (!Number.isFinite(height)) return MAX_HEIGHT;
  return Math.min(MAX_HEIGHT, Math.max(0, Math.round(height)));
}

/** The simulcast layer the server picks for `height` (protocol.md, "Simulcast"). */
export function layerForHeight(height: number | null | undefined): 0 | 1 | 2 {
  if (height === null || height === undefined) return 2;
  if (height <= 200) return 0;
  if (height <= 400) return 1;
  return 2;
}

/**
 * A string that is equal for two lists exactly when sending the second
 * changes nothing on the server: the same streams at the same layers
 * (a height change within one layer costs a message for nothing).
 */
export function subscriptionKey(streams: readonly StreamRequest[]): string {
  return streams
    .map((s) => `${s.participant_id}/${s.mid}@${s.height === undefined ? '-' : layerForHeight(s.height)}`)
    .sort()
    .join(',');
}
