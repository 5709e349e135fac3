import { useTranslation } from 'react-i18next';
import { isHostRole, type MeetingState } from '../../../meeting';
import { IconButton } from '../../../ui/IconButton';
import { Menu } from '../../../ui/Menu';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';

const selectRole = (s: MeetingState) => s.role;

export interface LeaveControlProps {
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'>;
  onLeave: () => void;
  onEndForAll: () => void;
}

/**
 * The red hang-up button. Participants leave at once; hosts choose between
 * leaving ("the meeting goes on") and ending it for everyone.
 */
export function LeaveControl({ controller, onLeave, onEndForAll }: LeaveControlProps) {
  const { t } = useTranslation();
  const role = useMeetingSelector(controller, selectRole);
  if (!isHostRole(role)) {
    return <IconButton icon="hangUp" label={t('controls.leave')} tone="danger" className="v-iconbtn--wide" data-testid="leave" onClick={onLeave} />;
  }
  return (
    <Menu
      label={t('controls.leaveMenu')}
      placement="above"
      data-testid="leave-menu"
      items={[
        { key: 'leave', label: t('controls.leaveOnly'), icon: 'hangUp', 'data-testid': 'leave-meeting', onSelect: onLeave },
        { key: 'end', label: t('controls.endForAll'), icon: 'close', danger: true, 'data-testid': 'end-meeting', onSelect: onEndForAll },
      ]}
      trigger={(props) => (
        <IconButton {...props} icon="hangUp" label={t('controls.leave')} tone="danger" className="v-iconbtn--wide" data-testid="leave" />
      )}
    />
  );
}
