/**
 * One meeting, as a framework-free store: signaling, media and state glued
 * together behind a few actions. React reads it with `useSyncExternalStore`
 * (`subscribe` + `getSnapshot`); nothing here imports React.
 */
import type { VisibleTile } from '../media/chooseSubscriptions';
import type { AudioProcessing, MediaDevicesLike, VideoQuality } from '../media/devices';
import { MediaSession } from '../media/MediaSession';
import type { PeerConnectionFactory } from '../media/port';
import type { PublishTracks } from '../media/Publisher';
import type { ReceivedStream } from '../media/Subscriber';
import type { StreamKey } from '../media/trackTable';
import { JoinRefused, SignalingError } from '../signaling/errors';
import { SignalingClient, type CloseInfo, type ConnectionState } from '../signaling/SignalingClient';
import {
  SERVER_MESSAGE_TYPES,
  type Joined,
  type Moderated,
  type ReactionEmoji,
  type ServerMessage,
  type ServerMessageType,
  type Source,
  type TranscriptionChanged,
  type TranscriptionInfo,
} from '../signaling/types';
import {
  enter,
  EntryAborted,
  EntryError,
  isFinalEntryError,
  type Admission,
  type EntryApi,
  type LobbyWait,
} from './entry';
import { LocalMedia } from './localMedia';
import { applyServerMessage, EMPTY_ROSTER, expireReactions, markChatRead, type RosterState } from './roster';
import { SubscriptionSender } from './subscriptions';
import type {
  MediaBySource,
  MeetingError,
  MeetingState,
  MeetingStatus,
  ModerationNotice,
  TranscriptionNotice,
  TranscriptionState,
} from './types';
import { connectionQuality, groupRemoteMedia, ParticipantViews, sameMedia } from './view';

/** What the controller uses of {@link SignalingClient} (tests pass a real one on a fake socket). */
export type MeetingSignaling = Pick<
  SignalingClient,
  'on' | 'connect' | 'join' | 'request' | 'send' | 'leave' | 'close' | 'reconnect'
>;

/** Options of {@link MeetingController}. */
export interface MeetingControllerOptions {
  /** The meeting code. */
  slug: string;
  /** Makes the signaling client (default: a {@link SignalingClient} on the page's server). */
  createSignaling?: (slug: string) => MeetingSignaling;
  /** Asks to enter and waits in the lobby (default: the REST API of the page's server). */
  entryApi?: EntryApi;
  /** Time between two polls of the lobby while waiting (default 1000 ms). */
  lobbyPollMs?: number;
  createPeerConnection?: PeerConnectionFactory;
  createMediaStream?: () => MediaStream;
  mediaDevices?: MediaDevicesLike;
  /** Camera capture size (default 720p). */
  videoQuality?: VideoQuality;
  /** Microphone processing toggles (default: all on). */
  audioProcessing?: Partial<AudioProcessing>;
  /** How long a reaction stays in `reactions` (default 4000 ms). */
  reactionTtlMs?: number;
  /** Quiet time that groups layout and roster changes into one `subscribe` (default 150 ms). */
  subscribeDebounceMs?: number;
  /** Clock (tests). */
  now?: () => number;
}

/** What to start with: `join(name, options)`. */
export interface JoinOptions {
  /** Start with the microphone unmuted (default true; the room may ask to start muted). */
  microphone?: boolean;
  /** Start with the camera on (default true; the room may ask to start with it off). */
  camera?: boolean;
  /** Devices chosen on the pre-join screen. */
  devices?: { microphone?: string; camera?: string; speaker?: string };
  /** Tracks opened by the pre-join screen: the controller takes them over (and stops them on leave). */
  tracks?: { microphone?: MediaStreamTrack; camera?: MediaStreamTrack };
  /** A meeting-room microphone shared by several people (default false); kept for reconnections. */
  sharedMicrophone?: boolean;
}

type Listener = () => void;
type PeerRole = 'publisher' | 'subscriber';

/** Error codes that end the meeting for us by a host's decision (status `ended`). */
const ENDED_CODES: ReadonlySet<string> = new Set(['removed', 'meeting_ended']);
/** The server takes at most this many request ids in one `lobby_decision`. */
const LOBBY_DECISION_MAX = 200;

/**
 * A meeting: `join`, then actions; render `getSnapshot()`.
 *
 * Actions that talk to the server reject with a `SignalingError` (e.g.
 * `rate_limited` for chat and reactions), capture actions with a
 * `MediaAccessError`; `join` and `leave` do not reject on failure: watch
 * `status` and `error`.
 */
export class MeetingController {
  private readonly options: MeetingControllerOptions;
  private readonly listeners = new Set<Listener>();
  private readonly views = new ParticipantViews();
  private readonly local: LocalMedia;
  private readonly subscriptions: SubscriptionSender;
  private readonly createMediaStream: () => MediaStream;
  private snapshot: MeetingState;
  private status: MeetingStatus = 'idle';
  private error: MeetingError | null = null;
  private roster: RosterState = EMPTY_ROSTER;
  private remoteMedia: Readonly<Record<string, MediaBySource>> = {};
  private selfMedia: MediaBySource = Object.freeze({});
  private signaling: MeetingSignaling | null = null;
  private detach: (() => void)[] = [];
  private media: MediaSession | null = null;
  private peerStates: Record<PeerRole, RTCPeerConnectionState> = { publisher: 'new', subscriber: 'new' };
  private visibleTiles: readonly VisibleTile[] = [];
  private readonly reactionTimers = new Set<ReturnType<typeof setTimeout>>();
  private nextReactionId = 1;
  private joinedOnce = false;
  private displayName = '';
  private sharedMicrophone = false;
  /** Bumped by join, leave and dispose: an entry that completes for an older attempt is dropped. */
  private attempt = 0;
  /** Withdraws the lobby request being waited on. */
  private entryAbort: AbortController | null = null;
  private waiting: LobbyWait | null = null;
  private moderation: ModerationNotice | null = null;
  private nextModerationId = 1;
  /** Set by endMeeting(): the coming `meeting_ended` is ours. */
  private endingByYou = false;
  private transcriptionNotice: TranscriptionNotice | null = null;
  private nextTranscriptionNoticeId = 1;
  /** The last transcript that stopped while we were in the meeting. */
  private lastTranscriptId: string | null = null;
  private transcriptionView: TranscriptionState | null = null;

  constructor(options: MeetingControllerOptions) {
    this.options = options;
    this.createMediaStream = options.createMediaStream ?? (() => new MediaStream());
    this.local = new LocalMedia({
      ...(options.mediaDevices ? { mediaDevices: options.mediaDevices } : {}),
      createMediaStream: this.createMediaStream,
      videoQuality: options.videoQuality ?? '720p',
      audioProcessing: options.audioProcessing ?? {},
      onChange: () => this.update(),
    });
    this.subscriptions = new SubscriptionSender({
      debounceMs: options.subscribeDebounceMs ?? 150,
      read: () => {
        const limits = this.roster.limits;
        if (!this.inSession() || limits === null) return null;
        return {
          participants: this.roster.participants,
          selfId: this.roster.selfId,
          visibleTiles: this.visibleTiles,
          limits,
          activeSpeaker: this.roster.activeSpeaker,
        };
      },
      send: (streams) => this.requireSignaling().request({ type: 'subscribe', streams }),
    });
    this.snapshot = this.build();
  }

  // --- store ---------------------------------------------------------------------------

  /** Calls `listener` after every state change; returns the function that stops it. */
  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  /** The current state: the same object until something changes. */
  getSnapshot = (): MeetingState => this.snapshot;

  // --- session -------------------------------------------------------------------------

  /**
   * Asks to enter as `displayName` (`POST /join`; in the lobby, `status` is
   * `waiting` until a host decides), connects and joins, then publishes the
   * microphone and camera as asked (opening them when no track is given; a
   * microphone that is off and not given is not opened) and subscribes to
   * the others. Resolves once joined or failed (see `status` and `error`);
   * rejects only when called while already connecting, waiting or joined.
   */
  async join(displayName: string, options: JoinOptions = {}): Promise<void> {
    if (
      this.status === 'connecting' ||
      this.status === 'waiting' ||
      this.status === 'joined' ||
      this.status === 'reconnecting'
    ) {
      throw new Error(`join() while ${this.status}`);
    }
    this.roster = EMPTY_ROSTER;
    this.error = null;
    this.joinedOnce = false;
    this.moderation = null;
    this.endingByYou = false;
    this.transcriptionNotice = null;
    this.lastTranscriptId = null;
    this.displayName = displayName;
    this.sharedMicrophone = options.sharedMicrophone ?? false;
    this.status = 'connecting';
    const attempt = ++this.attempt;
    this.local.adopt({
      microphone: options.microphone ?? true,
      camera: options.camera ?? true,
      ...(options.tracks ? { tracks: options.tracks } : {}),
      ...(options.devices ? { devices: options.devices } : {}),
    });
    this.update();
    let admission: Admission;
    try {
      admission = await this.enterMeeting();
    } catch (error) {
      if (attempt === this.attempt && !(error instanceof EntryAborted)) this.fail(toMeetingError(error));
      return;
    }
    if (attempt !== this.attempt) return;
    const signaling = (this.options.createSignaling ?? defaultSignaling)(this.options.slug);
    this.attach(signaling);
    try {
      await signaling.connect();
      await signaling.join(admission.token, () => this.renewToken());
    } catch (error) {
      if (this.signaling === signaling) this.fail(toMeetingError(error));
    }
  }

  /**
   * Leaves (`leave`, then close) and stops every local track; while waiting
   * in the lobby, withdraws the request. Never rejects.
   */
  async leave(): Promise<void> {
    const signaling = this.signaling;
    this.stopEntry();
    this.teardown();
    this.local.stopAll();
    this.setStatus('left');
    if (signaling !== null) await signaling.leave();
  }

  /** Releases everything without `leave` (the page is going away); no event after this. */
  dispose(): void {
    const signaling = this.signaling;
    this.stopEntry();
    this.teardown();
    signaling?.close();
    this.local.stopAll();
    this.listeners.clear();
  }

  // --- entry: token and lobby ------------------------------------------------------------

  /** POST /join, and the lobby if need be: a join token. Rejects with EntryError or EntryAborted. */
  private async enterMeeting(): Promise<Admission> {
    this.entryAbort?.abort();
    const abort = new AbortController();
    this.entryAbort = abort;
    const resume = this.status;
    try {
      return await enter({
        ...(this.options.entryApi ? { api: this.options.entryApi } : {}),
        ...(this.options.lobbyPollMs !== undefined ? { pollMs: this.options.lobbyPollMs } : {}),
        slug: this.options.slug,
        displayName: this.displayName,
        sharedMicrophone: this.sharedMicrophone,
        signal: abort.signal,
        onWaiting: (wait) => {
          this.waiting = wait;
          this.setStatus('waiting');
        },
      });
    } finally {
      if (this.entryAbort === abort) this.entryAbort = null;
      if (this.waiting !== null) {
        this.waiting = null;
        if (this.status === 'waiting') this.setStatus(resume);
      }
    }
  }

  /**
   * The token of a reconnection: admission is bound to this browser, so a
   * person let in once is let in directly again; after a server restart they
   * may wait in the lobby again (status `waiting` meanwhile). Final refusals
   * stop the reconnection (JoinRefused); others are retried with backoff.
   */
  private async renewToken(): Promise<string> {
    try {
      return (await this.enterMeeting()).token;
    } catch (error) {
      if (error instanceof EntryError) {
        if (isFinalEntryError(error)) {
          this.error = toMeetingError(error);
          throw new JoinRefused(error.code, error.message);
        }
        throw new SignalingError(error.code, error.message);
      }
      throw error;
    }
  }

  private stopEntry(): void {
    this.attempt += 1;
    this.entryAbort?.abort();
    this.entryAbort = null;
    this.waiting = null;
  }

  // --- local media ---------------------------------------------------------------------

  /** Unmutes or mutes the microphone (opening it when needed). */
  async setMicrophoneEnabled(enabled: boolean): Promise<void> {
    this.local.setMicrophoneEnabled(enabled);
    if (enabled && this.local.microphoneTrack === null) {
      const track = await this.local.ensureMicrophone();
      if (track === null || !this.inSession()) return;
      await this.sendMute('microphone', false);
      await this.media?.publish({ microphone: track });
      return;
    }
    if (this.inSession() && this.local.microphoneTrack !== null) {
      await this.sendMute('microphone', !enabled);
    }
  }

  /** Turns the camera on (opening it) or off (releasing the device: its light goes off). */
  async setCameraEnabled(enabled: boolean): Promise<void> {
    if (!enabled) {
      const published = this.media !== null && this.media.publisher.track('camera') !== null;
      this.local.setCameraEnabled(false);
      if (!this.inSession()) return;
      await this.sendMute('camera', true);
      if (published) await this.media?.publisher.replaceTrack('camera', null);
      return;
    }
    this.local.setCameraEnabled(true);
    const track = await this.local.ensureCamera();
    if (track === null || !this.inSession()) return;
    await this.sendMute('camera', false);
    await this.media?.publish({ camera: track });
  }

  /** Shares a screen (the browser asks which). Rejects with a `MediaAccessError` (`aborted` if dismissed). */
  async startScreenShare(): Promise<void> {
    if (!this.inSession()) throw new SignalingError('not_joined', 'Join before sharing a screen');
    const capture = await this.local.startScreen(() => void this.stopScreenShare());
    try {
      await this.media?.publish(screenTracks(capture));
    } catch (error) {
      this.local.stopScreen();
      throw error;
    }
  }

  /** Stops the screen share (protocol.md: `unpublish`, then the other sources are published again). */
  async stopScreenShare(): Promise<void> {
    if (this.local.state.screen === null) return;
    this.local.stopScreen();
    await this.media?.publisher.removeSources(['screen', 'screen_audio']);
  }

  /**
   * Uses another device. `microphone` and `camera` are swapped in place with
   * `replaceTrack` (no renegotiation; a camera that is off only records the
   * choice); `speaker` is only recorded in `local.speakerId` for the UI's
   * `setSinkId`. Rejects with a `MediaAccessError`.
   */
  async switchDevice(kind: 'microphone' | 'camera' | 'speaker', deviceId: string): Promise<void> {
    if (kind === 'speaker') {
      this.local.setSpeaker(deviceId);
      return;
    }
    const swapped = await this.local.switchDevice(kind, deviceId);
    if (swapped === null) return;
    const media = this.media;
    if (media !== null && media.publisher.track(kind) !== null) await media.publish({ [kind]: swapped.next });
    swapped.previous.stop();
  }

  // --- meeting features ----------------------------------------------------------------

  /** Sends a chat message; rejects with `rate_limited`, `invalid_message`… */
  async sendChat(text: string): Promise<void> {
    await this.requireSignaling().request({ type: 'chat', text });
  }

  /** Zeroes the unread count (the chat panel is open). */
  markChatRead(): void {
    this.setRoster(markChatRead(this.roster));
  }

  /** Raises or lowers our hand. */
  async raiseHand(raised: boolean): Promise<void> {
    await this.requireSignaling().request({ type: 'raise_hand', raised });
  }

  /** Sends a reaction; rejects with `rate_limited`. */
  async react(emoji: ReactionEmoji): Promise<void> {
    await this.requireSignaling().request({ type: 'reaction', emoji });
  }

  // --- hosts: lobby and moderation (others get `forbidden`) --------------------------------

  /** Lets people in from the lobby, or refuses them. Rejects with `forbidden`… */
  async decideLobby(requestIds: readonly string[], admit: boolean): Promise<void> {
    const signaling = this.requireSignaling();
    for (let i = 0; i < requestIds.length; i += LOBBY_DECISION_MAX) {
      const [first, ...rest] = requestIds.slice(i, i + LOBBY_DECISION_MAX);
      if (first === undefined) break;
      await signaling.request({ type: 'lobby_decision', request_ids: [first, ...rest], admit });
    }
  }

  /** Locks the meeting (everyone not yet in waits in the lobby, whatever the access level) or unlocks it. */
  async setLocked(locked: boolean): Promise<void> {
    await this.requireSignaling().request({ type: 'lock', locked });
  }

  /** Mutes someone's microphone, or stops their camera or screen share (they are told, and can turn it on again). */
  async muteParticipant(participantId: string, source: Source): Promise<void> {
    await this.requireSignaling().request({ type: 'mute_participant', participant_id: participantId, source });
  }

  /** Removes someone from the meeting: they can come back only through the lobby. */
  async removeParticipant(participantId: string): Promise<void> {
    await this.requireSignaling().request({ type: 'remove_participant', participant_id: participantId });
  }

  /** Lowers someone's raised hand. */
  async lowerHand(participantId: string): Promise<void> {
    await this.requireSignaling().request({ type: 'lower_hand', participant_id: participantId });
  }

  /** Owner only: makes someone a co-host for this meeting (`host`), or takes it back (`participant`). */
  async setParticipantRole(participantId: string, role: 'host' | 'participant'): Promise<void> {
    await this.requireSignaling().request({ type: 'set_role', participant_id: participantId, role });
  }

  /**
   * Starts transcribing the meeting in `language` (ISO 639-1; omitted: the
   * server's default). Everyone is told (`transcription`). Rejects with
   * `forbidden` (not a host, or a co-host on a server where only owners may),
   * `speech_language_unsupported` (`details.supported` lists the languages
   * the server can do), `invalid_state` (already transcribed),
   * `transcription_unavailable`.
   */
  async startTranscription(language?: string): Promise<void> {
    await this.requireSignaling().request({
      type: 'start_transcription',
      ...(language !== undefined ? { language } : {}),
    });
  }

  /** Stops the transcript; it is then made in the background. Rejects with `forbidden`, `invalid_state`. */
  async stopTranscription(): Promise<void> {
    await this.requireSignaling().request({ type: 'stop_transcription' });
  }

  /** Ends the meeting for everyone; status then becomes `ended` (`meeting_ended`, `byYou`). */
  async endMeeting(): Promise<void> {
    this.endingByYou = true;
    try {
      await this.requireSignaling().request({ type: 'end_meeting' });
    } catch (error) {
      this.endingByYou = false;
      throw error;
    }
  }

  /**
   * The video tiles on screen now, most important first, with their heights
   * in device pixels. Debounced; `subscribe` is sent only when the chosen
   * streams or their simulcast layers change.
   */
  setVisibleTiles(tiles: readonly VisibleTile[]): void {
    this.visibleTiles = [...tiles];
    this.subscriptions.schedule();
  }

  // --- signaling events ------------------------------------------------------------------

  private attach(signaling: MeetingSignaling): void {
    this.signaling = signaling;
    this.detach = [
      signaling.on('state', (state) => this.onConnectionState(state)),
      signaling.on('close', (info) => this.onClose(info)),
      ...[...SERVER_MESSAGE_TYPES].map((type) =>
        signaling.on(type as ServerMessageType, (message: ServerMessage) => this.onMessage(message)),
      ),
    ];
  }

  private onMessage(message: ServerMessage): void {
    const now = this.now();
    const before = this.roster;
    const next = applyServerMessage(before, message, { now, reactionId: this.nextReactionId });
    const changed = next !== before;
    this.roster = next;
    switch (message.type) {
      case 'joined':
        this.onJoined(message);
        this.onTranscriptionInfo(before.transcription, next.transcription, null, true);
        break;
      case 'transcription':
        this.onTranscriptionChanged(before.transcription, message);
        break;
      case 'participant_joined':
      case 'participant_updated':
      case 'participant_left':
      case 'speaking':
      case 'active_speaker':
        this.subscriptions.schedule();
        break;
      case 'reaction':
        this.nextReactionId += 1;
        this.expireReactionsLater();
        break;
      case 'media_reset':
        this.remoteMedia = {};
        this.peerStates = { publisher: 'new', subscriber: 'new' };
        this.subscriptions.assumeEmptySent();
        this.media?.handle(message);
        break;
      case 'subscription_offer':
      case 'trickle':
        this.media?.handle(message);
        break;
      case 'moderated':
        this.onModerated(message);
        break;
      case 'error':
        // `removed` comes right before its close (4403): the status says it.
        if (!ENDED_CODES.has(message.code)) console.warn(`visio: server error ${message.code}: ${message.message}`);
        break;
      default:
        break;
    }
    if (changed || message.type === 'media_reset') this.update();
  }

  /** A new session: the first join, or a join after reconnecting (a new participant id). */
  private onJoined(joined: Joined): void {
    this.media?.close();
    this.remoteMedia = {};
    this.peerStates = { publisher: 'new', subscriber: 'new' };
    this.subscriptions.reset();
    this.status = 'joined';
    this.error = null;
    this.media = new MediaSession({
      signaling: this.requireSignaling(),
      iceServers: joined.ice_servers,
      ...(this.options.createPeerConnection ? { createPeerConnection: this.options.createPeerConnection } : {}),
      createMediaStream: this.createMediaStream,
      onRemoteStreams: (streams) => this.onRemoteStreams(streams),
      onResubscribeNeeded: () => this.subscriptions.sendNow(true),
      onConnectionStateChange: (role, state) => this.onPeerState(role, state),
      onRepublishFailed: (error) => console.warn('visio: publishing again failed', error),
    });
    const first = !this.joinedOnce;
    this.joinedOnce = true;
    void this.startPublishing(joined, first);
    this.subscriptions.schedule();
  }

  /** A host muted our microphone or stopped our camera/screen: do it here too (the SFU already stopped it). */
  private onModerated(message: Moderated): void {
    const host = this.roster.participants.find((p) => p.id === message.by);
    this.moderation = {
      id: this.nextModerationId++,
      action: message.action,
      source: message.source,
      byName: host?.display_name ?? null,
    };
    const warn = (error: unknown) => console.warn('visio: could not apply a host\'s moderation', error);
    switch (message.source) {
      case 'microphone':
        // No `mute` to send: the server marked us muted already. Unmuting
        // later sends `mute false`, which lifts the host's mute at the SFU.
        this.local.setMicrophoneEnabled(false);
        break;
      case 'camera':
        this.setCameraEnabled(false).catch(warn);
        break;
      case 'screen':
      case 'screen_audio':
        this.stopScreenShare().catch(warn);
        break;
    }
    this.update();
  }

  private onTranscriptionChanged(before: TranscriptionInfo, message: TranscriptionChanged): void {
    this.onTranscriptionInfo(before, message.transcription, message.by, false);
  }

  /**
   * A notice once per transcript: when one starts (or is running as we join,
   * or come back after a reconnection), and when it stops. A reconnection
   * into the same transcript says nothing again.
   */
  private onTranscriptionInfo(
    before: TranscriptionInfo,
    after: TranscriptionInfo,
    by: string | null,
    atJoin: boolean,
  ): void {
    const selfId = this.roster.selfId;
    const byYou = by !== null && by === selfId;
    if (before.active && before.transcript_id !== after.transcript_id) {
      // Stopped (or replaced by another one while we were away).
      this.lastTranscriptId = before.transcript_id;
      this.notifyTranscription({ kind: 'stopped', transcriptId: before.transcript_id, startedBy: before.started_by, byYou, atJoin: false });
    }
    if (after.active && after.transcript_id !== before.transcript_id) {
      this.notifyTranscription({ kind: 'started', transcriptId: after.transcript_id, startedBy: after.started_by, byYou, atJoin });
    }
  }

  private notifyTranscription(notice: Omit<TranscriptionNotice, 'id'>): void {
    this.transcriptionNotice = Object.freeze({ id: this.nextTranscriptionNoticeId++, ...notice });
    // The snapshot is rebuilt by onMessage (the roster changed too).
  }

  private async startPublishing(joined: Joined, first: boolean): Promise<void> {
    const media = this.media;
    // A microphone that is off and was not opened on the pre-join screen stays
    // closed (no prompt, no recording indicator) until it is turned on.
    const wantMicrophone = this.local.microphoneEnabled || this.local.microphoneTrack !== null;
    if (first) {
      // protocol.md, RoomInfo: the meeting may ask newcomers to start muted.
      if (joined.room.start_audio_muted) this.local.setMicrophoneEnabled(false);
      if (joined.room.start_video_muted) this.local.setCameraEnabled(false);
    }
    const microphone = wantMicrophone ? await this.local.ensureMicrophone() : null;
    const camera = this.local.cameraEnabled ? await this.local.ensureCamera() : null;
    if (media === null || media !== this.media) return;
    const screen = this.local.state.screen;
    const tracks: PublishTracks = {
      ...(microphone !== null ? { microphone } : {}),
      ...(camera !== null ? { camera } : {}),
      ...(screen !== null ? screenTracks(screen) : {}),
    };
    // Not awaited: the server handles frames in order, so these mute states
    // apply before the streams appear, and a slow ack must not delay media.
    if (microphone !== null && !this.local.microphoneEnabled) this.sendMuteLater('microphone', true);
    if (camera === null) this.sendMuteLater('camera', true);
    if (Object.keys(tracks).length === 0) return;
    try {
      await media.publish(tracks);
    } catch (error) {
      console.warn('visio: could not publish', error);
    }
  }

  private onRemoteStreams(streams: ReadonlyMap<StreamKey, ReceivedStream>): void {
    this.remoteMedia = groupRemoteMedia(streams.values(), this.remoteMedia);
    this.update();
  }

  private onPeerState(role: PeerRole, state: RTCPeerConnectionState): void {
    this.peerStates = { ...this.peerStates, [role]: state };
    this.update();
    if (state !== 'failed') return;
    if (role === 'publisher') {
      // Our streams are gone for the others: publish again from a new connection.
      this.media?.publisher.restart({ unpublish: true }).catch((error: unknown) => {
        console.warn('visio: could not publish again', error);
      });
    } else {
      // The protocol has no way to restart a subscriber connection alone: a new session does it.
      this.signaling?.reconnect();
    }
  }

  private onConnectionState(state: ConnectionState): void {
    if (state === 'reconnecting' && (this.status === 'joined' || this.status === 'connecting')) {
      // The server dropped our participant: its peer connections are dead.
      this.media?.close();
      this.media = null;
      this.remoteMedia = {};
      this.subscriptions.cancel();
      this.setStatus('reconnecting');
    } else if (state === 'closed' && this.status !== 'left' && this.status !== 'idle') {
      this.fail(this.error ?? { code: 'connection_closed', message: 'The connection was closed' });
    }
  }

  private onClose(info: CloseInfo): void {
    if (info.willReconnect || info.errorCode === null) return;
    // A refused reconnection set its error (with retryAfter) already.
    if (this.error?.code === info.errorCode) return;
    this.error = {
      code: info.errorCode,
      message: `The connection closed (${info.code})`,
      ...(info.errorCode === 'meeting_ended' ? { byYou: this.endingByYou } : {}),
    };
  }

  // --- helpers ------------------------------------------------------------------------------

  private async sendMute(source: Source, muted: boolean): Promise<void> {
    await this.signaling?.request({ type: 'mute', source, muted });
  }

  private sendMuteLater(source: Source, muted: boolean): void {
    this.sendMute(source, muted).catch((error: unknown) => console.warn('visio: mute failed', error));
  }

  private expireReactionsLater(): void {
    const ttl = this.options.reactionTtlMs ?? 4_000;
    const timer = setTimeout(() => {
      this.reactionTimers.delete(timer);
      this.setRoster(expireReactions(this.roster, this.now(), ttl));
    }, ttl);
    this.reactionTimers.add(timer);
  }

  private inSession(): boolean {
    return this.status === 'joined' && this.media !== null;
  }

  private requireSignaling(): MeetingSignaling {
    if (this.signaling === null) throw new SignalingError('not_connected', 'Not in a meeting');
    return this.signaling;
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private fail(error: MeetingError): void {
    const signaling = this.signaling;
    this.error = error;
    this.stopEntry();
    this.teardown();
    // A join refused without closing (media_unavailable…) leaves the socket open.
    signaling?.close();
    // Nothing to capture for any more (the camera light goes off); a new join opens the devices again.
    this.local.stopAll();
    this.setStatus(ENDED_CODES.has(error.code) ? 'ended' : 'failed');
  }

  /** Stops timers and media, and stops listening to the signaling client. Local tracks stay. */
  private teardown(): void {
    for (const off of this.detach) off();
    this.detach = [];
    this.signaling = null;
    this.media?.close();
    this.media = null;
    this.remoteMedia = {};
    this.subscriptions.cancel();
    for (const timer of this.reactionTimers) clearTimeout(timer);
    this.reactionTimers.clear();
    this.roster = { ...this.roster, reactions: [] };
  }

  private setStatus(status: MeetingStatus): void {
    this.status = status;
    this.update();
  }

  private setRoster(roster: RosterState): void {
    if (roster === this.roster) return;
    this.roster = roster;
    this.update();
  }

  private build(): MeetingState {
    const local = this.local.state;
    const selfMedia: MediaBySource = Object.freeze({
      ...(local.cameraStream !== null ? { camera: local.cameraStream } : {}),
      ...(local.screenStream !== null ? { screen: local.screenStream } : {}),
    });
    if (!sameMedia(this.selfMedia, selfMedia)) this.selfMedia = selfMedia;
    const roster = this.roster;
    return Object.freeze({
      status: this.status,
      error: this.error,
      room: roster.room,
      selfId: roster.selfId,
      participants: this.views.build(roster.participants, roster.selfId, roster.hands, (id, isSelf) =>
        isSelf ? this.selfMedia : this.remoteMedia[id],
      ),
      hands: roster.hands,
      activeSpeaker: roster.activeSpeaker,
      chat: roster.chat,
      reactions: roster.reactions,
      local,
      remoteMedia: this.remoteMedia,
      connectionQuality: connectionQuality(this.status, this.peerStates),
      limits: roster.limits,
      role: roster.role,
      access: roster.access,
      lobby: roster.lobby,
      waiting: this.status === 'waiting' ? this.waiting : null,
      moderation: this.moderation,
      transcription: this.buildTranscription(roster.transcription),
      transcriptionNotice: this.transcriptionNotice,
    });
  }

  /** The same object while nothing about the transcription changed (selectors compare by identity). */
  private buildTranscription(info: TranscriptionInfo): TranscriptionState {
    const view = this.transcriptionView;
    if (
      view !== null &&
      view.active === info.active &&
      view.transcriptId === info.transcript_id &&
      view.language === info.language &&
      view.startedAt === info.started_at &&
      view.startedBy === info.started_by &&
      view.lastTranscriptId === this.lastTranscriptId
    ) {
      return view;
    }
    this.transcriptionView = Object.freeze({
      active: info.active,
      transcriptId: info.transcript_id,
      language: info.language,
      startedAt: info.started_at,
      startedBy: info.started_by,
      lastTranscriptId: this.lastTranscriptId,
    });
    return this.transcriptionView;
  }

  private update(): void {
    this.snapshot = this.build();
    for (const listener of [...this.listeners]) listener();
  }
}

function defaultSignaling(slug: string): MeetingSignaling {
  return new SignalingClient({ slug });
}

function screenTracks(capture: { video: MediaStreamTrack; audio: MediaStreamTrack | null }): PublishTracks {
  return { screen: capture.video, ...(capture.audio !== null ? { screen_audio: capture.audio } : {}) };
}

function toMeetingError(error: unknown): MeetingError {
  if (error instanceof EntryError) {
    return { code: error.code, message: error.message, ...(error.retryAfter !== null ? { retryAfter: error.retryAfter } : {}) };
  }
  if (error instanceof SignalingError) return { code: error.code, message: error.message };
  return { code: 'unknown', message: error instanceof Error ? error.message : String(error) };
}
