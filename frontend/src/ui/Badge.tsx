import type { HTMLAttributes } from 'react';

export interface CountBadgeProps extends HTMLAttributes<HTMLSpanElement> {
  count: number;
  tone?: 'alert' | 'neutral';
}

/**
 * A small count in a pill over a button's corner. Visual only: the button
 * says the same in words (aria-describedby), so the digits are hidden from
 * screen readers.
 */
export function CountBadge({ count, tone = 'alert', className, ...rest }: CountBadgeProps) {
  return (
    <span className={['v-count', tone === 'neutral' ? 'v-count--neutral' : null, className].filter(Boolean).join(' ')} aria-hidden="true" {...rest}>
      {count > 99 ? '99+' : count}
    </span>
  );
}

export interface StatusBadgeProps extends HTMLAttributes<HTMLSpanElement> {
  tone?: 'info' | 'warning' | 'success' | 'new' | 'neutral';
}

/** A DSFR badge (`fr-badge`), e.g. "You" or "Hand raised". */
export function StatusBadge({ tone = 'neutral', className, ...rest }: StatusBadgeProps) {
  const toneClass = tone === 'neutral' ? '' : ` fr-badge--${tone}`;
  return <span className={`fr-badge fr-badge--sm fr-badge--no-icon${toneClass}${className ? ` ${className}` : ''}`} {...rest} />;
}
