import { forwardRef, useId, useState, type ButtonHTMLAttributes, type KeyboardEvent, type ReactNode } from 'react';
import { Icon, type IconName } from './Icon';

export interface IconButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, 'children'> {
  icon: IconName;
  /** The accessible name, also shown as the tooltip. */
  label: string;
  /** Extra tooltip text, e.g. the keyboard shortcut ("Ctrl+D"). */
  hint?: string;
  /**
   * Visual state: `off` (red, e.g. microphone muted), `active` (highlighted,
   * e.g. panel open), `danger` (leave), or default.
   */
  tone?: 'default' | 'off' | 'active' | 'danger';
  /** Something drawn over the button's corner (a count badge). */
  badge?: ReactNode;
  /** Extra information for screen readers (e.g. "3 unread messages"), via aria-describedby. */
  description?: string;
  /** Where the tooltip shows (default above: the controls bar is at the bottom). */
  tooltipPlacement?: 'top' | 'bottom';
}

/**
 * A round icon-only button with a tooltip. The tooltip repeats the
 * accessible name for sighted users (shown on hover and keyboard focus,
 * dismissed with Escape: WCAG 1.4.13), so it is hidden from screen readers.
 */
export const IconButton = forwardRef<HTMLButtonElement, IconButtonProps>(function IconButton(
  { icon, label, hint, tone = 'default', badge, description, tooltipPlacement = 'top', className, type = 'button', onKeyDown, onBlur, onMouseLeave, ...rest },
  ref,
) {
  const [dismissed, setDismissed] = useState(false);
  const descriptionId = useId();
  const handleKeyDown = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key === 'Escape' && !dismissed) setDismissed(true);
    onKeyDown?.(event);
  };
  return (
    <span className={`v-iconbtn-wrap${dismissed ? ' v-iconbtn-wrap--dismissed' : ''}`}>
      <button
        ref={ref}
        type={type}
        aria-label={label}
        aria-describedby={description ? descriptionId : undefined}
        className={['v-iconbtn', `v-iconbtn--${tone}`, className].filter(Boolean).join(' ')}
        onKeyDown={handleKeyDown}
        onBlur={(event) => {
          setDismissed(false);
          onBlur?.(event);
        }}
        onMouseLeave={(event) => {
          setDismissed(false);
          onMouseLeave?.(event);
        }}
        {...rest}
      >
        <Icon name={icon} />
      </button>
      {badge}
      {description ? (
        <span id={descriptionId} className="fr-sr-only">
          {description}
        </span>
      ) : null}
      <span className={`v-tooltip v-tooltip--${tooltipPlacement}`} aria-hidden="true">
        {label}
        {hint !== undefined && <span className="v-tooltip__hint">{hint}</span>}
      </span>
    </span>
  );
});
