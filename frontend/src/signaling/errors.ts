/** Signaling errors and the meaning of WebSocket close codes (docs/protocol.md, "Close codes"). */

/**
 * A request that failed: the server answered `error` (its `code`, e.g.
 * `rate_limited`, `too_many_streams`), or the client gave up on it with one
 * of {@link ClientErrorCode}.
 */
export class SignalingError extends Error {
  override readonly name = 'SignalingError';

  constructor(
    /** The server's stable error code, or a {@link ClientErrorCode}. */
    readonly code: string,
    message: string,
    /** The server's `details` (e.g. `{kind, requested}` for `too_many_streams`). */
    readonly details: Readonly<Record<string, unknown>> | null = null,
  ) {
    super(message);
  }
}

/**
 * Thrown by a join token source ({@link SignalingClient.join}'s `renew`) when
 * there is no point in trying again: the meeting is gone, a host refused
 * entry… The client then stops reconnecting and reports `code` as the close's
 * error code. Any other rejection of `renew` is retried with backoff.
 */
export class JoinRefused extends SignalingError {}

/** Error codes made by the client itself, never sent by the server. */
export type ClientErrorCode =
  /** No reply within the request timeout (some server errors carry no `reply_to`). */
  | 'request_timeout'
  /** The connection closed before the reply came. */
  | 'connection_closed'
  /** The request was made while no connection was open. */
  | 'not_connected'
  /** The reply's type does not answer this request (a server bug). */
  | 'unexpected_reply';

/** WebSocket close codes Visio uses or clients see. */
export const CloseCode = {
  /** After `leave`. */
  NORMAL: 1000,
  /** The page or the server went away. */
  GOING_AWAY: 1001,
  /** Never sent: what browsers report for a connection lost without a close frame. */
  ABNORMAL: 1006,
  /** The client did not read its messages fast enough (`client too slow`). */
  CLIENT_TOO_SLOW: 1008,
  /** A frame over the transport limit (1 MiB): a client bug. */
  MESSAGE_TOO_BIG: 1009,
  /** Internal error at connect (the meeting lookup failed). */
  INTERNAL_ERROR: 1011,
  /** Server restarting or shutting down. */
  SERVICE_RESTART: 1012,
  UNSUPPORTED_PROTOCOL: 4400,
  ROOM_NOT_FOUND: 4404,
  IDLE_TIMEOUT: 4408,
  ROOM_FULL: 4409,
  /** The join token was refused (`join_token_invalid`, `join_token_expired`): get a new one. */
  JOIN_TOKEN_INVALID: 4401,
  /** A host removed this participant (`removed`): do not come back by yourself. */
  REMOVED: 4403,
  /** A host ended the meeting for everyone (`meeting_ended`). */
  MEETING_ENDED: 4410,
} as const;

/** What to do after a close: nothing (it was asked for), reconnect, or give up. */
export type CloseAction = 'done' | 'reconnect' | 'fatal';

/**
 * The client's reaction to a close code. Codes the protocol says not to
 * retry (4400, 4404, 4409, 4403, 4410, and 1009, a client bug that would
 * repeat) are fatal; 1000 only follows `leave`; every other code, known or
 * not (4401 included: the next attempt asks for a new token), is worth
 * reconnecting with backoff.
 */
export function closeAction(code: number): CloseAction {
  switch (code) {
    case CloseCode.NORMAL:
      return 'done';
    case CloseCode.UNSUPPORTED_PROTOCOL:
    case CloseCode.ROOM_NOT_FOUND:
    case CloseCode.ROOM_FULL:
    case CloseCode.REMOVED:
    case CloseCode.MEETING_ENDED:
    case CloseCode.MESSAGE_TOO_BIG:
      return 'fatal';
    default:
      return 'reconnect';
  }
}

const CLOSE_ERROR_CODES: Readonly<Record<number, string>> = {
  [CloseCode.UNSUPPORTED_PROTOCOL]: 'unsupported_protocol',
  [CloseCode.ROOM_NOT_FOUND]: 'room_not_found',
  [CloseCode.IDLE_TIMEOUT]: 'idle_timeout',
  [CloseCode.ROOM_FULL]: 'room_full',
  [CloseCode.JOIN_TOKEN_INVALID]: 'join_token_invalid',
  [CloseCode.REMOVED]: 'removed',
  [CloseCode.MEETING_ENDED]: 'meeting_ended',
  [CloseCode.SERVICE_RESTART]: 'server_shutting_down',
  [CloseCode.INTERNAL_ERROR]: 'internal_error',
  [CloseCode.CLIENT_TOO_SLOW]: 'client_too_slow',
  [CloseCode.MESSAGE_TOO_BIG]: 'message_too_large',
};

/**
 * The error code a close stands for. The server puts the error code in the
 * close reason for error-driven closes; the code table covers closes without
 * one (e.g. uvicorn's 1012 at shutdown).
 */
export function closeErrorCode(code: number, reason: string): string {
  if (/^[a-z_]{1,64}$/.test(reason) && reason !== 'left') return reason;
  return CLOSE_ERROR_CODES[code] ?? 'connection_closed';
}
