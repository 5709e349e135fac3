/**
 * The meeting state the UI renders: the contract between `MeetingController`
 * and the React UI. Everything is read-only; a change makes a new snapshot.
 */
import type { MediaAccessErrorCode } from '../media/devices';
import type {
  AccessInfo,
  AccessLevel,
  ChatMessage,
  Limits,
  LobbyRequestInfo,
  ReactionEmoji,
  Role,
  RoomInfo,
  Source,
  StreamInfo,
  TranscriptionInfo,
} from '../signaling/types';
import type { LobbyWait } from './entry';

export type {
  AccessInfo,
  AccessLevel,
  ChatMessage,
  Limits,
  LobbyRequestInfo,
  LobbyWait,
  ReactionEmoji,
  Role,
  RoomInfo,
  Source,
  StreamInfo,
  TranscriptionInfo,
};

/**
 * - `idle`: not joined yet (pre-join screen);
 * - `connecting`: asking to enter, connecting and joining;
 * - `waiting`: in the lobby until a host decides (`waiting` says since when);
 * - `joined`: in the meeting;
 * - `reconnecting`: the connection dropped; joining again as a new participant;
 * - `left`: after `leave()` (a wait in the lobby given up included);
 * - `failed`: could not join (`error.code`: `room_full`, `lobby_denied`,
 *   `lobby_expired`, `rate_limited`…), or the connection was lost for good;
 * - `ended`: a host removed us (`error.code` `removed`) or ended the meeting
 *   for everyone (`meeting_ended`). No reconnection follows.
 */
export type MeetingStatus = 'idle' | 'connecting' | 'waiting' | 'joined' | 'reconnecting' | 'left' | 'failed' | 'ended';

/**
 * - `ok`;
 * - `reconnecting`: signaling reconnecting, or a media connection interrupted (ICE `disconnected`);
 * - `lost`: a media connection failed and is being rebuilt, or the meeting failed.
 */
export type ConnectionQuality = 'ok' | 'reconnecting' | 'lost';

/**
 * Why the meeting failed, or the last capture problem. `code` is stable: a
 * server error code (`room_full`, `room_not_found`, `unsupported_protocol`,
 * `server_shutting_down`…), a client one (`connection_closed`,
 * `request_timeout`…), or for local media a {@link MediaAccessErrorCode}.
 * `message` is English, for logs; the UI translates `code`.
 */
export interface MeetingError {
  code: string;
  message: string;
  /** `rate_limited`: seconds to wait before asking again. */
  retryAfter?: number;
  /** `meeting_ended`: we ended it ourselves. */
  byYou?: boolean;
}

/**
 * A host acted on our media (`moderated`): the microphone was muted, the
 * camera or the screen share stopped. The controller has already done it
 * locally; the UI says so. `id` grows with each notice.
 */
export interface ModerationNotice {
  id: number;
  action: 'muted' | 'stopped';
  source: Source;
  /** The host's name, if still in the meeting. */
  byName: string | null;
}

/**
 * Whether the meeting is being transcribed, as everyone sees it (protocol.md,
 * "Transcription"): the UI keeps an indicator visible while `active`.
 */
export interface TranscriptionState {
  active: boolean;
  /** The transcript being made (hosts read it over HTTP), null when not active. */
  transcriptId: string | null;
  /** ISO 639-1 code of the language transcribed, null when not active. */
  language: string | null;
  /** ISO 8601, UTC: the transcript's clock 0. Null when not active. */
  startedAt: string | null;
  /** Display name of the host who started it. */
  startedBy: string | null;
  /**
   * The last transcript that stopped while we were in the meeting (a host
   * links to it), or null. Kept after the meeting ends.
   */
  lastTranscriptId: string | null;
}

/**
 * The meeting started or stopped being transcribed: the UI shows a notice
 * when `id` changes (once per transcript, also when we join a meeting that
 * is being transcribed already).
 */
export interface TranscriptionNotice {
  /** Grows with each notice. */
  id: number;
  kind: 'started' | 'stopped';
  /** The transcript that started or stopped. */
  transcriptId: string | null;
  /** Who started it (`started`), as the server names them. */
  startedBy: string | null;
  /** We started or stopped it ourselves. */
  byYou: boolean;
  /** `started` only: it was running already when we joined (or came back after a reconnection). */
  atJoin: boolean;
}

/** Streams by source. */
export type MediaBySource = Readonly<Partial<Record<Source, MediaStream>>>;

/** Flags by source. */
export type SourceFlags = Readonly<Record<Source, boolean>>;

/** One person in the meeting, the local participant included (`isSelf`). */
export interface Participant {
  id: string;
  displayName: string;
  /** ISO 8601, UTC. */
  joinedAt: string;
  isSelf: boolean;
  /** `owner` and `host` moderate the meeting; `guest`: not signed in. */
  role: Role;
  /** A meeting-room microphone that several people speak into. */
  sharedMicrophone: boolean;
  /** Streams others can receive now (the server's view). */
  streams: readonly StreamInfo[];
  /** Which sources are published (and their connection up). */
  publishing: SourceFlags;
  /** The mute state of each published source (false when not published). */
  muted: SourceFlags;
  /** Shorthands for the tile: published and not muted. */
  microphoneOn: boolean;
  cameraOn: boolean;
  screenSharing: boolean;
  speaking: boolean;
  handRaised: boolean;
  /**
   * Streams to render. Remote participants: what this client receives
   * (see `MeetingState.remoteMedia`). Self: the local camera and screen
   * previews; **never the microphone** (playing it would echo).
   */
  media: MediaBySource;
}

/** A reaction, shown for a few seconds (it leaves `reactions` by itself). */
export interface Reaction {
  /** Unique within this controller (a React key). */
  id: number;
  participantId: string;
  /** The sender's name when it arrived (null if unknown). */
  displayName: string | null;
  emoji: ReactionEmoji;
  /** When it arrived (ms, `Date.now()` clock). */
  receivedAt: number;
}

export interface ChatState {
  /** Oldest first: the snapshot's latest 50, then what arrived since. */
  messages: readonly ChatMessage[];
  /** Messages from others since the last `markChatRead()`. */
  unread: number;
}

/** One local capture source. */
export interface LocalSource {
  /** The captured track, or null (not captured, or camera off). */
  track: MediaStreamTrack | null;
  /** Microphone: not muted. Camera: on. */
  enabled: boolean;
  /** The chosen device (null: the browser's default). */
  deviceId: string | null;
}

export interface LocalMediaState {
  microphone: LocalSource;
  camera: LocalSource;
  /** The chosen audio output, for the UI's `setSinkId` (null: default). */
  speakerId: string | null;
  /** The screen share, while active. */
  screen: { video: MediaStreamTrack; audio: MediaStreamTrack | null } | null;
  /** Preview of the camera (a stream holding `camera.track`), or null. */
  cameraStream: MediaStream | null;
  /** Preview of the screen share, or null. */
  screenStream: MediaStream | null;
  /** The last capture failure (permission denied, no device…), or null. */
  error: (MeetingError & { code: MediaAccessErrorCode; kind: 'microphone' | 'camera' | 'screen' }) | null;
}

/** Everything the UI needs, as one immutable snapshot. */
export interface MeetingState {
  status: MeetingStatus;
  /** Why `status` is `failed` (or the last fatal problem); null otherwise. */
  error: MeetingError | null;
  /** The meeting, from `joined` (null before). */
  room: RoomInfo | null;
  /** Our participant id in this session (it changes after a reconnection). */
  selfId: string | null;
  /** Everyone, self included, in join order. */
  participants: readonly Participant[];
  /** Raised hands, first raised first: the order people asked to speak. */
  hands: readonly string[];
  activeSpeaker: string | null;
  chat: ChatState;
  /** Recent reactions, oldest first; each expires after about 4 s. */
  reactions: readonly Reaction[];
  local: LocalMediaState;
  /** Received streams by participant id, then source. */
  remoteMedia: Readonly<Record<string, MediaBySource>>;
  connectionQuality: ConnectionQuality;
  /** Server limits from `joined` (null before). */
  limits: Limits | null;
  /** Our role (null before `joined`): owners and hosts see the lobby and moderate. */
  role: Role | null;
  /** The meeting's access level and whether it is locked (null before `joined`). */
  access: AccessInfo | null;
  /** People waiting to be let in, oldest first (hosts only; empty otherwise). */
  lobby: readonly LobbyRequestInfo[];
  /** Our own lobby request while `status` is `waiting`, else null. */
  waiting: LobbyWait | null;
  /** The last time a host muted or stopped our media, or null. */
  moderation: ModerationNotice | null;
  /** Whether the meeting is being transcribed now. */
  transcription: TranscriptionState;
  /** The last start or stop of a transcript, or null. */
  transcriptionNotice: TranscriptionNotice | null;
}
