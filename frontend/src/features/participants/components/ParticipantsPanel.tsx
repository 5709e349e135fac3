import { memo, useMemo } from 'react';
import '../participants.css';
import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../../../meeting';
import { StatusBadge } from '../../../ui/Badge';
import { Icon } from '../../../ui/Icon';
import { SidePanel } from '../../../ui/SidePanel';
import { Avatar } from '../../grid/components/Avatar';
import { selfMicrophoneOn } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';
import { ParticipantMenu, type ModerationController } from '../../moderation/components/ParticipantMenu';
import { listParticipants, type ListedParticipant } from '../order';

const selectParticipants = (s: MeetingState) => s.participants;
const selectHands = (s: MeetingState) => s.hands;

export interface ParticipantsPanelProps {
  controller: ModerationController;
  onClose: () => void;
}

/** Who is here: raised hands first (in order), with their microphone state. */
export function ParticipantsPanel({ controller, onClose }: ParticipantsPanelProps) {
  const { t } = useTranslation();
  const participants = useMeetingSelector(controller, selectParticipants);
  const hands = useMeetingSelector(controller, selectHands);
  const selfMicOn = useMeetingSelector(controller, selfMicrophoneOn);
  const listed = useMemo(() => listParticipants(participants, hands), [participants, hands]);
  return (
    <SidePanel
      title={t('participants.title', { count: participants.length })}
      closeLabel={t('participants.close')}
      onClose={onClose}
      data-testid="participants-panel"
    >
      {hands.length > 0 && <p className="v-people__summary">{t('participants.handsSummary', { count: hands.length })}</p>}
      <ul className="v-people fr-raw-list" aria-label={t('participants.listLabel')} tabIndex={0}>
        {listed.map((item) => (
          <ParticipantItem key={item.participant.id} item={item} selfMicOn={selfMicOn} controller={controller} />
        ))}
      </ul>
    </SidePanel>
  );
}

const ParticipantItem = memo(function ParticipantItem({
  item,
  selfMicOn,
  controller,
}: {
  item: ListedParticipant;
  selfMicOn: boolean;
  controller: ModerationController;
}) {
  const { t } = useTranslation();
  const { participant, handRank } = item;
  const muted = participant.isSelf ? !selfMicOn : !participant.microphoneOn;
  return (
    <li
      className="v-people__item"
      data-testid="participant-item"
      data-participant-id={participant.id}
      data-audio-muted={muted ? 'true' : 'false'}
      data-hand-raised={handRank !== null ? 'true' : 'false'}
      data-hand-rank={handRank ?? undefined}
      data-role={participant.role}
    >
      <Avatar name={participant.displayName} seed={participant.id} size={36} />
      <span className="v-people__who">
        <span className="v-people__name">
          {participant.displayName}
          {participant.isSelf && <span className="v-people__you"> ({t('participants.you')})</span>}
        </span>
        {participant.role !== 'participant' && (
          <StatusBadge tone={participant.role === 'guest' ? 'neutral' : 'info'} className="v-people__role" data-testid="role-badge">
            {participant.role === 'guest' ? t('roles.guest') : participant.role === 'owner' ? t('roles.owner') : t('roles.host')}
          </StatusBadge>
        )}
        {participant.sharedMicrophone && (
          <StatusBadge tone="neutral" className="v-people__role" title={t('participants.sharedMicHint')} data-testid="shared-mic-badge">
            {t('participants.sharedMic')}
          </StatusBadge>
        )}
        {handRank !== null && (
          <StatusBadge tone="new" className="v-people__hand">
            <Icon name="hand" size="0.875rem" />
            <span>{t('participants.handRank', { rank: handRank })}</span>
          </StatusBadge>
        )}
      </span>
      <span className={`v-people__mic${muted ? ' v-people__mic--off' : ''}`}>
        <Icon name={muted ? 'micOff' : 'mic'} size="1.25rem" />
        <span className="fr-sr-only">{muted ? t('participants.micOff') : t('participants.micOn')}</span>
      </span>
      <ParticipantMenu controller={controller} participantId={participant.id} variant="list" />
    </li>
  );
});
