import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../api/client';
import { bob, joinMeeting, setup } from '../test/controllerSetup';
import { admitted, FakeEntryApi, lobbyAnswer } from '../test/fakeEntry';
import { FakePeerConnection } from '../test/fakePeerConnection';
import { lobbyRequest, participant } from '../test/messages';

beforeEach(() => {
  vi.useFakeTimers();
  FakePeerConnection.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

const host = () => ({ role: 'owner' as const, lobby: [] });

describe('MeetingController: entering', () => {
  it('joins the socket with the token POST /join gave', async () => {
    const s = setup();
    await joinMeeting(s);
    expect(s.entry.requestJoin).toHaveBeenCalledWith('abcd-efgh-ijkl', 'Alice', { sharedMicrophone: false });
    expect(s.socket().sentOfType('join')[0]).toMatchObject({ protocol_version: 2, token: 'tok1' });
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'joined', role: 'participant', waiting: null });
  });

  it('waits in the lobby (status waiting, no socket), then joins once admitted', async () => {
    const entry = new FakeEntryApi();
    entry.joinAnswers.push(lobbyAnswer('waiting'));
    entry.lobbyAnswers.push(lobbyAnswer('waiting'), admitted('tok-admitted', 'guest'));
    const s = setup(undefined, undefined, entry);
    const joining = s.controller.join('Bob', { microphone: false, camera: false });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.controller.getSnapshot()).toMatchObject({
      status: 'waiting',
      waiting: { requestId: 'req-1' },
    });
    expect(s.server.sockets).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'connecting', waiting: null });
    s.socket().open();
    await joining;
    await vi.advanceTimersByTimeAsync(0);
    expect(s.socket().sentOfType('join')[0]).toMatchObject({ token: 'tok-admitted' });
    expect(s.controller.getSnapshot().status).toBe('joined');
  });

  it.each([
    ['denied', 'lobby_denied'],
    ['expired', 'lobby_expired'],
  ] as const)('fails with %s when a host refuses or nobody answers', async (status, code) => {
    const entry = new FakeEntryApi();
    entry.joinAnswers.push(lobbyAnswer('waiting'));
    entry.lobbyAnswers.push(lobbyAnswer(status));
    const s = setup(undefined, undefined, entry);
    const joining = s.controller.join('Bob', { microphone: true, camera: true });
    await vi.advanceTimersByTimeAsync(1_000);
    await joining;
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'failed', error: { code }, waiting: null });
    expect(s.server.sockets).toHaveLength(0);
  });

  it('withdraws the lobby request on leave', async () => {
    const entry = new FakeEntryApi();
    entry.joinAnswers.push(lobbyAnswer('waiting'));
    const s = setup(undefined, undefined, entry);
    const joining = s.controller.join('Bob', { microphone: false, camera: false });
    await vi.advanceTimersByTimeAsync(3_000);
    await s.controller.leave();
    await joining;
    await vi.advanceTimersByTimeAsync(0);
    expect(entry.leaveLobby).toHaveBeenCalledTimes(1);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'left', waiting: null });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(s.server.sockets).toHaveLength(0);
  });

  it('says how long to wait when asking too often', async () => {
    const entry = new FakeEntryApi();
    entry.joinAnswers.push(new ApiError(429, 'rate_limited', 'Too many requests', null, 120));
    const s = setup(undefined, undefined, entry);
    await s.controller.join('Bob');
    expect(s.controller.getSnapshot()).toMatchObject({
      status: 'failed',
      error: { code: 'rate_limited', retryAfter: 120 },
    });
  });

  it('enters as a shared room microphone, and again so when reconnecting', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s, { microphone: false, camera: false, sharedMicrophone: true });
    s.socket().drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(s.entry.requestJoin.mock.calls).toEqual([
      ['abcd-efgh-ijkl', 'Alice', { sharedMicrophone: true }],
      ['abcd-efgh-ijkl', 'Alice', { sharedMicrophone: true }],
    ]);
  });

  it('asks POST /join again for every reconnection', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s);
    s.socket().drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(s.entry.requestJoin).toHaveBeenCalledTimes(2);
    s.socket().open();
    await vi.advanceTimersByTimeAsync(300);
    expect(s.socket().sentOfType('join')[0]).toMatchObject({ token: 'tok2' });
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'joined', selfId: 'self2' });
  });

  it('stops reconnecting when the meeting is gone', async () => {
    const s = setup();
    await joinMeeting(s);
    s.entry.joinAnswers.push(new ApiError(404, 'room_not_found', 'No meeting'));
    s.socket().drop(1006);
    await vi.advanceTimersByTimeAsync(500);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'failed', error: { code: 'room_not_found' } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.server.sockets).toHaveLength(1);
  });
});

describe('MeetingController: moderation received', () => {
  it('mutes the microphone when a host does, and says who', async () => {
    const s = setup(() => ({ participants: [participant('boss', { display_name: 'Boss', role: 'owner' })] }));
    await joinMeeting(s, { microphone: true, camera: false });
    expect(s.controller.getSnapshot().local.microphone.enabled).toBe(true);
    const mutesBefore = s.socket().sentOfType('mute').length;
    s.socket().receive({ type: 'moderated', action: 'muted', source: 'microphone', by: 'boss' });
    const state = s.controller.getSnapshot();
    expect(state.local.microphone.enabled).toBe(false);
    expect(state.local.microphone.track?.enabled).toBe(false);
    expect(state.moderation).toMatchObject({ id: 1, action: 'muted', source: 'microphone', byName: 'Boss' });
    // The server muted us already: nothing to send.
    expect(s.socket().sentOfType('mute')).toHaveLength(mutesBefore);
    // Unmuting ourselves tells the server (which lifts the host's mute).
    await s.controller.setMicrophoneEnabled(true);
    expect(s.socket().sentOfType('mute').at(-1)).toMatchObject({ source: 'microphone', muted: false });
  });

  it('stops the camera and the screen share when a host does', async () => {
    const s = setup();
    await joinMeeting(s, { microphone: true, camera: true });
    await s.controller.startScreenShare();
    s.socket().receive({ type: 'moderated', action: 'stopped', source: 'camera', by: 'boss' });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.controller.getSnapshot().local.camera).toMatchObject({ enabled: false, track: null });
    s.socket().receive({ type: 'moderated', action: 'stopped', source: 'screen', by: 'boss' });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.controller.getSnapshot().local.screen).toBeNull();
    expect(s.socket().sentOfType('unpublish')).toHaveLength(1);
    expect(s.controller.getSnapshot().moderation).toMatchObject({ id: 2, source: 'screen', byName: null });
  });

  it('ends without reconnecting when removed', async () => {
    const s = setup();
    await joinMeeting(s, { microphone: true, camera: false });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    s.socket().receive({ type: 'error', reply_to: null, code: 'removed', message: 'Removed', details: null });
    s.socket().drop(4403, 'removed');
    await vi.advanceTimersByTimeAsync(0);
    expect(s.controller.getSnapshot()).toMatchObject({
      status: 'ended',
      error: { code: 'removed' },
      local: { microphone: { track: null } },
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.server.sockets).toHaveLength(1);
    expect(s.entry.requestJoin).toHaveBeenCalledTimes(1);
  });

  it('ends when a host ends the meeting, and knows when it was us', async () => {
    const other = setup();
    await joinMeeting(other);
    other.socket().receive({ type: 'meeting_ended', by: 'user-1' });
    other.socket().drop(4410, 'meeting_ended');
    expect(other.controller.getSnapshot()).toMatchObject({ status: 'ended', error: { code: 'meeting_ended', byYou: false } });

    const s = setup(host);
    await joinMeeting(s);
    const ending = s.controller.endMeeting();
    await vi.advanceTimersByTimeAsync(0);
    await ending;
    expect(s.socket().sentOfType('end_meeting')).toHaveLength(1);
    s.socket().receive({ type: 'meeting_ended', by: 'user-1' });
    s.socket().drop(4410, 'meeting_ended');
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'ended', error: { code: 'meeting_ended', byYou: true } });
  });
});

describe('MeetingController: hosting', () => {
  it('keeps the lobby up to date from joined, lobby_request and lobby_resolved', async () => {
    const s = setup(() => ({ role: 'host', lobby: [lobbyRequest('r1')] }));
    await joinMeeting(s);
    expect(s.controller.getSnapshot().lobby.map((r) => r.id)).toEqual(['r1']);
    s.socket().receive({ type: 'lobby_request', request: lobbyRequest('r2', { requested_at: '2025-03-14T09:31:00Z' }) });
    expect(s.controller.getSnapshot().lobby.map((r) => r.id)).toEqual(['r1', 'r2']);
    s.socket().receive({ type: 'lobby_resolved', request_id: 'r1', outcome: 'admitted', by: 'self1' });
    expect(s.controller.getSnapshot().lobby.map((r) => r.id)).toEqual(['r2']);
  });

  it('sends the host actions', async () => {
    const s = setup(() => ({ ...host(), participants: [bob()] }));
    await joinMeeting(s);
    await s.controller.decideLobby(['r1', 'r2'], true);
    await s.controller.setLocked(true);
    await s.controller.muteParticipant('bob', 'microphone');
    await s.controller.lowerHand('bob');
    await s.controller.setParticipantRole('bob', 'host');
    await s.controller.removeParticipant('bob');
    const sent = s.socket().sent.filter((m) => !['ping', 'subscribe', 'join', 'mute'].includes(String(m.type)));
    expect(sent.map(({ id: _id, ...rest }) => rest)).toEqual([
      { type: 'lobby_decision', request_ids: ['r1', 'r2'], admit: true },
      { type: 'lock', locked: true },
      { type: 'mute_participant', participant_id: 'bob', source: 'microphone' },
      { type: 'lower_hand', participant_id: 'bob' },
      { type: 'set_role', participant_id: 'bob', role: 'host' },
      { type: 'remove_participant', participant_id: 'bob' },
    ]);
  });

  it('surfaces forbidden for someone who is not a host', async () => {
    const s = setup(undefined, (message, id) =>
      message.type === 'lock' ? { type: 'error', reply_to: id, code: 'forbidden', message: 'No', details: null } : undefined,
    );
    await joinMeeting(s);
    await expect(s.controller.setLocked(true)).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('follows access and role changes', async () => {
    const s = setup();
    await joinMeeting(s);
    expect(s.controller.getSnapshot().access).toEqual({ level: 'trusted', locked: false });
    s.socket().receive({ type: 'access_changed', access: { level: 'public', locked: true } });
    expect(s.controller.getSnapshot().access).toEqual({ level: 'public', locked: true });
    s.socket().receive({ type: 'role_changed', role: 'host', lobby: [lobbyRequest('r9')] });
    let state = s.controller.getSnapshot();
    expect(state.role).toBe('host');
    expect(state.lobby.map((r) => r.id)).toEqual(['r9']);
    expect(state.participants.find((p) => p.isSelf)?.role).toBe('host');
    s.socket().receive({ type: 'role_changed', role: 'participant', lobby: null });
    state = s.controller.getSnapshot();
    expect(state).toMatchObject({ role: 'participant', lobby: [] });
  });
});
