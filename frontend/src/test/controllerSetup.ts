/**
 * A MeetingController on a real SignalingClient over a scripted fake server,
 * fake peer connections and devices, and a scripted entry API: the setup the
 * controller tests share. Imported by tests only.
 */
import { vi } from 'vitest';
import type { MediaDevicesLike } from '../media/devices';
import { MeetingController, type JoinOptions } from '../meeting/MeetingController';
import { SignalingClient } from '../signaling/SignalingClient';
import type { Joined, ParticipantInfo } from '../signaling/types';
import { fakeMediaStream, fakePeerConnectionFactory, fakeTrack } from './fakePeerConnection';
import { FakeEntryApi } from './fakeEntry';
import { FakeSocketServer, type FakeSocket } from './fakeSocket';
import { joined, participant, stream } from './messages';

/** getUserMedia that always succeeds with fake tracks. */
export function fakeDevices(): MediaDevicesLike {
  const capture = (constraints?: MediaStreamConstraints) => {
    const audio = constraints?.audio ? [fakeTrack('audio')] : [];
    const video = constraints?.video ? [fakeTrack('video')] : [];
    return Promise.resolve({ getAudioTracks: () => audio, getVideoTracks: () => video } as unknown as MediaStream);
  };
  return {
    getUserMedia: capture,
    getDisplayMedia: capture,
    enumerateDevices: () => Promise.resolve([]),
  };
}

export interface Setup {
  server: FakeSocketServer;
  controller: MeetingController;
  socket: () => FakeSocket;
  entry: FakeEntryApi;
}

/**
 * A controller on a real SignalingClient and a scripted server: `join` gets
 * the snapshot `snapshot(selfId)` (self ids self1, self2… per connection),
 * `publish` gets `published`, other requests `ack`.
 */
export function setup(
  snapshot: (selfId: string) => Partial<Joined> = () => ({}),
  /** Answers some messages differently; undefined: the default answer. */
  override: (message: Record<string, unknown>, id: string) => object | undefined = () => undefined,
  entry: FakeEntryApi = new FakeEntryApi(),
): Setup {
  let sessions = 0;
  const server = new FakeSocketServer((message) => {
    const id = typeof message.id === 'string' ? message.id : null;
    if (id === null) return null;
    const special = override(message, id);
    if (special !== undefined) return special;
    switch (message.type) {
      case 'join': {
        sessions += 1;
        const selfId = `self${sessions}`;
        const extra = snapshot(selfId);
        return joined(selfId, {
          reply_to: id,
          ...extra,
          participants: [...(extra.participants ?? []), participant(selfId)],
        });
      }
      case 'publish': {
        const sources = message.sources as Record<string, 'microphone' | 'camera' | 'screen' | 'screen_audio'>;
        return {
          type: 'published',
          reply_to: id,
          sdp: 'answer',
          streams: Object.entries(sources).map(([mid, source]) => stream(mid, source)),
        };
      }
      case 'ping':
        return { type: 'pong', reply_to: id };
      default:
        return { type: 'ack', reply_to: id };
    }
  });
  const controller = new MeetingController({
    slug: 'abcd-efgh-ijkl',
    createSignaling: (slug) =>
      new SignalingClient({
        slug,
        url: 'ws://visio.test/api/v1/rooms/abcd-efgh-ijkl/ws',
        socketFactory: server.factory,
        backoff: { initialDelayMs: 500, maxDelayMs: 8000, factor: 2, jitter: 0 },
      }),
    createPeerConnection: fakePeerConnectionFactory,
    createMediaStream: fakeMediaStream,
    mediaDevices: fakeDevices(),
    entryApi: entry,
  });
  return { server, controller, socket: () => server.current, entry };
}

export async function joinMeeting(
  { server, controller }: Setup,
  options: JoinOptions = { microphone: false, camera: false },
): Promise<void> {
  const joining = controller.join('Alice', options);
  await vi.advanceTimersByTimeAsync(0);
  server.current.open();
  await vi.advanceTimersByTimeAsync(0);
  await joining;
  await vi.advanceTimersByTimeAsync(0);
}


export const bob = (overrides: Partial<ParticipantInfo> = {}) => participant('bob', { streams: 'av', ...overrides });
