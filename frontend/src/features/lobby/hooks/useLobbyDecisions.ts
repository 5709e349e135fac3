import { useCallback } from 'react';
import { useTranslation } from 'react-i18next';
import { SignalingError } from '../../../meeting';
import { useToast } from '../../../ui/Toasts';
import type { MeetingControllerLike } from '../../meeting/controller';

/** Admit or deny lobby requests; a refusal (no longer a host, rate limit…) becomes a toast. */
export function useLobbyDecisions(
  controller: Pick<MeetingControllerLike, 'decideLobby'>,
): (requestIds: readonly string[], admit: boolean) => void {
  const { t } = useTranslation();
  const notify = useToast();
  return useCallback(
    (requestIds, admit) => {
      controller.decideLobby(requestIds, admit).catch((error: unknown) => {
        console.warn('visio: lobby decision failed', error);
        notify(error instanceof SignalingError && error.code === 'forbidden' ? t('errors.forbidden') : t('errors.actionFailed'));
      });
    },
    [controller, notify, t],
  );
}
