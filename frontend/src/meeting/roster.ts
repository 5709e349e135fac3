/**
 * The meeting as the server describes it, kept up to date by applying server
 * messages in order (protocol.md, "Session life cycle" step 3). Pure
 * functions: no media, no timers.
 */
import {
  isHostRole,
  type AccessInfo,
  type ChatMessage,
  type Joined,
  type Limits,
  type LobbyRequestInfo,
  type ParticipantInfo,
  type Role,
  type RoomInfo,
  type ServerMessage,
  type TranscriptionInfo,
} from '../signaling/types';
import type { ChatState, Reaction } from './types';

/** Chat messages kept in memory (the server sends 50 at join and keeps 200). */
export const CHAT_KEPT = 500;

export interface RosterState {
  selfId: string | null;
  room: RoomInfo | null;
  limits: Limits | null;
  /** Join order, self included. Unchanged entries keep their identity. */
  participants: readonly ParticipantInfo[];
  hands: readonly string[];
  activeSpeaker: string | null;
  chat: ChatState;
  reactions: readonly Reaction[];
  /** Our role in this session (null before `joined`). */
  role: Role | null;
  /** The meeting's access level and lock (null before `joined`). */
  access: AccessInfo | null;
  /** Lobby requests waiting for a host, oldest first (always empty unless we are a host). */
  lobby: readonly LobbyRequestInfo[];
  /** Whether the meeting is being transcribed (everyone is told). */
  transcription: TranscriptionInfo;
}

/** Not being transcribed. */
export const NO_TRANSCRIPTION: TranscriptionInfo = Object.freeze({
  active: false,
  transcript_id: null,
  language: null,
  started_at: null,
  started_by: null,
});

export const EMPTY_ROSTER: RosterState = {
  selfId: null,
  room: null,
  limits: null,
  participants: [],
  hands: [],
  activeSpeaker: null,
  chat: { messages: [], unread: 0 },
  reactions: [],
  role: null,
  access: null,
  lobby: [],
  transcription: NO_TRANSCRIPTION,
};

/** What applying a message needs besides the state. */
export interface ApplyContext {
  /** Current time, ms. */
  now: number;
  /** Id for a new reaction. */
  reactionId: number;
}

/**
 * The state after `message`. Messages that change nothing here (replies,
 * offers, candidates) return `state` itself, so callers can skip a render.
 */
export function applyServerMessage(
  state: RosterState,
  message: ServerMessage,
  context: ApplyContext,
): RosterState {
  switch (message.type) {
    case 'joined':
      return fromSnapshot(state, message);
    case 'participant_joined':
    case 'participant_updated':
      return { ...state, participants: upsert(state.participants, message.participant) };
    case 'participant_left':
      return {
        ...state,
        participants: state.participants.filter((p) => p.id !== message.participant_id),
        // The server sends hands and active_speaker first; stay consistent anyway.
        hands: state.hands.filter((id) => id !== message.participant_id),
        activeSpeaker: state.activeSpeaker === message.participant_id ? null : state.activeSpeaker,
      };
    case 'speaking':
      return {
        ...state,
        participants: state.participants.map((p) =>
          p.id === message.participant_id && p.speaking !== message.speaking
            ? { ...p, speaking: message.speaking }
            : p,
        ),
      };
    case 'active_speaker':
      return { ...state, activeSpeaker: message.participant_id };
    case 'hands':
      return { ...state, hands: [...message.hands] };
    case 'chat':
      return { ...state, chat: addChat(state.chat, message.message, state.selfId) };
    case 'reaction': {
      const sender = state.participants.find((p) => p.id === message.participant_id);
      const reaction: Reaction = {
        id: context.reactionId,
        participantId: message.participant_id,
        displayName: sender?.display_name ?? null,
        emoji: message.emoji,
        receivedAt: context.now,
      };
      return { ...state, reactions: [...state.reactions, reaction] };
    }
    case 'lobby_request':
      if (isHostRole(state.role)) {
        return { ...state, lobby: addRequest(state.lobby, message.request) };
      }
      return state;
    case 'lobby_resolved':
      return state.lobby.some((r) => r.id === message.request_id)
        ? { ...state, lobby: state.lobby.filter((r) => r.id !== message.request_id) }
        : state;
    case 'access_changed':
      return { ...state, access: message.access };
    case 'transcription':
      return { ...state, transcription: message.transcription };
    case 'role_changed':
      return {
        ...state,
        role: message.role,
        lobby: message.lobby ?? [],
        // Our own entry changes too (others get participant_updated; we may not).
        participants: state.participants.map((p) =>
          p.id === state.selfId && p.role !== message.role ? { ...p, role: message.role } : p,
        ),
      };
    case 'media_reset':
      // protocol.md, "Media reset": streams, speaking flags and the active
      // speaker are stale, and the server does not say so itself.
      return {
        ...state,
        participants: state.participants.map((p) =>
          p.streams.length > 0 || p.speaking ? { ...p, streams: [], speaking: false } : p,
        ),
        activeSpeaker: null,
      };
    default:
      return state;
  }
}

/** Drops reactions that arrived `ttlMs` or more before `now`. */
export function expireReactions(state: RosterState, now: number, ttlMs: number): RosterState {
  const kept = state.reactions.filter((r) => now - r.receivedAt < ttlMs);
  return kept.length === state.reactions.length ? state : { ...state, reactions: kept };
}

/** Every chat message read. */
export function markChatRead(state: RosterState): RosterState {
  return state.chat.unread === 0 ? state : { ...state, chat: { ...state.chat, unread: 0 } };
}

function fromSnapshot(previous: RosterState, joined: Joined): RosterState {
  // After a reconnection, messages that arrived while we were away count as unread.
  const seen = new Set(previous.chat.messages.map((m) => m.id));
  const missed =
    previous.selfId === null
      ? 0
      : joined.chat.filter((m) => !seen.has(m.id) && m.participant_id !== previous.selfId).length;
  return {
    selfId: joined.participant_id,
    room: joined.room,
    limits: joined.limits,
    participants: joined.participants,
    hands: [...joined.hands],
    activeSpeaker: joined.active_speaker,
    chat: { messages: joined.chat, unread: previous.chat.unread + missed },
    reactions: previous.reactions,
    role: joined.role,
    access: joined.access,
    lobby: joined.lobby ?? [],
    // Always sent by version 2 servers; a server without transcripts may leave it out.
    transcription: joined.transcription ?? NO_TRANSCRIPTION,
  };
}

/** Adds a lobby request (or replaces it: the same browser asking again), oldest first. */
function addRequest(
  lobby: readonly LobbyRequestInfo[],
  request: LobbyRequestInfo,
): readonly LobbyRequestInfo[] {
  return [...lobby.filter((r) => r.id !== request.id), request].sort((a, b) =>
    a.requested_at < b.requested_at ? -1 : a.requested_at > b.requested_at ? 1 : 0,
  );
}

function upsert(
  participants: readonly ParticipantInfo[],
  participant: ParticipantInfo,
): readonly ParticipantInfo[] {
  const index = participants.findIndex((p) => p.id === participant.id);
  if (index === -1) return [...participants, participant];
  const next = [...participants];
  next[index] = participant;
  return next;
}

function addChat(chat: ChatState, message: ChatMessage, selfId: string | null): ChatState {
  const messages = [...chat.messages, message].slice(-CHAT_KEPT);
  return { messages, unread: chat.unread + (message.participant_id === selfId ? 0 : 1) };
}
