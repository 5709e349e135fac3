import { describe, expect, it } from 'vitest';
import { participant, stream } from '../test/messages';
import type { ParticipantInfo } from '../signaling/types';
import {
  chooseSubscriptions,
  layerForHeight,
  subscriptionKey,
  type VisibleTile,
} from './chooseSubscriptions';

const LIMITS = { max_video_subscriptions: 25, max_audio_subscriptions: 30 };

function camera(participantId: string, height = 360): VisibleTile {
  return { participantId, source: 'camera', height };
}

describe('chooseSubscriptions', () => {
  const self = participant('self', { streams: 'av' });
  const alice = participant('alice', { streams: 'av' });
  const bob = participant('bob', { streams: 'av' });

  it('subscribes to video of visible tiles only, with their heights, and never to itself', () => {
    const streams = chooseSubscriptions({
      participants: [self, alice, bob],
      selfId: 'self',
      visibleTiles: [camera('alice', 180.4), camera('self')],
      limits: LIMITS,
    });
    expect(streams).toEqual([
      { participant_id: 'alice', mid: '1', height: 180 },
      { participant_id: 'alice', mid: '0' },
      { participant_id: 'bob', mid: '0' },
    ]);
  });

  it('skips tiles of people without that stream, muted cameras and duplicates', () => {
    const muted = participant('muted', {
      streams: [stream('0', 'microphone'), stream('1', 'camera', { muted: true })],
    });
    const noVideo = participant('novideo', { streams: [stream('0', 'microphone')] });
    const video = chooseSubscriptions({
      participants: [alice, muted, noVideo],
      selfId: 'self',
      visibleTiles: [camera('alice'), camera('alice', 720), camera('muted'), camera('novideo'), camera('gone')],
      limits: LIMITS,
    }).filter((s) => s.height !== undefined);
    expect(video).toEqual([{ participant_id: 'alice', mid: '1', height: 360 }]);
  });

  it('puts visible screen shares before cameras', () => {
    const presenter = participant('presenter', {
      streams: [stream('0', 'microphone'), stream('1', 'camera'), stream('2', 'screen', { simulcast: false })],
    });
    const streams = chooseSubscriptions({
      participants: [alice, bob, presenter],
      selfId: 'self',
      visibleTiles: [camera('alice'), camera('bob'), { participantId: 'presenter', source: 'screen', height: 1080 }],
      limits: { max_video_subscriptions: 2, max_audio_subscriptions: 30 },
    });
    expect(streams.filter((s) => s.height !== undefined)).toEqual([
      { participant_id: 'presenter', mid: '2', height: 1080 },
      { participant_id: 'alice', mid: '1', height: 360 },
    ]);
  });

  it('orders audio unmuted first (speaking, then active speaker) and cuts muted ones at the limit', () => {
    const people: ParticipantInfo[] = [
      participant('m1', { streams: [stream('0', 'microphone', { muted: true })] }),
      participant('u1', { streams: [stream('0', 'microphone')] }),
      participant('m2', { streams: [stream('0', 'microphone', { muted: true })] }),
      participant('u2', { streams: [stream('0', 'microphone')] }),
      participant('talker', { streams: [stream('0', 'microphone')], speaking: true }),
    ];
    const streams = chooseSubscriptions({
      participants: people,
      selfId: 'self',
      visibleTiles: [],
      limits: { max_video_subscriptions: 25, max_audio_subscriptions: 4 },
      activeSpeaker: 'u2',
    });
    expect(streams.map((s) => s.participant_id)).toEqual(['talker', 'u2', 'u1', 'm1']);
  });

  it('includes screen audio as audio', () => {
    const presenter = participant('p', {
      streams: [stream('0', 'screen', { simulcast: false }), stream('1', 'screen_audio')],
    });
    const streams = chooseSubscriptions({ participants: [presenter], selfId: 'self', visibleTiles: [], limits: LIMITS });
    expect(streams).toEqual([{ participant_id: 'p', mid: '1' }]);
  });

  it('never exceeds the limits in a 150-person meeting', () => {
    const people = Array.from({ length: 150 }, (_, i) =>
      participant(`p${i}`, {
        streams: [stream('0', 'microphone', { muted: i % 3 === 0 }), stream('1', 'camera')],
      }),
    );
    const tiles = people.map((p) => camera(p.id, 120));
    const streams = chooseSubscriptions({
      participants: people,
      selfId: 'p0',
      visibleTiles: tiles,
      limits: LIMITS,
    });
    const video = streams.filter((s) => s.height !== undefined);
    const audio = streams.filter((s) => s.height === undefined);
    expect(video).toHaveLength(25);
    expect(audio).toHaveLength(30);
    expect(streams.some((s) => s.participant_id === 'p0')).toBe(false);
    // 99 of the 149 others are unmuted: every chosen audio stream is unmuted.
    expect(audio.every((s) => Number(s.participant_id.slice(1)) % 3 !== 0)).toBe(true);
    // The most important tiles (first in the list) win.
    expect(video[0]).toEqual({ participant_id: 'p1', mid: '1', height: 120 });
  });

  it('clamps heights to the protocol range', () => {
    const [tall] = chooseSubscriptions({
      participants: [alice],
      selfId: 'self',
      visibleTiles: [camera('alice', 9000)],
      limits: LIMITS,
    });
    expect(tall).toMatchObject({ height: 4320 });
  });
});

describe('subscriptionKey', () => {
  it('ignores order and height changes within one simulcast layer', () => {
    const a = [
      { participant_id: 'a', mid: '1', height: 150 },
      { participant_id: 'b', mid: '0' },
    ];
    const b = [
      { participant_id: 'b', mid: '0' },
      { participant_id: 'a', mid: '1', height: 190 },
    ];
    expect(subscriptionKey(a)).toBe(subscriptionKey(b));
    expect(subscriptionKey([{ participant_id: 'a', mid: '1', height: 250 }])).not.toBe(
      subscriptionKey([{ participant_id: 'a', mid: '1', height: 150 }]),
    );
  });

  it('maps heights to layers as protocol.md says', () => {
    expect([0, 200, 201, 400, 401, null].map(layerForHeight)).toEqual([0, 0, 1, 1, 2, 2]);
  });
});
