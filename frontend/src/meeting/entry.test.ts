import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { admitted, FakeEntryApi, lobbyAnswer } from '../test/fakeEntry';
import { enter, EntryAborted, EntryError, isFinalEntryError, type LobbyWait } from './entry';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

function start(api: FakeEntryApi, signal?: AbortSignal) {
  const waits: LobbyWait[] = [];
  const entering = enter({ api, slug: 'abcd-efgh-ijkl', displayName: 'Bob', onWaiting: (w) => waits.push(w), ...(signal ? { signal } : {}) });
  // Keep rejections observed until the test awaits them.
  entering.catch(() => undefined);
  return { entering, waits };
}

describe('enter', () => {
  it('gets a token at once when the meeting lets us in', async () => {
    const api = new FakeEntryApi();
    api.joinAnswers.push(admitted('t1', 'guest'));
    await expect(start(api).entering).resolves.toEqual({ token: 't1', role: 'guest' });
    expect(api.requestJoin).toHaveBeenCalledWith('abcd-efgh-ijkl', 'Bob', { sharedMicrophone: false });
    expect(api.lobbyStatus).not.toHaveBeenCalled();
  });

  it('waits in the lobby, polling about every second, until admitted with a fresh token', async () => {
    const api = new FakeEntryApi();
    api.joinAnswers.push(lobbyAnswer('waiting'));
    api.lobbyAnswers.push(lobbyAnswer('waiting'), lobbyAnswer('waiting'), admitted('t-lobby', 'guest'));
    const { entering, waits } = start(api);
    await vi.advanceTimersByTimeAsync(0);
    expect(waits).toEqual([{ requestId: 'req-1', expiresAt: '2025-03-14T09:40:00Z' }]);
    await vi.advanceTimersByTimeAsync(999);
    expect(api.lobbyStatus).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(api.lobbyStatus).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(entering).resolves.toEqual({ token: 't-lobby', role: 'guest' });
    expect(api.lobbyStatus).toHaveBeenCalledTimes(3);
  });

  it.each([
    ['denied', 'lobby_denied'],
    ['expired', 'lobby_expired'],
    ['cancelled', 'lobby_cancelled'],
  ] as const)('reports a %s request as %s', async (status, code) => {
    const api = new FakeEntryApi();
    api.joinAnswers.push(lobbyAnswer('waiting'));
    api.lobbyAnswers.push(lobbyAnswer(status));
    const { entering } = start(api);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(entering).rejects.toMatchObject({ name: 'EntryError', code });
    expect(api.leaveLobby).not.toHaveBeenCalled();
  });

  it('withdraws the request when aborted while waiting', async () => {
    const api = new FakeEntryApi();
    api.joinAnswers.push(lobbyAnswer('waiting'));
    const abort = new AbortController();
    const { entering } = start(api, abort.signal);
    await vi.advanceTimersByTimeAsync(1_500);
    abort.abort();
    await expect(entering).rejects.toBeInstanceOf(EntryAborted);
    expect(api.leaveLobby).toHaveBeenCalledWith('abcd-efgh-ijkl');
    const polls = api.lobbyStatus.mock.calls.length;
    await vi.advanceTimersByTimeAsync(10_000);
    expect(api.lobbyStatus).toHaveBeenCalledTimes(polls);
  });

  it('reports the refusals of POST /join with their wait', async () => {
    const api = new FakeEntryApi();
    api.joinAnswers.push(new ApiError(429, 'rate_limited', 'Too many requests', { retry_after: 42 }, 42));
    await expect(start(api).entering).rejects.toMatchObject({ code: 'rate_limited', retryAfter: 42 });
    api.joinAnswers.push(new ApiError(409, 'room_full', 'The meeting is full'));
    await expect(start(api).entering).rejects.toMatchObject({ code: 'room_full' });
  });

  it('keeps waiting through a slow-down, a network error and a request the server forgot', async () => {
    const api = new FakeEntryApi();
    api.joinAnswers.push(lobbyAnswer('waiting'), lobbyAnswer('waiting'));
    api.lobbyAnswers.push(
      new ApiError(429, 'rate_limited', 'Slow down', null, 5),
      new ApiError(0, 'network_error', 'offline'),
      new ApiError(404, 'lobby_request_not_found', 'No request'),
      admitted('t2'),
    );
    const { entering } = start(api);
    await vi.advanceTimersByTimeAsync(1_000); // 429: waits 5 s
    expect(api.lobbyStatus).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(4_999);
    expect(api.lobbyStatus).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1_001); // network error, then
    await vi.advanceTimersByTimeAsync(1_000); // not found: asks again
    expect(api.requestJoin).toHaveBeenCalledTimes(2);
    await vi.advanceTimersByTimeAsync(1_000);
    await expect(entering).resolves.toMatchObject({ token: 't2' });
  });
});

describe('isFinalEntryError', () => {
  it('stops on refusals and long waits, retries passing trouble', () => {
    expect(isFinalEntryError(new EntryError('lobby_denied', ''))).toBe(true);
    expect(isFinalEntryError(new EntryError('room_not_found', ''))).toBe(true);
    expect(isFinalEntryError(new EntryError('rate_limited', '', 3600))).toBe(true);
    expect(isFinalEntryError(new EntryError('rate_limited', '', 5))).toBe(false);
    expect(isFinalEntryError(new EntryError('network_error', ''))).toBe(false);
  });
});
