import { lazy, Suspense } from 'react';
import { I18nextProvider, useTranslation } from 'react-i18next';
import type { i18n as I18n } from 'i18next';
import { AccountProvider } from '../features/account/AccountContext';
import { HomePage } from '../features/home/components/HomePage';
import { MeetingNotFound } from '../features/meeting/components/MeetingNotFound';
import { ToastProvider } from '../ui/Toasts';
import { parseRoute, usePathname } from './router';

// The meeting (WebRTC, signaling, the grid…) loads only when a meeting is
// opened: the home page stays small and fast.
const RoomPage = lazy(() => import('../features/meeting/components/RoomPage'));
// A meeting's transcripts: their own chunk too (owners and hosts only open them).
const TranscriptsPage = lazy(() => import('../features/transcripts/components/TranscriptsPage'));

function Loading() {
  const { t } = useTranslation();
  return (
    <div className="v-loading" role="status">
      <span className="v-spinner" aria-hidden="true" />
      <p>{t('room.loading')}</p>
    </div>
  );
}

function Routes() {
  const route = parseRoute(usePathname());
  switch (route.name) {
    case 'home':
      return <HomePage />;
    case 'meeting':
      return (
        <Suspense fallback={<Loading />}>
          <RoomPage key={route.slug} slug={route.slug} />
        </Suspense>
      );
    case 'transcripts':
    case 'transcript':
      return (
        <Suspense fallback={<Loading />}>
          <TranscriptsPage key={route.slug} slug={route.slug} {...(route.name === 'transcript' ? { id: route.id } : {})} />
        </Suspense>
      );
    case 'not-found':
      return <MeetingNotFound />;
  }
}

export function App({ i18n }: { i18n: I18n }) {
  return (
    <I18nextProvider i18n={i18n}>
      <AccountProvider>
        <ToastProvider>
          <Routes />
        </ToastProvider>
      </AccountProvider>
    </I18nextProvider>
  );
}
