import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, createRoom, signInUrl, type Room } from '../../../api/client';
import { AppHeader } from '../../../app/AppHeader';
import { navigate } from '../../../app/router';
import { Button } from '../../../ui/Button';
import { canCreateMeetings, useAccount } from '../../account/AccountContext';
import { MyMeetings } from '../../account/components/MyMeetings';
import { HeroArt } from './HeroArt';
import { normalizeMeetingCode } from '../meetingCode';

export interface HomePageProps {
  /** Creates a meeting (the API by default; tests pass a fake). */
  create?: () => Promise<Room>;
  /** Goes to a path (the app router by default). */
  go?: typeof navigate;
  /** Lists the signed-in person's meetings (tests pass a fake). */
  listMine?: () => Promise<Room[]>;
}

/**
 * Home: create a meeting in one click (or be asked to sign in first, when
 * the server wants it), or join one by its code or link; signed in, the
 * person's own meetings.
 */
export function HomePage({ create = () => createRoom(), go = navigate, listMine }: HomePageProps) {
  const { t } = useTranslation();
  const account = useAccount();
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState(false);
  const [signInNeeded, setSignInNeeded] = useState(false);
  const [code, setCode] = useState('');
  const [codeError, setCodeError] = useState(false);
  const codeId = useId();
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    document.title = t('home.documentTitle');
    return () => {
      mounted.current = false;
    };
  }, [t]);

  const onCreate = async () => {
    if (creating) return;
    setCreateError(false);
    if (!canCreateMeetings(account)) {
      setSignInNeeded(true);
      return;
    }
    setCreating(true);
    try {
      const room = await create();
      go(`/${room.slug}`, { state: { created: true } });
    } catch (error) {
      console.warn('visio: could not create a meeting', error);
      if (!mounted.current) return;
      if (error instanceof ApiError && error.code === 'not_signed_in') setSignInNeeded(true);
      else setCreateError(true);
    } finally {
      if (mounted.current) setCreating(false);
    }
  };

  const onJoin = (event: FormEvent) => {
    event.preventDefault();
    const slug = normalizeMeetingCode(code);
    if (slug === null) {
      setCodeError(true);
      return;
    }
    go(`/${slug}`);
  };

  return (
    <div className="v-page">
      <AppHeader />
      <main id="main" className="v-home fr-container" tabIndex={-1}>
        <div className="v-home__grid">
          <div className="v-home__intro">
            <h1 className="v-home__title">{t('home.title')}</h1>
            <p className="fr-text--lead v-home__lead">{t('home.lead')}</p>
            <div className="v-home__actions">
              <Button size="lg" icon="camera" data-testid="create-meeting" onClick={onCreate} aria-busy={creating}>
                {creating ? t('home.creating') : t('home.create')}
              </Button>
              <form className="v-home__join" onSubmit={onJoin} noValidate>
                <div className={`fr-input-group v-home__code${codeError ? ' fr-input-group--error' : ''}`}>
                  <label className="fr-label" htmlFor={codeId}>
                    {t('home.codeLabel')}
                    <span className="fr-hint-text">{t('home.codeHint')}</span>
                  </label>
                  <input
                    id={codeId}
                    className={`fr-input${codeError ? ' fr-input--error' : ''}`}
                    data-testid="join-code"
                    type="text"
                    autoComplete="off"
                    autoCapitalize="none"
                    spellCheck={false}
                    value={code}
                    aria-invalid={codeError || undefined}
                    aria-describedby={codeError ? `${codeId}-error` : undefined}
                    onChange={(event) => {
                      setCode(event.target.value);
                      setCodeError(false);
                    }}
                  />
                  {codeError && (
                    <p id={`${codeId}-error`} className="fr-error-text">
                      {t('home.codeInvalid')}
                    </p>
                  )}
                </div>
                <Button type="submit" priority="secondary" size="lg" data-testid="join-by-code">
                  {t('home.join')}
                </Button>
              </form>
            </div>
            {createError && (
              <div className="fr-alert fr-alert--error fr-alert--sm v-home__alert" role="alert">
                <p>{t('home.createFailed')}</p>
              </div>
            )}
            {signInNeeded && (
              <div className="fr-alert fr-alert--info fr-alert--sm v-home__alert" role="alert" data-testid="sign-in-required">
                <p>{account.config?.sign_in_enabled === false ? t('home.createNeedsAccountNoSignIn') : t('home.createNeedsAccount')}</p>
                {account.config?.sign_in_enabled !== false && (
                  <a className="fr-btn fr-btn--sm v-home__signin" href={signInUrl('/')}>
                    {t('account.signIn')}
                  </a>
                )}
              </div>
            )}
            {account.me !== null && <MyMeetings {...(listMine ? { list: listMine } : {})} />}
            <ul className="v-home__points fr-raw-list">
              <li>{t('home.point1')}</li>
              <li>{t('home.point2')}</li>
              <li>{t('home.point3')}</li>
            </ul>
          </div>
          <HeroArt />
        </div>
      </main>
      <footer className="v-footer">
        <div className="fr-container v-footer__inner">
          <p>{t('app.footer')}</p>
        </div>
      </footer>
    </div>
  );
}
