import { useEffect, useRef, useState } from 'react';
import '../transcription.css';
import { useTranslation } from 'react-i18next';
import type { MeetingState, TranscriptionNotice } from '../../../meeting';
import { Icon } from '../../../ui/Icon';
import { useToast } from '../../../ui/Toasts';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';

const selectActive = (s: MeetingState) => s.transcription.active;
const selectNotice = (s: MeetingState) => s.transcriptionNotice;

export interface TranscriptionStatusProps {
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot'>;
}

/**
 * What everyone sees of a transcript (protocol.md, "Transcription"): an
 * indicator over the stage for as long as the meeting is transcribed, and
 * a notice when it starts (or when we join while it runs) saying who
 * started it, until dismissed. Its stop is announced by a toast.
 *
 * Both sit in live regions that are in the page from the start, so that
 * screen readers announce them when they appear.
 */
export function TranscriptionStatus({ controller }: TranscriptionStatusProps) {
  const { t } = useTranslation();
  const notify = useToast();
  const active = useMeetingSelector(controller, selectActive);
  const notice = useMeetingSelector(controller, selectNotice);
  const [shown, setShown] = useState<TranscriptionNotice | null>(null);

  // Each notice is handled once: a new `t` (the language changed) must not repeat it.
  const handled = useRef<TranscriptionNotice | null>(null);
  useEffect(() => {
    if (notice === null || notice === handled.current) return;
    handled.current = notice;
    if (notice.kind === 'started') {
      setShown(notice);
    } else {
      setShown(null);
      notify(notice.byYou ? t('transcription.stoppedNoticeByYou') : t('transcription.stoppedNotice'), {
        testId: 'transcription-stopped-notice',
        durationMs: 8_000,
      });
    }
  }, [notice, notify, t]);

  const startedNotice = shown !== null && active ? shown : null;
  return (
    <div className="v-transcribing">
      <div role="status" aria-live="polite">
        {active && (
          <p className="v-transcribing__indicator" data-testid="transcription-indicator" title={t('transcription.indicatorDetail')}>
            <span className="v-transcribing__dot" aria-hidden="true" />
            {t('transcription.indicator')}
            <span className="fr-sr-only"> — {t('transcription.indicatorDetail')}</span>
          </p>
        )}
      </div>
      <div aria-live="assertive">
        {startedNotice !== null && (
          <section className="v-transcribing__notice" data-testid="transcription-notice" aria-label={t('transcription.notice.label')}>
            <Icon name="transcript" size="1.5rem" />
            <div className="v-transcribing__text">
              <p className="v-transcribing__title">{t('transcription.notice.title')}</p>
              <p>{t('transcription.notice.text')}</p>
              <p data-testid="transcription-started-by">
                {startedNotice.byYou
                  ? t('transcription.notice.startedByYou')
                  : startedNotice.startedBy !== null
                    ? t('transcription.notice.startedBy', { name: startedNotice.startedBy })
                    : null}
              </p>
            </div>
            <button
              type="button"
              className="fr-btn fr-btn--sm v-transcribing__ok"
              data-testid="transcription-notice-ok"
              onClick={() => setShown(null)}
            >
              {t('transcription.notice.ok')}
            </button>
          </section>
        )}
      </div>
    </div>
  );
}
