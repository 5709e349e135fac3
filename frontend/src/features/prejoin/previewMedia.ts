/**
 * The pre-join screen's own camera and microphone: opened before joining
 * (preview, level meter), then handed over to the meeting controller.
 * Plain TypeScript (no React): the hook `usePreviewMedia` reads it as a store.
 */
import {
  audioConstraints,
  getCameraTrack,
  getMicrophoneTrack,
  MediaAccessError,
  toMediaAccessError,
  videoConstraints,
  type MediaDevicesLike,
} from '../../media/devices';

export type PreviewKind = 'microphone' | 'camera';

export interface PreviewSource {
  /** The open track, or null (off, opening, or failed). */
  track: MediaStreamTrack | null;
  /** Why the last attempt to open it failed, or null. */
  error: MediaAccessError | null;
  /** True while it is being opened. */
  opening: boolean;
}

export interface PreviewState {
  microphone: PreviewSource;
  camera: PreviewSource;
}

export interface Wanted {
  on: boolean;
  /** The chosen device, or null for the browser's default. */
  deviceId: string | null;
}

const IDLE: PreviewSource = Object.freeze({ track: null, error: null, opening: false });

function noMediaDevices(kind: PreviewKind): MediaAccessError {
  return new MediaAccessError('unsupported', kind, 'navigator.mediaDevices is missing (not a secure context?)');
}

/**
 * Opens what is wanted and closes what is not, one step at a time (the user
 * may click faster than devices open). The first time both are wanted they
 * are asked for together, so the browser shows one permission prompt; if
 * that fails, each is tried alone to learn which one works.
 */
export class PreviewMedia {
  private state: PreviewState = { microphone: IDLE, camera: IDLE };
  private readonly listeners = new Set<() => void>();
  private readonly wanted: Record<PreviewKind, Wanted> = {
    microphone: { on: false, deviceId: null },
    camera: { on: false, deviceId: null },
  };
  /** The device each open track was asked for. */
  private readonly openedWith: Record<PreviewKind, string | null> = { microphone: null, camera: null };
  private running = false;
  private again = false;
  private askedTogether = false;
  private stopped = false;

  constructor(private readonly devices: MediaDevicesLike | undefined) {}

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  };

  getSnapshot = (): PreviewState => this.state;

  /** Wants `kind` on or off, with a device; the change happens asynchronously. */
  want(kind: PreviewKind, wanted: Wanted): void {
    this.wanted[kind] = { ...wanted };
    void this.reconcile();
  }

  /** Tries `kind` again after a failure (the user fixed the permission or plugged a device in). */
  retry(kind: PreviewKind): void {
    if (this.state[kind].error === null) return;
    this.set(kind, IDLE);
    void this.reconcile();
  }

  /**
   * Hands the open tracks over (to the meeting controller): they are no
   * longer stopped by {@link stop}.
   */
  take(): { microphone?: MediaStreamTrack; camera?: MediaStreamTrack } {
    const taken = {
      ...(this.state.microphone.track !== null ? { microphone: this.state.microphone.track } : {}),
      ...(this.state.camera.track !== null ? { camera: this.state.camera.track } : {}),
    };
    this.stopped = true;
    this.state = { microphone: IDLE, camera: IDLE };
    this.emit();
    return taken;
  }

  /** Stops every track; nothing opens after this. */
  stop(): void {
    this.stopped = true;
    this.state.microphone.track?.stop();
    this.state.camera.track?.stop();
    this.state = { microphone: IDLE, camera: IDLE };
    this.emit();
  }

  private set(kind: PreviewKind, source: PreviewSource): void {
    this.state = { ...this.state, [kind]: source };
    this.emit();
  }

  private emit(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private needsOpen(kind: PreviewKind): boolean {
    const wanted = this.wanted[kind];
    const current = this.state[kind];
    if (!wanted.on) return false;
    if (current.track === null) return current.error === null || this.openedWith[kind] !== wanted.deviceId;
    return this.openedWith[kind] !== wanted.deviceId;
  }

  private close(kind: PreviewKind): void {
    this.state[kind].track?.stop();
    this.set(kind, IDLE);
  }

  private async reconcile(): Promise<void> {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    try {
      do {
        this.again = false;
        for (const kind of ['microphone', 'camera'] as const) {
          if (!this.wanted[kind].on && (this.state[kind].track !== null || this.state[kind].error !== null)) this.close(kind);
        }
        const toOpen = (['microphone', 'camera'] as const).filter((kind) => this.needsOpen(kind));
        if (toOpen.length === 2 && !this.askedTogether) {
          this.askedTogether = true;
          if (await this.openTogether()) continue;
        }
        for (const kind of toOpen) await this.open(kind);
      } while (this.again && !this.stopped);
    } finally {
      this.running = false;
    }
  }

  /** Both at once (one prompt). Returns false if that failed: then each is tried alone. */
  private async openTogether(): Promise<boolean> {
    if (this.devices === undefined) return false;
    const mic = this.wanted.microphone.deviceId;
    const cam = this.wanted.camera.deviceId;
    this.set('microphone', { ...IDLE, opening: true });
    this.set('camera', { ...IDLE, opening: true });
    try {
      const stream = await this.devices.getUserMedia({
        audio: audioConstraints({ deviceId: mic }),
        video: videoConstraints({ deviceId: cam, quality: '720p' }),
      });
      const audio = stream.getAudioTracks()[0];
      const video = stream.getVideoTracks()[0];
      if (this.stopped || audio === undefined || video === undefined) {
        for (const track of stream.getTracks()) track.stop();
        return this.stopped;
      }
      this.openedWith.microphone = mic;
      this.openedWith.camera = cam;
      this.set('microphone', { track: audio, error: null, opening: false });
      this.set('camera', { track: video, error: null, opening: false });
      return true;
    } catch {
      return false;
    }
  }

  private async open(kind: PreviewKind): Promise<void> {
    const deviceId = this.wanted[kind].deviceId;
    const previous = this.state[kind].track;
    this.set(kind, { track: previous, error: null, opening: true });
    try {
      if (this.devices === undefined) throw noMediaDevices(kind);
      const track =
        kind === 'microphone'
          ? await getMicrophoneTrack({ deviceId }, this.devices)
          : await getCameraTrack({ deviceId, quality: '720p' }, this.devices);
      if (this.stopped || !this.wanted[kind].on) {
        track.stop();
        if (!this.stopped) this.set(kind, IDLE);
        return;
      }
      previous?.stop();
      this.openedWith[kind] = deviceId;
      this.set(kind, { track, error: null, opening: false });
    } catch (error) {
      previous?.stop();
      this.openedWith[kind] = deviceId;
      if (!this.stopped) this.set(kind, { track: null, error: toMediaAccessError(error, kind), opening: false });
    }
  }
}
