/** Factories of server messages for tests, shaped like docs/protocol.md's examples. */
import type {
  ChatMessage,
  Joined,
  Limits,
  LobbyRequestInfo,
  ParticipantInfo,
  StreamInfo,
} from '../signaling/types';

export const LIMITS: Limits = {
  max_participants: 150,
  max_video_subscriptions: 25,
  max_audio_subscriptions: 30,
  max_message_bytes: 65536,
  idle_timeout_seconds: 60,
};

export function stream(
  mid: string,
  source: StreamInfo['source'],
  overrides: Partial<StreamInfo> = {},
): StreamInfo {
  const kind = source === 'microphone' || source === 'screen_audio' ? 'audio' : 'video';
  return { mid, kind, source, muted: false, simulcast: source === 'camera', ...overrides };
}

/** A participant; `streams: 'av'` gives microphone (mid 0) and camera (mid 1). */
export function participant(
  id: string,
  overrides: Partial<Omit<ParticipantInfo, 'streams'>> & { streams?: StreamInfo[] | 'av' } = {},
): ParticipantInfo {
  const { streams = [], ...rest } = overrides;
  return {
    id,
    display_name: id.toUpperCase(),
    joined_at: '2025-03-14T09:20:11.407312Z',
    streams: streams === 'av' ? [stream('0', 'microphone'), stream('1', 'camera')] : streams,
    hand_raised: false,
    speaking: false,
    role: 'participant',
    shared_microphone: false,
    ...rest,
  };
}

export function chatMessage(id: string, from: string, text = `hello from ${from}`): ChatMessage {
  return {
    id,
    participant_id: from,
    display_name: from.toUpperCase(),
    text,
    sent_at: '2025-03-14T09:24:02.118004Z',
  };
}

export function joined(selfId: string, overrides: Partial<Joined> = {}): Joined {
  return {
    type: 'joined',
    reply_to: null,
    protocol_version: 2,
    participant_id: selfId,
    role: 'participant',
    access: { level: 'trusted', locked: false },
    lobby: null,
    transcription: { active: false, language: null, started_at: null, started_by: null, transcript_id: null },
    room: { slug: 'abcd-efgh-ijkl', name: 'Point hebdo', start_audio_muted: false, start_video_muted: false },
    participants: [participant(selfId)],
    hands: [],
    active_speaker: null,
    chat: [],
    ice_servers: [],
    limits: LIMITS,
    ...overrides,
  };
}

/** A lobby request, as hosts get it. */
export function lobbyRequest(id: string, overrides: Partial<LobbyRequestInfo> = {}): LobbyRequestInfo {
  return {
    id,
    display_name: `Guest ${id}`,
    signed_in: false,
    email: null,
    requested_at: '2025-03-14T09:30:00Z',
    expires_at: '2025-03-14T09:40:00Z',
    ...overrides,
  };
}
