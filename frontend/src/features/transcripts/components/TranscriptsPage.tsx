import { useCallback, useEffect, useRef, useState, type ReactNode } from 'react';
import '../transcripts.css';
import { useTranslation } from 'react-i18next';
import {
  ApiError,
  deleteTranscript,
  EXPORT_FORMATS,
  getRoom,
  getTranscript,
  listTranscripts,
  shareTranscript,
  signInUrl,
  transcriptDownloadUrl,
  type Room,
  type TranscriptDetail,
  type TranscriptSummary,
} from '../../../api/client';
import { AppHeader } from '../../../app/AppHeader';
import { AppLink } from '../../../app/AppLink';
import { navigate, transcriptsPath } from '../../../app/router';
import { Button } from '../../../ui/Button';
import { Dialog } from '../../../ui/Dialog';
import { Icon } from '../../../ui/Icon';
import { useToast } from '../../../ui/Toasts';
import { useAccount } from '../../account/AccountContext';
import { MeetingNotFound } from '../../meeting/components/MeetingNotFound';
import { StatusPage } from '../../meeting/components/StatusPage';
import { languageName } from '../../transcription/languages';
import { usePolled, type Polled } from '../hooks/usePolled';
import { formatClock, secondsBetween } from '../transcriptView';
import { pollDelay, TranscriptProgress, TranscriptStatusBadge } from './TranscriptProgress';
import { TranscriptReader } from './TranscriptReader';
import { TranscriptSharing } from './TranscriptSharing';

/** The REST calls of the pages (tests pass fakes). */
export interface TranscriptsApi {
  getRoom: (slug: string) => Promise<Room>;
  list: (slug: string) => Promise<TranscriptSummary[]>;
  get: (slug: string, id: string) => Promise<TranscriptDetail>;
  remove: (slug: string, id: string) => Promise<void>;
  /** The whole list of emails a transcript is shared with (owner). */
  share: (slug: string, id: string, emails: string[]) => Promise<TranscriptSummary>;
}

const restApi: TranscriptsApi = {
  getRoom: (slug) => getRoom(slug),
  list: (slug) => listTranscripts(slug),
  get: (slug, id) => getTranscript(slug, id),
  remove: (slug, id) => deleteTranscript(slug, id),
  share: (slug, id, emails) => shareTranscript(slug, id, emails),
};

export interface TranscriptsPageProps {
  slug: string;
  /** A transcript's id: its page; none: the meeting's list. */
  id?: string;
  api?: TranscriptsApi;
}

/**
 * `/{slug}/transcripts` and `/{slug}/transcripts/{id}` (owner and hosts):
 * the meeting's transcripts with their progress (polled until finished),
 * and one transcript to read, search, download or (owner) delete and share.
 * The people a transcript is shared with open its page directly and only
 * read and download it. Others get a page that says the transcripts are for
 * the meeting's hosts.
 */
export default function TranscriptsPage({ slug, id, api = restApi }: TranscriptsPageProps) {
  const loadRoom = useCallback(() => api.getRoom(slug), [api, slug]);
  const room = usePolled(loadRoom, noPoll).state;
  if (room.status === 'error') return <LoadError error={room.error} slug={slug} />;
  const found = room.status === 'ready' ? room.value : null;
  return id === undefined ? <TranscriptList key={slug} slug={slug} room={found} api={api} /> : <TranscriptPage key={id} slug={slug} id={id} room={found} api={api} />;
}

const noPoll = () => null;

function Frame({ children, testId }: { children: ReactNode; testId: string }) {
  return (
    <div className="v-page">
      <AppHeader />
      <main id="main" className="fr-container v-transcripts" tabIndex={-1} data-testid={testId}>
        {children}
      </main>
    </div>
  );
}

/** A link inside the app (no page load), still a real link for new tabs. */
function Loading() {
  const { t } = useTranslation();
  return (
    <div className="v-loading" role="status" data-testid="transcripts-loading">
      <span className="v-spinner" aria-hidden="true" />
      <p>{t('transcripts.loading')}</p>
    </div>
  );
}

/** 403, 404 and the rest: a page that says what happened. */
function LoadError({ error, slug, onRetry }: { error: unknown; slug: string; onRetry?: () => void }) {
  const { t } = useTranslation();
  const account = useAccount();
  const code = error instanceof ApiError ? error.code : null;
  if (code === 'room_not_found') return <MeetingNotFound code={slug} />;
  if (code === 'forbidden') {
    const canSignIn = account.me === null && account.config?.sign_in_enabled === true;
    return (
      <StatusPage
        title={t('transcripts.forbiddenTitle')}
        data-testid="transcripts-forbidden"
        actions={
          <>
            {canSignIn && (
              <a className="fr-btn" href={signInUrl(window.location.pathname)}>
                {t('transcripts.signIn')}
              </a>
            )}
            <Button priority={canSignIn ? 'secondary' : 'primary'} icon="home" onClick={() => navigate('/')}>
              {t('common.backHome')}
            </Button>
          </>
        }
      >
        <p>{t('transcripts.forbiddenText')}</p>
        {canSignIn && <p>{t('transcripts.forbiddenSignIn')}</p>}
      </StatusPage>
    );
  }
  if (code === 'transcript_not_found') {
    return (
      <StatusPage
        title={t('transcripts.notFoundTitle')}
        data-testid="transcript-not-found"
        actions={
          <Button icon="arrowLeft" onClick={() => navigate(transcriptsPath(slug))}>
            {t('transcripts.backToList')}
          </Button>
        }
      >
        <p>{t('transcripts.notFoundText')}</p>
      </StatusPage>
    );
  }
  return (
    <StatusPage
      title={t('transcripts.loadFailed')}
      data-testid="transcripts-error"
      actions={
        <>
          <Button icon="refresh" onClick={onRetry ?? (() => window.location.reload())}>
            {t('common.retry')}
          </Button>
          <Button priority="secondary" icon="home" onClick={() => navigate('/')}>
            {t('common.backHome')}
          </Button>
        </>
      }
    />
  );
}

function useDocumentTitle(room: Room | null, slug: string): void {
  const { t } = useTranslation();
  const name = room?.name ?? room?.slug ?? slug;
  useEffect(() => {
    document.title = t('transcripts.documentTitle', { name });
  }, [t, name]);
}

/** "14 March 2025, 09:30" in the UI's language. */
function useDateTime(): (iso: string) => string {
  const { i18n } = useTranslation();
  return useCallback(
    (iso: string) =>
      new Date(iso).toLocaleString(i18n.resolvedLanguage, { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit' }),
    [i18n.resolvedLanguage],
  );
}

function duration(summary: TranscriptSummary): string | null {
  const seconds = secondsBetween(summary.started_at, summary.stopped_at);
  return seconds === null ? null : formatClock(seconds);
}

function Facts({ summary }: { summary: TranscriptSummary }) {
  const { t, i18n } = useTranslation();
  const length = duration(summary);
  const facts = [
    summary.started_by !== null ? t('transcripts.item.startedBy', { name: summary.started_by }) : null,
    length !== null ? t('transcripts.item.duration', { duration: length }) : null,
    t('transcripts.item.language', { language: languageName(summary.language, i18n.resolvedLanguage) }),
    summary.speakers.length > 0 ? t('transcripts.item.speakers', { count: summary.speakers.length }) : null,
  ].filter((fact): fact is string => fact !== null);
  return (
    <ul className="v-transcripts__facts fr-raw-list">
      {facts.map((fact) => (
        <li key={fact}>{fact}</li>
      ))}
    </ul>
  );
}

// --- the list ------------------------------------------------------------------------------

function TranscriptList({ slug, room, api }: { slug: string; room: Room | null; api: TranscriptsApi }) {
  const { t } = useTranslation();
  const when = useDateTime();
  useDocumentTitle(room, slug);
  const load = useCallback(() => api.list(slug), [api, slug]);
  const again = useCallback((list: TranscriptSummary[]) => soonest(list.map((item) => pollDelay(item.status))), []);
  const { state, reload } = usePolled(load, again);
  const headingRef = useFocusOnLoad(state);

  if (state.status === 'error') return <LoadError error={state.error} slug={slug} onRetry={reload} />;
  const name = room?.name ?? room?.slug ?? slug;
  return (
    <Frame testId="transcripts-page">
      <p className="v-transcripts__back">
        <AppLink href={`/${slug}`} className="fr-link" data-testid="back-to-meeting">
          <Icon name="arrowLeft" size="1rem" /> {t('transcripts.backToMeeting')}
        </AppLink>
      </p>
      <h1 ref={headingRef} tabIndex={-1} className="v-transcripts__title">
        {t('transcripts.title')}
      </h1>
      <p className="v-transcripts__meeting">{t('transcripts.meeting', { name })}</p>
      {state.status === 'loading' && <Loading />}
      {state.status === 'ready' && state.value.length === 0 && (
        <p className="v-transcripts__empty" data-testid="transcripts-empty">
          {t('transcripts.empty')}
        </p>
      )}
      {state.status === 'ready' && state.value.length > 0 && (
        <ul className="v-transcripts__list fr-raw-list" data-testid="transcript-list">
          {state.value.map((item) => (
            <li key={item.id} className="v-transcripts__item" data-testid="transcript-item" data-transcript-id={item.id} data-status={item.status}>
              <div className="v-transcripts__head">
                <AppLink href={transcriptsPath(slug, item.id)} className="fr-link v-transcripts__open" data-testid="transcript-open">
                  {t('transcripts.item.title', { date: when(item.started_at) })}
                </AppLink>
                <TranscriptStatusBadge status={item.status} />
              </div>
              <Facts summary={item} />
              <TranscriptProgress summary={item} />
            </li>
          ))}
        </ul>
      )}
    </Frame>
  );
}

/** The shortest of the delays (null: nothing to poll). */
function soonest(delays: (number | null)[]): number | null {
  const due = delays.filter((d): d is number => d !== null);
  return due.length === 0 ? null : Math.min(...due);
}

/** Focus the page's heading once its content has loaded, so that screen readers start there. */
function useFocusOnLoad(state: Polled<unknown>) {
  const headingRef = useRef<HTMLHeadingElement>(null);
  const loaded = state.status === 'ready';
  useEffect(() => {
    if (loaded) headingRef.current?.focus({ preventScroll: true });
  }, [loaded]);
  return headingRef;
}

// --- one transcript ----------------------------------------------------------------------

function TranscriptPage({ slug, id, room, api }: { slug: string; id: string; room: Room | null; api: TranscriptsApi }) {
  const { t } = useTranslation();
  const when = useDateTime();
  useDocumentTitle(room, slug);
  const load = useCallback(() => api.get(slug, id), [api, slug, id]);
  const again = useCallback((transcript: TranscriptDetail) => pollDelay(transcript.status), []);
  const { state, reload } = usePolled(load, again);
  const headingRef = useFocusOnLoad(state);
  const [deleting, setDeleting] = useState(false);

  if (state.status === 'error') return <LoadError error={state.error} slug={slug} onRetry={reload} />;
  const transcript = state.status === 'ready' ? state.value : null;
  const isOwner = room?.your_role === 'owner';
  // A reader it was shared with may not list the meeting's transcripts: no link to the list.
  const isHost = isOwner || room?.your_role === 'host';
  const formats = EXPORT_FORMATS.filter((format) => transcript?.formats.includes(format));
  return (
    <Frame testId="transcript-page">
      {isHost && (
        <p className="v-transcripts__back">
          <AppLink href={transcriptsPath(slug)} className="fr-link" data-testid="back-to-list">
            <Icon name="arrowLeft" size="1rem" /> {t('transcripts.backToList')}
          </AppLink>
        </p>
      )}
      {transcript === null ? (
        <Loading />
      ) : (
        <>
          <div className="v-transcripts__top">
            <div>
              <h1 ref={headingRef} tabIndex={-1} className="v-transcripts__title" data-testid="transcript-title">
                {t('transcripts.view.heading', { date: when(transcript.started_at) })}
              </h1>
              <p className="v-transcripts__meeting">
                {t('transcripts.meeting', { name: room?.name ?? room?.slug ?? slug })} <TranscriptStatusBadge status={transcript.status} />
              </p>
              <Facts summary={transcript} />
            </div>
            {isOwner && transcript.status !== 'capturing' && (
              <Button priority="tertiary" icon="delete" className="v-transcripts__delete" data-testid="delete-transcript" onClick={() => setDeleting(true)}>
                {t('transcripts.view.delete')}
              </Button>
            )}
          </div>
          <TranscriptProgress summary={transcript} />
          {formats.length > 0 && (
            <section className="v-transcripts__downloads" aria-labelledby="transcript-downloads">
              <h2 id="transcript-downloads" className="fr-h6">
                {t('transcripts.view.downloads')}
              </h2>
              <ul className="v-transcripts__formats fr-raw-list">
                {formats.map((format) => (
                  <li key={format}>
                    <a
                      className="fr-btn fr-btn--secondary fr-btn--sm v-btn--icon"
                      href={transcriptDownloadUrl(slug, id, format)}
                      download
                      data-testid={`download-${format}`}
                    >
                      <Icon name="download" size="1rem" />
                      {t(`transcripts.view.format.${format}`)}
                    </a>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {isOwner && <TranscriptSharing sharedWith={transcript.shared_with} onShare={(emails) => api.share(slug, id, emails)} />}
          {transcript.transcript !== null && transcript.status === 'done' && (
            <TranscriptReader document={transcript.transcript} startedAt={transcript.started_at} />
          )}
          {isOwner && (
            <DeleteDialog
              open={deleting}
              onClose={() => setDeleting(false)}
              onDelete={() => api.remove(slug, id)}
              onDeleted={() => navigate(transcriptsPath(slug), { replace: true })}
            />
          )}
        </>
      )}
    </Frame>
  );
}

function DeleteDialog({ open, onClose, onDelete, onDeleted }: { open: boolean; onClose: () => void; onDelete: () => Promise<void>; onDeleted: () => void }) {
  const { t } = useTranslation();
  const notify = useToast();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (open) setError(null);
  }, [open]);
  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onDelete();
      notify(t('transcripts.view.deleted'), { testId: 'transcript-deleted' });
      onDeleted();
    } catch (failure) {
      console.warn('visio: could not delete the transcript', failure);
      if (failure instanceof ApiError && failure.code === 'transcript_not_found') {
        // Gone already (another tab, the retention sweep): the same outcome.
        onDeleted();
        return;
      }
      setError(failure instanceof ApiError && failure.code === 'transcript_busy' ? t('transcripts.view.deleteBusy') : t('transcripts.view.deleteFailed'));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={t('transcripts.view.deleteTitle')}
      closeLabel={t('transcripts.view.close')}
      data-testid="delete-dialog"
      footer={
        <>
          <Button priority="secondary" onClick={onClose}>
            {t('transcripts.view.cancel')}
          </Button>
          <Button icon="delete" className="v-btn--danger" data-testid="confirm-delete" disabled={busy} onClick={() => void confirm()}>
            {t('transcripts.view.deleteConfirm')}
          </Button>
        </>
      }
    >
      <p>{t('transcripts.view.deleteText')}</p>
      {error !== null && (
        <p className="fr-error-text" role="alert" data-testid="delete-error">
          {error}
        </p>
      )}
    </Dialog>
  );
}
