/**
 * The two peer connections of one signaling session (one `joined`), wired to
 * the server messages that concern them: offers, candidates and media resets.
 */
import type { IceServer, ServerMessage } from '../signaling/types';
import type { PeerConnectionFactory, SignalingPort } from './port';
import { Publisher, type PublishTracks } from './Publisher';
import { Subscriber, type ReceivedStream } from './Subscriber';
import type { StreamKey } from './trackTable';
import type { SignalingError } from '../signaling/errors';

/** Options of {@link MediaSession}. */
export interface MediaSessionOptions {
  signaling: SignalingPort;
  /** `joined.ice_servers`. */
  iceServers: readonly IceServer[];
  createPeerConnection?: PeerConnectionFactory;
  createMediaStream?: () => MediaStream;
  /** The received streams changed. */
  onRemoteStreams?: (streams: ReadonlyMap<StreamKey, ReceivedStream>) => void;
  /**
   * The client must send its `subscribe` list again, even if unchanged: the
   * server dropped the subscriber connection after refusing an answer.
   */
  onResubscribeNeeded?: (reason: SignalingError) => void;
  /** A peer connection changed state. */
  onConnectionStateChange?: (role: 'publisher' | 'subscriber', state: RTCPeerConnectionState) => void;
  /** Publishing again after a media reset failed. */
  onRepublishFailed?: (error: unknown) => void;
}

/**
 * Owns the publisher and subscriber connections of one session. Feed it
 * every server message with {@link handle}; call {@link close} when the
 * session ends (leave, or the signaling connection dropped).
 */
export class MediaSession {
  readonly publisher: Publisher;
  readonly subscriber: Subscriber;
  private readonly options: MediaSessionOptions;

  constructor(options: MediaSessionOptions) {
    this.options = options;
    this.publisher = new Publisher({
      signaling: options.signaling,
      iceServers: options.iceServers,
      ...(options.createPeerConnection ? { createPeerConnection: options.createPeerConnection } : {}),
      onConnectionStateChange: (state) => options.onConnectionStateChange?.('publisher', state),
    });
    this.subscriber = new Subscriber({
      signaling: options.signaling,
      iceServers: options.iceServers,
      ...(options.createPeerConnection ? { createPeerConnection: options.createPeerConnection } : {}),
      ...(options.createMediaStream ? { createMediaStream: options.createMediaStream } : {}),
      onStreamsChanged: (streams) => options.onRemoteStreams?.(streams),
      onConnectionDropped: (error) => options.onResubscribeNeeded?.(error),
      onConnectionStateChange: (state) => options.onConnectionStateChange?.('subscriber', state),
    });
  }

  /** Sends `tracks` (see {@link Publisher.publish}). */
  publish(tracks: PublishTracks): Promise<void> {
    return this.publisher.publish(tracks);
  }

  /** Routes a server message to the connection it concerns; others are ignored. */
  handle(message: ServerMessage): void {
    switch (message.type) {
      case 'subscription_offer':
        this.subscriber.handleOffer(message);
        break;
      case 'trickle':
        if (message.role === 'publisher') this.publisher.addRemoteCandidate(message.candidate);
        else this.subscriber.addRemoteCandidate(message.candidate);
        break;
      case 'media_reset':
        this.reset(message.ice_servers);
        break;
      default:
        break;
    }
  }

  /**
   * The SFU restarted (protocol.md, "Media reset"): both connections are
   * dead. Close them (dropping buffered candidates and the mid table), use
   * the fresh ICE servers from now on and publish the same tracks again from
   * a new connection. Subscribing again is the caller's job, as the roster's
   * `participant_updated` messages bring others' new streams.
   */
  reset(iceServers: readonly IceServer[]): void {
    this.subscriber.close();
    this.subscriber.setIceServers(iceServers);
    this.publisher.restart({ iceServers, unpublish: false }).catch((error: unknown) => {
      this.options.onRepublishFailed?.(error);
    });
  }

  /** Closes both connections, without signaling. */
  close(): void {
    this.publisher.close();
    this.subscriber.close();
  }
}
