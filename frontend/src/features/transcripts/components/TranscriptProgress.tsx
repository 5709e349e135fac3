import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { TranscriptState, TranscriptSummary } from '../../../api/client';
import { StatusBadge, type StatusBadgeProps } from '../../../ui/Badge';

/** States after which nothing changes any more (no polling). */
export const FINISHED: ReadonlySet<TranscriptState> = new Set(['done', 'empty', 'failed']);

/** How often to ask again for a transcript in this state (ms), or null when it is finished. */
export function pollDelay(status: TranscriptState): number | null {
  if (FINISHED.has(status)) return null;
  // Capturing lasts as long as the meeting; the job itself moves faster.
  return status === 'capturing' ? 5_000 : 2_000;
}

const TONES: Readonly<Record<TranscriptState, NonNullable<StatusBadgeProps['tone']>>> = {
  capturing: 'new',
  queued: 'info',
  running: 'info',
  done: 'success',
  empty: 'neutral',
  failed: 'warning',
};

export function TranscriptStatusBadge({ status }: { status: TranscriptState }) {
  const { t } = useTranslation();
  return (
    <StatusBadge tone={TONES[status]} data-testid="transcript-status" data-status={status}>
      {t(`transcripts.status.${status}`)}
    </StatusBadge>
  );
}

const STAGES = new Set(['starting', 'decoding', 'detecting speech', 'transcribing', 'diarizing', 'merging', 'done']);
const ERRORS = new Set([
  'audio_missing',
  'audio_unreadable',
  'speech_language_unsupported',
  'speech_model_missing',
  'speech_engine_unavailable',
  'worker_lost',
  'internal_error',
]);

/** The job's stage in words ("recognizing speech"); an unknown stage as the server names it. */
export function stageText(t: TFunction, stage: string | null): string {
  if (stage === null) return t('transcripts.stage.starting');
  return STAGES.has(stage) ? t(`transcripts.stage.${stage as 'starting'}`) : stage;
}

/** Why a job failed, in words (the server's message for a code this client does not know). */
export function failureReason(t: TFunction, error: TranscriptSummary['error']): string | null {
  if (error === null) return null;
  return ERRORS.has(error.code) ? t(`transcripts.errors.${error.code as 'audio_missing'}`) : error.message || error.code;
}

/**
 * What a transcript's status means for the reader: progress while it is
 * prepared, and why there is no text (nobody spoke, or it failed).
 */
export function TranscriptProgress({ summary }: { summary: TranscriptSummary }) {
  const { t, i18n } = useTranslation();
  const percent = Math.round(Math.min(1, Math.max(0, summary.progress)) * 100);
  const lines: string[] = [];
  let progress = false;
  switch (summary.status) {
    case 'capturing':
      lines.push(t('transcripts.explain.capturing'));
      break;
    case 'queued':
      lines.push(t('transcripts.explain.queued'));
      if (summary.attempts > 0 && summary.error !== null) lines.push(t('transcripts.explain.retrying', { count: summary.attempts }));
      break;
    case 'running':
      lines.push(t('transcripts.explain.running', { stage: stageText(t, summary.stage) }));
      progress = true;
      break;
    case 'empty':
      lines.push(t('transcripts.explain.empty'));
      break;
    case 'failed': {
      lines.push(t('transcripts.explain.failed'));
      const reason = failureReason(t, summary.error);
      if (reason !== null) lines.push(reason);
      lines.push(t('transcripts.explain.contactAdmin'));
      break;
    }
    case 'done':
      break;
  }
  if (summary.expires_at !== null && FINISHED.has(summary.status)) {
    const date = new Date(summary.expires_at).toLocaleDateString(i18n.resolvedLanguage, { day: 'numeric', month: 'long', year: 'numeric' });
    lines.push(t('transcripts.explain.expires', { date }));
  }
  if (lines.length === 0) return null;
  return (
    <div className={`v-tprogress v-tprogress--${summary.status}`} data-testid="transcript-explanation" data-status={summary.status}>
      {progress && (
        <div className="v-tprogress__bar">
          <progress max={100} value={percent} aria-label={t('transcripts.explain.running', { stage: stageText(t, summary.stage) })} data-testid="transcript-progress" />
          <span>{t('transcripts.explain.progress', { percent })}</span>
        </div>
      )}
      {lines.map((line) => (
        <p key={line}>{line}</p>
      ))}
    </div>
  );
}
