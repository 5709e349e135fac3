import { useLayoutEffect, useState, type RefObject } from 'react';
import type { Size } from '../layout';

function windowSize(): Size {
  return { width: window.innerWidth, height: window.innerHeight };
}

/**
 * The CSS size of an element's content box, kept up to date with a
 * ResizeObserver. Before the first measure, or where the element has no
 * layout (tests), the window's size stands in.
 */
export function useElementSize(ref: RefObject<HTMLElement | null>): Size {
  const [size, setSize] = useState<Size>(windowSize);
  useLayoutEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const apply = (width: number, height: number) => {
      if (width <= 0 || height <= 0) return;
      const next = { width: Math.floor(width), height: Math.floor(height) };
      setSize((previous) => (previous.width === next.width && previous.height === next.height ? previous : next));
    };
    const rect = element.getBoundingClientRect();
    apply(rect.width, rect.height);
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box !== undefined) apply(box.width, box.height);
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return size;
}
