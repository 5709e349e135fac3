import { useCallback, useEffect, useState } from 'react';
import { listDevices, type DeviceList, type MediaDevicesLike } from '../../../media/devices';

const EMPTY: DeviceList = { microphones: [], cameras: [], speakers: [] };

/** Whether media elements can choose their audio output (`setSinkId`). */
export function canChooseSpeaker(): boolean {
  return typeof HTMLMediaElement !== 'undefined' && 'setSinkId' in HTMLMediaElement.prototype;
}

/**
 * The microphones, cameras and speakers, kept up to date (`devicechange`).
 * Labels are empty until a capture permission was granted: call `refresh`
 * once a track is open.
 */
export function useDevices(devices: MediaDevicesLike | undefined): DeviceList & { refresh: () => void } {
  const [list, setList] = useState<DeviceList>(EMPTY);
  const refresh = useCallback(() => {
    if (devices === undefined) return;
    listDevices(devices).then(setList, (error: unknown) => console.warn('visio: cannot list devices', error));
  }, [devices]);
  useEffect(() => {
    refresh();
    const target = devices as Partial<EventTarget> | undefined;
    target?.addEventListener?.('devicechange', refresh);
    return () => target?.removeEventListener?.('devicechange', refresh);
  }, [devices, refresh]);
  return { ...list, refresh };
}

/** The browser's capture API, if any (not in insecure contexts). */
export function browserMediaDevices(): MediaDevicesLike | undefined {
  return typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
}
