import { useId, type ReactNode } from 'react';
import { Icon } from './Icon';

export interface SidePanelProps {
  title: string;
  closeLabel: string;
  onClose: () => void;
  children: ReactNode;
  'data-testid'?: string;
}

/**
 * A non-modal panel beside the stage (chat, participants): the meeting
 * stays usable, so focus is not trapped; Escape closes it.
 */
export function SidePanel({ title, closeLabel, onClose, children, 'data-testid': testId }: SidePanelProps) {
  const titleId = useId();
  return (
    <aside
      className="v-panel"
      aria-labelledby={titleId}
      data-testid={testId}
      onKeyDown={(event) => {
        if (event.key === 'Escape') {
          event.stopPropagation();
          onClose();
        }
      }}
    >
      <div className="v-panel__header">
        <h2 id={titleId} className="v-panel__title">
          {title}
        </h2>
        <button type="button" className="v-panel__close" aria-label={closeLabel} onClick={onClose}>
          <Icon name="close" size="1.25rem" />
        </button>
      </div>
      {children}
    </aside>
  );
}
