/**
 * The client side of Visio's signaling WebSocket (docs/protocol.md): framing,
 * request/reply matching, keepalive, close codes and automatic reconnection.
 * It knows nothing about media or UI: it delivers typed server messages.
 */
import { DEFAULT_BACKOFF, reconnectDelay, type BackoffOptions } from './backoff';
import { Emitter, type Unsubscribe } from './emitter';
import { closeAction, closeErrorCode, JoinRefused, SignalingError, type CloseAction } from './errors';
import { browserSocketFactory, signalingUrl, type SocketFactory, type SocketLike } from './socket';
import {
  REPLY_TYPES,
  SERVER_MESSAGE_TYPES,
  type ClientMessageType,
  type ClientRequest,
  type Joined,
  type ReplyFor,
  type ServerMessage,
  type ServerMessageOf,
  type ServerMessageType,
} from './types';

/** The protocol version this client speaks. */
export const PROTOCOL_VERSION = 2;

/**
 * - `connecting`: the first connection is opening;
 * - `open`: connected (after an automatic reconnection: connected *and* joined again);
 * - `reconnecting`: the connection dropped; the client is opening a new one (with backoff);
 * - `closed`: not connected, and not trying (before `connect`, after `leave`/`close`,
 *   after a fatal close code, or when reconnection gave up).
 */
export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Reported on every close of the underlying socket. */
export interface CloseInfo {
  /** The WebSocket close code (1006 when the connection was lost). */
  code: number;
  reason: string;
  /** What the client does about it. */
  action: CloseAction;
  /** The error code it stands for (`room_full`, `room_not_found`, `idle_timeout`…); null after `leave`. */
  errorCode: string | null;
  /** True when the client is going to reconnect (and join again, as a new participant). */
  willReconnect: boolean;
}

/**
 * Events: one per server message type (`participant_joined`, `chat`,
 * `subscription_offer`…, replies included), plus `state` and `close`.
 *
 * Every server message is emitted, except an `error` that answers a pending
 * request: that one rejects the request instead. Messages of unknown types
 * are ignored (forward compatibility within a version).
 */
export type SignalingEvents = { [K in ServerMessageType]: ServerMessageOf<K> } & {
  state: ConnectionState;
  close: CloseInfo;
};

/** Options of {@link SignalingClient}. */
export interface SignalingClientOptions {
  /** The meeting code. */
  slug: string;
  /** Full WebSocket URL; default: the page's own server ({@link signalingUrl}). */
  url?: string;
  /** Opens sockets; default: the browser's WebSocket. */
  socketFactory?: SocketFactory;
  /** Pending requests fail with `request_timeout` after this long (default 10 000 ms). */
  requestTimeoutMs?: number;
  /** Reconnection backoff (defaults: 500 ms doubling up to 15 s, 50 % jitter). */
  backoff?: Partial<BackoffOptions>;
  /** Give up after this many failed reconnection attempts in a row (default 20, about 4 min). */
  maxReconnectAttempts?: number;
  /** Keepalive period before `joined` tells the server's idle timeout (default 20 000 ms). */
  keepaliveMs?: number;
  /** Random source of the backoff jitter (tests). */
  random?: () => number;
}

interface Pending {
  type: ClientMessageType;
  resolve: (message: ServerMessage) => void;
  reject: (error: SignalingError) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** One socket's life; events from a socket we gave up on are ignored. */
interface Connection {
  socket: SocketLike;
  open: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A parsed frame that is a server message of a type this client knows. */
function isServerMessage(value: unknown): value is ServerMessage {
  return isRecord(value) && typeof value.type === 'string' && SERVER_MESSAGE_TYPES.has(value.type);
}

/**
 * One participant's signaling connection.
 *
 * ```ts
 * const signaling = new SignalingClient({ slug: 'abcd-efgh-ijkl' });
 * signaling.on('participant_joined', ({ participant }) => …);
 * await signaling.connect();
 * const joined = await signaling.join(token, () => askForAnotherToken());
 * ```
 *
 * **Reconnection.** When the socket drops unexpectedly (any close but 1000
 * after `leave` and the fatal codes 4400, 4403, 4404, 4409, 4410, 1009), the
 * client gets a new join token from `renew` (tokens are single-use), opens a
 * new socket with backoff and sends `join` again. The server has no session
 * resumption: the new session is a **new participant with a new
 * `participant_id`**, announced by a new `joined` event; everything
 * media-related must be published and subscribed again.
 */
export class SignalingClient {
  private readonly emitter = new Emitter<SignalingEvents>();
  private readonly url: string;
  private readonly socketFactory: SocketFactory;
  private readonly requestTimeoutMs: number;
  private readonly backoff: BackoffOptions;
  private readonly maxReconnectAttempts: number;
  private readonly random: () => number;
  private readonly pending = new Map<string, Pending>();
  private conn: Connection | null = null;
  private currentState: ConnectionState = 'closed';
  private nextId = 1;
  /** Gets a fresh join token for each reconnection (null before `join`). */
  private renew: (() => Promise<string>) | null = null;
  /** Bumped by leave/close: a token that arrives for an older attempt is dropped. */
  private generation = 0;
  private selfId: string | null = null;
  private keepaliveMs: number;
  private keepaliveTimer: ReturnType<typeof setInterval> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private attempts = 0;
  /** Set by leave() and close(): the next close is expected. */
  private stopping = false;

  constructor(options: SignalingClientOptions) {
    this.url = options.url ?? signalingUrl(options.slug);
    this.socketFactory = options.socketFactory ?? browserSocketFactory;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.maxReconnectAttempts = options.maxReconnectAttempts ?? 20;
    this.keepaliveMs = options.keepaliveMs ?? 20_000;
    this.random = options.random ?? Math.random;
  }

  /** The connection state; changes are emitted as `state` events. */
  get state(): ConnectionState {
    return this.currentState;
  }

  /** This session's participant id (it changes after a reconnection), or null before `joined`. */
  get participantId(): string | null {
    return this.selfId;
  }

  /** Listens to an event until the returned function is called. */
  on<K extends keyof SignalingEvents>(
    type: K,
    listener: (payload: SignalingEvents[K]) => void,
  ): Unsubscribe {
    return this.emitter.on(type, listener);
  }

  /**
   * Opens the connection. Resolves once the socket is open; rejects with a
   * {@link SignalingError} (code from the close, e.g. `connection_closed`)
   * when it closes before opening. A failed first connection is not retried:
   * the caller decides.
   */
  connect(): Promise<void> {
    if (this.conn !== null) return Promise.reject(new SignalingError('already_connected', 'connect() was already called'));
    this.stopping = false;
    this.setState('connecting');
    return new Promise((resolve, reject) => {
      this.openSocket({
        onOpen: () => {
          this.setState('open');
          resolve();
        },
        onFailed: (code, reason) => {
          this.setState('closed');
          reject(new SignalingError(closeErrorCode(code, reason), `Could not connect (close ${code})`));
        },
      });
    });
  }

  /**
   * Joins the meeting with a join token (`POST /api/v1/rooms/{slug}/join`).
   * The reply (also emitted as a `joined` event) is the meeting snapshot.
   * Rejects with the server's error (`join_token_invalid`, `room_full`,
   * `media_unavailable`…).
   *
   * `renew` gives the token of each reconnection (tokens are single-use and
   * short-lived). A {@link JoinRefused} from it ends the reconnection with
   * its code; any other rejection counts as a failed attempt and is retried
   * with backoff. Without `renew` the client reconnects but does not join.
   */
  async join(token: string, renew?: () => Promise<string>): Promise<Joined> {
    this.renew = renew ?? null;
    return this.request({ type: 'join', protocol_version: PROTOCOL_VERSION, token });
  }

  /**
   * Sends `message` with a fresh request id (`r1`, `r2`, …) and resolves with
   * its reply: the specific reply (`joined`, `published`, `pong`,
   * `subscription_offer`) or `ack`. Rejects with a {@link SignalingError}
   * carrying the server's code on `error`, or `request_timeout`,
   * `connection_closed`, `not_connected`, `unexpected_reply`.
   */
  request<T extends ClientRequest>(message: T): Promise<ReplyFor<T['type']>> {
    const conn = this.conn;
    if (conn === null || !conn.open) {
      return Promise.reject(new SignalingError('not_connected', `Cannot send ${message.type}: not connected`));
    }
    const id = `r${this.nextId++}`;
    return new Promise<ReplyFor<T['type']>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new SignalingError('request_timeout', `No reply to ${message.type} (${id})`));
      }, this.requestTimeoutMs);
      this.pending.set(id, {
        type: message.type,
        // The reply's type was checked against REPLY_TYPES[type] before resolving.
        resolve: (reply) => resolve(reply as ReplyFor<T['type']>),
        reject,
        timer,
      });
      conn.socket.send(JSON.stringify({ ...message, id }));
    });
  }

  /**
   * Sends `message` without a request id (its failure, if any, comes as an
   * `error` event). Returns false, sending nothing, when not connected: used
   * for ICE candidates, which are worthless on another connection anyway.
   */
  send(message: ClientRequest): boolean {
    const conn = this.conn;
    if (conn === null || !conn.open) return false;
    conn.socket.send(JSON.stringify(message));
    return true;
  }

  /**
   * Leaves the meeting: sends `leave`, waits for its `ack` (3 s at most), then
   * closes. Never rejects. No reconnection follows.
   */
  async leave(): Promise<void> {
    this.stopping = true;
    this.clearReconnect();
    if (this.conn?.open && this.selfId !== null) {
      try {
        await Promise.race([
          this.request({ type: 'leave' }),
          new Promise((resolve) => setTimeout(resolve, 3_000)),
        ]);
      } catch {
        // Leaving anyway: the server sees the socket close.
      }
    }
    this.close();
  }

  /** Closes at once without `leave` (others see `disconnected`). No reconnection follows. */
  close(): void {
    this.stopping = true;
    this.generation += 1;
    this.clearReconnect();
    const conn = this.conn;
    this.conn = null;
    this.stopKeepalive();
    conn?.socket.close(1000, 'left');
    this.rejectPending('connection_closed', 'The connection was closed');
    this.selfId = null;
    this.setState('closed');
  }

  /**
   * Drops the current connection and reconnects as after a network loss
   * (used when the media connections failed and only a new session can
   * recover). Does nothing unless the client is open or reconnecting.
   */
  reconnect(): void {
    if (this.stopping || this.currentState === 'closed' || this.currentState === 'connecting') return;
    if (this.currentState === 'reconnecting' && this.conn === null) return;
    this.abandon(4000, 'reconnecting');
  }

  // --- sockets -------------------------------------------------------------------

  private openSocket(callbacks: {
    onOpen: () => void;
    onFailed: (code: number, reason: string) => void;
  }): void {
    let conn: Connection | null = null;
    const current = () => conn !== null && this.conn === conn;
    const socket = this.socketFactory(this.url, {
      onOpen: () => {
        if (!current() || conn === null) return;
        conn.open = true;
        this.startKeepalive();
        callbacks.onOpen();
      },
      onMessage: (data) => {
        if (current()) this.onFrame(data);
      },
      onClose: (code, reason) => {
        if (!current() || conn === null) return;
        const wasOpen = conn.open;
        this.conn = null;
        this.stopKeepalive();
        if (wasOpen) this.onDropped(code, reason);
        else callbacks.onFailed(code, reason);
      },
    });
    conn = { socket, open: false };
    this.conn = conn;
  }

  /** Gives up on the current socket (dead or useless) and handles it as a drop. */
  private abandon(code: number, reason: string): void {
    const conn = this.conn;
    if (conn === null) return;
    this.conn = null;
    this.stopKeepalive();
    conn.socket.close(code, reason);
    this.onDropped(1006, reason);
  }

  /**
   * The socket is gone (or a reconnection could not even open one). `refused`:
   * the token source refused for good, whatever the close code says.
   */
  private onDropped(code: number, reason: string, refused: string | null = null): void {
    const errorCode = refused ?? closeErrorCode(code, reason);
    this.rejectPending(errorCode, `The connection closed (${code}${reason ? ` ${reason}` : ''})`);
    this.selfId = null;
    const action: CloseAction = this.stopping ? 'done' : refused !== null ? 'fatal' : closeAction(code);
    const willReconnect = action === 'reconnect' && this.attempts < this.maxReconnectAttempts;
    this.emitter.emit('close', {
      code,
      reason,
      action,
      errorCode: this.stopping ? null : errorCode,
      willReconnect,
    });
    if (willReconnect) this.scheduleReconnect();
    else this.setState('closed');
  }

  private scheduleReconnect(): void {
    this.setState('reconnecting');
    const delay = reconnectDelay(this.attempts, this.backoff, this.random);
    this.attempts += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      void this.reopen();
    }, delay);
  }

  /** One reconnection attempt: a new token first (before the socket: it lives 60 s), then a socket. */
  private async reopen(): Promise<void> {
    const generation = this.generation;
    let token: string | null = null;
    if (this.renew !== null) {
      try {
        token = await this.renew();
      } catch (error) {
        if (this.stopping || generation !== this.generation) return;
        if (error instanceof JoinRefused) {
          this.onDropped(1006, error.code, error.code);
        } else {
          const code = error instanceof SignalingError ? error.code : 'join_failed';
          console.warn(`visio: no join token for the reconnection (${code}); trying again`);
          this.onDropped(1006, 'no_token');
        }
        return;
      }
      if (this.stopping || generation !== this.generation) return;
    }
    this.openSocket({
      onOpen: () => void this.rejoin(token),
      onFailed: (code, reason) => this.onDropped(code, reason),
    });
  }

  /** On a reconnected socket: join again, as a new participant. */
  private async rejoin(token: string | null): Promise<void> {
    if (token === null) {
      this.attempts = 0;
      this.setState('open');
      return;
    }
    try {
      await this.join(token, this.renew ?? undefined);
      this.attempts = 0;
      this.setState('open');
    } catch (error) {
      // A refused join that closes the socket (room_full…) is handled by the
      // close; one that leaves it open (media_unavailable…) is retried later.
      if (this.conn?.open) this.abandon(4000, error instanceof SignalingError ? error.code : 'join_failed');
    }
  }

  private clearReconnect(): void {
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    this.attempts = 0;
  }

  // --- messages --------------------------------------------------------------------

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') return; // the server sends text frames only
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      console.warn('visio: ignored a signaling frame that is not JSON');
      return;
    }
    if (!isServerMessage(parsed)) return; // unknown type: a newer server, ignore
    const message = parsed;
    if (message.type === 'joined') {
      this.selfId = message.participant_id;
      this.keepaliveMs = (message.limits.idle_timeout_seconds * 1000) / 3;
      this.startKeepalive();
    }
    const replyTo = 'reply_to' in message ? message.reply_to : null;
    const pending = replyTo === null ? undefined : this.pending.get(replyTo);
    if (pending === undefined || replyTo === null) {
      this.emitMessage(message);
      return;
    }
    this.pending.delete(replyTo);
    clearTimeout(pending.timer);
    if (message.type === 'error') {
      pending.reject(new SignalingError(message.code, message.message, message.details));
      return;
    }
    this.emitMessage(message);
    if ((REPLY_TYPES[pending.type] as readonly string[]).includes(message.type)) {
      pending.resolve(message);
    } else {
      pending.reject(
        new SignalingError('unexpected_reply', `${message.type} does not answer ${pending.type}`),
      );
    }
  }

  private emitMessage(message: ServerMessage): void {
    // TypeScript cannot correlate `message.type` with the payload type of the
    // union here; the event map is built from the same union, so it holds.
    this.emitter.emit(message.type, message as never);
  }

  private rejectPending(code: string, text: string): void {
    const all = [...this.pending.values()];
    this.pending.clear();
    for (const pending of all) {
      clearTimeout(pending.timer);
      pending.reject(new SignalingError(code, text));
    }
  }

  // --- keepalive --------------------------------------------------------------------

  /**
   * A `ping` every third of the server's idle timeout keeps the connection
   * alive (WebSocket-level pings do not count) and detects a dead one: a
   * ping without `pong` drops the socket and reconnects.
   */
  private startKeepalive(): void {
    this.stopKeepalive();
    this.keepaliveTimer = setInterval(() => {
      this.request({ type: 'ping' }).catch((error: unknown) => {
        if (error instanceof SignalingError && error.code === 'request_timeout') {
          this.abandon(4000, 'ping_timeout');
        }
      });
    }, this.keepaliveMs);
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer !== null) clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }

  private setState(state: ConnectionState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    this.emitter.emit('state', state);
  }
}
