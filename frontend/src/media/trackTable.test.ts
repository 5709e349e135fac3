import { describe, expect, it } from 'vitest';
import type { SubscribedStreamInfo } from '../signaling/types';
import { mapTracksByMid, RemoteStreams, type StreamLike } from './trackTable';

/** Stand-ins for MediaStreamTrack and MediaStream. */
interface Track {
  name: string;
}
class Stream implements StreamLike<Track> {
  private tracks: Track[] = [];
  getTracks(): Track[] {
    return [...this.tracks];
  }
  addTrack(track: Track): void {
    this.tracks.push(track);
  }
  removeTrack(track: Track): void {
    this.tracks = this.tracks.filter((t) => t !== track);
  }
}

function sub(mid: string, participantId: string, source: SubscribedStreamInfo['source'], publisherMid = '0'): SubscribedStreamInfo {
  const kind = source === 'microphone' || source === 'screen_audio' ? 'audio' : 'video';
  return { mid, participant_id: participantId, publisher_mid: publisherMid, kind, source };
}

// The subscriber connection's receivers: one track per m-line, for its whole life.
const t0: Track = { name: 'track of mid 0' };
const t1: Track = { name: 'track of mid 1' };
const t2: Track = { name: 'track of mid 2' };
const receivers = [
  { mid: '0', track: t0 },
  { mid: '1', track: t1 },
  { mid: '2', track: t2 },
  { mid: null, track: { name: 'not negotiated yet' } },
];

describe('mapTracksByMid', () => {
  it('maps listed mids and leaves inactive m-lines out', () => {
    const mapped = mapTracksByMid([sub('0', 'alice', 'microphone'), sub('1', 'alice', 'camera', '1')], receivers);
    expect([...mapped.keys()]).toEqual(['alice/microphone', 'alice/camera']);
    expect(mapped.get('alice/camera')).toMatchObject({ mid: '1', publisherMid: '1', kind: 'video', track: t1 });
  });
});

describe('RemoteStreams with recycled mids', () => {
  it('moves a recycled m-line track to its new owner and keeps stream objects stable', () => {
    const streams = new RemoteStreams<Track, Stream>(() => new Stream());

    // Offer 1: Alice's microphone on mid 0, her camera on mid 1.
    expect(streams.apply(mapTracksByMid([sub('0', 'alice', 'microphone'), sub('1', 'alice', 'camera', '1')], receivers))).toBe(true);
    const aliceMic = streams.all.get('alice/microphone')?.stream;
    expect(streams.all.get('alice/camera')?.stream.getTracks()).toEqual([t1]);

    // Offer 2: Alice stops her camera (mid 1 inactive); Bob's microphone on mid 2.
    streams.apply(mapTracksByMid([sub('0', 'alice', 'microphone'), sub('2', 'bob', 'microphone')], receivers));
    expect(streams.all.has('alice/camera')).toBe(false);
    expect(streams.all.get('bob/microphone')?.stream.getTracks()).toEqual([t2]);

    // Offer 3: the SFU recycles mid 1 for Bob's camera: same browser track, new owner.
    streams.apply(
      mapTracksByMid([sub('0', 'alice', 'microphone'), sub('1', 'bob', 'camera', '1'), sub('2', 'bob', 'microphone')], receivers),
    );
    expect(streams.all.get('bob/camera')?.stream.getTracks()).toEqual([t1]);
    expect(streams.all.has('alice/camera')).toBe(false);
    // Alice's microphone kept the same MediaStream all along.
    expect(streams.all.get('alice/microphone')?.stream).toBe(aliceMic);
    expect(aliceMic?.getTracks()).toEqual([t0]);
  });

  it('swaps the track under a stream that moved to another mid', () => {
    const streams = new RemoteStreams<Track, Stream>(() => new Stream());
    streams.apply(mapTracksByMid([sub('1', 'alice', 'camera', '1')], receivers));
    const stream = streams.all.get('alice/camera')?.stream;
    // Alice's camera now comes on mid 2 (e.g. unsubscribed, then subscribed again).
    expect(streams.apply(mapTracksByMid([sub('2', 'alice', 'camera', '1')], receivers))).toBe(true);
    expect(streams.all.get('alice/camera')?.stream).toBe(stream);
    expect(stream?.getTracks()).toEqual([t2]);
  });

  it('detaches a track whose mid was recycled without keeping it on the old stream', () => {
    const streams = new RemoteStreams<Track, Stream>(() => new Stream());
    streams.apply(mapTracksByMid([sub('1', 'alice', 'camera', '1')], receivers));
    const aliceCamera = streams.all.get('alice/camera')?.stream;
    // In one offer, mid 1 changes hands from Alice to Bob.
    streams.apply(mapTracksByMid([sub('1', 'bob', 'camera', '1')], receivers));
    expect(aliceCamera?.getTracks()).toEqual([]);
    expect(streams.all.get('bob/camera')?.stream.getTracks()).toEqual([t1]);
  });

  it('reports no change when an offer carries the same streams', () => {
    const streams = new RemoteStreams<Track, Stream>(() => new Stream());
    const offer = [sub('0', 'alice', 'microphone')];
    streams.apply(mapTracksByMid(offer, receivers));
    expect(streams.apply(mapTracksByMid(offer, receivers))).toBe(false);
    streams.clear();
    expect(streams.all.size).toBe(0);
  });
});
