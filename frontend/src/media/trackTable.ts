/**
 * Which received track belongs to which (participant, source): the pure part
 * of the subscriber (protocol.md, "Map tracks by mid, from the latest
 * `streams` list").
 *
 * Janus recycles m-lines: when a stream goes away its m-line becomes
 * inactive, and a later offer may reuse that mid (and the browser the same
 * `MediaStreamTrack`) for another stream, of another participant. So tracks
 * are never identified by track id, stream id or SSRC: after each offer the
 * whole table is rebuilt from that offer's `streams`.
 */
import type { Source, SubscribedStreamInfo } from '../signaling/types';

/** `"<participant_id>/<source>"`: one received stream per participant and source. */
export type StreamKey = `${string}/${Source}`;

export function streamKey(participantId: string, source: Source): StreamKey {
  return `${participantId}/${source}`;
}

/** A receiver of the subscriber connection: its m-line's mid and its track. */
export interface ReceiverSlot<T> {
  mid: string | null;
  track: T;
}

/** A received stream and the track that currently carries it. */
export interface MappedTrack<T> {
  key: StreamKey;
  participantId: string;
  source: Source;
  kind: 'audio' | 'video';
  /** Subscriber-side mid. */
  mid: string;
  /** The publisher-side mid (`StreamInfo.mid`). */
  publisherMid: string;
  track: T;
}

/**
 * Maps every receiver whose mid is listed in the latest offer's `streams` to
 * its (participant, source). Receivers whose mid is not listed are inactive
 * m-lines and carry nothing: they are left out.
 */
export function mapTracksByMid<T>(
  streams: readonly SubscribedStreamInfo[],
  receivers: readonly ReceiverSlot<T>[],
): Map<StreamKey, MappedTrack<T>> {
  const byMid = new Map(streams.map((info) => [info.mid, info]));
  const mapped = new Map<StreamKey, MappedTrack<T>>();
  for (const { mid, track } of receivers) {
    if (mid === null) continue;
    const info = byMid.get(mid);
    if (info === undefined) continue;
    const key = streamKey(info.participant_id, info.source);
    mapped.set(key, {
      key,
      participantId: info.participant_id,
      source: info.source,
      kind: info.kind,
      mid,
      publisherMid: info.publisher_mid,
      track,
    });
  }
  return mapped;
}

/** The subset of `MediaStream` that {@link RemoteStreams} uses. */
export interface StreamLike<T> {
  getTracks(): T[];
  addTrack(track: T): void;
  removeTrack(track: T): void;
}

/** A received stream, as the UI shows it. */
export interface RemoteStream<T, S> extends MappedTrack<T> {
  /**
   * A stream holding exactly this one track. It stays the same object while
   * the (participant, source) is received, even when the track under it
   * changes, so a `<video>`'s `srcObject` never needs to be reset (resetting
   * it aborts `play()`).
   */
  stream: S;
}

/**
 * One stream object per (participant, source), whose single track is swapped
 * as m-lines are recycled.
 */
export class RemoteStreams<T, S extends StreamLike<T>> {
  private current = new Map<StreamKey, RemoteStream<T, S>>();

  constructor(private readonly createStream: () => S) {}

  /** The streams now received, by key. */
  get all(): ReadonlyMap<StreamKey, RemoteStream<T, S>> {
    return this.current;
  }

  /**
   * Applies a new mapping; returns true when anything the UI shows changed
   * (a stream appeared, went away, or got another track).
   */
  apply(mapped: ReadonlyMap<StreamKey, MappedTrack<T>>): boolean {
    let changed = mapped.size !== this.current.size;
    const next = new Map<StreamKey, RemoteStream<T, S>>();
    for (const [key, entry] of mapped) {
      const previous = this.current.get(key);
      const stream = previous?.stream ?? this.createStream();
      for (const track of stream.getTracks()) {
        if (track !== entry.track) stream.removeTrack(track);
      }
      if (!stream.getTracks().includes(entry.track)) {
        stream.addTrack(entry.track);
        changed = true;
      }
      if (previous === undefined || previous.mid !== entry.mid) changed = true;
      next.set(key, { ...entry, stream });
    }
    for (const [key, gone] of this.current) {
      if (!next.has(key)) {
        // Another stream may now own this track (a recycled m-line): only detach it here.
        for (const track of gone.stream.getTracks()) gone.stream.removeTrack(track);
        changed = true;
      }
    }
    this.current = next;
    return changed;
  }

  /** Forgets every stream (connection closed). */
  clear(): void {
    this.apply(new Map());
  }
}
