/**
 * Convenience types over the generated protocol types (`protocol.gen.ts`).
 * Everything here is derived: the wire format lives in docs/protocol.md.
 */
import type { AccessInfo, ClientMessage, ParticipantInfo, ServerMessage, StreamInfo } from './protocol.gen';

export type * from './protocol.gen';

/** What a published stream carries. */
export type Source = StreamInfo['source'];
/** Every source, in the order the UI usually shows them. */
export const SOURCES: readonly Source[] = ['microphone', 'camera', 'screen', 'screen_audio'];
/** The media kind each source is sent on. */
export const SOURCE_KIND: Readonly<Record<Source, 'audio' | 'video'>> = {
  microphone: 'audio',
  screen_audio: 'audio',
  camera: 'video',
  screen: 'video',
};

/** The `type` of a server message. */
export type ServerMessageType = ServerMessage['type'];
/** The server message whose `type` is `T`. */
export type ServerMessageOf<T extends ServerMessageType> = Extract<ServerMessage, { type: T }>;
/** The `type` of a client message. */
export type ClientMessageType = ClientMessage['type'];

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** A client message without its request `id`: the signaling client sets it. */
export type ClientRequest = DistributiveOmit<ClientMessage, 'id'>;

/** The success replies each request can get (docs/protocol.md, "Requests and replies"). */
export interface ReplyTypes {
  join: 'joined';
  publish: 'published';
  subscribe: 'subscription_offer' | 'ack';
  ping: 'pong';
  unpublish: 'ack';
  subscription_answer: 'ack';
  trickle: 'ack';
  mute: 'ack';
  chat: 'ack';
  raise_hand: 'ack';
  reaction: 'ack';
  leave: 'ack';
  lobby_decision: 'ack';
  lock: 'ack';
  mute_participant: 'ack';
  remove_participant: 'ack';
  lower_hand: 'ack';
  set_role: 'ack';
  end_meeting: 'ack';
  start_transcription: 'ack';
  stop_transcription: 'ack';
}
/** The success reply of a request of type `T`. */
export type ReplyFor<T extends ClientMessageType> = ServerMessageOf<ReplyTypes[T]>;

/** Runtime copy of {@link ReplyTypes}, to check replies before trusting them. */
export const REPLY_TYPES: { readonly [T in ClientMessageType]: readonly ReplyTypes[T][] } = {
  join: ['joined'],
  publish: ['published'],
  subscribe: ['subscription_offer', 'ack'],
  ping: ['pong'],
  unpublish: ['ack'],
  subscription_answer: ['ack'],
  trickle: ['ack'],
  mute: ['ack'],
  chat: ['ack'],
  raise_hand: ['ack'],
  reaction: ['ack'],
  leave: ['ack'],
  lobby_decision: ['ack'],
  lock: ['ack'],
  mute_participant: ['ack'],
  remove_participant: ['ack'],
  lower_hand: ['ack'],
  set_role: ['ack'],
  end_meeting: ['ack'],
  start_transcription: ['ack'],
  stop_transcription: ['ack'],
};

/** Every server message type version 2 defines; others are ignored (forward compatibility). */
export const SERVER_MESSAGE_TYPES: ReadonlySet<string> = new Set<ServerMessageType>([
  'joined',
  'published',
  'subscription_offer',
  'ack',
  'pong',
  'error',
  'participant_joined',
  'participant_left',
  'participant_updated',
  'trickle',
  'speaking',
  'active_speaker',
  'chat',
  'hands',
  'reaction',
  'media_reset',
  'lobby_request',
  'lobby_resolved',
  'access_changed',
  'moderated',
  'role_changed',
  'meeting_ended',
  'transcription',
]);

/** A participant's role in a meeting: owners and hosts moderate it. */
export type Role = ParticipantInfo['role'];
/** Roles that moderate the meeting and answer the lobby. */
export function isHostRole(role: Role | null | undefined): boolean {
  return role === 'owner' || role === 'host';
}
/** Who may enter a meeting without a host's decision. */
export type AccessLevel = AccessInfo['level'];

/** The eight reactions of the protocol. */
export type ReactionEmoji = ServerMessageOf<'reaction'>['emoji'];
export const REACTION_EMOJIS: readonly ReactionEmoji[] = ['👍', '👎', '👏', '❤️', '😂', '😮', '🎉', '🙏'];
