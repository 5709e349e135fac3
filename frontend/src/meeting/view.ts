/**
 * Builds the UI's `Participant` objects from the roster, the hands and the
 * media. Objects are reused while their inputs are unchanged, so that a
 * React tile re-renders only when its own participant changed.
 */
import type { ParticipantInfo, Source } from '../signaling/types';
import type {
  ConnectionQuality,
  MediaBySource,
  MeetingStatus,
  Participant,
  SourceFlags,
} from './types';

const NO_MEDIA: MediaBySource = Object.freeze({});

interface Inputs {
  info: ParticipantInfo;
  isSelf: boolean;
  handRaised: boolean;
  media: MediaBySource;
}

function flags(pick: (source: Source) => boolean): SourceFlags {
  return { microphone: pick('microphone'), camera: pick('camera'), screen: pick('screen'), screen_audio: pick('screen_audio') };
}

function build({ info, isSelf, handRaised, media }: Inputs): Participant {
  const bySource = new Map(info.streams.map((s) => [s.source, s]));
  const publishing = flags((source) => bySource.has(source));
  const muted = flags((source) => bySource.get(source)?.muted ?? false);
  return Object.freeze({
    id: info.id,
    displayName: info.display_name,
    joinedAt: info.joined_at,
    isSelf,
    role: info.role,
    sharedMicrophone: info.shared_microphone,
    streams: info.streams,
    publishing,
    muted,
    microphoneOn: publishing.microphone && !muted.microphone,
    cameraOn: publishing.camera && !muted.camera,
    screenSharing: publishing.screen,
    speaking: info.speaking,
    handRaised,
    media,
  });
}

/** Memoised participant views, one cache per controller. */
export class ParticipantViews {
  private cache = new Map<string, { inputs: Inputs; view: Participant }>();

  build(
    participants: readonly ParticipantInfo[],
    selfId: string | null,
    hands: readonly string[],
    mediaOf: (id: string, isSelf: boolean) => MediaBySource | undefined,
  ): readonly Participant[] {
    const raised = new Set(hands);
    const next = new Map<string, { inputs: Inputs; view: Participant }>();
    const views = participants.map((info) => {
      const isSelf = info.id === selfId;
      const inputs: Inputs = {
        info,
        isSelf,
        // `hands` is authoritative; `hand_raised` in ParticipantInfo may be stale.
        handRaised: raised.has(info.id),
        media: mediaOf(info.id, isSelf) ?? NO_MEDIA,
      };
      const cached = this.cache.get(info.id);
      const view =
        cached !== undefined && sameInputs(cached.inputs, inputs) ? cached.view : build(inputs);
      next.set(info.id, { inputs, view });
      return view;
    });
    this.cache = next;
    return Object.freeze(views);
  }
}

function sameInputs(a: Inputs, b: Inputs): boolean {
  return a.info === b.info && a.isSelf === b.isSelf && a.handRaised === b.handRaised && a.media === b.media;
}

/** Whether two media records hold the same streams. */
export function sameMedia(a: MediaBySource, b: MediaBySource): boolean {
  const keys = Object.keys(a) as Source[];
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * Received streams grouped by participant, reusing a participant's previous
 * record while its streams are the same (its tile need not re-render).
 */
export function groupRemoteMedia(
  streams: Iterable<{ participantId: string; source: Source; stream: MediaStream }>,
  previous: Readonly<Record<string, MediaBySource>>,
): Readonly<Record<string, MediaBySource>> {
  const grouped: Record<string, Partial<Record<Source, MediaStream>>> = {};
  for (const entry of streams) (grouped[entry.participantId] ??= {})[entry.source] = entry.stream;
  const next: Record<string, MediaBySource> = {};
  for (const [id, media] of Object.entries(grouped)) {
    const before = previous[id];
    next[id] = before !== undefined && sameMedia(before, media) ? before : Object.freeze(media);
  }
  return Object.freeze(next);
}

/** The quality indicator from the meeting status and the peer connections' states. */
export function connectionQuality(
  status: MeetingStatus,
  peers: Readonly<Record<'publisher' | 'subscriber', RTCPeerConnectionState>>,
): ConnectionQuality {
  if (status === 'failed' || status === 'ended') return 'lost';
  if (status === 'reconnecting') return 'reconnecting';
  const states = Object.values(peers);
  if (states.includes('failed')) return 'lost';
  if (states.includes('disconnected')) return 'reconnecting';
  return 'ok';
}
