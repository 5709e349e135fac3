import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakeSocketServer, type FakeSocket } from '../test/fakeSocket';
import { joined, participant } from '../test/messages';
import { reconnectDelay } from './backoff';
import { JoinRefused, SignalingError } from './errors';
import { SignalingClient, type ConnectionState, type SignalingClientOptions } from './SignalingClient';
import { signalingUrl } from './socket';

const NO_JITTER = { initialDelayMs: 500, maxDelayMs: 8_000, factor: 2, jitter: 0 };

function setup(options: Partial<SignalingClientOptions> = {}) {
  const server = new FakeSocketServer();
  const client = new SignalingClient({
    slug: 'abcd-efgh-ijkl',
    url: 'ws://visio.test/api/v1/rooms/abcd-efgh-ijkl/ws',
    socketFactory: server.factory,
    backoff: NO_JITTER,
    ...options,
  });
  const states: ConnectionState[] = [];
  client.on('state', (state) => states.push(state));
  return { server, client, states };
}

/** Join tokens for reconnections: tok2, tok3… */
function tokens() {
  let n = 1;
  return vi.fn(async () => `tok${++n}`);
}

/** Connects and joins as `selfId` with token tok1, answering the join like the server. */
async function joinAs(
  client: SignalingClient,
  server: FakeSocketServer,
  selfId = 'self1',
  renew: () => Promise<string> = tokens(),
) {
  const connected = client.connect();
  server.current.open();
  await connected;
  const joining = client.join('tok1', renew);
  server.current.receive(joined(selfId, { reply_to: String(server.current.last().id) }));
  return joining;
}

function lastId(socket: FakeSocket): string {
  return String(socket.last().id);
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('signalingUrl', () => {
  it('uses wss for https pages and ws otherwise', () => {
    expect(signalingUrl('abcd-efgh-ijkl', { protocol: 'https:', host: 'meet.example.org' })).toBe(
      'wss://meet.example.org/api/v1/rooms/abcd-efgh-ijkl/ws',
    );
    expect(signalingUrl('abcd', { protocol: 'http:', host: '127.0.0.1:5173' })).toBe(
      'ws://127.0.0.1:5173/api/v1/rooms/abcd/ws',
    );
  });
});

describe('SignalingClient requests', () => {
  it('matches each reply to its request by reply_to', async () => {
    const { server, client } = setup();
    const snapshot = await joinAs(client, server);
    expect(snapshot.participant_id).toBe('self1');
    expect(server.current.sentOfType('join')[0]).toMatchObject({
      type: 'join',
      protocol_version: 2,
      token: 'tok1',
    });

    const first = client.request({ type: 'ping' });
    const firstId = lastId(server.current);
    const second = client.request({ type: 'subscribe', streams: [] });
    const secondId = lastId(server.current);
    expect(firstId).not.toBe(secondId);

    // An event between a request and its reply changes nothing.
    server.current.receive({ type: 'speaking', participant_id: 'x', speaking: true });
    server.current.receive({ type: 'ack', reply_to: secondId });
    server.current.receive({ type: 'pong', reply_to: firstId });
    await expect(first).resolves.toEqual({ type: 'pong', reply_to: firstId });
    await expect(second).resolves.toEqual({ type: 'ack', reply_to: secondId });
  });

  it('resolves requests without a specific reply on ack', async () => {
    const { server, client } = setup();
    await joinAs(client, server);
    const mute = client.request({ type: 'mute', source: 'microphone', muted: true });
    expect(server.current.last()).toMatchObject({ type: 'mute', source: 'microphone', muted: true });
    server.current.receive({ type: 'ack', reply_to: lastId(server.current) });
    await expect(mute).resolves.toMatchObject({ type: 'ack' });
  });

  it('rejects with a SignalingError on error, without emitting it', async () => {
    const { server, client } = setup();
    await joinAs(client, server);
    const errors = vi.fn();
    client.on('error', errors);
    const chat = client.request({ type: 'chat', text: 'hi' });
    server.current.receive({
      type: 'error',
      reply_to: lastId(server.current),
      code: 'rate_limited',
      message: 'Too many messages',
      details: null,
    });
    const error = await chat.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SignalingError);
    expect(error).toMatchObject({ code: 'rate_limited', message: 'Too many messages' });
    expect(errors).not.toHaveBeenCalled();
  });

  it('ignores a reply to an unknown request and emits errors nobody waits for', async () => {
    const { server, client } = setup();
    await joinAs(client, server);
    const errors = vi.fn();
    client.on('error', errors);
    const ping = client.request({ type: 'ping' });
    const settled = vi.fn();
    ping.then(settled, settled);
    server.current.receive({ type: 'ack', reply_to: 'r999' });
    server.current.receive({ type: 'pong', reply_to: 'nope' });
    server.current.receive({
      type: 'error',
      reply_to: null,
      code: 'malformed_message',
      message: 'bad frame',
      details: null,
    });
    await Promise.resolve();
    expect(settled).not.toHaveBeenCalled();
    expect(errors).toHaveBeenCalledWith(expect.objectContaining({ code: 'malformed_message' }));
    server.current.receive({ type: 'pong', reply_to: lastId(server.current) });
    await expect(ping).resolves.toMatchObject({ type: 'pong' });
  });

  it('rejects a reply of the wrong type as unexpected_reply', async () => {
    const { server, client } = setup();
    await joinAs(client, server);
    const ping = client.request({ type: 'ping' });
    server.current.receive({ type: 'ack', reply_to: lastId(server.current) });
    await expect(ping).rejects.toMatchObject({ code: 'unexpected_reply' });
  });

  it('times pending requests out', async () => {
    const { server, client } = setup({ requestTimeoutMs: 10_000 });
    await joinAs(client, server);
    const ping = client.request({ type: 'ping' });
    const outcome = ping.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(10_001);
    await expect(outcome).resolves.toMatchObject({ code: 'request_timeout' });
  });

  it('refuses requests while not connected', async () => {
    const { client } = setup();
    await expect(client.request({ type: 'ping' })).rejects.toMatchObject({ code: 'not_connected' });
    expect(client.send({ type: 'trickle', role: 'publisher', candidate: null })).toBe(false);
  });

  it('emits server events by type and ignores unknown types and bad frames', async () => {
    const { server, client } = setup();
    await joinAs(client, server);
    const joinedEvents = vi.fn();
    const left = vi.fn();
    client.on('participant_joined', joinedEvents);
    client.on('participant_left', left);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    server.current.receive({ type: 'participant_joined', participant: participant('bob') });
    server.current.receive({ type: 'from_the_future', x: 1 });
    server.current.receiveRaw('not json');
    server.current.receiveRaw(new Uint8Array([1, 2]));
    server.current.receive({ type: 'participant_left', participant_id: 'bob', reason: 'left' });
    expect(joinedEvents).toHaveBeenCalledWith(
      expect.objectContaining({ participant: expect.objectContaining({ id: 'bob' }) }),
    );
    expect(left).toHaveBeenCalledWith({ type: 'participant_left', participant_id: 'bob', reason: 'left' });
    expect(warn).toHaveBeenCalledTimes(1);
  });
});

describe('SignalingClient keepalive', () => {
  it('pings every third of the idle timeout announced in joined', async () => {
    const { server, client } = setup();
    const connected = client.connect();
    server.current.open();
    await connected;
    const joining = client.join('tok1');
    server.current.receive(
      joined('self1', {
        reply_to: lastId(server.current),
        limits: { ...joined('x').limits, idle_timeout_seconds: 30 },
      }),
    );
    await joining;
    await vi.advanceTimersByTimeAsync(9_999);
    expect(server.current.sentOfType('ping')).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.current.sentOfType('ping')).toHaveLength(1);
    server.current.receive({ type: 'pong', reply_to: lastId(server.current) });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(server.current.sentOfType('ping')).toHaveLength(2);
  });

  it('pings every 20 s before joining', async () => {
    const { server, client } = setup();
    const connected = client.connect();
    server.current.open();
    await connected;
    await vi.advanceTimersByTimeAsync(20_000);
    expect(server.current.sentOfType('ping')).toHaveLength(1);
  });

  it('reconnects when a ping gets no pong', async () => {
    const { server, client, states } = setup({ requestTimeoutMs: 5_000 });
    await joinAs(client, server);
    await vi.advanceTimersByTimeAsync(20_000 + 5_000);
    expect(server.sockets[0]?.closedWith).not.toBeNull();
    expect(states).toContain('reconnecting');
  });
});

describe('SignalingClient reconnection', () => {
  it('reconnects with backoff and joins again as a new participant, with a new token', async () => {
    const { server, client, states } = setup();
    const renew = tokens();
    await joinAs(client, server, 'self1', renew);
    const joinedEvents = vi.fn();
    client.on('joined', joinedEvents);
    const closes = vi.fn();
    client.on('close', closes);

    server.current.drop(1006);
    expect(client.state).toBe('reconnecting');
    expect(client.participantId).toBeNull();
    expect(closes).toHaveBeenCalledWith(expect.objectContaining({ code: 1006, willReconnect: true }));

    // Attempt 1 after 500 ms fails before opening; attempt 2 waits 1 s.
    await vi.advanceTimersByTimeAsync(499);
    expect(server.sockets).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sockets).toHaveLength(2);
    server.current.drop(1006);
    await vi.advanceTimersByTimeAsync(999);
    expect(server.sockets).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(server.sockets).toHaveLength(3);

    server.current.open();
    // One token per attempt: tokens are single-use.
    expect(renew).toHaveBeenCalledTimes(2);
    expect(server.current.last()).toMatchObject({ type: 'join', token: 'tok3' });
    expect(client.state).toBe('reconnecting');
    server.current.receive(joined('self2', { reply_to: lastId(server.current) }));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.state).toBe('open');
    expect(client.participantId).toBe('self2');
    expect(joinedEvents).toHaveBeenCalledWith(expect.objectContaining({ participant_id: 'self2' }));
    expect(states).toEqual(['connecting', 'open', 'reconnecting', 'open']);

    // After success the backoff starts again from the first delay.
    server.current.drop(1012);
    await vi.advanceTimersByTimeAsync(500);
    expect(server.sockets).toHaveLength(4);
  });

  it('rejects pending requests when the connection drops', async () => {
    const { server, client } = setup();
    await joinAs(client, server);
    const ping = client.request({ type: 'ping' });
    server.current.drop(1006);
    await expect(ping).rejects.toMatchObject({ code: 'connection_closed' });
  });

  it.each([
    [4404, 'room_not_found'],
    [4409, 'room_full'],
    [4400, 'unsupported_protocol'],
    [1009, 'message_too_large'],
    [4403, 'removed'],
    [4410, 'meeting_ended'],
  ])('does not reconnect after close %i', async (code, errorCode) => {
    const { server, client } = setup();
    await joinAs(client, server);
    const closes = vi.fn();
    client.on('close', closes);
    server.current.drop(code, code === 1009 ? '' : errorCode);
    expect(client.state).toBe('closed');
    expect(closes).toHaveBeenCalledWith(
      expect.objectContaining({ code, action: 'fatal', errorCode, willReconnect: false }),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets).toHaveLength(1);
  });

  it('reports room_not_found to the pending join', async () => {
    const { server, client } = setup();
    const connected = client.connect();
    server.current.open();
    await connected;
    const joining = client.join('tok1');
    server.current.receive({
      type: 'error',
      reply_to: null,
      code: 'room_not_found',
      message: 'No such meeting',
      details: null,
    });
    server.current.drop(4404, 'room_not_found');
    await expect(joining).rejects.toMatchObject({ code: 'room_not_found' });
    expect(client.state).toBe('closed');
  });

  it('rejects connect when the first connection fails, without retrying', async () => {
    const { server, client } = setup();
    const connected = client.connect();
    server.current.drop(1006);
    await expect(connected).rejects.toBeInstanceOf(SignalingError);
    expect(client.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets).toHaveLength(1);
  });

  it('does not reconnect after leave', async () => {
    const { server, client } = setup();
    await joinAs(client, server);
    const leaving = client.leave();
    expect(server.current.last()).toMatchObject({ type: 'leave' });
    server.current.receive({ type: 'ack', reply_to: lastId(server.current) });
    server.current.drop(1000, 'left');
    await leaving;
    expect(client.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets).toHaveLength(1);
  });

  it('gives up after maxReconnectAttempts failed attempts', async () => {
    const { server, client } = setup({ maxReconnectAttempts: 2 });
    await joinAs(client, server);
    server.current.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    server.current.drop(1006);
    await vi.advanceTimersByTimeAsync(1_000);
    server.current.drop(1006);
    expect(client.state).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets).toHaveLength(3);
  });

  it('retries a join refused on a reconnected socket', async () => {
    const { server, client } = setup();
    await joinAs(client, server);
    server.current.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    server.current.open();
    server.current.receive({
      type: 'error',
      reply_to: lastId(server.current),
      code: 'media_unavailable',
      message: 'SFU restarting',
      details: null,
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(server.sockets[1]?.closedWith).not.toBeNull();
    expect(client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.sockets).toHaveLength(3);
  });
});

describe('SignalingClient join tokens', () => {
  it('asks for a new token after 4401 (token refused) and reconnects', async () => {
    const { server, client } = setup();
    const renew = tokens();
    await joinAs(client, server, 'self1', renew);
    server.current.drop(4401, 'join_token_expired');
    expect(client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(500);
    server.current.open();
    expect(server.current.last()).toMatchObject({ type: 'join', token: 'tok2' });
  });

  it('gets the token before opening the socket, and retries when it cannot', async () => {
    const { server, client } = setup();
    let calls = 0;
    const renew = vi.fn(async () => {
      calls += 1;
      if (calls === 1) throw new SignalingError('network_error', 'offline');
      return 'tok-ok';
    });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    await joinAs(client, server, 'self1', renew);
    server.current.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    // No token, no socket: the attempt counts as failed and waits 1 s.
    expect(server.sockets).toHaveLength(1);
    expect(client.state).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(server.sockets).toHaveLength(2);
    server.current.open();
    expect(server.current.last()).toMatchObject({ type: 'join', token: 'tok-ok' });
  });

  it('stops reconnecting when the token source refuses for good', async () => {
    const { server, client } = setup();
    const closes = vi.fn();
    const renew = vi.fn(async (): Promise<string> => {
      throw new JoinRefused('lobby_denied', 'A host said no');
    });
    await joinAs(client, server, 'self1', renew);
    client.on('close', closes);
    server.current.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(client.state).toBe('closed');
    expect(closes).toHaveBeenLastCalledWith(
      expect.objectContaining({ action: 'fatal', errorCode: 'lobby_denied', willReconnect: false }),
    );
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets).toHaveLength(1);
  });

  it('drops a token that arrives after leave', async () => {
    const { server, client } = setup();
    let release: (token: string) => void = () => undefined;
    const renew = vi.fn(() => new Promise<string>((resolve) => (release = resolve)));
    await joinAs(client, server, 'self1', renew);
    server.current.drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(renew).toHaveBeenCalledTimes(1);
    client.close();
    release('late');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(server.sockets).toHaveLength(1);
    expect(client.state).toBe('closed');
  });
});

describe('reconnectDelay', () => {
  it('grows exponentially up to the maximum, with jitter below the base', () => {
    const options = { initialDelayMs: 500, maxDelayMs: 15_000, factor: 2, jitter: 0.5 };
    expect([0, 1, 2, 3, 10].map((n) => reconnectDelay(n, options, () => 1))).toEqual([
      500, 1000, 2000, 4000, 15000,
    ]);
    expect(reconnectDelay(0, options, () => 0)).toBe(250);
  });
});
