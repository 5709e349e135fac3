/** Turns capture failures into the sentences shown to people. */
import type { TFunction } from 'i18next';
import type { MediaAccessErrorCode } from '../../media/devices';

type Kind = 'microphone' | 'camera' | 'screen';
type ShownCode = Exclude<MediaAccessErrorCode, 'aborted'>;

const SHOWN: readonly ShownCode[] = ['permission_denied', 'no_device', 'device_in_use', 'overconstrained', 'unsupported', 'unknown'];

function shown(code: MediaAccessErrorCode): ShownCode {
  return (SHOWN as readonly string[]).includes(code) ? (code as ShownCode) : 'unknown';
}

/** One capture failure, e.g. "Access to the camera was refused." */
export function mediaErrorMessage(t: TFunction, kind: Kind, code: MediaAccessErrorCode): string {
  return t(`mediaErrors.${kind}.${shown(code)}`);
}

/**
 * The pre-join message for the microphone and camera failures: one sentence
 * when both failed the same way, else one per device.
 */
export function previewErrorMessages(
  t: TFunction,
  errors: { microphone: MediaAccessErrorCode | null; camera: MediaAccessErrorCode | null },
): string[] {
  const { microphone, camera } = errors;
  if (microphone !== null && camera !== null && shown(microphone) === shown(camera)) {
    if (shown(microphone) === 'permission_denied') return [t('mediaErrors.both.permission_denied')];
    if (shown(microphone) === 'no_device') return [t('mediaErrors.both.no_device')];
  }
  const messages: string[] = [];
  if (microphone !== null) messages.push(mediaErrorMessage(t, 'microphone', microphone));
  if (camera !== null) messages.push(mediaErrorMessage(t, 'camera', camera));
  return messages;
}
