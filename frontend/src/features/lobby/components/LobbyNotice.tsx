import { useState } from 'react';
import '../lobby.css';
import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../../../meeting';
import { Icon } from '../../../ui/Icon';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';
import { useLobbyDecisions } from '../hooks/useLobbyDecisions';

const selectLobby = (s: MeetingState) => s.lobby;

export interface LobbyNoticeProps {
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot' | 'decideLobby'>;
  /** Opens the lobby panel. */
  onView: () => void;
}

/**
 * Hosts, lobby panel closed: a card over the stage while people wait, with
 * "Admit" (one person) and "View". Hidden with its close button until the
 * next request.
 */
export function LobbyNotice({ controller, onView }: LobbyNoticeProps) {
  const { t } = useTranslation();
  const lobby = useMeetingSelector(controller, selectLobby);
  const decide = useLobbyDecisions(controller);
  const newest = lobby.at(-1)?.id ?? null;
  const [dismissed, setDismissed] = useState<string | null>(null);
  if (lobby.length === 0 || newest === dismissed) return null;
  const single = lobby.length === 1 ? lobby[0] : undefined;
  return (
    <section className="v-lobby-notice" data-testid="lobby-notice" aria-label={t('lobby.noticeLabel')}>
      <Icon name="lobby" size="1.5rem" />
      <p className="v-lobby-notice__text">
        {single !== undefined ? t('lobby.asks', { name: single.display_name }) : t('lobby.waitingMany', { count: lobby.length })}
      </p>
      <div className="v-lobby-notice__actions">
        {single !== undefined && (
          <button type="button" className="fr-btn fr-btn--sm" data-testid="lobby-notice-admit" onClick={() => decide([single.id], true)}>
            {t('lobby.admit')}
          </button>
        )}
        <button type="button" className="fr-btn fr-btn--sm fr-btn--secondary" data-testid="lobby-notice-view" onClick={onView}>
          {t('lobby.view')}
        </button>
      </div>
      <button type="button" className="v-lobby-notice__close" aria-label={t('lobby.noticeClose')} onClick={() => setDismissed(newest)}>
        <Icon name="close" size="1.125rem" />
      </button>
    </section>
  );
}
