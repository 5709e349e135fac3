/** A scripted WebSocket for signaling tests: the test plays the server. */
import type { SocketFactory, SocketHandlers, SocketLike } from '../signaling/socket';

/** Plays the server: the reply to a client message, or null for none. */
export type Responder = (message: Record<string, unknown>) => object | null;

export class FakeSocket implements SocketLike {
  readonly sent: Record<string, unknown>[] = [];
  closedWith: { code: number | undefined; reason: string | undefined } | null = null;

  constructor(
    readonly url: string,
    private readonly handlers: SocketHandlers,
    private readonly responder: Responder | null = null,
  ) {}

  send(data: string): void {
    const message = JSON.parse(data) as Record<string, unknown>;
    this.sent.push(message);
    const reply = this.responder?.(message) ?? null;
    // Like a real server: the reply comes later, not inside send().
    if (reply !== null) queueMicrotask(() => this.receive(reply));
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
  }

  /** The server accepts the connection. */
  open(): void {
    this.handlers.onOpen();
  }

  /** The server sends one message. */
  receive(message: object): void {
    this.handlers.onMessage(JSON.stringify(message));
  }

  /** The server sends a raw frame. */
  receiveRaw(data: unknown): void {
    this.handlers.onMessage(data);
  }

  /** The connection closes (server close frame, or 1006 for a lost connection). */
  drop(code = 1006, reason = ''): void {
    this.handlers.onClose(code, reason);
  }

  /** The last message the client sent. */
  last(): Record<string, unknown> {
    const message = this.sent.at(-1);
    if (message === undefined) throw new Error('nothing was sent');
    return message;
  }

  /** Messages of one type the client sent. */
  sentOfType(type: string): Record<string, unknown>[] {
    return this.sent.filter((m) => m.type === type);
  }
}

/** Records every socket the client opens. */
export class FakeSocketServer {
  readonly sockets: FakeSocket[] = [];

  constructor(private readonly responder: Responder | null = null) {}

  readonly factory: SocketFactory = (url, handlers) => {
    const socket = new FakeSocket(url, handlers, this.responder);
    this.sockets.push(socket);
    return socket;
  };

  get current(): FakeSocket {
    const socket = this.sockets.at(-1);
    if (socket === undefined) throw new Error('no socket was opened');
    return socket;
  }
}
