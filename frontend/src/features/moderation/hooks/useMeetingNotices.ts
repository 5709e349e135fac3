import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { isHostRole, type MeetingState } from '../../../meeting';
import { useToast } from '../../../ui/Toasts';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';

const selectModeration = (s: MeetingState) => s.moderation;
const selectRole = (s: MeetingState) => s.role;
const selectLocked = (s: MeetingState) => s.access?.locked ?? null;

/**
 * Says what others did to us: a host muted our microphone or stopped our
 * camera or screen share (the controller already did it), made us co-host
 * or took it back; and, to hosts, that the meeting was locked or unlocked.
 */
export function useMeetingNotices(controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'>): void {
  const { t } = useTranslation();
  const notify = useToast();

  const moderation = useMeetingSelector(controller, selectModeration);
  // Each notice is said once: a new `t` (the language changed) must not repeat it.
  const saidModeration = useRef<typeof moderation>(null);
  useEffect(() => {
    if (moderation === null || moderation === saidModeration.current) return;
    saidModeration.current = moderation;
    const text =
      moderation.source === 'microphone'
        ? t('moderation.youWereMuted')
        : moderation.source === 'camera'
          ? t('moderation.yourCameraStopped')
          : t('moderation.yourScreenStopped');
    notify(text, { testId: 'moderation-notice', durationMs: 8_000 });
  }, [moderation, notify, t]);

  const role = useMeetingSelector(controller, selectRole);
  const previousRole = useRef(role);
  useEffect(() => {
    const before = previousRole.current;
    previousRole.current = role;
    if (before === null || role === null || before === role) return;
    if (isHostRole(role) && !isHostRole(before)) notify(t('moderation.nowHost'), { testId: 'role-notice' });
    else if (!isHostRole(role) && isHostRole(before)) notify(t('moderation.noLongerHost'), { testId: 'role-notice' });
  }, [role, notify, t]);

  const locked = useMeetingSelector(controller, selectLocked);
  const previousLocked = useRef(locked);
  useEffect(() => {
    const before = previousLocked.current;
    previousLocked.current = locked;
    if (before === null || locked === null || before === locked) return;
    if (isHostRole(controller.getSnapshot().role)) notify(locked ? t('access.lockedNotice') : t('access.unlockedNotice'));
  }, [locked, controller, notify, t]);
}
