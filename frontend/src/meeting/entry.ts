/**
 * Getting into a meeting before the signaling socket: `POST /join` answers a
 * join token at once, or puts this browser in the lobby; then `GET /lobby`
 * is polled (about every second: the server forgets a browser that stops
 * asking for 30 s) until a host decides. No React, no timers of its own
 * besides the polling sleep (injectable for tests).
 */
import {
  ApiError,
  leaveLobby,
  lobbyStatus,
  requestJoin,
  type JoinOut,
  type JoinRequestOptions,
} from '../api/client';
import type { Role } from '../signaling/types';

/** The three calls the entry makes (the REST API by default; tests pass fakes). */
export interface EntryApi {
  requestJoin(slug: string, displayName: string, options: JoinRequestOptions): Promise<JoinOut>;
  lobbyStatus(slug: string): Promise<JoinOut>;
  leaveLobby(slug: string): Promise<void>;
}

export const restEntryApi: EntryApi = {
  requestJoin: (slug, displayName, options) => requestJoin(slug, displayName, options),
  lobbyStatus: (slug) => lobbyStatus(slug),
  leaveLobby: (slug) => leaveLobby(slug),
};

/** What a host's admission (or a direct entry) gives. */
export interface Admission {
  /** Single-use join token for the signaling `join`. */
  token: string;
  role: Role;
}

/** This browser's request in the lobby, while it waits. */
export interface LobbyWait {
  requestId: string | null;
  /** ISO 8601: when an unanswered request expires, if the server said. */
  expiresAt: string | null;
}

/**
 * Codes of {@link EntryError}: the lobby's outcomes, and the REST errors of
 * `POST /join` (`room_not_found`, `room_full`, `rate_limited`,
 * `network_error`, `http_error`…).
 */
export type EntryErrorCode = 'lobby_denied' | 'lobby_expired' | 'lobby_cancelled' | (string & {});

/** Entry refused or impossible. `retryAfter` (seconds) comes with `rate_limited`. */
export class EntryError extends Error {
  override readonly name = 'EntryError';

  constructor(
    readonly code: EntryErrorCode,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message);
  }
}

/** The wait was given up (`leave`): the lobby request was withdrawn. */
export class EntryAborted extends Error {
  override readonly name = 'EntryAborted';
}

export interface EnterOptions {
  api?: EntryApi;
  slug: string;
  displayName: string;
  /** A meeting-room microphone shared by several people (default false). */
  sharedMicrophone?: boolean;
  /** Called each time the server says we wait (first with the request, then on every poll). */
  onWaiting?: (wait: LobbyWait) => void;
  /** Aborting withdraws the lobby request (`DELETE /lobby`) and rejects with {@link EntryAborted}. */
  signal?: AbortSignal;
  /** Time between two polls of the lobby (default 1000 ms). */
  pollMs?: number;
  /** Waits `ms`, or rejects when `signal` aborts (tests pass fake timers' setTimeout). */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const LOBBY_OUTCOMES: Readonly<Record<string, EntryErrorCode>> = {
  denied: 'lobby_denied',
  expired: 'lobby_expired',
  cancelled: 'lobby_cancelled',
};

const LOBBY_MESSAGES: Readonly<Record<string, string>> = {
  denied: 'A host refused the request to enter',
  expired: 'Nobody answered the request to enter in time',
  cancelled: 'The request to enter was withdrawn',
};

/**
 * Enters the meeting: resolves with a join token (at once, or once a host
 * admits us). Rejects with {@link EntryError} (a lobby outcome or the
 * server's refusal) or {@link EntryAborted}.
 *
 * While waiting, passing errors are not fatal: a `rate_limited` poll waits
 * its `Retry-After`, a network error is polled again, and a request the
 * server no longer knows (`lobby_request_not_found`, e.g. after a restart)
 * is made again.
 */
export async function enter(options: EnterOptions): Promise<Admission> {
  const { slug, displayName, signal, onWaiting } = options;
  const api = options.api ?? restEntryApi;
  const join: JoinRequestOptions = { sharedMicrophone: options.sharedMicrophone ?? false };
  const pollMs = options.pollMs ?? 1_000;
  const sleep = options.sleep ?? abortableSleep;
  let waiting = false;

  const outcome = (answer: JoinOut): Admission | null => {
    if (answer.status === 'admitted') {
      if (!answer.token) throw new EntryError('http_error', 'Admitted without a join token');
      return { token: answer.token, role: answer.role };
    }
    const refused = LOBBY_OUTCOMES[answer.status];
    if (refused !== undefined) throw new EntryError(refused, LOBBY_MESSAGES[answer.status] ?? refused);
    waiting = true;
    onWaiting?.({ requestId: answer.request_id ?? null, expiresAt: answer.expires_at ?? null });
    return null;
  };

  try {
    checkAborted(signal);
    let admitted = outcome(await call(() => api.requestJoin(slug, displayName, join)));
    while (admitted === null) {
      await sleep(pollMs, signal);
      checkAborted(signal);
      try {
        admitted = outcome(await api.lobbyStatus(slug));
      } catch (error) {
        if (error instanceof EntryError) throw error;
        if (!(error instanceof ApiError)) throw error;
        checkAborted(signal);
        if (error.code === 'lobby_request_not_found') {
          // The server lost the request (restart, or swept): ask again.
          admitted = outcome(await call(() => api.requestJoin(slug, displayName, join)));
        } else if (error.code === 'rate_limited') {
          await sleep(Math.max(pollMs, (error.retryAfter ?? 2) * 1_000), signal);
        } else if (error.code === 'room_not_found') {
          throw toEntryError(error);
        }
        // Anything else (network, 5xx): poll again.
      }
    }
    return admitted;
  } catch (error) {
    if (error instanceof EntryAborted && waiting) {
      // Best effort: hosts stop seeing us at once rather than after 30 s.
      api.leaveLobby(slug).catch(() => undefined);
    }
    throw error;
  }
}

async function call(fn: () => Promise<JoinOut>): Promise<JoinOut> {
  try {
    return await fn();
  } catch (error) {
    throw toEntryError(error);
  }
}

function toEntryError(error: unknown): EntryError {
  if (error instanceof EntryError) return error;
  if (error instanceof ApiError) return new EntryError(error.code, error.message, error.retryAfter);
  return new EntryError('unknown', error instanceof Error ? error.message : String(error));
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new EntryAborted('Stopped waiting');
}

function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new EntryAborted('Stopped waiting'));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new EntryAborted('Stopped waiting'));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Whether an entry failure during a reconnection is final (stop trying) or
 * passing (try again with backoff): the meeting is gone or full, a host said
 * no, or the wait to be allowed again is long.
 */
export function isFinalEntryError(error: EntryError): boolean {
  switch (error.code) {
    case 'lobby_denied':
    case 'lobby_expired':
    case 'lobby_cancelled':
    case 'room_not_found':
    case 'room_full':
    case 'validation_failed':
      return true;
    case 'rate_limited':
      return (error.retryAfter ?? 0) > 60;
    default:
      return false;
  }
}
