import {
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type KeyboardEvent,
  type ReactNode,
  type Ref,
} from 'react';
import { createPortal } from 'react-dom';
import { Icon, type IconName } from './Icon';

export interface MenuItem {
  key: string;
  label: string;
  icon?: IconName;
  onSelect: () => void;
  /** Drawn in red (remove, end for everyone). */
  danger?: boolean;
  'data-testid'?: string;
}

/** What the trigger button must carry (spread it on the button). */
export interface MenuTriggerProps {
  ref: Ref<HTMLButtonElement>;
  onClick: () => void;
  onKeyDown: (event: KeyboardEvent<HTMLButtonElement>) => void;
  'aria-haspopup': 'menu';
  'aria-expanded': boolean;
  'aria-controls': string | undefined;
}

export interface MenuProps {
  /** The menu's accessible name ("Actions for Bob"). */
  label: string;
  items: readonly MenuItem[];
  /** Renders the button that opens the menu. */
  trigger: (props: MenuTriggerProps) => ReactNode;
  /** Opens below the button (default) or above it (the controls bar is at the bottom). */
  placement?: 'below' | 'above';
  'data-testid'?: string;
}

/**
 * A menu button (WAI-ARIA "menu button" pattern): Enter, Space or ArrowDown
 * open it on the first item; arrows, Home and End move; Escape and Tab close
 * it (Escape gives the focus back to the button). The menu is drawn in a
 * portal with fixed coordinates, so a tile's `overflow: hidden` cannot clip it.
 */
export function Menu({ label, items, trigger, placement = 'below', 'data-testid': testId }: MenuProps) {
  const [open, setOpen] = useState(false);
  const [style, setStyle] = useState<CSSProperties>({ visibility: 'hidden' });
  const menuId = useId();
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);

  const itemButtons = () => [...(menuRef.current?.querySelectorAll<HTMLButtonElement>('[role="menuitem"]') ?? [])];
  const close = useCallback((refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  }, []);

  // Place it next to the button, inside the window.
  useLayoutEffect(() => {
    if (!open) return;
    const button = buttonRef.current;
    const menu = menuRef.current;
    if (button === null || menu === null) return;
    const at = button.getBoundingClientRect();
    const width = menu.offsetWidth;
    const height = menu.offsetHeight;
    const gap = 6;
    const above = placement === 'above' ? at.top - height - gap >= 8 : at.bottom + gap + height > window.innerHeight - 8;
    const top = above ? Math.max(8, at.top - height - gap) : at.bottom + gap;
    const left = Math.min(Math.max(8, at.right - width), window.innerWidth - width - 8);
    setStyle({ top, left });
    itemButtons()[0]?.focus();
  }, [open, placement]);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (menuRef.current?.contains(target) || buttonRef.current?.contains(target)) return;
      close(false);
    };
    const onScroll = (event: Event) => {
      if (!menuRef.current?.contains(event.target as Node)) close(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    window.addEventListener('resize', onScroll);
    document.addEventListener('scroll', onScroll, true);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      window.removeEventListener('resize', onScroll);
      document.removeEventListener('scroll', onScroll, true);
    };
  }, [open, close]);

  useEffect(() => {
    if (!open) setStyle({ visibility: 'hidden' });
  }, [open]);

  const onMenuKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const buttons = itemButtons();
    const index = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const focus = (i: number) => buttons[(i + buttons.length) % buttons.length]?.focus();
    switch (event.key) {
      case 'ArrowDown':
        focus(index + 1);
        break;
      case 'ArrowUp':
        focus(index - 1);
        break;
      case 'Home':
        focus(0);
        break;
      case 'End':
        focus(buttons.length - 1);
        break;
      case 'Escape':
        event.stopPropagation();
        close(true);
        break;
      case 'Tab':
        // Back on the button: Tab goes on from there, not from the end of the page.
        close(true);
        break;
      default:
        return;
    }
    event.preventDefault();
  };

  const triggerProps: MenuTriggerProps = {
    ref: buttonRef,
    onClick: () => setOpen((value) => !value),
    onKeyDown: (event) => {
      if (event.key === 'ArrowDown' && !open) {
        event.preventDefault();
        setOpen(true);
      }
    },
    'aria-haspopup': 'menu',
    'aria-expanded': open,
    'aria-controls': open ? menuId : undefined,
  };

  return (
    <>
      {trigger(triggerProps)}
      {open &&
        createPortal(
          <div
            ref={menuRef}
            id={menuId}
            role="menu"
            aria-label={label}
            className="v-menu"
            style={style}
            data-testid={testId}
            onKeyDown={onMenuKeyDown}
          >
            {items.map((item) => (
              <button
                key={item.key}
                type="button"
                role="menuitem"
                tabIndex={-1}
                className={`v-menu__item${item.danger ? ' v-menu__item--danger' : ''}`}
                data-testid={item['data-testid']}
                onClick={() => {
                  close(true);
                  item.onSelect();
                }}
              >
                {item.icon !== undefined && <Icon name={item.icon} size="1.25rem" />}
                <span>{item.label}</span>
              </button>
            ))}
          </div>,
          document.body,
        )}
    </>
  );
}
