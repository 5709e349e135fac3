import { useEffect, useState, useSyncExternalStore } from 'react';
import type { MediaDevicesLike } from '../../../media/devices';
import { PreviewMedia, type PreviewState, type Wanted } from '../previewMedia';

const IDLE_STATE: PreviewState = {
  microphone: { track: null, error: null, opening: false },
  camera: { track: null, error: null, opening: false },
};
const noSubscribe = () => () => undefined;
const idle = () => IDLE_STATE;

/**
 * The pre-join camera and microphone, opened as wanted. The tracks are
 * stopped when the screen goes away, unless `take()` handed them over.
 */
export function usePreviewMedia(
  devices: MediaDevicesLike | undefined,
  microphone: Wanted,
  camera: Wanted,
): { state: PreviewState; preview: PreviewMedia | null } {
  // Made in an effect, not in render: StrictMode's trial unmount stops the
  // first one, and the second one is the one kept.
  const [preview, setPreview] = useState<PreviewMedia | null>(null);
  useEffect(() => {
    const created = new PreviewMedia(devices);
    setPreview(created);
    return () => created.stop();
  }, [devices]);
  const { on: micOn, deviceId: micId } = microphone;
  const { on: camOn, deviceId: camId } = camera;
  useEffect(() => {
    preview?.want('microphone', { on: micOn, deviceId: micId });
  }, [preview, micOn, micId]);
  useEffect(() => {
    preview?.want('camera', { on: camOn, deviceId: camId });
  }, [preview, camOn, camId]);
  const state = useSyncExternalStore(preview?.subscribe ?? noSubscribe, preview?.getSnapshot ?? idle);
  return { state, preview };
}
