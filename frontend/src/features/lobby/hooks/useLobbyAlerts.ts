import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../../../meeting';
import { useToast } from '../../../ui/Toasts';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';
import { playChime } from '../chime';

const selectLobby = (s: MeetingState) => s.lobby;

/**
 * Hosts hear a chime and screen readers hear "Bob asks to join" for each new
 * lobby request, whether or not the lobby panel is open.
 */
export function useLobbyAlerts(
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'>,
  chime: () => void = playChime,
): void {
  const { t } = useTranslation();
  const notify = useToast();
  const lobby = useMeetingSelector(controller, selectLobby);
  const seen = useRef(new Set<string>());
  useEffect(() => {
    const fresh = lobby.filter((request) => !seen.current.has(request.id));
    seen.current = new Set(lobby.map((request) => request.id));
    if (fresh.length === 0) return;
    chime();
    const text =
      fresh.length === 1 && fresh[0] !== undefined
        ? t('lobby.asks', { name: fresh[0].display_name })
        : t('lobby.asksMany', { count: fresh.length });
    notify(text, { testId: 'lobby-toast' });
  }, [lobby, notify, t, chime]);
}
