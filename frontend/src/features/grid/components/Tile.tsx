import { memo, useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../../../meeting';
import { Icon } from '../../../ui/Icon';
import { selfMicrophoneOn } from '../../meeting/controller';
import { useMeetingSelector, useParticipant } from '../../meeting/hooks/useMeeting';
import { ParticipantMenu, type ModerationController } from '../../moderation/components/ParticipantMenu';
import { useMeasureTile } from '../hooks/useTileHeights';
import type { TileSource } from '../layout';
import { tileKey } from '../visibleTiles';
import { Avatar } from './Avatar';
import { StreamVideo } from './StreamVideo';

export interface TileProps {
  controller: ModerationController;
  participantId: string;
  source: TileSource;
  /** The large tile (screen share or speaker): shows everything rather than cropping. */
  featured?: boolean;
  /** CSS size from the layout (a featured tile fills its area instead). */
  width?: number;
  height?: number;
}

/**
 * One person's camera or screen. It reads its own participant from the
 * store, so it re-renders only when that person changes; the grid passes
 * only ids and sizes.
 */
export const Tile = memo(function Tile({ controller, participantId, source, featured = false, width, height }: TileProps) {
  const { t } = useTranslation();
  const participant = useParticipant(controller, participantId);
  const isActiveSpeaker = useMeetingSelector(
    controller,
    useCallback((state: MeetingState) => state.activeSpeaker === participantId, [participantId]),
  );
  const selfMicOn = useMeetingSelector(controller, selfMicrophoneOn);
  const measure = useMeasureTile(tileKey({ participantId, source }));
  if (participant === null) return null;

  const isSelf = participant.isSelf;
  const audioMuted = isSelf ? !selfMicOn : !participant.microphoneOn;
  const speaking = participant.speaking && !audioMuted;
  const stream = source === 'screen' ? participant.media.screen : participant.media.camera;
  const showVideo = stream !== undefined && (source === 'screen' || isSelf || participant.cameraOn);
  const name = participant.displayName;
  const label =
    source === 'screen'
      ? isSelf
        ? t('tile.youArePresenting')
        : t('tile.presentation', { name })
      : isSelf
        ? t('tile.selfName', { name })
        : name;
  const avatarSize = Math.max(40, Math.min(128, Math.round((height ?? 240) * 0.36)));

  return (
    <li
      ref={measure}
      className={[
        'v-tile',
        featured ? 'v-tile--featured' : null,
        source === 'screen' ? 'v-tile--screen' : null,
        isActiveSpeaker && source === 'camera' && !featured ? 'v-tile--active' : null,
        speaking && source === 'camera' ? 'v-tile--speaking' : null,
      ]
        .filter(Boolean)
        .join(' ')}
      style={featured ? undefined : { width, height }}
      data-testid="tile"
      data-participant-id={participantId}
      data-source={source}
      data-local={isSelf ? 'true' : 'false'}
      data-speaking={speaking ? 'true' : 'false'}
      data-active-speaker={isActiveSpeaker ? 'true' : 'false'}
      data-audio-muted={audioMuted ? 'true' : 'false'}
      data-hand-raised={participant.handRaised ? 'true' : 'false'}
      data-role={participant.role}
    >
      {(!showVideo || source === 'camera') && (
        <div className="v-tile__placeholder">
          {source === 'screen' ? <Icon name="screen" size="2.5rem" /> : <Avatar name={name} seed={participantId} size={avatarSize} />}
        </div>
      )}
      {showVideo && stream !== undefined && (
        <StreamVideo
          stream={stream}
          source={source}
          mirrored={isSelf && source === 'camera'}
          fit={source === 'screen' || featured ? 'contain' : 'cover'}
        />
      )}
      {participant.handRaised && source === 'camera' && (
        <span className="v-tile__hand" title={t('tile.handRaised')}>
          <Icon name="hand" size="1.125rem" />
          <span className="fr-sr-only">{t('tile.handRaised')}</span>
        </span>
      )}
      {speaking && source === 'camera' && (
        <span className="v-tile__speaking" aria-hidden="true">
          <span />
          <span />
          <span />
        </span>
      )}
      {source === 'camera' && <ParticipantMenu controller={controller} participantId={participantId} variant="tile" />}
      <div className="v-tile__bar">
        {audioMuted && source === 'camera' && (
          <span className="v-tile__muted" title={t('tile.micMuted')}>
            <Icon name="micOff" size="1rem" />
            <span className="fr-sr-only">{t('tile.micMuted')}</span>
          </span>
        )}
        <span className="v-tile__name" data-testid="tile-name">
          {label}
        </span>
      </div>
    </li>
  );
});
