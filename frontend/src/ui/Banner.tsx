import type { HTMLAttributes, ReactNode } from 'react';
import { Icon } from './Icon';

export interface BannerProps extends HTMLAttributes<HTMLDivElement> {
  tone?: 'info' | 'warning' | 'error';
  /**
   * Be a polite live region itself (default). False when a parent live
   * region, present in the page before the banner, announces it.
   */
  live?: boolean;
  children: ReactNode;
}

/**
 * A message that appears while something is true (connection problem,
 * capture error). It is a polite live region: screen readers announce it
 * without interrupting, and it must be in the page before its text changes
 * for the announcement to happen — render it, then fill it.
 */
export function Banner({ tone = 'info', live = true, className, children, ...rest }: BannerProps) {
  return (
    <div
      role={live ? 'status' : undefined}
      aria-live={live ? 'polite' : undefined}
      className={['v-banner', `v-banner--${tone}`, className].filter(Boolean).join(' ')} {...rest}>
      <Icon name={tone === 'info' ? 'info' : 'warning'} size="1.25rem" />
      <div className="v-banner__text">{children}</div>
    </div>
  );
}
