/**
 * The local capture devices of a meeting: which tracks are open, which are
 * enabled, which device each uses. It owns the tracks (and stops them); it
 * knows nothing about signaling or peer connections.
 */
import {
  getCameraTrack,
  getMicrophoneTrack,
  getScreenCapture,
  MediaAccessError,
  toMediaAccessError,
  type AudioProcessing,
  type MediaDevicesLike,
  type ScreenCapture,
  type VideoQuality,
} from '../media/devices';
import type { LocalMediaState, LocalSource } from './types';

export interface LocalMediaOptions {
  mediaDevices?: MediaDevicesLike;
  createMediaStream: () => MediaStream;
  videoQuality: VideoQuality;
  audioProcessing: Partial<AudioProcessing>;
  /** Called after every change of {@link LocalMedia.state}. */
  onChange: () => void;
}

export class LocalMedia {
  private microphone: LocalSource = { track: null, enabled: true, deviceId: null };
  private camera: LocalSource = { track: null, enabled: true, deviceId: null };
  private speakerId: string | null = null;
  private screen: ScreenCapture | null = null;
  private cameraStream: MediaStream | null = null;
  private screenStream: MediaStream | null = null;
  private error: LocalMediaState['error'] = null;
  private snapshot: LocalMediaState;

  constructor(private readonly options: LocalMediaOptions) {
    this.snapshot = this.build();
  }

  /** The immutable state for the UI. */
  get state(): LocalMediaState {
    return this.snapshot;
  }

  get microphoneTrack(): MediaStreamTrack | null {
    return this.microphone.track;
  }

  get cameraTrack(): MediaStreamTrack | null {
    return this.camera.track;
  }

  get microphoneEnabled(): boolean {
    return this.microphone.enabled;
  }

  get cameraEnabled(): boolean {
    return this.camera.enabled;
  }

  /** Takes over tracks opened by the pre-join screen, and the wanted states. */
  adopt(options: {
    microphone: boolean;
    camera: boolean;
    tracks?: { microphone?: MediaStreamTrack; camera?: MediaStreamTrack };
    devices?: { microphone?: string; camera?: string; speaker?: string };
  }): void {
    this.microphone = {
      track: options.tracks?.microphone ?? this.microphone.track,
      enabled: options.microphone,
      deviceId: options.devices?.microphone ?? this.microphone.deviceId,
    };
    this.camera = {
      track: options.tracks?.camera ?? this.camera.track,
      enabled: options.camera,
      deviceId: options.devices?.camera ?? this.camera.deviceId,
    };
    this.speakerId = options.devices?.speaker ?? this.speakerId;
    if (!options.camera) this.stopCamera();
    this.applyEnabled();
    this.changed();
  }

  /**
   * Opens the microphone if it is wanted and not open. A failure is recorded
   * in `state.error` and the microphone is then disabled; returns the track
   * or null.
   */
  async ensureMicrophone(): Promise<MediaStreamTrack | null> {
    if (this.microphone.track !== null) return this.microphone.track;
    try {
      const track = await getMicrophoneTrack(
        { deviceId: this.microphone.deviceId, processing: this.options.audioProcessing },
        this.options.mediaDevices,
      );
      track.enabled = this.microphone.enabled;
      this.microphone = { ...this.microphone, track };
      this.error = null;
      return track;
    } catch (error) {
      this.fail(error, 'microphone');
      this.microphone = { ...this.microphone, enabled: false };
      return null;
    } finally {
      this.changed();
    }
  }

  /** Like {@link ensureMicrophone}, for the camera (opened when enabled). */
  async ensureCamera(): Promise<MediaStreamTrack | null> {
    if (this.camera.track !== null) return this.camera.track;
    try {
      const track = await getCameraTrack(
        { deviceId: this.camera.deviceId, quality: this.options.videoQuality },
        this.options.mediaDevices,
      );
      this.camera = { ...this.camera, track, enabled: true };
      this.error = null;
      return track;
    } catch (error) {
      this.fail(error, 'camera');
      this.camera = { ...this.camera, enabled: false };
      return null;
    } finally {
      this.changed();
    }
  }

  /** Mutes or unmutes the microphone track (it stays open: unmuting is instant). */
  setMicrophoneEnabled(enabled: boolean): void {
    this.microphone = { ...this.microphone, enabled };
    this.applyEnabled();
    this.changed();
  }

  /** Wants the camera on (call {@link ensureCamera}) or off (the device is released). */
  setCameraEnabled(enabled: boolean): void {
    this.camera = { ...this.camera, enabled };
    // Off means the device is released: the camera light goes off.
    if (!enabled) this.stopCamera();
    this.changed();
  }

  /**
   * Opens `deviceId` for `kind` in place of the current track, which is
   * returned (not yet stopped: stop it once the new one is sent). When the
   * source has no track (camera off), only the choice is recorded.
   * Throws {@link MediaAccessError}.
   */
  async switchDevice(
    kind: 'microphone' | 'camera',
    deviceId: string,
  ): Promise<{ previous: MediaStreamTrack; next: MediaStreamTrack } | null> {
    const source = kind === 'microphone' ? this.microphone : this.camera;
    if (source.track === null) {
      this.set(kind, { ...source, deviceId });
      this.changed();
      return null;
    }
    try {
      const next =
        kind === 'microphone'
          ? await getMicrophoneTrack({ deviceId, processing: this.options.audioProcessing }, this.options.mediaDevices)
          : await getCameraTrack({ deviceId, quality: this.options.videoQuality }, this.options.mediaDevices);
      next.enabled = source.enabled;
      const previous = source.track;
      this.set(kind, { ...source, track: next, deviceId });
      this.error = null;
      return { previous, next };
    } catch (error) {
      this.fail(error, kind);
      throw toMediaAccessError(error, kind);
    } finally {
      this.changed();
    }
  }

  setSpeaker(deviceId: string): void {
    this.speakerId = deviceId;
    this.changed();
  }

  /** Opens the browser's screen picker. Throws {@link MediaAccessError}. */
  async startScreen(onEnded: () => void): Promise<ScreenCapture> {
    if (this.screen !== null) return this.screen;
    try {
      const capture = await getScreenCapture({}, this.options.mediaDevices);
      // The browser's own "Stop sharing" button ends the track.
      capture.video.addEventListener('ended', onEnded, { once: true });
      this.screen = capture;
      return capture;
    } catch (error) {
      // A dismissed picker is the user's choice, not an error to show.
      const mapped = toMediaAccessError(error, 'screen');
      if (mapped.code !== 'aborted') this.fail(mapped, 'screen');
      throw mapped;
    } finally {
      this.changed();
    }
  }

  stopScreen(): void {
    if (this.screen === null) return;
    this.screen.video.stop();
    this.screen.audio?.stop();
    this.screen = null;
    this.changed();
  }

  /** Stops every track (leaving). */
  stopAll(): void {
    this.microphone.track?.stop();
    this.microphone = { ...this.microphone, track: null };
    this.stopCamera();
    this.stopScreen();
    this.changed();
  }

  private set(kind: 'microphone' | 'camera', source: LocalSource): void {
    if (kind === 'microphone') this.microphone = source;
    else this.camera = source;
  }

  private stopCamera(): void {
    this.camera.track?.stop();
    this.camera = { ...this.camera, track: null };
  }

  private applyEnabled(): void {
    if (this.microphone.track !== null) this.microphone.track.enabled = this.microphone.enabled;
  }

  private fail(error: unknown, kind: 'microphone' | 'camera' | 'screen'): void {
    const mapped = error instanceof MediaAccessError ? error : toMediaAccessError(error, kind);
    this.error = { code: mapped.code, kind, message: mapped.message };
  }

  private previewOf(track: MediaStreamTrack | null, current: MediaStream | null): MediaStream | null {
    if (track === null) return null;
    if (current !== null && current.getTracks().length === 1 && current.getTracks()[0] === track) {
      return current;
    }
    const stream = this.options.createMediaStream();
    stream.addTrack(track);
    return stream;
  }

  private build(): LocalMediaState {
    this.cameraStream = this.previewOf(this.camera.track, this.cameraStream);
    this.screenStream = this.previewOf(this.screen?.video ?? null, this.screenStream);
    return Object.freeze({
      microphone: this.microphone,
      camera: this.camera,
      speakerId: this.speakerId,
      screen: this.screen === null ? null : { video: this.screen.video, audio: this.screen.audio },
      cameraStream: this.cameraStream,
      screenStream: this.screenStream,
      error: this.error,
    });
  }

  private changed(): void {
    this.snapshot = this.build();
    this.options.onChange();
  }
}
