import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listMyRooms, type Room } from '../../../api/client';
import { AppLink } from '../../../app/AppLink';
import { transcriptsPath } from '../../../app/router';
import { StatusBadge } from '../../../ui/Badge';

type Loaded = { status: 'loading' } | { status: 'ready'; rooms: Room[] } | { status: 'error' };

export interface MyMeetingsProps {
  /** Lists the signed-in person's meetings (the API by default; tests pass a fake). */
  list?: () => Promise<Room[]>;
}

/** Home, signed in: the meetings this person owns or co-hosts, newest first, each a link. */
export function MyMeetings({ list = listMyRooms }: MyMeetingsProps) {
  const { t, i18n } = useTranslation();
  const [loaded, setLoaded] = useState<Loaded>({ status: 'loading' });
  useEffect(() => {
    let cancelled = false;
    list().then(
      (rooms) => {
        if (!cancelled) setLoaded({ status: 'ready', rooms: [...rooms].sort((a, b) => b.created_at.localeCompare(a.created_at)) });
      },
      () => {
        if (!cancelled) setLoaded({ status: 'error' });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [list]);

  const date = (iso: string) => new Date(iso).toLocaleDateString(i18n.resolvedLanguage, { day: 'numeric', month: 'long', year: 'numeric' });
  return (
    <section className="v-mine" aria-labelledby="my-meetings-title" data-testid="my-meetings">
      <h2 id="my-meetings-title" className="fr-h5 v-mine__title">
        {t('mine.title')}
      </h2>
      {loaded.status === 'loading' && <p className="v-mine__empty">{t('mine.loading')}</p>}
      {loaded.status === 'error' && <p className="v-mine__empty">{t('mine.failed')}</p>}
      {loaded.status === 'ready' && loaded.rooms.length === 0 && <p className="v-mine__empty">{t('mine.empty')}</p>}
      {loaded.status === 'ready' && loaded.rooms.length > 0 && (
        <ul className="v-mine__list fr-raw-list">
          {loaded.rooms.map((room) => (
            <li key={room.id} className="v-mine__item" data-testid="my-meeting">
              <AppLink className="fr-link v-mine__link" href={`/${room.slug}`}>
                {room.name ?? room.slug}
              </AppLink>
              <span className="v-mine__meta">
                {room.name !== null && <span className="v-mine__code">{room.slug}</span>}
                <span>{t('mine.created', { date: date(room.created_at) })}</span>
                <StatusBadge tone={room.your_role === 'owner' ? 'info' : 'neutral'}>
                  {room.your_role === 'owner' ? t('roles.owner') : t('roles.host')}
                </StatusBadge>
                <StatusBadge>{t(`access.levelShort.${room.settings.access_level}`)}</StatusBadge>
                <AppLink
                  className="fr-link fr-link--sm v-mine__transcripts"
                  href={transcriptsPath(room.slug)}
                  aria-label={t('mine.transcriptsOf', { name: room.name ?? room.slug })}
                  data-testid="my-meeting-transcripts"
                >
                  {t('mine.transcripts')}
                </AppLink>
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
