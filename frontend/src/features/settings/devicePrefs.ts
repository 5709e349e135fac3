/** The devices last chosen, remembered between meetings. */
import { readStorage, STORAGE_KEYS, writeStorage } from '../../app/storage';

export interface DevicePrefs {
  microphone: string | null;
  camera: string | null;
  speaker: string | null;
}

export function readDevicePrefs(): DevicePrefs {
  const empty: DevicePrefs = { microphone: null, camera: null, speaker: null };
  const raw = readStorage(STORAGE_KEYS.devices);
  if (raw === null) return empty;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null) return empty;
    const pick = (key: keyof DevicePrefs): string | null => {
      const value = (parsed as Record<string, unknown>)[key];
      return typeof value === 'string' && value !== '' ? value : null;
    };
    return { microphone: pick('microphone'), camera: pick('camera'), speaker: pick('speaker') };
  } catch {
    return empty;
  }
}

export function writeDevicePrefs(prefs: Partial<DevicePrefs>): void {
  writeStorage(STORAGE_KEYS.devices, JSON.stringify({ ...readDevicePrefs(), ...prefs }));
}
