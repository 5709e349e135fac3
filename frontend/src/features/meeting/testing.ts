/**
 * A fake meeting controller for component tests: the public surface of
 * `MeetingController` over a state the test sets, with every action a spy.
 * No network, no WebRTC. Imported by tests only.
 */
import { vi } from 'vitest';
import type { MeetingState, Participant, TranscriptionState } from '../../meeting';
import type { MeetingControllerLike } from './controller';

/** A meeting that is not being transcribed. */
export const NOT_TRANSCRIBED: TranscriptionState = Object.freeze({
  active: false,
  transcriptId: null,
  language: null,
  startedAt: null,
  startedBy: null,
  lastTranscriptId: null,
});

/** A meeting being transcribed (transcript `t1`, in English, started by Alice). */
export function transcribing(overrides: Partial<TranscriptionState> = {}): TranscriptionState {
  return {
    active: true,
    transcriptId: 't1',
    language: 'en',
    startedAt: '2025-03-14T09:30:00Z',
    startedBy: 'Alice',
    lastTranscriptId: null,
    ...overrides,
  };
}

const NO_FLAGS = Object.freeze({ microphone: false, camera: false, screen: false, screen_audio: false });

/** A participant; by default remote, microphone and camera on, nothing received. */
export function makeParticipant(id: string, overrides: Partial<Participant> = {}): Participant {
  const microphoneOn = overrides.microphoneOn ?? true;
  const cameraOn = overrides.cameraOn ?? true;
  return Object.freeze({
    id,
    displayName: overrides.displayName ?? `Person ${id}`,
    joinedAt: '2025-03-14T09:00:00Z',
    isSelf: false,
    role: 'participant',
    sharedMicrophone: false,
    streams: [],
    publishing: { ...NO_FLAGS, microphone: microphoneOn, camera: cameraOn },
    muted: NO_FLAGS,
    microphoneOn,
    cameraOn,
    screenSharing: false,
    speaking: false,
    handRaised: false,
    media: {},
    ...overrides,
  });
}

/** A joined meeting state with the given participants (self is `selfId`). */
export function makeState(overrides: Partial<MeetingState> = {}): MeetingState {
  return {
    status: 'joined',
    error: null,
    room: { name: null, slug: 'abcd-efgh-ijkl', start_audio_muted: false, start_video_muted: false },
    selfId: 'self',
    participants: [makeParticipant('self', { isSelf: true, displayName: 'Me' })],
    hands: [],
    activeSpeaker: null,
    chat: { messages: [], unread: 0 },
    reactions: [],
    local: {
      microphone: { track: {} as MediaStreamTrack, enabled: true, deviceId: null },
      camera: { track: {} as MediaStreamTrack, enabled: true, deviceId: null },
      speakerId: null,
      screen: null,
      cameraStream: null,
      screenStream: null,
      error: null,
    },
    remoteMedia: {},
    connectionQuality: 'ok',
    limits: { idle_timeout_seconds: 60, max_audio_subscriptions: 30, max_message_bytes: 65536, max_participants: 150, max_video_subscriptions: 25 },
    role: 'participant',
    access: { level: 'trusted', locked: false },
    lobby: [],
    waiting: null,
    moderation: null,
    transcription: NOT_TRANSCRIBED,
    transcriptionNotice: null,
    ...overrides,
  };
}

export class FakeController implements MeetingControllerLike {
  private state: MeetingState;
  private readonly listeners = new Set<() => void>();

  readonly join = vi.fn(async () => undefined);
  readonly leave = vi.fn(async () => undefined);
  readonly dispose = vi.fn(() => undefined);
  readonly setMicrophoneEnabled = vi.fn(async (_on: boolean) => undefined);
  readonly setCameraEnabled = vi.fn(async (_on: boolean) => undefined);
  readonly startScreenShare = vi.fn(async () => undefined);
  readonly stopScreenShare = vi.fn(async () => undefined);
  readonly switchDevice = vi.fn(async (_kind: 'microphone' | 'camera' | 'speaker', _id: string) => undefined);
  readonly sendChat = vi.fn(async (_text: string) => undefined);
  readonly markChatRead = vi.fn(() => undefined);
  readonly raiseHand = vi.fn(async (_raised: boolean) => undefined);
  readonly react = vi.fn(async (_emoji: string) => undefined);
  readonly setVisibleTiles = vi.fn((_tiles: readonly unknown[]) => undefined);
  readonly decideLobby = vi.fn(async (_ids: readonly string[], _admit: boolean) => undefined);
  readonly setLocked = vi.fn(async (_locked: boolean) => undefined);
  readonly muteParticipant = vi.fn(async (_id: string, _source: string) => undefined);
  readonly removeParticipant = vi.fn(async (_id: string) => undefined);
  readonly lowerHand = vi.fn(async (_id: string) => undefined);
  readonly setParticipantRole = vi.fn(async (_id: string, _role: 'host' | 'participant') => undefined);
  readonly endMeeting = vi.fn(async () => undefined);
  readonly startTranscription = vi.fn(async (_language?: string) => undefined);
  readonly stopTranscription = vi.fn(async () => undefined);

  constructor(state: MeetingState = makeState()) {
    this.state = state;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): MeetingState => this.state;

  /** Replaces the state (a new snapshot, as the controller makes) and notifies. */
  update(change: Partial<MeetingState> | ((state: MeetingState) => MeetingState)): void {
    this.state = typeof change === 'function' ? change(this.state) : { ...this.state, ...change };
    for (const listener of [...this.listeners]) listener();
  }
}
