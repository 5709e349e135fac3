/**
 * The subscriber peer connection: everything this client receives, over one
 * RTCPeerConnection that the SFU offers and renegotiates (protocol.md,
 * "Subscribing").
 */
import { SignalingError } from '../signaling/errors';
import type { Candidate, IceServer, SubscriptionOffer } from '../signaling/types';
import { LocalCandidates, RemoteCandidates, toRtcIceServers, toWireCandidate } from './ice';
import { browserPeerConnection, type PeerConnectionFactory, type SignalingPort } from './port';
import { mapTracksByMid, RemoteStreams, type RemoteStream, type StreamKey } from './trackTable';

/** A received stream: one MediaStream per (participant, source). */
export type ReceivedStream = RemoteStream<MediaStreamTrack, MediaStream>;

/**
 * Errors to `subscription_answer` after which the server has dropped the
 * subscriber connection (protocol.md, `subscription_answer`).
 */
const CONNECTION_DROPPED = new Set(['invalid_sdp', 'media_error', 'media_unavailable']);

/** Options of {@link Subscriber}. */
export interface SubscriberOptions {
  signaling: SignalingPort;
  /** ICE servers from `joined` (or the latest `media_reset`). */
  iceServers: readonly IceServer[];
  createPeerConnection?: PeerConnectionFactory;
  /** Makes the per-(participant, source) streams (tests). */
  createMediaStream?: () => MediaStream;
  /** The received streams changed (appeared, went away, or changed track). */
  onStreamsChanged?: (streams: ReadonlyMap<StreamKey, ReceivedStream>) => void;
  /**
   * The server refused our answer and dropped the subscriber connection; the
   * subscriber has closed its side. Send `subscribe` again (even if the list
   * did not change): the next offer starts a new connection.
   */
  onConnectionDropped?: (error: SignalingError) => void;
  /** The subscriber connection's state changed. */
  onConnectionStateChange?: (state: RTCPeerConnectionState) => void;
}

/**
 * Answers every `subscription_offer`, in order, and keeps the received
 * tracks mapped to (participant, source) by mid, from the latest offer.
 */
export class Subscriber {
  private readonly options: SubscriberOptions;
  private readonly createPeerConnection: PeerConnectionFactory;
  private iceServers: readonly IceServer[];
  private pc: RTCPeerConnection | null = null;
  private remote: RemoteCandidates | null = null;
  private local: LocalCandidates | null = null;
  private readonly received: RemoteStreams<MediaStreamTrack, MediaStream>;
  private queue: Promise<void> = Promise.resolve();

  constructor(options: SubscriberOptions) {
    this.options = options;
    this.iceServers = options.iceServers;
    this.createPeerConnection = options.createPeerConnection ?? browserPeerConnection;
    this.received = new RemoteStreams(options.createMediaStream ?? (() => new MediaStream()));
  }

  /** The streams received now, by `"<participant_id>/<source>"`. */
  get streams(): ReadonlyMap<StreamKey, ReceivedStream> {
    return this.received.all;
  }

  /** The peer connection, for stats (null before the first offer). */
  get peerConnection(): RTCPeerConnection | null {
    return this.pc;
  }

  /** Uses `servers` for connections created from now on (after a `media_reset`). */
  setIceServers(servers: readonly IceServer[]): void {
    this.iceServers = servers;
  }

  /**
   * Handles a `subscription_offer` (whatever its `reply_to`). The connection
   * is created at once, so that candidates trickled right after the offer
   * are buffered for it; offers are answered one at a time, in order.
   */
  handleOffer(offer: SubscriptionOffer): void {
    const pc = this.ensureConnection();
    this.queue = this.queue.then(() => this.answer(pc, offer)).catch((error: unknown) => {
      console.warn('visio: could not answer a subscription offer', error);
    });
  }

  /** An SFU candidate for this connection (`trickle` with `role: "subscriber"`). */
  addRemoteCandidate(candidate: Candidate | null): void {
    this.remote?.add(candidate);
  }

  /**
   * Closes the connection and forgets its candidates and mid table (media
   * reset, refused answer, leaving). The next offer starts a new connection.
   */
  close(): void {
    const pc = this.pc;
    this.pc = null;
    this.remote = null;
    this.local = null;
    if (pc !== null) {
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.close();
    }
    if (this.received.all.size > 0) {
      this.received.clear();
      this.options.onStreamsChanged?.(this.received.all);
    }
  }

  /** Waits until the offers received so far are handled (tests, shutdown). */
  settled(): Promise<void> {
    return this.queue;
  }

  private ensureConnection(): RTCPeerConnection {
    if (this.pc !== null) return this.pc;
    const pc = this.createPeerConnection({
      iceServers: toRtcIceServers(this.iceServers),
      bundlePolicy: 'max-bundle',
    });
    const local = new LocalCandidates((candidate) => {
      this.options.signaling.send({ type: 'trickle', role: 'subscriber', candidate });
    });
    pc.onicecandidate = (event) => {
      if (this.pc === pc) local.add(toWireCandidate(event.candidate));
    };
    pc.onconnectionstatechange = () => {
      if (this.pc === pc) this.options.onConnectionStateChange?.(pc.connectionState);
    };
    this.pc = pc;
    this.remote = new RemoteCandidates(pc);
    this.local = local;
    return pc;
  }

  private async answer(pc: RTCPeerConnection, offer: SubscriptionOffer): Promise<void> {
    if (pc !== this.pc) return; // closed since: this offer was for a dead connection
    const remote = this.remote;
    const local = this.local;
    await pc.setRemoteDescription({ type: 'offer', sdp: offer.sdp });
    remote?.descriptionApplied();
    const answer = await pc.createAnswer();
    await pc.setLocalDescription(answer);
    if (pc !== this.pc) return;
    this.updateTracks(pc, offer);
    const sdp = pc.localDescription?.sdp ?? answer.sdp ?? '';
    const reply = this.options.signaling.request({ type: 'subscription_answer', sdp });
    local?.release();
    // Not awaited in the queue: the next offer may arrive before this ack
    // (protocol.md) and must be answered at once.
    reply.catch((error: unknown) => this.onAnswerFailed(pc, error));
  }

  private updateTracks(pc: RTCPeerConnection, offer: SubscriptionOffer): void {
    const receivers = pc.getTransceivers().map((t) => ({ mid: t.mid, track: t.receiver.track }));
    if (this.received.apply(mapTracksByMid(offer.streams, receivers))) {
      this.options.onStreamsChanged?.(this.received.all);
    }
  }

  private onAnswerFailed(pc: RTCPeerConnection, error: unknown): void {
    if (pc !== this.pc) return;
    if (error instanceof SignalingError && CONNECTION_DROPPED.has(error.code)) {
      this.close();
      this.options.onConnectionDropped?.(error);
      return;
    }
    // invalid_message / message_too_large leave the offer outstanding; a
    // timeout or a closed socket is handled by reconnection. Nothing to do.
    console.warn('visio: subscription answer failed', error);
  }
}
