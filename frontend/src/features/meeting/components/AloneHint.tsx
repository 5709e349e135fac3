import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { MeetingState } from '../../../meeting';
import { Icon } from '../../../ui/Icon';
import { MeetingLink } from '../../prejoin/components/MeetingLink';
import type { MeetingControllerLike } from '../controller';
import { useMeetingSelector } from '../hooks/useMeeting';

const selectAlone = (s: MeetingState) => s.status === 'joined' && s.participants.length === 1;

/** While nobody else is here: the link to invite people (dismissable). */
export function AloneHint({ controller, code }: { controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'>; code: string }) {
  const { t } = useTranslation();
  const alone = useMeetingSelector(controller, selectAlone);
  const [dismissed, setDismissed] = useState(false);
  if (!alone || dismissed) return null;
  return (
    <section className="v-alone" aria-labelledby="v-alone-title">
      <div className="v-alone__header">
        <h2 id="v-alone-title" className="v-alone__title">
          {t('meeting.aloneTitle')}
        </h2>
        <button type="button" className="v-dialog__close" aria-label={t('meeting.aloneClose')} onClick={() => setDismissed(true)}>
          <Icon name="close" size="1.25rem" />
        </button>
      </div>
      <p className="v-alone__text">{t('meeting.aloneText')}</p>
      <MeetingLink slug={code} />
    </section>
  );
}
