/**
 * localStorage that never throws: private browsing, a full quota or a policy
 * that disables storage must not break the app (a preference is then just
 * not remembered).
 */

export const STORAGE_KEYS = {
  language: 'visio.language',
  displayName: 'visio.displayName',
  sharedMicrophone: 'visio.sharedMicrophone',
  devices: 'visio.devices',
} as const;

export function readStorage(key: string): string | null {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function writeStorage(key: string, value: string): void {
  try {
    window.localStorage.setItem(key, value);
  } catch {
    // Not remembered: see above.
  }
}
