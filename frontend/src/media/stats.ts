/**
 * Small readers of `getStats()` for health checks, tests and a connection
 * quality indicator. They read plain stats objects, so they work on any
 * `RTCStatsReport`-like iterable.
 */

/** Decoding progress of one received video m-line. */
export interface InboundVideoStats {
  mid: string;
  framesDecoded: number;
  frameWidth: number | null;
  frameHeight: number | null;
  framesPerSecond: number | null;
  packetsLost: number;
}

/** Energy of one received audio m-line (grows while sound is played out). */
export interface InboundAudioStats {
  mid: string;
  totalAudioEnergy: number;
  totalSamplesReceived: number;
  audioLevel: number | null;
}

/** What these helpers need of a peer connection. */
export interface StatsSource {
  getStats(): Promise<RTCStatsReport>;
  getTransceivers(): RTCRtpTransceiver[];
}

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * The mid of an `inbound-rtp` entry: `mid` where the browser reports it
 * (Chromium does), else found through the receiver whose track it is.
 */
function midOf(stat: Record<string, unknown>, trackMids: ReadonlyMap<string, string>): string | null {
  if (typeof stat.mid === 'string') return stat.mid;
  if (typeof stat.trackIdentifier === 'string') return trackMids.get(stat.trackIdentifier) ?? null;
  return null;
}

function inbound(
  report: Iterable<Record<string, unknown>>,
  kind: 'audio' | 'video',
  trackMids: ReadonlyMap<string, string>,
): [string, Record<string, unknown>][] {
  const found: [string, Record<string, unknown>][] = [];
  for (const stat of report) {
    if (stat.type !== 'inbound-rtp' || stat.kind !== kind) continue;
    const mid = midOf(stat, trackMids);
    if (mid !== null) found.push([mid, stat]);
  }
  return found;
}

/** Pure part of {@link inboundVideoStats}, on the report's entries. */
export function readInboundVideo(
  report: Iterable<Record<string, unknown>>,
  trackMids: ReadonlyMap<string, string> = new Map(),
): Map<string, InboundVideoStats> {
  const result = new Map<string, InboundVideoStats>();
  for (const [mid, stat] of inbound(report, 'video', trackMids)) {
    result.set(mid, {
      mid,
      framesDecoded: num(stat.framesDecoded) ?? 0,
      frameWidth: num(stat.frameWidth),
      frameHeight: num(stat.frameHeight),
      framesPerSecond: num(stat.framesPerSecond),
      packetsLost: num(stat.packetsLost) ?? 0,
    });
  }
  return result;
}

/** Pure part of {@link inboundAudioEnergy}, on the report's entries. */
export function readInboundAudio(
  report: Iterable<Record<string, unknown>>,
  trackMids: ReadonlyMap<string, string> = new Map(),
): Map<string, InboundAudioStats> {
  const result = new Map<string, InboundAudioStats>();
  for (const [mid, stat] of inbound(report, 'audio', trackMids)) {
    result.set(mid, {
      mid,
      totalAudioEnergy: num(stat.totalAudioEnergy) ?? 0,
      totalSamplesReceived: num(stat.totalSamplesReceived) ?? 0,
      audioLevel: num(stat.audioLevel),
    });
  }
  return result;
}

async function entries(pc: StatsSource): Promise<{
  report: Record<string, unknown>[];
  trackMids: Map<string, string>;
}> {
  const stats = await pc.getStats();
  const report: Record<string, unknown>[] = [];
  stats.forEach((value: unknown) => {
    if (typeof value === 'object' && value !== null) report.push(value as Record<string, unknown>);
  });
  const trackMids = new Map<string, string>();
  for (const transceiver of pc.getTransceivers()) {
    if (transceiver.mid !== null) trackMids.set(transceiver.receiver.track.id, transceiver.mid);
  }
  return { report, trackMids };
}

/** Frames decoded (and size, rate) per received video mid of `pc`. */
export async function inboundVideoStats(pc: StatsSource): Promise<Map<string, InboundVideoStats>> {
  const { report, trackMids } = await entries(pc);
  return readInboundVideo(report, trackMids);
}

/**
 * Audio energy per received audio mid of `pc`. Remote audio counts only
 * while an `<audio>`/`<video>` element plays it (see notes/browser.md).
 */
export async function inboundAudioEnergy(pc: StatsSource): Promise<Map<string, InboundAudioStats>> {
  const { report, trackMids } = await entries(pc);
  return readInboundAudio(report, trackMids);
}
