import type { ClientRequest, ReplyFor } from '../signaling/types';

/**
 * What the media code needs from signaling: {@link SignalingClient} has this
 * shape; tests pass a fake. Media code never sees the socket.
 */
export interface SignalingPort {
  /** Sends a request and resolves with its reply; rejects with a SignalingError. */
  request<T extends ClientRequest>(message: T): Promise<ReplyFor<T['type']>>;
  /** Sends without a request id; false when not connected. */
  send(message: ClientRequest): boolean;
}

/** Makes peer connections (tests pass a fake). */
export type PeerConnectionFactory = (configuration: RTCConfiguration) => RTCPeerConnection;

export const browserPeerConnection: PeerConnectionFactory = (configuration) =>
  new RTCPeerConnection(configuration);
