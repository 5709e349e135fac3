import { beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeMediaStream, FakePeerConnection, fakePeerConnectionFactory } from '../test/fakePeerConnection';
import { FakeSignaling } from '../test/fakeSignaling';
import type { SubscribedStreamInfo, SubscriptionOffer } from '../signaling/types';
import { Subscriber } from './Subscriber';

function flush(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function offer(streams: SubscribedStreamInfo[], extraMids: string[] = []): SubscriptionOffer {
  const mids = [...streams.map((s) => s.mid), ...extraMids];
  return {
    type: 'subscription_offer',
    reply_to: null,
    sdp: mids.map((mid) => `m=x\r\na=mid:${mid}\r\n`).join(''),
    streams,
  };
}

function info(mid: string, participantId: string, source: SubscribedStreamInfo['source']): SubscribedStreamInfo {
  return {
    mid,
    participant_id: participantId,
    publisher_mid: '0',
    kind: source === 'microphone' ? 'audio' : 'video',
    source,
  };
}

function setup() {
  const signaling = new FakeSignaling();
  const onStreamsChanged = vi.fn();
  const onConnectionDropped = vi.fn();
  const subscriber = new Subscriber({
    signaling,
    iceServers: [],
    createPeerConnection: fakePeerConnectionFactory,
    createMediaStream: fakeMediaStream,
    onStreamsChanged,
    onConnectionDropped,
  });
  return { signaling, subscriber, onStreamsChanged, onConnectionDropped };
}

beforeEach(() => FakePeerConnection.reset());

describe('Subscriber', () => {
  it('answers offers in order and maps tracks by mid, buffering early candidates', async () => {
    const { signaling, subscriber, onStreamsChanged } = setup();
    subscriber.handleOffer(offer([info('0', 'alice', 'microphone'), info('v1', 'alice', 'camera')]));
    // Candidates trickled right after the offer, before it is applied.
    subscriber.addRemoteCandidate({ candidate: 'candidate:1 1 udp 1 10.0.0.1 5000 typ host', sdp_mid: '0', sdp_mline_index: 0 });
    await subscriber.settled();
    const pc = FakePeerConnection.last;
    expect(pc.added).toHaveLength(1);
    expect(signaling.requests[0]?.message).toEqual({ type: 'subscription_answer', sdp: 'fake answer' });
    expect([...subscriber.streams.keys()]).toEqual(['alice/microphone', 'alice/camera']);
    expect(onStreamsChanged).toHaveBeenCalledTimes(1);

    // The next offer renegotiates the same connection; mid v1 now carries Bob's camera.
    const aliceMic = subscriber.streams.get('alice/microphone')?.stream;
    subscriber.handleOffer(offer([info('0', 'alice', 'microphone'), info('v1', 'bob', 'camera')]));
    await subscriber.settled();
    expect(FakePeerConnection.all).toHaveLength(1);
    expect([...subscriber.streams.keys()]).toEqual(['alice/microphone', 'bob/camera']);
    expect(subscriber.streams.get('alice/microphone')?.stream).toBe(aliceMic);
    expect(subscriber.streams.get('bob/camera')?.track).toBe(pc.transceivers[1]?.receiver.track);
  });

  it('sends its candidates only after the answer', async () => {
    const { signaling, subscriber } = setup();
    subscriber.handleOffer(offer([info('0', 'alice', 'microphone')]));
    FakePeerConnection.last.gather('candidate:9 1 udp 9 10.0.0.9 9000 typ host');
    expect(signaling.sentOfType('trickle')).toHaveLength(0);
    await subscriber.settled();
    const types = signaling.sent.map((m) => m.type);
    expect(types).toEqual(['subscription_answer', 'trickle']);
  });

  it('closes and asks to subscribe again when the server refuses the answer', async () => {
    const { signaling, subscriber, onConnectionDropped, onStreamsChanged } = setup();
    subscriber.handleOffer(offer([info('0', 'alice', 'microphone')]));
    await subscriber.settled();
    const pc = FakePeerConnection.last;
    signaling.fail('subscription_answer', 'invalid_sdp');
    await flush();
    expect(pc.closed).toBe(true);
    expect(subscriber.streams.size).toBe(0);
    expect(onStreamsChanged).toHaveBeenLastCalledWith(new Map());
    expect(onConnectionDropped).toHaveBeenCalledWith(expect.objectContaining({ code: 'invalid_sdp' }));
    // The next offer is for a new connection.
    subscriber.handleOffer(offer([info('0', 'alice', 'microphone')]));
    await subscriber.settled();
    expect(FakePeerConnection.all).toHaveLength(2);
  });

  it('keeps the connection when the answer is refused before reaching the SFU', async () => {
    const { signaling, subscriber, onConnectionDropped } = setup();
    subscriber.handleOffer(offer([info('0', 'alice', 'microphone')]));
    await subscriber.settled();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    signaling.fail('subscription_answer', 'message_too_large');
    await flush();
    expect(FakePeerConnection.last.closed).toBe(false);
    expect(onConnectionDropped).not.toHaveBeenCalled();
  });
});
