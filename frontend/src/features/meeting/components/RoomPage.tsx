import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError, getRoom, type Room } from '../../../api/client';
import { navigate, navigationState, transcriptsPath } from '../../../app/router';
import { isHostRole, MeetingController, type MeetingState } from '../../../meeting';
import { Button } from '../../../ui/Button';
import { WaitingScreen } from '../../lobby/components/WaitingScreen';
import { PrejoinScreen, type JoinRequest } from '../../prejoin/components/PrejoinScreen';
import type { MeetingControllerLike } from '../controller';
import { useMeetingSelector } from '../hooks/useMeeting';
import { MeetingNotFound } from './MeetingNotFound';
import { MeetingScreen } from './MeetingScreen';
import { StatusPage } from './StatusPage';

type Lookup = { status: 'loading' } | { status: 'found'; room: Room } | { status: 'not-found' } | { status: 'error' };

export interface RoomPageProps {
  slug: string;
  /** Looks the meeting up (the API by default). */
  lookup?: (slug: string) => Promise<Room>;
  /** Makes the meeting's controller (tests pass a fake). */
  createController?: (slug: string) => MeetingControllerLike;
}

interface Session {
  /** Tells sessions apart (a rejoin starts a new one: its screens start fresh). */
  id: number;
  controller: MeetingControllerLike;
  request: JoinRequest;
}

const defaultController = (slug: string): MeetingControllerLike => new MeetingController({ slug });

/**
 * `/{slug}`: looks the meeting up, then pre-join, the meeting, and the
 * screens after it (left, full, failed). One controller per join; it is
 * disposed when replaced (rejoin) or when the page goes away.
 */
export default function RoomPage({ slug, lookup = getRoom, createController = defaultController }: RoomPageProps) {
  const { t } = useTranslation();
  const [found, setFound] = useState<Lookup>({ status: 'loading' });
  const [attempt, setAttempt] = useState(0);
  const [isNew] = useState(() => navigationState().created === true);
  const [session, setSession] = useState<Session | null>(null);
  const sessions = useRef(0);

  useEffect(() => {
    let cancelled = false;
    setFound({ status: 'loading' });
    lookup(slug).then(
      (room) => {
        if (cancelled) return;
        // The server accepts loose codes: show the canonical one.
        if (room.slug !== slug) navigate(`/${room.slug}`, { replace: true, state: navigationState() });
        setFound({ status: 'found', room });
      },
      (error: unknown) => {
        if (cancelled) return;
        setFound(error instanceof ApiError && error.code === 'room_not_found' ? { status: 'not-found' } : { status: 'error' });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [slug, lookup, attempt]);

  // Created in the Join handler (not in an effect: StrictMode would run it twice); released here,
  // when replaced (rejoin) or when the page goes away in the app (back to home): saying
  // goodbye first, so that others see us leave at once rather than after a timeout.
  useEffect(() => {
    if (session === null) return;
    const { controller } = session;
    return () => {
      const { status } = controller.getSnapshot();
      if (status === 'joined' || status === 'reconnecting' || status === 'connecting' || status === 'waiting') {
        void controller.leave().finally(() => controller.dispose());
      } else {
        controller.dispose();
      }
    };
  }, [session]);

  const room = found.status === 'found' ? found.room : null;
  const join = useCallback(
    (request: JoinRequest) => {
      if (room === null) return;
      const controller = createController(room.slug);
      sessions.current += 1;
      setSession({ id: sessions.current, controller, request });
      void controller.join(request.name, {
        microphone: request.microphone,
        camera: request.camera,
        devices: request.devices,
        tracks: request.tracks,
        sharedMicrophone: request.sharedMicrophone,
      });
    },
    [room, createController],
  );
  // Rejoining opens the devices again: the previous tracks were stopped on leave.
  const rejoin = useCallback(() => {
    if (session !== null) join({ ...session.request, tracks: {} });
  }, [session, join]);
  // Giving up the wait in the lobby: back to the pre-join screen (the request is withdrawn).
  const cancelWaiting = useCallback(() => {
    if (session === null) return;
    void session.controller.leave();
    setSession(null);
  }, [session]);

  if (found.status === 'loading') {
    return (
      <div className="v-loading" role="status">
        <span className="v-spinner" aria-hidden="true" />
        <p>{t('room.loading')}</p>
      </div>
    );
  }
  if (found.status === 'not-found') return <MeetingNotFound code={slug} />;
  if (found.status === 'error' || room === null) {
    return (
      <StatusPage
        title={t('room.errorTitle')}
        actions={
          <>
            <Button icon="refresh" onClick={() => setAttempt((n) => n + 1)}>
              {t('common.retry')}
            </Button>
            <Button priority="secondary" icon="home" onClick={() => navigate('/')}>
              {t('common.backHome')}
            </Button>
          </>
        }
      >
        <p>{t('room.errorText')}</p>
      </StatusPage>
    );
  }
  if (session === null) return <PrejoinScreen room={room} isNew={isNew} onJoin={join} />;
  return (
    <MeetingSession
      key={session.id}
      controller={session.controller}
      room={room}
      name={session.request.name}
      onRejoin={rejoin}
      onCancelWaiting={cancelWaiting}
    />
  );
}

const selectStatus = (s: MeetingState) => s.status;
const selectError = (s: MeetingState) => s.error;
const selectCamera = (s: MeetingState) => s.local.cameraStream;
/** Hosts, after the meeting: the transcript made in it (stopped, or still running when we left). */
const selectTranscript = (s: MeetingState) =>
  isHostRole(s.role) ? (s.transcription.lastTranscriptId ?? s.transcription.transcriptId) : null;

interface MeetingSessionProps {
  controller: MeetingControllerLike;
  room: Room;
  /** The name we joined (or asked to enter) with. */
  name: string;
  onRejoin: () => void;
  onCancelWaiting: () => void;
}

function MeetingSession({ controller, room, name, onRejoin, onCancelWaiting }: MeetingSessionProps) {
  const { t } = useTranslation();
  const status = useMeetingSelector(controller, selectStatus);
  const error = useMeetingSelector(controller, selectError);
  const errorCode = error?.code ?? null;
  const camera = useMeetingSelector(controller, selectCamera);
  const transcript = useMeetingSelector(controller, selectTranscript);
  // Closing the tab while waiting: withdraw the request at once (else hosts see it for 30 s more).
  useEffect(() => {
    if (status !== 'waiting') return;
    const onPageHide = () => void controller.leave();
    window.addEventListener('pagehide', onPageHide);
    return () => window.removeEventListener('pagehide', onPageHide);
  }, [status, controller]);
  const home = (
    <Button priority="secondary" icon="home" onClick={() => navigate('/')}>
      {t('common.backHome')}
    </Button>
  );
  const transcriptLink =
    transcript !== null ? (
      <Button priority="secondary" icon="transcript" data-testid="after-meeting-transcript" onClick={() => navigate(transcriptsPath(room.slug, transcript))}>
        {t('transcription.seeTranscript')}
      </Button>
    ) : null;

  if (status === 'idle' || status === 'connecting') {
    return (
      <div className="v-meeting v-meeting--connecting" data-testid="meeting" data-status={status}>
        <div className="v-loading v-loading--dark" role="status">
          <span className="v-spinner" aria-hidden="true" />
          <p>{t('room.joining')}</p>
        </div>
      </div>
    );
  }
  if (status === 'waiting') {
    return (
      <div data-testid="meeting" data-status="waiting">
        <WaitingScreen name={name} meeting={room.name ?? room.slug} onCancel={onCancelWaiting} camera={camera} />
      </div>
    );
  }
  if (status === 'ended') {
    const removed = errorCode === 'removed';
    return (
      <div data-testid="meeting" data-status="ended">
        <StatusPage
          title={removed ? t('ended.removedTitle') : error?.byYou ? t('ended.byYouTitle') : t('ended.title')}
          data-testid={removed ? 'removed-screen' : 'meeting-ended-screen'}
          actions={
            <>
              {transcriptLink}
              {home}
            </>
          }
        >
          <p>{removed ? t('ended.removedText') : t('ended.text')}</p>
          {transcriptLink !== null && <p>{t('ended.transcript')}</p>}
        </StatusPage>
      </div>
    );
  }
  if (status === 'left') {
    return (
      <div data-testid="meeting" data-status="left">
        <StatusPage
          title={t('left.title')}
          data-testid="left-screen"
          actions={
            <>
              <Button icon="refresh" data-testid="rejoin" onClick={onRejoin}>
                {t('left.rejoin')}
              </Button>
              {transcriptLink}
              {home}
            </>
          }
        >
          <p>{t('left.text')}</p>
        </StatusPage>
      </div>
    );
  }
  if (status === 'failed') {
    if (errorCode === 'room_not_found') return <MeetingNotFound code={room.slug} />;
    if (errorCode === 'lobby_denied') {
      return (
        <StatusPage title={t('lobbyOutcome.deniedTitle')} data-testid="lobby-denied" actions={home}>
          <p>{t('lobbyOutcome.deniedText')}</p>
        </StatusPage>
      );
    }
    if (errorCode === 'lobby_expired' || errorCode === 'lobby_cancelled') {
      return (
        <StatusPage
          title={t('lobbyOutcome.expiredTitle')}
          data-testid="lobby-expired"
          actions={
            <>
              <Button icon="refresh" data-testid="ask-again" onClick={onRejoin}>
                {t('lobbyOutcome.askAgain')}
              </Button>
              {home}
            </>
          }
        >
          <p>{errorCode === 'lobby_expired' ? t('lobbyOutcome.expiredText') : t('lobbyOutcome.cancelledText')}</p>
        </StatusPage>
      );
    }
    if (errorCode === 'rate_limited') {
      return (
        <StatusPage
          title={t('rateLimited.title')}
          data-testid="rate-limited"
          actions={
            <>
              <Button icon="refresh" onClick={onRejoin}>
                {t('common.retry')}
              </Button>
              {home}
            </>
          }
        >
          <p>{waitText(t, error?.retryAfter ?? null)}</p>
        </StatusPage>
      );
    }
    const full = errorCode === 'room_full';
    return (
      <StatusPage
        title={full ? t('full.title') : t('failed.title')}
        data-testid={full ? 'meeting-full' : 'meeting-failed'}
        actions={
          <>
            <Button icon="refresh" onClick={onRejoin}>
              {t('common.retry')}
            </Button>
            {home}
          </>
        }
      >
        <p>{full ? t('full.text') : t(failureKey(errorCode))}</p>
      </StatusPage>
    );
  }
  return <MeetingScreen controller={controller} code={room.slug} name={room.name} />;
}

/** "Try again in 3 minutes" from a Retry-After in seconds. */
function waitText(t: TFunction, seconds: number | null): string {
  if (seconds === null || seconds <= 0) return t('rateLimited.text');
  if (seconds < 60) return t('rateLimited.seconds', { count: Math.ceil(seconds) });
  return t('rateLimited.minutes', { count: Math.ceil(seconds / 60) });
}

function failureKey(code: string | null) {
  switch (code) {
    case 'unsupported_protocol':
      return 'failed.unsupported' as const;
    case 'server_shutting_down':
      return 'failed.shuttingDown' as const;
    case 'media_unavailable':
    case 'media_error':
      return 'failed.media' as const;
    default:
      return 'failed.text' as const;
  }
}
