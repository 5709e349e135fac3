import { useTranslation } from 'react-i18next';
import { useAudioLevel } from '../hooks/useAudioLevel';

/**
 * "Is my microphone working?": a meter (`mic-level`, aria-valuenow 0..100).
 * Its own component, so that ten updates a second re-render only it.
 */
export function MicLevel({ track }: { track: MediaStreamTrack | null }) {
  const { t } = useTranslation();
  const level = useAudioLevel(track);
  const value = Math.round(level * 100);
  return (
    <div className="v-miclevel">
      <span className="v-miclevel__label" aria-hidden="true">
        {t('prejoin.micLevel')}
      </span>
      <div
        className="v-miclevel__track"
        role="meter"
        aria-label={t('prejoin.micLevel')}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={value}
        data-testid="mic-level"
      >
        <div className="v-miclevel__fill" style={{ transform: `scaleX(${level})` }} />
      </div>
    </div>
  );
}
