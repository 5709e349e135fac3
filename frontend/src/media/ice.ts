/** ICE helpers shared by the publisher and the subscriber connections. */
import type { Candidate, ClientCandidate, IceServer } from '../signaling/types';

/** The protocol's `IceServer`s as `RTCIceServer`s (null fields dropped, as protocol.md says). */
export function toRtcIceServers(servers: readonly IceServer[]): RTCIceServer[] {
  return servers.map(({ urls, username, credential }) => ({
    urls: [...urls],
    ...(username !== null ? { username } : {}),
    ...(credential !== null ? { credential } : {}),
  }));
}

/** A locally gathered candidate as the protocol's `Candidate` (null: end of candidates). */
export function toWireCandidate(candidate: RTCIceCandidate | null): ClientCandidate | null {
  if (candidate === null) return null;
  return {
    candidate: candidate.candidate,
    sdp_mid: candidate.sdpMid,
    sdp_mline_index: candidate.sdpMLineIndex,
  };
}

/** A candidate from the server as `RTCIceCandidateInit`. */
export function toCandidateInit(candidate: Candidate): RTCIceCandidateInit {
  // addIceCandidate needs one of sdpMid / sdpMLineIndex; with BUNDLE any m-line
  // will do, so default to the first one.
  const noPlace = candidate.sdp_mid === null && candidate.sdp_mline_index === null;
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdp_mid,
    sdpMLineIndex: noPlace ? 0 : candidate.sdp_mline_index,
  };
}

/** Where remote candidates go once they can be applied. */
export interface CandidateSink {
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>;
}

/**
 * The SFU's candidates for one peer connection. They can arrive before the
 * description they belong to has been applied (protocol.md, "Trickle ICE"),
 * so they wait here until {@link descriptionApplied}, then are added in order.
 * End-of-candidates (`null`) and empty candidates are ignored.
 */
export class RemoteCandidates {
  private queue: Candidate[] = [];
  private ready = false;

  constructor(private readonly sink: CandidateSink) {}

  /** Candidates waiting for the remote description. */
  get pending(): number {
    return this.queue.length;
  }

  add(candidate: Candidate | null): void {
    if (candidate === null || candidate.candidate === '') return;
    if (!this.ready) {
      this.queue.push(candidate);
      return;
    }
    this.apply(candidate);
  }

  /** The remote description is applied: add the waiting candidates, in order. */
  descriptionApplied(): void {
    this.ready = true;
    const queue = this.queue;
    this.queue = [];
    for (const candidate of queue) this.apply(candidate);
  }

  /** Forgets the waiting candidates (their description failed). */
  drop(): void {
    this.queue = [];
  }

  private apply(candidate: Candidate): void {
    // A candidate the browser refuses (another family, a stale generation)
    // must not break the others: ICE will use what it can.
    this.sink.addIceCandidate(toCandidateInit(candidate)).catch((error: unknown) => {
      console.warn('visio: remote ICE candidate refused', error);
    });
  }
}

/**
 * Our own candidates for one peer connection, held until the description
 * they belong to has been sent (`publish` or `subscription_answer`), since
 * the server relays them to the SFU in order.
 */
export class LocalCandidates {
  private queue: (ClientCandidate | null)[] = [];
  private open = false;

  constructor(private readonly send: (candidate: ClientCandidate | null) => void) {}

  /** A candidate from `onicecandidate`. */
  add(candidate: ClientCandidate | null): void {
    if (candidate !== null && candidate.candidate === '') return; // legacy end-of-candidates
    if (this.open) this.send(candidate);
    else this.queue.push(candidate);
  }

  /** The description was sent: send what was held, then everything as it comes. */
  release(): void {
    this.open = true;
    const queue = this.queue;
    this.queue = [];
    for (const candidate of queue) this.send(candidate);
  }
}
