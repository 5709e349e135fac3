import { useCallback, useEffect, useRef, useState } from 'react';

export type Polled<T> =
  | { status: 'loading' }
  | { status: 'ready'; value: T }
  | { status: 'error'; error: unknown };

/**
 * Loads `load()` and, while `again(value)` gives a delay in ms, loads it
 * again after that delay (a job's progress). A failed reload keeps the last
 * value and tries again later: a short network hiccup does not blank the
 * page. `reload()` loads now. Stops when the component goes away or `load`
 * changes (then starts over).
 */
export function usePolled<T>(load: () => Promise<T>, again: (value: T) => number | null): { state: Polled<T>; reload: () => void } {
  const [state, setState] = useState<Polled<T>>({ status: 'loading' });
  const [round, setRound] = useState(0);
  const againRef = useRef(again);
  againRef.current = again;

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last: T | undefined;
    let hasValue = false;
    const run = () => {
      load().then(
        (value) => {
          if (cancelled) return;
          last = value;
          hasValue = true;
          setState({ status: 'ready', value });
          const delay = againRef.current(value);
          if (delay !== null) timer = setTimeout(run, delay);
        },
        (error: unknown) => {
          if (cancelled) return;
          const delay = hasValue ? againRef.current(last as T) : null;
          if (delay !== null) {
            console.warn('visio: refresh failed, trying again', error);
            timer = setTimeout(run, delay * 2);
          } else {
            setState({ status: 'error', error });
          }
        },
      );
    };
    setState((current) => (current.status === 'ready' ? current : { status: 'loading' }));
    run();
    return () => {
      cancelled = true;
      if (timer !== null) clearTimeout(timer);
    };
  }, [load, round]);

  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { state, reload };
}
