/**
 * A tiny router on the History API: the app has a few kinds of pages (home,
 * a meeting, its transcripts), which does not justify a routing library.
 */
import { useSyncExternalStore } from 'react';

/** What the address bar shows, as the app routes it. */
export type Route =
  | { name: 'home' }
  | { name: 'meeting'; slug: string }
  | { name: 'transcripts'; slug: string }
  | { name: 'transcript'; slug: string; id: string }
  | { name: 'not-found'; path: string };

/** A meeting code as it may appear in a path: letters and dashes (the server normalises the rest). */
const SLUG = '[a-z]{1,64}(?:-[a-z]{1,64}){0,15}';
const SLUG_PATH = new RegExp(`^/(${SLUG})/?$`, 'i');
/** `/{slug}/transcripts` and `/{slug}/transcripts/{id}` (ids are UUIDs; any URL-safe token is let through). */
const TRANSCRIPTS_PATH = new RegExp(`^/(${SLUG})/transcripts(?:/([A-Za-z0-9_-]{1,64}))?/?$`, 'i');

/** The route of a path name. */
export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '') return { name: 'home' };
  const match = SLUG_PATH.exec(pathname);
  if (match?.[1] !== undefined) return { name: 'meeting', slug: match[1].toLowerCase() };
  const transcripts = TRANSCRIPTS_PATH.exec(pathname);
  if (transcripts?.[1] !== undefined) {
    const slug = transcripts[1].toLowerCase();
    const id = transcripts[2];
    return id === undefined ? { name: 'transcripts', slug } : { name: 'transcript', slug, id };
  }
  return { name: 'not-found', path: pathname };
}

/** The path of a meeting's transcripts, or of one of them. */
export function transcriptsPath(slug: string, id?: string): string {
  return id === undefined ? `/${slug}/transcripts` : `/${slug}/transcripts/${id}`;
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
