import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';

interface Toast {
  id: number;
  text: string;
  testId: string | undefined;
}

export interface NotifyOptions {
  /** `data-testid` of the toast (for the browser journeys). */
  testId?: string;
  /** How long it stays (default: the provider's duration). */
  durationMs?: number;
}

type Notify = (text: string, options?: NotifyOptions) => void;

const ToastContext = createContext<Notify>(() => undefined);

/** Short messages ("Too many messages, wait a moment") shown for a few seconds and announced politely. */
export function ToastProvider({ children, durationMs = 5000 }: { children: ReactNode; durationMs?: number }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextId = useRef(1);
  const timers = useRef(new Set<ReturnType<typeof setTimeout>>());
  useEffect(() => {
    const pending = timers.current;
    return () => {
      for (const timer of pending) clearTimeout(timer);
    };
  }, []);
  const notify = useCallback<Notify>(
    (text, options = {}) => {
      const id = nextId.current++;
      // The same message twice in a row is shown once.
      setToasts((list) =>
        list.some((toast) => toast.text === text) ? list : [...list.slice(-2), { id, text, testId: options.testId }],
      );
      const timer = setTimeout(() => {
        timers.current.delete(timer);
        setToasts((list) => list.filter((toast) => toast.id !== id));
      }, options.durationMs ?? durationMs);
      timers.current.add(timer);
    },
    [durationMs],
  );
  return (
    <ToastContext.Provider value={notify}>
      {children}
      <div className="v-toasts" role="status" aria-live="polite">
        {toasts.map((toast) => (
          <p key={toast.id} className="v-toast" data-testid={toast.testId}>
            {toast.text}
          </p>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast(): Notify {
  return useContext(ToastContext);
}
