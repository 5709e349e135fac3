import { beforeEach, describe, expect, it } from 'vitest';
import {
  FakePeerConnection,
  fakePeerConnectionFactory,
  fakeTrack,
  type FakeTrack,
} from '../test/fakePeerConnection';
import { FakeSignaling } from '../test/fakeSignaling';
import { stream } from '../test/messages';
import { Publisher } from './Publisher';

const ICE = [{ urls: ['stun:turn.example.org:3478'], username: null, credential: null }];

function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function setup() {
  const signaling = new FakeSignaling();
  const publisher = new Publisher({
    signaling,
    iceServers: ICE,
    createPeerConnection: fakePeerConnectionFactory,
  });
  return { signaling, publisher };
}

/** Answers the pending publish like the server. */
function answerPublish(signaling: FakeSignaling): void {
  const { message, resolve } = signaling.take('publish');
  if (message.type !== 'publish') throw new Error('not a publish');
  resolve({
    type: 'published',
    reply_to: 'r1',
    sdp: 'fake answer',
    streams: Object.entries(message.sources).map(([mid, source]) => stream(mid, source ?? 'microphone')),
  });
}

beforeEach(() => FakePeerConnection.reset());

describe('Publisher', () => {
  it('publishes the camera with three simulcast layers, highest first, and the sources by mid', async () => {
    const { signaling, publisher } = setup();
    const done = publisher.publish({ microphone: fakeTrack('audio'), camera: fakeTrack('video') });
    await flush();
    const pc = FakePeerConnection.last;
    expect(pc.configuration.iceServers).toEqual([{ urls: ['stun:turn.example.org:3478'] }]);
    expect(pc.transceivers.map((t) => t.direction)).toEqual(['sendonly', 'sendonly']);
    expect(pc.transceivers[0]?.sendEncodings).toBeUndefined();
    expect(pc.transceivers[1]?.sendEncodings).toEqual([
      { rid: 'f', maxBitrate: 1_500_000 },
      { rid: 'h', scaleResolutionDownBy: 2, maxBitrate: 500_000 },
      { rid: 'q', scaleResolutionDownBy: 4, maxBitrate: 150_000 },
    ]);
    expect(signaling.requests[0]?.message).toEqual({
      type: 'publish',
      sdp: 'fake offer 1',
      sources: { '0': 'microphone', '1': 'camera' },
    });
    answerPublish(signaling);
    await done;
    expect(pc.remoteDescription).toEqual({ type: 'answer', sdp: 'fake answer' });
    expect(publisher.streams.map((s) => s.source)).toEqual(['microphone', 'camera']);
  });

  it('trickles: holds own candidates until publish is sent, buffers the SFU ones until the answer', async () => {
    const { signaling, publisher } = setup();
    const done = publisher.publish({ microphone: fakeTrack('audio') });
    await flush();
    const pc = FakePeerConnection.last;
    publisher.addRemoteCandidate({ candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdp_mid: '0', sdp_mline_index: 0 });
    publisher.addRemoteCandidate({ candidate: '', sdp_mid: null, sdp_mline_index: null });
    expect(pc.added).toEqual([]);
    pc.gather('candidate:2 1 udp 2 10.0.0.2 6000 typ host');
    pc.gather(null);
    expect(signaling.sentOfType('trickle')).toEqual([
      {
        type: 'trickle',
        role: 'publisher',
        candidate: { candidate: 'candidate:2 1 udp 2 10.0.0.2 6000 typ host', sdp_mid: '0', sdp_mline_index: 0 },
      },
      { type: 'trickle', role: 'publisher', candidate: null },
    ]);
    answerPublish(signaling);
    await done;
    expect(pc.added).toEqual([
      { candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    ]);
    publisher.addRemoteCandidate({ candidate: 'candidate:3 1 udp 3 10.0.0.1 5001 typ host', sdp_mid: null, sdp_mline_index: null });
    expect(pc.added.at(-1)).toMatchObject({ sdpMLineIndex: 0 });
  });

  it('adds a screen share to the same connection and publishes the full sources map', async () => {
    const { signaling, publisher } = setup();
    const first = publisher.publish({ microphone: fakeTrack('audio'), camera: fakeTrack('video') });
    await flush();
    answerPublish(signaling);
    await first;
    const screen = publisher.publish({ screen: fakeTrack('video') });
    await flush();
    expect(FakePeerConnection.all).toHaveLength(1);
    const pc = FakePeerConnection.last;
    expect(pc.transceivers[2]?.sendEncodings).toBeUndefined();
    expect((pc.transceivers[2]?.sender.track as FakeTrack | null)?.contentHint).toBe('detail');
    expect(signaling.requests[0]?.message).toMatchObject({
      type: 'publish',
      sources: { '0': 'microphone', '1': 'camera', '2': 'screen' },
    });
    answerPublish(signaling);
    await screen;
  });

  it('switches a device with replaceTrack, without signaling', async () => {
    const { signaling, publisher } = setup();
    const first = publisher.publish({ camera: fakeTrack('video') });
    await flush();
    answerPublish(signaling);
    await first;
    const other = fakeTrack('video');
    await publisher.publish({ camera: other });
    await publisher.replaceTrack('camera', null);
    expect(signaling.sentOfType('publish')).toHaveLength(1);
    expect(FakePeerConnection.last.transceivers[0]?.sender.track).toBeNull();
    expect(publisher.track('camera')).toBeNull();
  });

  it('stops a source by unpublishing and publishing the rest from a new connection', async () => {
    const { signaling, publisher } = setup();
    const first = publisher.publish({ microphone: fakeTrack('audio'), camera: fakeTrack('video'), screen: fakeTrack('video') });
    await flush();
    answerPublish(signaling);
    await first;
    const old = FakePeerConnection.last;
    const stopping = publisher.removeSources(['screen']);
    await flush();
    expect(old.closed).toBe(true);
    expect(signaling.sentOfType('unpublish')).toHaveLength(1);
    expect(FakePeerConnection.all).toHaveLength(2);
    expect(signaling.requests[0]?.message).toMatchObject({
      type: 'publish',
      sources: { '0': 'microphone', '1': 'camera' },
    });
    answerPublish(signaling);
    await stopping;
    expect(publisher.sources).toEqual(['microphone', 'camera']);
  });

  it('drops buffered candidates and the connection when publish is refused, and can publish again', async () => {
    const { signaling, publisher } = setup();
    const first = publisher.publish({ microphone: fakeTrack('audio') });
    await flush();
    const pc = FakePeerConnection.last;
    publisher.addRemoteCandidate({ candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdp_mid: '0', sdp_mline_index: 0 });
    signaling.fail('publish', 'media_unavailable');
    await expect(first).rejects.toMatchObject({ code: 'media_unavailable' });
    expect(pc.closed).toBe(true);
    expect(pc.added).toEqual([]);
    const again = publisher.restart({ unpublish: false });
    await flush();
    expect(FakePeerConnection.all).toHaveLength(2);
    expect(signaling.requests[0]?.message).toMatchObject({ sources: { '0': 'microphone' } });
    answerPublish(signaling);
    await again;
  });

  it('publishes the same tracks from a new connection with fresh ICE servers after a media reset', async () => {
    const { signaling, publisher } = setup();
    const first = publisher.publish({ microphone: fakeTrack('audio'), camera: fakeTrack('video') });
    await flush();
    answerPublish(signaling);
    await first;
    await publisher.replaceTrack('camera', null); // camera off: nothing to publish for it
    const fresh = [{ urls: ['turn:turn.example.org:3478'], username: 'u', credential: 'c' }];
    const restarted = publisher.restart({ iceServers: fresh, unpublish: false });
    await flush();
    expect(signaling.sentOfType('unpublish')).toHaveLength(0);
    expect(FakePeerConnection.last.configuration.iceServers).toEqual([
      { urls: ['turn:turn.example.org:3478'], username: 'u', credential: 'c' },
    ]);
    expect(signaling.requests[0]?.message).toMatchObject({ sources: { '0': 'microphone' } });
    answerPublish(signaling);
    await restarted;
  });
});
