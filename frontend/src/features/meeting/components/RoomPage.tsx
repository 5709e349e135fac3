import { useCallback, useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, getRoom, type Room } from '../../../api/client';
import { navigate, navigationState } from '../../../app/router';
import { MeetingController, type MeetingState } from '../../../meeting';
import { Button } from '../../../ui/Button';
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
      if (status === 'joined' || status === 'reconnecting' || status === 'connecting') {
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
      });
    },
    [room, createController],
  );
  // Rejoining opens the devices again: the previous tracks were stopped on leave.
  const rejoin = useCallback(() => {
    if (session !== null) join({ ...session.request, tracks: {} });
  }, [session, join]);

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
  return <MeetingSession key={session.id} controller={session.controller} room={room} onRejoin={rejoin} />;
}

const selectStatus = (s: MeetingState) => s.status;
const selectErrorCode = (s: MeetingState) => s.error?.code ?? null;

function MeetingSession({ controller, room, onRejoin }: { controller: MeetingControllerLike; room: Room; onRejoin: () => void }) {
  const { t } = useTranslation();
  const status = useMeetingSelector(controller, selectStatus);
  const errorCode = useMeetingSelector(controller, selectErrorCode);
  const home = (
    <Button priority="secondary" icon="home" onClick={() => navigate('/')}>
      {t('common.backHome')}
    </Button>
  );

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
