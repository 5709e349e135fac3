import { useCallback, useRef, useSyncExternalStore } from 'react';
import type { MeetingState, Participant } from '../../../meeting';
import { participantIndex, type MeetingControllerLike } from '../controller';

type Store = Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'>;

/** The whole meeting state; re-renders on every change (use it high up, sparingly). */
export function useMeeting(controller: Store): MeetingState {
  return useSyncExternalStore(controller.subscribe, controller.getSnapshot);
}

/**
 * A part of the meeting state; re-renders only when `select` returns
 * something not `isEqual` to before. Tiles and panels use it so that a chat
 * message does not re-render 16 videos.
 */
export function useMeetingSelector<T>(
  controller: Store,
  select: (state: MeetingState) => T,
  isEqual: (a: T, b: T) => boolean = Object.is,
): T {
  const cache = useRef<{ snapshot: MeetingState; select: (state: MeetingState) => T; value: T } | null>(null);
  const getSelection = useCallback((): T => {
    const snapshot = controller.getSnapshot();
    const previous = cache.current;
    if (previous !== null && previous.snapshot === snapshot && previous.select === select) return previous.value;
    const next = select(snapshot);
    const value = previous !== null && isEqual(previous.value, next) ? previous.value : next;
    cache.current = { snapshot, select, value };
    return value;
  }, [controller, select, isEqual]);
  return useSyncExternalStore(controller.subscribe, getSelection);
}

/**
 * One participant, or null once gone. The controller reuses unchanged
 * `Participant` objects, so this re-renders only when this person changed.
 */
export function useParticipant(controller: Store, participantId: string): Participant | null {
  const select = useCallback(
    (state: MeetingState) => participantIndex(state).get(participantId) ?? null,
    [participantId],
  );
  return useMeetingSelector(controller, select);
}

/** Shallow equality of arrays (same items, same order). */
export function sameItems<T>(a: readonly T[], b: readonly T[]): boolean {
  return a.length === b.length && a.every((item, i) => Object.is(item, b[i]));
}
