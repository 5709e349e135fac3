import { useEffect, useId, useRef, useState } from 'react';
import '../reactions.css';
import { useTranslation } from 'react-i18next';
import { REACTION_EMOJIS, SignalingError, type ReactionEmoji } from '../../../meeting';
import { IconButton } from '../../../ui/IconButton';
import { useToast } from '../../../ui/Toasts';
import type { MeetingControllerLike } from '../../meeting/controller';
import { REACTION_NAME_KEYS } from '../emojiNames';

/**
 * The `reactions` button and its panel of `reaction-button`s (a disclosure:
 * every emoji is reachable with Tab right after the button; Escape or a
 * click outside closes it). It stays open after sending, to send several.
 */
export function ReactionsMenu({ controller }: { controller: Pick<MeetingControllerLike, 'react'> }) {
  const { t } = useTranslation();
  const notify = useToast();
  const [open, setOpen] = useState(false);
  const panelId = useId();
  const rootRef = useRef<HTMLDivElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      if (rootRef.current !== null && !rootRef.current.contains(event.target as Node)) setOpen(false);
    };
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key !== 'Escape') return;
      setOpen(false);
      if (rootRef.current?.contains(document.activeElement)) buttonRef.current?.focus();
    };
    document.addEventListener('pointerdown', onPointerDown);
    document.addEventListener('keydown', onKeyDown);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      document.removeEventListener('keydown', onKeyDown);
    };
  }, [open]);

  const send = (emoji: ReactionEmoji) => {
    controller.react(emoji).catch((error: unknown) => {
      notify(error instanceof SignalingError && error.code === 'rate_limited' ? t('errors.rateLimited') : t('errors.actionFailed'));
    });
  };

  return (
    <div className="v-reactions" ref={rootRef}>
      <IconButton
        ref={buttonRef}
        icon="emoji"
        label={t('controls.reactions')}
        tone={open ? 'active' : 'default'}
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        data-testid="reactions"
        onClick={() => setOpen((value) => !value)}
      />
      {open && (
        <div id={panelId} className="v-reactions__panel" role="group" aria-label={t('reactions.panel')}>
          {REACTION_EMOJIS.map((emoji) => (
            <button
              key={emoji}
              type="button"
              className="v-reactions__emoji"
              data-testid="reaction-button"
              data-emoji={emoji}
              aria-label={t(REACTION_NAME_KEYS[emoji])}
              title={t(REACTION_NAME_KEYS[emoji])}
              onClick={() => send(emoji)}
            >
              <span aria-hidden="true">{emoji}</span>
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
