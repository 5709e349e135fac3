/**
 * A microphone level meter for the pre-join screen ("is my microphone
 * working?"): an AnalyserNode read a few times a second.
 */

/** Level (0..1) of time-domain samples in -1..1: RMS, scaled so speech reaches ~0.5–1. */
export function rmsLevel(samples: ArrayLike<number>): number {
  if (samples.length === 0) return 0;
  let sum = 0;
  for (let i = 0; i < samples.length; i += 1) {
    const sample = samples[i] ?? 0;
    sum += sample * sample;
  }
  const rms = Math.sqrt(sum / samples.length);
  // Speech RMS is ~0.02–0.2; a square root spreads it over the meter.
  return Math.min(1, Math.sqrt(rms * 4));
}

/** Options of {@link AudioLevelMeter}. */
export interface AudioLevelMeterOptions {
  /** Called with each new level, 0..1. */
  onLevel: (level: number) => void;
  /** How often to read the level (default 100 ms). */
  intervalMs?: number;
  /** An AudioContext to use (default: a new one, closed by stop()). */
  audioContext?: AudioContext;
}

/**
 * Measures the level of an audio track until {@link stop}. The track is not
 * stopped. The AudioContext may start suspended until a user gesture: the
 * meter resumes it, and reports 0 until it runs.
 */
export class AudioLevelMeter {
  private readonly context: AudioContext;
  private readonly ownsContext: boolean;
  private readonly source: MediaStreamAudioSourceNode;
  private readonly analyser: AnalyserNode;
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly samples: Float32Array<ArrayBuffer>;

  constructor(track: MediaStreamTrack, options: AudioLevelMeterOptions) {
    this.ownsContext = options.audioContext === undefined;
    this.context = options.audioContext ?? new AudioContext();
    this.source = this.context.createMediaStreamSource(new MediaStream([track]));
    this.analyser = this.context.createAnalyser();
    this.analyser.fftSize = 1024;
    this.samples = new Float32Array(this.analyser.fftSize);
    // Not connected to the destination: the user must not hear themselves.
    this.source.connect(this.analyser);
    void this.context.resume().catch(() => undefined);
    this.timer = setInterval(() => {
      this.analyser.getFloatTimeDomainData(this.samples);
      options.onLevel(rmsLevel(this.samples));
    }, options.intervalMs ?? 100);
  }

  /** Stops measuring and releases the audio graph. */
  stop(): void {
    clearInterval(this.timer);
    this.source.disconnect();
    if (this.ownsContext) void this.context.close().catch(() => undefined);
  }
}
