import { useCallback, useState } from 'react';
import '../moderation.css';
import { useTranslation } from 'react-i18next';
import { isHostRole, SignalingError, type MeetingState } from '../../../meeting';
import { Button } from '../../../ui/Button';
import { Dialog } from '../../../ui/Dialog';
import { Icon } from '../../../ui/Icon';
import { Menu, type MenuItem } from '../../../ui/Menu';
import { useToast } from '../../../ui/Toasts';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector, useParticipant } from '../../meeting/hooks/useMeeting';

/** What the moderation menu needs of the controller. */
export type ModerationController = Pick<
  MeetingControllerLike,
  'subscribe' | 'getSnapshot' | 'muteParticipant' | 'removeParticipant' | 'lowerHand' | 'setParticipantRole'
>;

const selectRole = (s: MeetingState) => s.role;

export interface ParticipantMenuProps {
  controller: ModerationController;
  participantId: string;
  /** `tile`: over a video (dark, shown on hover and focus); `list`: in the participants panel. */
  variant: 'tile' | 'list';
}

/**
 * Hosts: what they can do to one participant (not themselves) — mute the
 * microphone, stop the camera or the screen share, lower the hand, make or
 * unmake co-host (owner), remove from the meeting (after a confirmation).
 * Only the actions that apply now are listed; nothing at all for others.
 */
export function ParticipantMenu({ controller, participantId, variant }: ParticipantMenuProps) {
  const { t } = useTranslation();
  const notify = useToast();
  const participant = useParticipant(controller, participantId);
  const role = useMeetingSelector(controller, selectRole);
  const [confirming, setConfirming] = useState(false);
  const act = useCallback(
    (action: () => Promise<void>) => {
      action().catch((error: unknown) => {
        console.warn('visio: moderation failed', error);
        notify(error instanceof SignalingError && error.code === 'forbidden' ? t('errors.forbidden') : t('errors.actionFailed'));
      });
    },
    [notify, t],
  );
  if (participant === null || participant.isSelf || !isHostRole(role)) return null;

  const { id, displayName: name } = participant;
  const items: MenuItem[] = [];
  if (participant.microphoneOn) {
    items.push({ key: 'mute', label: t('moderation.mute'), icon: 'micOff', 'data-testid': 'moderate-mute', onSelect: () => act(() => controller.muteParticipant(id, 'microphone')) });
  }
  if (participant.cameraOn) {
    items.push({ key: 'camera', label: t('moderation.stopCamera'), icon: 'cameraOff', 'data-testid': 'moderate-stop-camera', onSelect: () => act(() => controller.muteParticipant(id, 'camera')) });
  }
  if (participant.screenSharing) {
    items.push({ key: 'screen', label: t('moderation.stopScreen'), icon: 'screenStop', 'data-testid': 'moderate-stop-screen', onSelect: () => act(() => controller.muteParticipant(id, 'screen')) });
  }
  if (participant.handRaised) {
    items.push({ key: 'hand', label: t('moderation.lowerHand'), icon: 'hand', 'data-testid': 'moderate-lower-hand', onSelect: () => act(() => controller.lowerHand(id)) });
  }
  if (role === 'owner' && participant.role !== 'owner') {
    items.push(
      participant.role === 'host'
        ? { key: 'role', label: t('moderation.removeHost'), icon: 'host', 'data-testid': 'moderate-remove-host', onSelect: () => act(() => controller.setParticipantRole(id, 'participant')) }
        : { key: 'role', label: t('moderation.makeHost'), icon: 'host', 'data-testid': 'moderate-make-host', onSelect: () => act(() => controller.setParticipantRole(id, 'host')) },
    );
  }
  if (participant.role !== 'owner') {
    items.push({ key: 'remove', label: t('moderation.remove'), icon: 'logout', danger: true, 'data-testid': 'moderate-remove', onSelect: () => setConfirming(true) });
  }
  if (items.length === 0) return null;

  return (
    <>
      <Menu
        label={t('moderation.menuLabel', { name })}
        items={items}
        data-testid="moderation-menu"
        trigger={(props) => (
          <button
            type="button"
            {...props}
            className={`v-pmenu v-pmenu--${variant}`}
            aria-label={t('moderation.open', { name })}
            title={t('moderation.open', { name })}
            data-testid="participant-menu"
          >
            <Icon name="more" size="1.25rem" />
          </button>
        )}
      />
      <Dialog
        open={confirming}
        onClose={() => setConfirming(false)}
        title={t('moderation.confirmTitle', { name })}
        closeLabel={t('moderation.confirmCancel')}
        data-testid="remove-dialog"
        footer={
          <>
            <Button priority="secondary" onClick={() => setConfirming(false)}>
              {t('moderation.confirmCancel')}
            </Button>
            <Button
              data-testid="confirm-remove"
              className="v-btn--danger"
              onClick={() => {
                setConfirming(false);
                act(() => controller.removeParticipant(id));
              }}
            >
              {t('moderation.confirmRemove')}
            </Button>
          </>
        }
      >
        <p>{t('moderation.confirmText', { name })}</p>
      </Dialog>
    </>
  );
}
