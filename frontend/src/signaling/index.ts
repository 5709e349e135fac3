/** Visio's signaling protocol client (docs/protocol.md). No React, no media. */
export { SignalingClient, PROTOCOL_VERSION } from './SignalingClient';
export type {
  CloseInfo,
  ConnectionState,
  SignalingClientOptions,
  SignalingEvents,
} from './SignalingClient';
export { SignalingError, CloseCode, closeAction, closeErrorCode } from './errors';
export type { ClientErrorCode, CloseAction } from './errors';
export { reconnectDelay, DEFAULT_BACKOFF } from './backoff';
export type { BackoffOptions } from './backoff';
export { signalingUrl, browserSocketFactory } from './socket';
export type { SocketFactory, SocketHandlers, SocketLike, LocationLike } from './socket';
export { Emitter } from './emitter';
export type { Unsubscribe } from './emitter';
export * from './types';
