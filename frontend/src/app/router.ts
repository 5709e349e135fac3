/**
 * A tiny router on the History API: the app has two kinds of pages (home and
 * a meeting), which does not justify a routing library.
 */
import { useSyncExternalStore } from 'react';

/** What the address bar shows, as the app routes it. */
export type Route =
  | { name: 'home' }
  | { name: 'meeting'; slug: string }
  | { name: 'not-found'; path: string };

/** A meeting code as it may appear in a path: letters and dashes (the server normalises the rest). */
const SLUG_PATH = /^\/([a-z]{1,64}(?:-[a-z]{1,64}){0,15})\/?$/i;

/** The route of a path name. */
export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'home' };
  const match = SLUG_PATH.exec(pathname);
  if (match?.[1] !== undefined) return { name: 'meeting', slug: match[1].toLowerCase() };
  return { name: 'not-found', path: pathname };
}

/** History state the app puts on entries it pushes (e.g. "this meeting was just created"). */
export interface NavigationState {
  created?: boolean;
}

const listeners = new Set<() => void>();

function notify(): void {
  for (const listener of [...listeners]) listener();
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (listeners.size === 1) window.addEventListener('popstate', notify);
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) window.removeEventListener('popstate', notify);
  };
}

function currentPath(): string {
  return window.location.pathname;
}

/** Goes to `path` inside the app (no page load). */
export function navigate(path: string, options: { replace?: boolean; state?: NavigationState } = {}): void {
  const state = options.state ?? null;
  if (options.replace) window.history.replaceState(state, '', path);
  else window.history.pushState(state, '', path);
  notify();
}

/** The history state of the current entry, if the app put one there. */
export function navigationState(): NavigationState {
  const state: unknown = window.history.state;
  return typeof state === 'object' && state !== null ? (state as NavigationState) : {};
}

/** The current path name; re-renders on navigation (links, back and forward). */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, currentPath, () => '/');
}
