import { useCallback, useMemo } from 'react';
import { useTranslation } from 'react-i18next';
import { MediaAccessError, SignalingError } from '../../../meeting';
import { useToast } from '../../../ui/Toasts';
import { selfHandRaised, type MeetingControllerLike } from '../../meeting/controller';
import { SerialToggle } from '../serialToggle';

export interface MediaToggles {
  toggleMicrophone: () => void;
  toggleCamera: () => void;
  toggleScreen: () => void;
  toggleHand: () => void;
}

type Controller = Pick<
  MeetingControllerLike,
  'getSnapshot' | 'setMicrophoneEnabled' | 'setCameraEnabled' | 'startScreenShare' | 'stopScreenShare' | 'raiseHand' | 'switchDevice'
>;

/**
 * Stops the screen share. Defensive: if the server refuses the `unpublish`
 * (it should not: it accepts an unpublish after Janus hung the publisher
 * up), the remaining sources would not be published again, and the
 * microphone and camera would silently stop reaching the others. Publishing
 * any source again republishes everything the publisher still holds: the
 * camera when it is on, else a fresh microphone track through `switchDevice`.
 */
export async function stopScreenShare(controller: Controller): Promise<void> {
  try {
    await controller.stopScreenShare();
  } catch (error) {
    if (!(error instanceof SignalingError)) throw error;
    console.warn('visio: stopping the screen share failed; publishing the microphone and camera again', error);
    const { local, status } = controller.getSnapshot();
    if (status !== 'joined') return;
    if (local.camera.enabled && local.camera.track !== null) {
      await controller.setCameraEnabled(true);
    } else if (local.microphone.track !== null) {
      const deviceId = local.microphone.deviceId ?? local.microphone.track.getSettings?.().deviceId ?? 'default';
      await controller.switchDevice('microphone', deviceId);
    }
  }
}

/**
 * The actions behind the microphone, camera, screen and hand buttons (and
 * their keyboard shortcuts). Each reads the current state when pressed and
 * queues behind a press still in progress.
 */
export function useMediaToggles(controller: Controller): MediaToggles {
  const { t } = useTranslation();
  const notify = useToast();
  const report = useCallback(
    (error: unknown) => {
      // Capture failures are in state.local.error (shown by the meeting screen).
      if (error instanceof MediaAccessError) return;
      if (error instanceof SignalingError && error.code === 'rate_limited') notify(t('errors.rateLimited'));
      else notify(t('errors.actionFailed'));
      console.warn('visio: action failed', error);
    },
    [notify, t],
  );
  const toggles = useMemo(() => {
    const state = () => controller.getSnapshot();
    const microphone = new SerialToggle(() => state().local.microphone.enabled, (on) => controller.setMicrophoneEnabled(on), report);
    const camera = new SerialToggle(() => state().local.camera.enabled, (on) => controller.setCameraEnabled(on), report);
    const screen = new SerialToggle(
      () => state().local.screen !== null,
      (on) => (on ? controller.startScreenShare() : stopScreenShare(controller)),
      report,
    );
    const hand = new SerialToggle(() => selfHandRaised(state()), (on) => controller.raiseHand(on), report);
    return { microphone, camera, screen, hand };
  }, [controller, report]);
  return useMemo(
    () => ({
      toggleMicrophone: () => toggles.microphone.toggle(),
      toggleCamera: () => toggles.camera.toggle(),
      toggleScreen: () => toggles.screen.toggle(),
      toggleHand: () => toggles.hand.toggle(),
    }),
    [toggles],
  );
}
