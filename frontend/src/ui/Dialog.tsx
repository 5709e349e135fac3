import { useEffect, useId, useRef, type ReactNode } from 'react';
import { Icon } from './Icon';

export interface DialogProps {
  open: boolean;
  /** Called when the dialog closes by itself (Escape, close button). */
  onClose: () => void;
  title: string;
  /** The close button's accessible name (translated by the caller). */
  closeLabel: string;
  children: ReactNode;
  /** Optional buttons at the bottom. */
  footer?: ReactNode;
  'data-testid'?: string;
}

/**
 * A modal dialog on the native `<dialog>` element: `showModal()` gives the
 * focus trap, Escape, the backdrop and the inert page behind for free. Focus
 * returns to what had it before, as the platform does.
 */
export function Dialog({ open, onClose, title, closeLabel, children, footer, 'data-testid': testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    } else if (!open && dialog.open) {
      if (typeof dialog.close === 'function') dialog.close();
      else dialog.removeAttribute('open');
    }
  }, [open]);

  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    // `close` fires for Escape and for dialog.close(): report only the ones we did not ask for.
    const handle = () => {
      onCloseRef.current();
    };
    dialog.addEventListener('close', handle);
    return () => dialog.removeEventListener('close', handle);
  }, []);

  return (
    <dialog ref={ref} className="v-dialog" aria-labelledby={titleId} data-testid={testId}>
      {open && (
        <div className="v-dialog__body">
          <div className="v-dialog__header">
            <h2 id={titleId} className="fr-h5 v-dialog__title">
              {title}
            </h2>
            <button type="button" className="v-dialog__close" aria-label={closeLabel} onClick={onClose}>
              <Icon name="close" size="1.25rem" />
            </button>
          </div>
          <div className="v-dialog__content">{children}</div>
          {footer !== undefined && <div className="v-dialog__footer">{footer}</div>}
        </div>
      )}
    </dialog>
  );
}
