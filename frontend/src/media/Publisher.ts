/**
 * The publisher peer connection: everything this client sends (microphone,
 * camera, screen, screen audio) over one RTCPeerConnection that the client
 * offers (protocol.md, "Publishing").
 */
import type { Candidate, Source, StreamInfo } from '../signaling/types';
import { LocalCandidates, RemoteCandidates, toRtcIceServers, toWireCandidate } from './ice';
import type { IceServer } from '../signaling/types';
import { browserPeerConnection, type PeerConnectionFactory, type SignalingPort } from './port';

/**
 * Camera simulcast layers, **highest first**: Janus takes the first rid as
 * the highest layer (protocol.md, "Simulcast"; Janus' default rid order is
 * high-to-low), and the server picks layers 0..2 from the receivers' tile
 * heights (≤ 200 px → q, ≤ 400 px → h, else f).
 */
export const CAMERA_SIMULCAST_ENCODINGS: readonly RTCRtpEncodingParameters[] = [
  { rid: 'f', maxBitrate: 1_500_000 },
  { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
];

/** Tracks to send, by source. */
export type PublishTracks = Partial<Record<Source, MediaStreamTrack>>;

/** Options of {@link Publisher}. */
export interface PublisherOptions {
  signaling: SignalingPort;
  /** ICE servers from `joined` (or the latest `media_reset`). */
  iceServers: readonly IceServer[];
  createPeerConnection?: PeerConnectionFactory;
  /** Send the camera as three simulcast layers (default true). */
  simulcast?: boolean;
  /** The publisher connection's state changed (e.g. `failed`: publish again). */
  onConnectionStateChange?: (state: RTCPeerConnectionState) => void;
}

/**
 * Publishes local tracks.
 *
 * - {@link publish} adds sources to the one connection and renegotiates it
 *   (a new `publish` with the full `sources` map), so a screen share joins
 *   the camera without interrupting it.
 * - {@link replaceTrack} swaps a device (or sends nothing, with `null`)
 *   without any signaling.
 * - {@link removeSources} stops sources the way protocol.md specifies:
 *   `unpublish`, then publish the remaining sources from a new connection.
 * - {@link restart} publishes the same tracks from a new connection (after a
 *   media reset, or when the connection failed).
 *
 * Operations run one at a time, in call order. The publisher does not own
 * the tracks: it never stops them.
 */
export class Publisher {
  private readonly signaling: SignalingPort;
  private readonly createPeerConnection: PeerConnectionFactory;
  private readonly simulcast: boolean;
  private readonly onConnectionStateChange: ((state: RTCPeerConnectionState) => void) | undefined;
  private iceServers: readonly IceServer[];
  private pc: RTCPeerConnection | null = null;
  private remote: RemoteCandidates | null = null;
  private localCandidates: LocalCandidates | null = null;
  private readonly transceivers = new Map<Source, RTCRtpTransceiver>();
  private readonly tracks = new Map<Source, MediaStreamTrack | null>();
  private queue: Promise<unknown> = Promise.resolve();
  private acceptedStreams: readonly StreamInfo[] = [];
  private closed = false;

  constructor(options: PublisherOptions) {
    this.signaling = options.signaling;
    this.iceServers = options.iceServers;
    this.createPeerConnection = options.createPeerConnection ?? browserPeerConnection;
    this.simulcast = options.simulcast ?? true;
    this.onConnectionStateChange = options.onConnectionStateChange;
  }

  /** The streams the SFU accepted in the latest `published` (empty before). */
  get streams(): readonly StreamInfo[] {
    return this.acceptedStreams;
  }

  /** The sources on the connection (a source whose track was replaced by null included). */
  get sources(): Source[] {
    return [...this.transceivers.keys()];
  }

  /** The track sent for `source`, or null. */
  track(source: Source): MediaStreamTrack | null {
    return this.tracks.get(source) ?? null;
  }

  /** The peer connection, for stats (null before the first publish). */
  get peerConnection(): RTCPeerConnection | null {
    return this.pc;
  }

  /**
   * Sends `tracks` (the universal "send this track for this source"): a
   * source already on the connection gets the new track without signaling
   * (device switch); new sources are added and the connection is
   * renegotiated with `publish` and the full `sources` map. Rejects with the
   * server's SignalingError (`invalid_sdp`, `media_unavailable`,
   * `media_error`…); the connection is then closed and the tracks are kept:
   * the next `publish` or `restart` publishes them all from a new connection.
   */
  publish(tracks: PublishTracks): Promise<void> {
    return this.serial(async () => {
      for (const [source, track] of entries(tracks)) this.tracks.set(source, track);
      if (this.pc === null) {
        await this.publishAllFromNewConnection();
        return;
      }
      let added = false;
      for (const [source, track] of entries(tracks)) {
        const transceiver = this.transceivers.get(source);
        if (transceiver !== undefined) {
          await transceiver.sender.replaceTrack(track);
        } else {
          this.addTransceiver(source, track);
          added = true;
        }
      }
      if (added) await this.negotiate();
    });
  }

  /**
   * Sends `track` for a published source instead of the current one, or
   * nothing with `null` (camera turned off). No signaling. Rejects if the
   * source is not on the connection.
   */
  replaceTrack(source: Source, track: MediaStreamTrack | null): Promise<void> {
    return this.serial(async () => {
      const transceiver = this.transceivers.get(source);
      if (transceiver === undefined) throw new Error(`${source} is not published`);
      await transceiver.sender.replaceTrack(track);
      this.tracks.set(source, track);
    });
  }

  /**
   * Stops sending `sources`: `unpublish` (every stream of this client goes),
   * then the other sources are published again from a new connection, as
   * protocol.md's "Stopping sources" specifies.
   */
  removeSources(sources: readonly Source[]): Promise<void> {
    return this.serial(async () => {
      if (!sources.some((source) => this.tracks.has(source))) return;
      for (const source of sources) this.tracks.delete(source);
      await this.unpublishAndClose();
      await this.publishAllFromNewConnection();
    });
  }

  /**
   * Publishes the current tracks again from a new connection. After a
   * `media_reset`, pass its ICE servers and `unpublish: false` (the SFU
   * forgot everything); when the connection failed, `unpublish: true`
   * first removes the stale streams.
   */
  restart(options: { iceServers?: readonly IceServer[]; unpublish: boolean }): Promise<void> {
    return this.serial(async () => {
      if (options.iceServers !== undefined) this.iceServers = options.iceServers;
      if (options.unpublish) await this.unpublishAndClose();
      else this.closeConnection();
      await this.publishAllFromNewConnection();
    });
  }

  /** Stops publishing everything (`unpublish`) and closes the connection. */
  unpublish(): Promise<void> {
    return this.serial(async () => {
      this.tracks.clear();
      await this.unpublishAndClose();
    });
  }

  /** An SFU candidate for this connection (`trickle` with `role: "publisher"`). */
  addRemoteCandidate(candidate: Candidate | null): void {
    this.remote?.add(candidate);
  }

  /** Closes the connection locally, without signaling (leaving, or media reset). */
  close(): void {
    this.closed = true;
    this.closeConnection();
    this.tracks.clear();
  }

  // --- internals ----------------------------------------------------------------

  private serial<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(() => {
      if (this.closed) throw new Error('the publisher is closed');
      return operation();
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private ensureConnection(): RTCPeerConnection {
    if (this.pc !== null) return this.pc;
    const pc = this.createPeerConnection({
      iceServers: toRtcIceServers(this.iceServers),
      bundlePolicy: 'max-bundle',
    });
    const local = new LocalCandidates((candidate) => {
      this.signaling.send({ type: 'trickle', role: 'publisher', candidate });
    });
    pc.onicecandidate = (event) => {
      if (this.pc === pc) local.add(toWireCandidate(event.candidate));
    };
    pc.onconnectionstatechange = () => {
      if (this.pc === pc) this.onConnectionStateChange?.(pc.connectionState);
    };
    this.pc = pc;
    this.remote = new RemoteCandidates(pc);
    this.localCandidates = local;
    return pc;
  }

  private addTransceiver(source: Source, track: MediaStreamTrack): void {
    const pc = this.ensureConnection();
    let init: RTCRtpTransceiverInit = { direction: 'sendonly' };
    if (source === 'camera' && this.simulcast) {
      init = { direction: 'sendonly', sendEncodings: CAMERA_SIMULCAST_ENCODINGS.map((e) => ({ ...e })) };
    }
    if (source === 'screen' && 'contentHint' in track) {
      // Text must stay sharp: prefer resolution over frame rate.
      track.contentHint = 'detail';
    }
    this.transceivers.set(source, pc.addTransceiver(track, init));
  }

  /** Offer → `publish` → answer. Closes the connection if the server refuses. */
  private async negotiate(): Promise<void> {
    const pc = this.ensureConnection();
    const remote = this.remote;
    const local = this.localCandidates;
    try {
      const offer = await pc.createOffer();
      await pc.setLocalDescription(offer);
      const sdp = pc.localDescription?.sdp ?? offer.sdp ?? '';
      const sources: Record<string, Source> = {};
      for (const [source, transceiver] of this.transceivers) {
        // mids exist only after setLocalDescription.
        if (transceiver.mid !== null) sources[transceiver.mid] = source;
      }
      const reply = this.signaling.request({ type: 'publish', sdp, sources });
      // The publish frame is on the socket now: our candidates may follow it.
      local?.release();
      const published = await reply;
      await pc.setRemoteDescription({ type: 'answer', sdp: published.sdp });
      remote?.descriptionApplied();
      this.acceptedStreams = published.streams;
    } catch (error) {
      // protocol.md: drop the candidates buffered for a publish that failed.
      remote?.drop();
      if (this.acceptedStreams.length > 0) await this.unpublishAndClose().catch(() => undefined);
      else this.closeConnection();
      throw error;
    }
  }

  /** A new connection carrying every wanted track (sources sending nothing are left out). */
  private async publishAllFromNewConnection(): Promise<void> {
    this.closeConnection();
    let added = false;
    for (const [source, track] of [...this.tracks]) {
      if (track === null) {
        // Camera off: published again when a track comes back (publish()).
        this.tracks.delete(source);
        continue;
      }
      this.addTransceiver(source, track);
      added = true;
    }
    if (added) await this.negotiate();
  }

  private async unpublishAndClose(): Promise<void> {
    const hadConnection = this.pc !== null;
    try {
      // Unpublish before closing: a closed connection makes Janus drop the
      // publisher by itself, racing with the request.
      if (hadConnection) await this.signaling.request({ type: 'unpublish' });
    } finally {
      this.closeConnection();
    }
  }

  private closeConnection(): void {
    const pc = this.pc;
    this.pc = null;
    this.remote = null;
    this.localCandidates = null;
    this.transceivers.clear();
    this.acceptedStreams = [];
    if (pc !== null) {
      pc.onicecandidate = null;
      pc.onconnectionstatechange = null;
      pc.close();
    }
  }
}

function entries(tracks: PublishTracks): [Source, MediaStreamTrack][] {
  return Object.entries(tracks).filter(
    (entry): entry is [Source, MediaStreamTrack] => entry[1] !== undefined,
  );
}
