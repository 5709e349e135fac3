/**
 * Local capture: constraints, `getUserMedia` / `getDisplayMedia` with typed
 * errors, and device lists. No React.
 */

/** Why local media could not be had. */
export type MediaAccessErrorCode =
  /** The user or a policy refused (NotAllowedError, SecurityError). */
  | 'permission_denied'
  /** No such device, or the chosen one is gone (NotFoundError, OverconstrainedError on deviceId). */
  | 'no_device'
  /** The device exists but cannot be opened (used by another program: NotReadableError). */
  | 'device_in_use'
  /** The device cannot satisfy the constraints (OverconstrainedError on another constraint). */
  | 'overconstrained'
  /** Not a secure context, or the browser has no such API. */
  | 'unsupported'
  /** The user closed the screen picker, or the request was aborted. */
  | 'aborted'
  | 'unknown';

/** What was being captured. */
export type CaptureKind = 'microphone' | 'camera' | 'screen';

/** A failed capture, with a code the UI can turn into a message. */
export class MediaAccessError extends Error {
  override readonly name = 'MediaAccessError';

  constructor(
    readonly code: MediaAccessErrorCode,
    readonly kind: CaptureKind,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'name' in error) {
    const { name } = error as { name: unknown };
    if (typeof name === 'string') return name;
  }
  return '';
}

/** Maps a `getUserMedia` / `getDisplayMedia` failure to a {@link MediaAccessError}. */
export function toMediaAccessError(error: unknown, kind: CaptureKind): MediaAccessError {
  if (error instanceof MediaAccessError) return error;
  const name = errorName(error);
  const text = error instanceof Error ? error.message : String(error);
  const code = ((): MediaAccessErrorCode => {
    switch (name) {
      case 'NotAllowedError':
      case 'SecurityError':
      case 'PermissionDeniedError':
        // Chrome reports a dismissed screen picker as NotAllowedError too.
        return kind === 'screen' && /dismiss|cancel/i.test(text) ? 'aborted' : 'permission_denied';
      case 'NotFoundError':
      case 'DevicesNotFoundError':
        return 'no_device';
      case 'NotReadableError':
      case 'TrackStartError':
        return 'device_in_use';
      case 'OverconstrainedError': {
        const constraint = (error as { constraint?: unknown }).constraint;
        return constraint === 'deviceId' ? 'no_device' : 'overconstrained';
      }
      case 'AbortError':
        return 'aborted';
      case 'TypeError':
      case 'NotSupportedError':
        return 'unsupported';
      default:
        return 'unknown';
    }
  })();
  return new MediaAccessError(code, kind, text || name || 'media capture failed', error);
}

/** Browser audio processing; turn it off for music or for deterministic level tests. */
export interface AudioProcessing {
  echoCancellation: boolean;
  noiseSuppression: boolean;
  autoGainControl: boolean;
}

export const DEFAULT_AUDIO_PROCESSING: AudioProcessing = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

/** Microphone constraints for `deviceId` (exact: a chosen device must not silently change). */
export function audioConstraints(
  options: { deviceId?: string | null; processing?: Partial<AudioProcessing> } = {},
): MediaTrackConstraints {
  const processing = { ...DEFAULT_AUDIO_PROCESSING, ...options.processing };
  return {
    ...(options.deviceId ? { deviceId: { exact: options.deviceId } } : {}),
    echoCancellation: processing.echoCancellation,
    noiseSuppression: processing.noiseSuppression,
    autoGainControl: processing.autoGainControl,
  };
}

/** Camera capture sizes: 360p is light on CPU and uplink, 720p for larger tiles. */
export type VideoQuality = '360p' | '720p';

const VIDEO_SIZES: Readonly<Record<VideoQuality, { width: number; height: number }>> = {
  '360p': { width: 640, height: 360 },
  '720p': { width: 1280, height: 720 },
};

/** Camera constraints: `ideal` sizes, so a camera that cannot do them still opens. */
export function videoConstraints(
  options: { deviceId?: string | null; quality?: VideoQuality; frameRate?: number } = {},
): MediaTrackConstraints {
  const size = VIDEO_SIZES[options.quality ?? '720p'];
  return {
    ...(options.deviceId ? { deviceId: { exact: options.deviceId } } : {}),
    width: { ideal: size.width },
    height: { ideal: size.height },
    frameRate: { ideal: options.frameRate ?? 30, max: 30 },
  };
}

/** The subset of `MediaDevices` used here (tests pass a fake). */
export type MediaDevicesLike = Pick<
  MediaDevices,
  'getUserMedia' | 'getDisplayMedia' | 'enumerateDevices'
>;

function mediaDevices(devices?: MediaDevicesLike): MediaDevicesLike {
  const found = devices ?? (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices);
  if (found === undefined) {
    throw new MediaAccessError(
      'unsupported',
      'camera',
      'navigator.mediaDevices is missing (the page must be served over https or from localhost)',
    );
  }
  return found;
}

async function captureOne(
  kind: 'microphone' | 'camera',
  constraints: MediaStreamConstraints,
  devices?: MediaDevicesLike,
): Promise<MediaStreamTrack> {
  try {
    const stream = await mediaDevices(devices).getUserMedia(constraints);
    const track = kind === 'microphone' ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
    if (track === undefined) throw new MediaAccessError('no_device', kind, `no ${kind} track`);
    return track;
  } catch (error) {
    throw toMediaAccessError(error, kind);
  }
}

/** Opens the microphone. Throws {@link MediaAccessError}. */
export function getMicrophoneTrack(
  options: Parameters<typeof audioConstraints>[0] = {},
  devices?: MediaDevicesLike,
): Promise<MediaStreamTrack> {
  return captureOne('microphone', { audio: audioConstraints(options), video: false }, devices);
}

/** Opens the camera. Throws {@link MediaAccessError}. */
export function getCameraTrack(
  options: Parameters<typeof videoConstraints>[0] = {},
  devices?: MediaDevicesLike,
): Promise<MediaStreamTrack> {
  return captureOne('camera', { audio: false, video: videoConstraints(options) }, devices);
}

/** A screen capture: its video and, when the user shared it, its audio. */
export interface ScreenCapture {
  video: MediaStreamTrack;
  audio: MediaStreamTrack | null;
}

/**
 * Asks the user for a screen, window or tab (the browser's picker). Throws
 * {@link MediaAccessError} (`aborted` when the picker was dismissed).
 */
export async function getScreenCapture(
  options: { audio?: boolean } = {},
  devices?: MediaDevicesLike,
): Promise<ScreenCapture> {
  try {
    const stream = await mediaDevices(devices).getDisplayMedia({
      video: { frameRate: { ideal: 15, max: 30 } },
      audio: options.audio ?? true,
    });
    const video = stream.getVideoTracks()[0];
    if (video === undefined) throw new MediaAccessError('no_device', 'screen', 'no screen track');
    return { video, audio: stream.getAudioTracks()[0] ?? null };
  } catch (error) {
    throw toMediaAccessError(error, 'screen');
  }
}

/** Capture devices by kind. Labels are empty until the user granted a permission. */
export interface DeviceList {
  microphones: MediaDeviceInfo[];
  cameras: MediaDeviceInfo[];
  speakers: MediaDeviceInfo[];
}

/** Lists microphones, cameras and audio outputs. */
export async function listDevices(devices?: MediaDevicesLike): Promise<DeviceList> {
  const all = await mediaDevices(devices).enumerateDevices();
  return {
    microphones: all.filter((d) => d.kind === 'audioinput'),
    cameras: all.filter((d) => d.kind === 'videoinput'),
    speakers: all.filter((d) => d.kind === 'audiooutput'),
  };
}
