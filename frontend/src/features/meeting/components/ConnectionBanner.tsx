import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../../../meeting';
import { Banner } from '../../../ui/Banner';
import type { MeetingControllerLike } from '../controller';
import { useMeetingSelector } from '../hooks/useMeeting';

type Problem = 'none' | 'reconnecting' | 'media';

function selectProblem(state: MeetingState): Problem {
  if (state.status === 'reconnecting') return 'reconnecting';
  if (state.status === 'joined' && state.connectionQuality !== 'ok') return 'media';
  return 'none';
}

/**
 * `connection-banner`: shown while the signaling socket reconnects or a
 * media connection is down, gone when it recovers. The live region stays
 * in the page (empty) so that screen readers announce the text when it comes.
 */
export function ConnectionBanner({ controller }: { controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'> }) {
  const { t } = useTranslation();
  const problem = useMeetingSelector(controller, selectProblem);
  return (
    <div className="v-connection" role="status" aria-live="polite">
      {problem !== 'none' && (
        <Banner tone="warning" live={false} data-testid="connection-banner">
          <strong>{problem === 'reconnecting' ? t('connection.reconnecting') : t('connection.media')}</strong>{' '}
          {t('connection.hint')}
        </Banner>
      )}
    </div>
  );
}
