/**
 * The meeting state the UI renders: the contract between `MeetingController`
 * and the React UI. Everything is read-only; a change makes a new snapshot.
 */
import type { MediaAccessErrorCode } from '../media/devices';
import type {
  ChatMessage,
  Limits,
  ReactionEmoji,
  RoomInfo,
  Source,
  StreamInfo,
} from '../signaling/types';

export type { ChatMessage, Limits, ReactionEmoji, RoomInfo, Source, StreamInfo };

/**
 * - `idle`: not joined yet (pre-join screen);
 * - `connecting`: connecting and joining;
 * - `joined`: in the meeting;
 * - `reconnecting`: the connection dropped; joining again as a new participant;
 * - `left`: after `leave()`;
 * - `failed`: could not join, or the connection was lost for good (see `error`).
 */
export type MeetingStatus = 'idle' | 'connecting' | 'joined' | 'reconnecting' | 'left' | 'failed';

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
}
