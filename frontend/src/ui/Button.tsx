import type { ButtonHTMLAttributes, ReactNode } from 'react';
import { Icon, type IconName } from './Icon';

export interface ButtonProps extends ButtonHTMLAttributes<HTMLButtonElement> {
  /** DSFR priority (default primary). */
  priority?: 'primary' | 'secondary' | 'tertiary' | 'tertiary-no-outline';
  size?: 'sm' | 'md' | 'lg';
  /** An icon before the label (decorative). */
  icon?: IconName;
  children: ReactNode;
}

/** A DSFR button (`fr-btn`) with an optional inline icon. */
export function Button({ priority = 'primary', size = 'md', icon, className, children, type = 'button', ...rest }: ButtonProps) {
  const classes = [
    'fr-btn',
    priority === 'primary' ? null : `fr-btn--${priority}`,
    size === 'md' ? null : `fr-btn--${size}`,
    icon === undefined ? null : 'v-btn--icon',
    className,
  ]
    .filter(Boolean)
    .join(' ');
  return (
    <button type={type} className={classes} {...rest}>
      {icon !== undefined && <Icon name={icon} size={size === 'sm' ? '1rem' : '1.25rem'} />}
      {children}
    </button>
  );
}
