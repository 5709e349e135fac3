import type { AnchorHTMLAttributes, MouseEvent } from 'react';
import { navigate } from './router';

/**
 * A link to a page of this app: followed without reloading the page, unless
 * the person asks for a new tab or window (modifier keys, middle click).
 */
export function AppLink({ href, onClick, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { href: string }) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.metaKey || event.ctrlKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(href);
  };
  return <a href={href} onClick={follow} {...rest} />;
}
