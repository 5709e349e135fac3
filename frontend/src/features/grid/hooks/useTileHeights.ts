import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';

/** Registers a tile element under its key; returns the ref callback to put on it. */
export type MeasureTile = (key: string) => (element: HTMLElement | null) => void;

export interface TileHeights {
  /** Measured CSS heights by tile key. */
  heights: ReadonlyMap<string, number>;
  /** Changes when a height changed (a dependency for whoever reads `heights`). */
  version: number;
  measure: MeasureTile;
}

/**
 * Measures the tiles on screen with one ResizeObserver. Height changes are
 * batched to one update per animation frame (a window resize reports every
 * tile at once).
 */
export function useTileHeights(): TileHeights {
  const heights = useRef(new Map<string, number>()).current;
  const keys = useRef(new WeakMap<Element, string>()).current;
  const [version, setVersion] = useState(0);
  const frame = useRef<number | null>(null);
  const observer = useMemo(() => {
    if (typeof ResizeObserver === 'undefined') return null;
    return new ResizeObserver((entries) => {
      let changed = false;
      for (const entry of entries) {
        const key = keys.get(entry.target);
        if (key === undefined) continue;
        const height = Math.round(entry.contentRect.height);
        if (height > 0 && heights.get(key) !== height) {
          heights.set(key, height);
          changed = true;
        }
      }
      if (changed && frame.current === null) {
        frame.current = requestAnimationFrame(() => {
          frame.current = null;
          setVersion((v) => v + 1);
        });
      }
    });
  }, [heights, keys]);

  // Tiles stop being observed when they unmount (their ref is called with null), so the
  // observer itself is not disconnected here: StrictMode's trial unmount would leave the
  // remounted tiles unobserved.
  useEffect(
    () => () => {
      if (frame.current !== null) cancelAnimationFrame(frame.current);
      frame.current = null;
    },
    [],
  );

  const refs = useRef(new Map<string, (element: HTMLElement | null) => void>()).current;
  const measure = useCallback<MeasureTile>(
    (key) => {
      let ref = refs.get(key);
      if (ref === undefined) {
        let current: HTMLElement | null = null;
        ref = (element) => {
          if (current !== null) {
            observer?.unobserve(current);
            heights.delete(key);
          }
          current = element;
          if (element !== null) {
            keys.set(element, key);
            observer?.observe(element);
          }
        };
        refs.set(key, ref);
      }
      return ref;
    },
    [observer, heights, keys, refs],
  );
  return { heights, version, measure };
}

const noop = () => undefined;
export const TileMeasureContext = createContext<MeasureTile>(() => noop);

/** The ref callback that measures this tile (see {@link useTileHeights}). */
export function useMeasureTile(key: string): (element: HTMLElement | null) => void {
  return useContext(TileMeasureContext)(key);
}
