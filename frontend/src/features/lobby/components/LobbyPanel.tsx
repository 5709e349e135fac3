import { memo } from 'react';
import '../lobby.css';
import { useTranslation } from 'react-i18next';
import type { LobbyRequestInfo, MeetingState } from '../../../meeting';
import { Button } from '../../../ui/Button';
import { SidePanel } from '../../../ui/SidePanel';
import { Avatar } from '../../grid/components/Avatar';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';
import { useLobbyDecisions } from '../hooks/useLobbyDecisions';

const selectLobby = (s: MeetingState) => s.lobby;

export interface LobbyPanelProps {
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot' | 'decideLobby'>;
  onClose: () => void;
}

/** Hosts: the people waiting to enter, oldest first, to admit or deny one by one or all at once. */
export function LobbyPanel({ controller, onClose }: LobbyPanelProps) {
  const { t } = useTranslation();
  const lobby = useMeetingSelector(controller, selectLobby);
  const decide = useLobbyDecisions(controller);
  return (
    <SidePanel title={t('lobby.title', { count: lobby.length })} closeLabel={t('lobby.close')} onClose={onClose} data-testid="lobby-panel">
      {lobby.length === 0 ? (
        <p className="v-lobby__empty">{t('lobby.empty')}</p>
      ) : (
        <>
          {lobby.length > 1 && (
            <div className="v-lobby__all">
              <Button size="sm" data-testid="lobby-admit-all" onClick={() => decide(lobby.map((r) => r.id), true)}>
                {t('lobby.admitAll')}
              </Button>
              <Button size="sm" priority="secondary" data-testid="lobby-deny-all" onClick={() => decide(lobby.map((r) => r.id), false)}>
                {t('lobby.denyAll')}
              </Button>
            </div>
          )}
          <ul className="v-lobby fr-raw-list" aria-label={t('lobby.listLabel')}>
            {lobby.map((request) => (
              <LobbyItem key={request.id} request={request} onDecide={decide} />
            ))}
          </ul>
        </>
      )}
    </SidePanel>
  );
}

const LobbyItem = memo(function LobbyItem({
  request,
  onDecide,
}: {
  request: LobbyRequestInfo;
  onDecide: (ids: readonly string[], admit: boolean) => void;
}) {
  const { t } = useTranslation();
  const name = request.display_name;
  return (
    <li className="v-lobby__item" data-testid="lobby-request" data-request-id={request.id}>
      <Avatar name={name} seed={request.id} size={36} />
      <span className="v-lobby__who">
        <span className="v-lobby__name">{name}</span>
        <span className="v-lobby__detail">{request.signed_in ? (request.email ?? t('lobby.signedIn')) : t('lobby.guest')}</span>
      </span>
      <span className="v-lobby__actions">
        <button
          type="button"
          className="fr-btn fr-btn--sm"
          data-testid="lobby-admit"
          aria-label={t('lobby.admitName', { name })}
          onClick={() => onDecide([request.id], true)}
        >
          {t('lobby.admit')}
        </button>
        <button
          type="button"
          className="fr-btn fr-btn--sm fr-btn--tertiary"
          data-testid="lobby-deny"
          aria-label={t('lobby.denyName', { name })}
          onClick={() => onDecide([request.id], false)}
        >
          {t('lobby.deny')}
        </button>
      </span>
    </li>
  );
});
