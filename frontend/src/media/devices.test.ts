import { describe, expect, it } from 'vitest';
import { rmsLevel } from './audioLevel';
import {
  audioConstraints,
  getMicrophoneTrack,
  MediaAccessError,
  toMediaAccessError,
  videoConstraints,
  type MediaDevicesLike,
} from './devices';
import { readInboundAudio, readInboundVideo } from './stats';

function domError(name: string, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} happened`), { name, ...extra });
}

describe('getUserMedia errors', () => {
  it.each([
    ['NotAllowedError', 'permission_denied'],
    ['NotFoundError', 'no_device'],
    ['NotReadableError', 'device_in_use'],
    ['AbortError', 'aborted'],
    ['Weird', 'unknown'],
  ])('maps %s to %s', (name, code) => {
    expect(toMediaAccessError(domError(name), 'camera').code).toBe(code);
  });

  it('treats an unsatisfiable deviceId as a missing device', () => {
    expect(toMediaAccessError(domError('OverconstrainedError', { constraint: 'deviceId' }), 'microphone').code).toBe('no_device');
    expect(toMediaAccessError(domError('OverconstrainedError', { constraint: 'width' }), 'camera').code).toBe('overconstrained');
  });

  it('throws a typed error from getMicrophoneTrack', async () => {
    const devices = {
      getUserMedia: () => Promise.reject(domError('NotAllowedError')),
    } as unknown as MediaDevicesLike;
    const error = await getMicrophoneTrack({}, devices).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MediaAccessError);
    expect(error).toMatchObject({ code: 'permission_denied', kind: 'microphone' });
  });
});

describe('constraints', () => {
  it('builds audio constraints with processing toggles and an exact device', () => {
    expect(audioConstraints({ deviceId: 'mic-2', processing: { noiseSuppression: false } })).toEqual({
      deviceId: { exact: 'mic-2' },
      echoCancellation: true,
      noiseSuppression: false,
      autoGainControl: true,
    });
  });

  it('builds 360p and 720p video constraints', () => {
    expect(videoConstraints({ quality: '360p' })).toMatchObject({ width: { ideal: 640 }, height: { ideal: 360 } });
    expect(videoConstraints()).toMatchObject({ width: { ideal: 1280 }, height: { ideal: 720 } });
  });
});

describe('audio level', () => {
  it('is 0 for silence and grows with amplitude, capped at 1', () => {
    expect(rmsLevel(new Float32Array(128))).toBe(0);
    const quiet = rmsLevel(new Float32Array(128).fill(0.01));
    const loud = rmsLevel(new Float32Array(128).fill(0.2));
    expect(quiet).toBeGreaterThan(0);
    expect(loud).toBeGreaterThan(quiet);
    expect(rmsLevel(new Float32Array(128).fill(1))).toBe(1);
  });
});

describe('stats readers', () => {
  const report = [
    { type: 'inbound-rtp', kind: 'video', mid: '1', framesDecoded: 42, frameWidth: 640, frameHeight: 360 },
    { type: 'inbound-rtp', kind: 'video', trackIdentifier: 'track-b', framesDecoded: 7 },
    { type: 'inbound-rtp', kind: 'audio', mid: '0', totalAudioEnergy: 0.5, totalSamplesReceived: 48000 },
    { type: 'outbound-rtp', kind: 'video', mid: '9', framesEncoded: 1 },
  ];

  it('reads frames decoded per mid, through the track when mid is missing', () => {
    const video = readInboundVideo(report, new Map([['track-b', '3']]));
    expect([...video.keys()]).toEqual(['1', '3']);
    expect(video.get('1')).toMatchObject({ framesDecoded: 42, frameHeight: 360 });
  });

  it('reads audio energy per mid', () => {
    expect(readInboundAudio(report).get('0')).toMatchObject({ totalAudioEnergy: 0.5, totalSamplesReceived: 48000 });
  });
});
