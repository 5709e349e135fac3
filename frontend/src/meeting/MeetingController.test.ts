import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FakePeerConnection, fakeTrack } from '../test/fakePeerConnection';
import { bob, joinMeeting, setup } from '../test/controllerSetup';
import { chatMessage, participant, stream } from '../test/messages';

beforeEach(() => {
  vi.useFakeTimers();
  FakePeerConnection.reset();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('MeetingController: joining', () => {
  it('goes idle → connecting → joined and exposes the snapshot', async () => {
    const s = setup(() => ({ participants: [bob()], hands: ['bob'], active_speaker: 'bob' }));
    const statuses: string[] = [];
    s.controller.subscribe(() => statuses.push(s.controller.getSnapshot().status));
    expect(s.controller.getSnapshot().status).toBe('idle');
    await joinMeeting(s);
    const state = s.controller.getSnapshot();
    expect(statuses[0]).toBe('connecting');
    expect(state.status).toBe('joined');
    expect(state.selfId).toBe('self1');
    expect(state.room?.name).toBe('Point hebdo');
    expect(state.participants.map((p) => [p.id, p.isSelf, p.handRaised])).toEqual([
      ['bob', false, true],
      ['self1', true, false],
    ]);
    expect(state.participants[0]).toMatchObject({ microphoneOn: true, cameraOn: true, screenSharing: false });
    expect(state.activeSpeaker).toBe('bob');
    expect(state.connectionQuality).toBe('ok');
  });

  it('returns the same snapshot object until something changes', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s);
    const before = s.controller.getSnapshot();
    expect(s.controller.getSnapshot()).toBe(before);
    s.socket().receive({ type: 'speaking', participant_id: 'self1', speaking: true });
    const after = s.controller.getSnapshot();
    expect(after).not.toBe(before);
    // Bob did not change: his object is reused (his tile need not re-render).
    expect(after.participants[0]).toBe(before.participants[0]);
  });

  it('publishes a pre-join microphone muted (mute first) and the camera with simulcast', async () => {
    const s = setup();
    const microphone = fakeTrack('audio');
    await joinMeeting(s, { microphone: false, camera: true, tracks: { microphone } });
    expect(s.controller.getSnapshot().local.microphone.track).toBe(microphone);
    const sent = s.socket().sent.map((m) => m.type);
    expect(sent.indexOf('mute')).toBeLessThan(sent.indexOf('publish'));
    expect(s.socket().sentOfType('mute')[0]).toMatchObject({ source: 'microphone', muted: true });
    expect(s.socket().sentOfType('publish')[0]).toMatchObject({ sources: { '0': 'microphone', '1': 'camera' } });
    const local = s.controller.getSnapshot().local;
    expect(local.microphone).toMatchObject({ enabled: false });
    expect(local.microphone.track?.enabled).toBe(false);
    expect(local.cameraStream?.getTracks()).toEqual([local.camera.track]);
    expect(s.controller.getSnapshot().participants.at(-1)?.media.camera).toBe(local.cameraStream);
  });

  it('fails with room_full and does not reconnect', async () => {
    const s = setup(undefined, (message, id) =>
      message.type === 'join'
        ? { type: 'error', reply_to: id, code: 'room_full', message: 'The meeting is full', details: { max_participants: 2 } }
        : undefined,
    );
    const joining = s.controller.join('Alice', { microphone: false, camera: false });
    await vi.advanceTimersByTimeAsync(0);
    s.socket().open();
    await vi.advanceTimersByTimeAsync(0);
    s.socket().drop(4409, 'room_full');
    await joining;
    expect(s.controller.getSnapshot()).toMatchObject({
      status: 'failed',
      error: { code: 'room_full' },
      connectionQuality: 'lost',
    });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.server.sockets).toHaveLength(1);
  });

  it('fails when the meeting does not exist', async () => {
    const s = setup();
    const joining = s.controller.join('Alice', { microphone: false, camera: false });
    await vi.advanceTimersByTimeAsync(0);
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    s.socket().open();
    s.socket().receive({ type: 'error', reply_to: null, code: 'room_not_found', message: 'No such meeting', details: null });
    s.socket().drop(4404, 'room_not_found');
    await joining;
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'failed', error: { code: 'room_not_found' } });
  });
});

describe('MeetingController: start states', () => {
  it('does not open a microphone that is off at join, and opens it when turned on', async () => {
    const s = setup();
    await joinMeeting(s, { microphone: false, camera: false });
    expect(s.controller.getSnapshot().local.microphone.track).toBeNull();
    expect(s.socket().sentOfType('publish')).toHaveLength(0);
    await s.controller.setMicrophoneEnabled(true);
    await vi.advanceTimersByTimeAsync(0);
    expect(s.socket().sentOfType('mute').at(-1)).toMatchObject({ source: 'microphone', muted: false });
    expect(s.socket().sentOfType('publish')[0]).toMatchObject({ sources: { '0': 'microphone' } });
    expect(s.controller.getSnapshot().local.microphone).toMatchObject({ enabled: true });
  });

  it('starts muted when the meeting asks it, keeping the microphone open', async () => {
    const s = setup(() => ({
      room: { slug: 'abcd-efgh-ijkl', name: null, start_audio_muted: true, start_video_muted: true },
    }));
    await joinMeeting(s, { microphone: true, camera: true });
    const local = s.controller.getSnapshot().local;
    expect(local.microphone.enabled).toBe(false);
    expect(local.microphone.track?.enabled).toBe(false);
    expect(local.camera).toMatchObject({ enabled: false, track: null });
    expect(s.socket().sentOfType('mute').map((m) => [m.source, m.muted])).toEqual([
      ['microphone', true],
      ['camera', true],
    ]);
    expect(s.socket().sentOfType('publish')[0]).toMatchObject({ sources: { '0': 'microphone' } });
  });
});

describe('MeetingController: roster', () => {
  it('applies joins, updates and leaves; hands keep their order; the active speaker clears', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s);
    const socket = s.socket();
    socket.receive({ type: 'participant_joined', participant: participant('chloe') });
    socket.receive({ type: 'hands', hands: ['chloe', 'bob'] });
    socket.receive({ type: 'active_speaker', participant_id: 'chloe' });
    socket.receive({
      type: 'participant_updated',
      participant: bob({ streams: [stream('0', 'microphone', { muted: true }), stream('1', 'camera')] }),
    });
    let state = s.controller.getSnapshot();
    expect(state.participants.map((p) => p.id)).toEqual(['bob', 'self1', 'chloe']);
    expect(state.hands).toEqual(['chloe', 'bob']);
    expect(state.participants.find((p) => p.id === 'bob')).toMatchObject({
      handRaised: true,
      microphoneOn: false,
      muted: { microphone: true, camera: false },
    });

    socket.receive({ type: 'hands', hands: ['bob'] });
    socket.receive({ type: 'active_speaker', participant_id: null });
    socket.receive({ type: 'participant_left', participant_id: 'chloe', reason: 'left' });
    state = s.controller.getSnapshot();
    expect(state.participants.map((p) => p.id)).toEqual(['bob', 'self1']);
    expect(state.hands).toEqual(['bob']);
    expect(state.activeSpeaker).toBeNull();
  });

  it('tracks speaking flags', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s);
    s.socket().receive({ type: 'speaking', participant_id: 'bob', speaking: true });
    expect(s.controller.getSnapshot().participants[0]?.speaking).toBe(true);
  });

  it('counts unread chat from others only, until marked read', async () => {
    const s = setup(() => ({ participants: [bob()], chat: [chatMessage('m0', 'bob')] }));
    await joinMeeting(s);
    expect(s.controller.getSnapshot().chat).toMatchObject({ unread: 0 });
    s.socket().receive({ type: 'chat', message: chatMessage('m1', 'bob') });
    s.socket().receive({ type: 'chat', message: chatMessage('m2', 'self1') });
    s.socket().receive({ type: 'chat', message: chatMessage('m3', 'bob') });
    expect(s.controller.getSnapshot().chat.unread).toBe(2);
    expect(s.controller.getSnapshot().chat.messages.map((m) => m.id)).toEqual(['m0', 'm1', 'm2', 'm3']);
    s.controller.markChatRead();
    expect(s.controller.getSnapshot().chat.unread).toBe(0);
  });

  it('shows reactions for about 4 s', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s);
    s.socket().receive({ type: 'reaction', participant_id: 'bob', emoji: '🎉' });
    await vi.advanceTimersByTimeAsync(2_000);
    s.socket().receive({ type: 'reaction', participant_id: 'self1', emoji: '👏' });
    expect(s.controller.getSnapshot().reactions.map((r) => [r.emoji, r.displayName])).toEqual([
      ['🎉', 'BOB'],
      ['👏', 'SELF1'],
    ]);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(s.controller.getSnapshot().reactions.map((r) => r.emoji)).toEqual(['👏']);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(s.controller.getSnapshot().reactions).toEqual([]);
  });

  it('sends chat, hands and reactions and surfaces refusals', async () => {
    let chats = 0;
    const s = setup(undefined, (message, id) => {
      if (message.type !== 'chat') return undefined;
      chats += 1;
      return chats > 1
        ? { type: 'error', reply_to: id, code: 'rate_limited', message: 'Slow down', details: null }
        : undefined;
    });
    await joinMeeting(s);
    await s.controller.raiseHand(true);
    await s.controller.react('❤️');
    await s.controller.sendChat('bonjour');
    expect(s.socket().sentOfType('raise_hand')[0]).toMatchObject({ raised: true });
    expect(s.socket().sentOfType('reaction')[0]).toMatchObject({ emoji: '❤️' });
    expect(s.socket().sentOfType('chat')[0]).toMatchObject({ text: 'bonjour' });
    await expect(s.controller.sendChat('encore')).rejects.toMatchObject({ code: 'rate_limited' });
  });
});

describe('MeetingController: subscriptions', () => {
  it('subscribes to visible video with heights and to audio, and only resends on real changes', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s);
    await vi.advanceTimersByTimeAsync(200);
    expect(s.socket().sentOfType('subscribe').at(-1)).toMatchObject({
      streams: [{ participant_id: 'bob', mid: '0' }],
    });
    s.controller.setVisibleTiles([{ participantId: 'bob', source: 'camera', height: 180 }]);
    await vi.advanceTimersByTimeAsync(200);
    expect(s.socket().sentOfType('subscribe').at(-1)).toMatchObject({
      streams: [
        { participant_id: 'bob', mid: '1', height: 180 },
        { participant_id: 'bob', mid: '0' },
      ],
    });
    const count = s.socket().sentOfType('subscribe').length;
    // Same simulcast layer: nothing to send.
    s.controller.setVisibleTiles([{ participantId: 'bob', source: 'camera', height: 190 }]);
    await vi.advanceTimersByTimeAsync(200);
    expect(s.socket().sentOfType('subscribe')).toHaveLength(count);
    // Chloé publishes: her audio is wanted.
    s.socket().receive({ type: 'participant_joined', participant: participant('chloe', { streams: 'av' }) });
    await vi.advanceTimersByTimeAsync(200);
    expect(s.socket().sentOfType('subscribe')).toHaveLength(count + 1);
  });

  it('maps offered tracks to participants and sources', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s);
    s.socket().receive({
      type: 'subscription_offer',
      reply_to: null,
      sdp: 'm=audio\r\na=mid:0\r\nm=video\r\na=mid:v1\r\n',
      streams: [
        { mid: '0', participant_id: 'bob', publisher_mid: '0', kind: 'audio', source: 'microphone' },
        { mid: 'v1', participant_id: 'bob', publisher_mid: '1', kind: 'video', source: 'camera' },
      ],
    });
    await vi.advanceTimersByTimeAsync(0);
    const state = s.controller.getSnapshot();
    expect(Object.keys(state.remoteMedia.bob ?? {})).toEqual(['microphone', 'camera']);
    expect(state.participants[0]?.media).toBe(state.remoteMedia.bob);
    expect(s.socket().sentOfType('subscription_answer')).toHaveLength(1);
  });
});

describe('MeetingController: media reset and reconnection', () => {
  it('clears streams, speaking and the active speaker on media_reset, and publishes again', async () => {
    const s = setup(() => ({ participants: [bob({ speaking: true })], active_speaker: 'bob' }));
    await joinMeeting(s, { microphone: true, camera: false });
    await vi.advanceTimersByTimeAsync(200);
    s.socket().receive({
      type: 'subscription_offer',
      reply_to: null,
      sdp: 'a=mid:0\r\n',
      streams: [{ mid: '0', participant_id: 'bob', publisher_mid: '0', kind: 'audio', source: 'microphone' }],
    });
    await vi.advanceTimersByTimeAsync(0);
    expect(s.controller.getSnapshot().remoteMedia.bob).toBeDefined();
    const publisherBefore = FakePeerConnection.all[0];
    const subscribes = s.socket().sentOfType('subscribe').length;

    const fresh = [{ urls: ['turn:turn.example.org:3478'], username: 'u2', credential: 'c2' }];
    s.socket().receive({ type: 'media_reset', reason: 'media_server_restarted', ice_servers: fresh });
    await vi.advanceTimersByTimeAsync(300);

    const state = s.controller.getSnapshot();
    expect(state.remoteMedia).toEqual({});
    expect(state.activeSpeaker).toBeNull();
    expect(state.participants[0]).toMatchObject({ streams: [], speaking: false, media: {} });
    expect(publisherBefore?.closed).toBe(true);
    expect(s.socket().sentOfType('publish')).toHaveLength(2);
    // The new publisher connection (the subscriber one comes with the next offer).
    expect(FakePeerConnection.last.configuration.iceServers).toEqual([
      { urls: ['turn:turn.example.org:3478'], username: 'u2', credential: 'c2' },
    ]);
    // No empty subscribe: the server keeps our wishes until streams come back.
    expect(s.socket().sentOfType('subscribe')).toHaveLength(subscribes);
    s.socket().receive({ type: 'participant_updated', participant: bob() });
    await vi.advanceTimersByTimeAsync(200);
    expect(s.socket().sentOfType('subscribe')).toHaveLength(subscribes + 1);
  });

  it('reconnects after a drop and joins again as a new participant', async () => {
    const s = setup(() => ({ participants: [bob()] }));
    await joinMeeting(s, { microphone: true, camera: false });
    s.socket().drop(1006);
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'reconnecting', connectionQuality: 'reconnecting' });
    await vi.advanceTimersByTimeAsync(500);
    s.socket().open();
    await vi.advanceTimersByTimeAsync(300);
    const state = s.controller.getSnapshot();
    expect(state).toMatchObject({ status: 'joined', selfId: 'self2', connectionQuality: 'ok' });
    expect(s.socket().sentOfType('publish')).toHaveLength(1);
  });

  it('leaves: sends leave, stops local tracks and does not reconnect', async () => {
    const s = setup();
    await joinMeeting(s, { microphone: true, camera: true });
    const mic = s.controller.getSnapshot().local.microphone.track;
    const stop = vi.spyOn(mic as MediaStreamTrack, 'stop');
    const leaving = s.controller.leave();
    await vi.advanceTimersByTimeAsync(0);
    s.socket().drop(1000, 'left');
    await leaving;
    expect(s.socket().sentOfType('leave')).toHaveLength(1);
    expect(stop).toHaveBeenCalled();
    expect(s.controller.getSnapshot()).toMatchObject({ status: 'left', local: { microphone: { track: null } } });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(s.server.sockets).toHaveLength(1);
  });
});

describe('MeetingController: local media', () => {
  it('switches the camera with replaceTrack and turns it off by releasing the device', async () => {
    const s = setup();
    await joinMeeting(s, { microphone: false, camera: true });
    const oldCamera = s.controller.getSnapshot().local.camera.track;
    const stopped = vi.spyOn(oldCamera as MediaStreamTrack, 'stop');
    await s.controller.switchDevice('camera', 'cam-2');
    const local = s.controller.getSnapshot().local;
    expect(local.camera.deviceId).toBe('cam-2');
    expect(local.camera.track).not.toBe(oldCamera);
    expect(stopped).toHaveBeenCalled();
    expect(s.socket().sentOfType('publish')).toHaveLength(1);

    await s.controller.setCameraEnabled(false);
    expect(s.controller.getSnapshot().local.camera).toMatchObject({ track: null, enabled: false });
    expect(s.socket().sentOfType('mute').at(-1)).toMatchObject({ source: 'camera', muted: true });
    expect(FakePeerConnection.all[0]?.transceivers[0]?.sender.track).toBeNull(); // the camera, alone
  });

  it('adds a screen share to the publisher connection', async () => {
    const s = setup();
    await joinMeeting(s, { microphone: true, camera: false });
    await s.controller.startScreenShare();
    expect(s.socket().sentOfType('publish').at(-1)).toMatchObject({
      sources: { '0': 'microphone', '1': 'screen' },
    });
    expect(s.controller.getSnapshot().local.screenStream).not.toBeNull();
    const stopping = s.controller.stopScreenShare();
    await vi.advanceTimersByTimeAsync(0);
    await stopping;
    expect(s.socket().sentOfType('unpublish')).toHaveLength(1);
    expect(s.socket().sentOfType('publish').at(-1)).toMatchObject({ sources: { '0': 'microphone' } });
    expect(s.controller.getSnapshot().local.screen).toBeNull();
  });
});
