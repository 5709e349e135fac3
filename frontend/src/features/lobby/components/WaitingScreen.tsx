import { useEffect } from 'react';
import '../lobby.css';
import { useTranslation } from 'react-i18next';
import { Button } from '../../../ui/Button';
import { Avatar } from '../../grid/components/Avatar';
import { StreamVideo } from '../../grid/components/StreamVideo';
import { StatusPage } from '../../meeting/components/StatusPage';

export interface WaitingScreenProps {
  /** The name we asked to enter with. */
  name: string;
  /** The meeting's name or code. */
  meeting: string;
  /** Stops waiting (the request is withdrawn): back to the pre-join screen. */
  onCancel: () => void;
  /** Our camera, to check how we look meanwhile (null: camera off). */
  camera?: MediaStream | null;
}

/**
 * In the lobby: who we are, that a host will let us in, and a way out. The
 * heading takes the focus, so screen readers read it; the page title says it
 * too, for a tab left in the background.
 */
export function WaitingScreen({ name, meeting, onCancel, camera = null }: WaitingScreenProps) {
  const { t } = useTranslation();
  useEffect(() => {
    const previous = document.title;
    document.title = t('waiting.documentTitle', { name: meeting });
    return () => {
      document.title = previous;
    };
  }, [t, meeting]);
  return (
    <StatusPage
      title={t('waiting.title')}
      data-testid="waiting-screen"
      actions={
        <Button priority="secondary" icon="close" data-testid="cancel-waiting" onClick={onCancel}>
          {t('waiting.cancel')}
        </Button>
      }
    >
      <div className="v-waiting">
        {camera !== null && (
          <div className="v-waiting__preview">
            <StreamVideo stream={camera} source="camera" mirrored fit="cover" />
          </div>
        )}
        <div className="v-waiting__info">
          <span className="v-spinner" aria-hidden="true" />
          <div className="v-waiting__who">
            <Avatar name={name} seed={name} size={48} />
            <p className="v-waiting__name">
              {t('waiting.as')} <strong data-testid="waiting-name">{name}</strong>
            </p>
          </div>
          <p className="v-waiting__meeting">{t('waiting.meeting', { name: meeting })}</p>
          <p className="fr-hint-text">{t('waiting.hint')}</p>
        </div>
      </div>
    </StatusPage>
  );
}
