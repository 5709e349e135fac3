import { useEffect, useRef } from 'react';

/** The meeting's keyboard shortcuts, as `aria-keyshortcuts` spells them. */
export const SHORTCUTS = {
  microphone: 'Control+D',
  camera: 'Control+E',
} as const;

/** Shown in tooltips and the help dialog; macOS people press ⌘. */
export function shortcutLabel(shortcut: string): string {
  const mac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);
  return shortcut.replace('Control+', mac ? '⌘ ' : 'Ctrl + ');
}

/**
 * Ctrl+D toggles the microphone and Ctrl+E the camera (⌘ on macOS), as in
 * other meeting tools; the browser's own use of them (bookmark, search) is
 * prevented while in a meeting.
 */
export function useKeyboardShortcuts(actions: { microphone: () => void; camera: () => void }): void {
  const latest = useRef(actions);
  latest.current = actions;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.altKey || event.shiftKey) return;
      const key = event.key.toLowerCase();
      const action =
        key === 'd' || event.code === 'KeyD' ? latest.current.microphone : key === 'e' || event.code === 'KeyE' ? latest.current.camera : null;
      if (action === null) return;
      event.preventDefault();
      if (!event.repeat) action();
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}
