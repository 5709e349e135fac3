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
import { SignalingError } from '../signaling/errors';
import { SignalingClient, type CloseInfo, type ConnectionState } from '../signaling/SignalingClient';
import {
  SERVER_MESSAGE_TYPES,
  type Joined,
  type ReactionEmoji,
  type ServerMessage,
  type ServerMessageType,
  type Source,
} from '../signaling/types';
import { LocalMedia } from './localMedia';
import { applyServerMessage, EMPTY_ROSTER, expireReactions, markChatRead, type RosterState } from './roster';
import { SubscriptionSender } from './subscriptions';
import type { MediaBySource, MeetingError, MeetingState, MeetingStatus } from './types';
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
}

type Listener = () => void;
type PeerRole = 'publisher' | 'subscriber';

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
   * Connects and joins as `displayName`, then publishes the microphone and
   * camera as asked (opening them when no track is given; a microphone that
   * is off and not given is not opened) and subscribes to
   * the others. Resolves once joined or failed (see `status` and `error`);
   * rejects only when called while already connecting or joined.
   */
  async join(displayName: string, options: JoinOptions = {}): Promise<void> {
    if (this.status === 'connecting' || this.status === 'joined' || this.status === 'reconnecting') {
      throw new Error(`join() while ${this.status}`);
    }
    this.roster = EMPTY_ROSTER;
    this.error = null;
    this.joinedOnce = false;
    this.status = 'connecting';
    this.local.adopt({
      microphone: options.microphone ?? true,
      camera: options.camera ?? true,
      ...(options.tracks ? { tracks: options.tracks } : {}),
      ...(options.devices ? { devices: options.devices } : {}),
    });
    const signaling = (this.options.createSignaling ?? defaultSignaling)(this.options.slug);
    this.attach(signaling);
    try {
      await signaling.connect();
      await signaling.join(displayName);
    } catch (error) {
      if (this.signaling === signaling) this.fail(toMeetingError(error));
    }
  }

  /** Leaves (`leave`, then close) and stops every local track. Never rejects. */
  async leave(): Promise<void> {
    const signaling = this.signaling;
    this.teardown();
    this.local.stopAll();
    this.setStatus('left');
    if (signaling !== null) await signaling.leave();
  }

  /** Releases everything without `leave` (the page is going away); no event after this. */
  dispose(): void {
    const signaling = this.signaling;
    this.teardown();
    signaling?.close();
    this.local.stopAll();
    this.listeners.clear();
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
    const next = applyServerMessage(this.roster, message, { now, reactionId: this.nextReactionId });
    const changed = next !== this.roster;
    this.roster = next;
    switch (message.type) {
      case 'joined':
        this.onJoined(message);
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
      case 'error':
        console.warn(`visio: server error ${message.code}: ${message.message}`);
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
    if (!info.willReconnect && info.errorCode !== null) {
      this.error = { code: info.errorCode, message: `The connection closed (${info.code})` };
    }
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
    this.teardown();
    // A join refused without closing (media_unavailable…) leaves the socket open.
    signaling?.close();
    this.setStatus('failed');
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
    });
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
  if (error instanceof SignalingError) return { code: error.code, message: error.message };
  return { code: 'unknown', message: error instanceof Error ? error.message : String(error) };
}
