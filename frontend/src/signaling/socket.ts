/**
 * The thin seam between the signaling client and the WebSocket, so that tests
 * drive the client with a fake socket and the client never touches the DOM
 * `WebSocket` type directly.
 */

/** What a socket reports to the signaling client. */
export interface SocketHandlers {
  onOpen(): void;
  /** A text frame (string) or a binary one (anything else: ignored). */
  onMessage(data: unknown): void;
  /** The socket closed (for a failed connection too: browsers report 1006). */
  onClose(code: number, reason: string): void;
}

/** An open or opening socket. */
export interface SocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** Opens a socket to `url` that reports to `handlers`. */
export type SocketFactory = (url: string, handlers: SocketHandlers) => SocketLike;

/** The browser's WebSocket. */
export const browserSocketFactory: SocketFactory = (url, handlers) => {
  const ws = new WebSocket(url);
  ws.onopen = () => handlers.onOpen();
  ws.onmessage = (event: MessageEvent<unknown>) => handlers.onMessage(event.data);
  ws.onclose = (event: CloseEvent) => handlers.onClose(event.code, event.reason);
  return {
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  };
};

/** Where the page's location is (only these fields are read). */
export interface LocationLike {
  protocol: string;
  host: string;
}

/**
 * The signaling URL of meeting `slug` on the page's own server:
 * `wss://host/api/v1/rooms/{slug}/ws` for an https page, `ws://` otherwise.
 */
export function signalingUrl(slug: string, where: LocationLike = window.location): string {
  const scheme = where.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${where.host}/api/v1/rooms/${encodeURIComponent(slug)}/ws`;
}
