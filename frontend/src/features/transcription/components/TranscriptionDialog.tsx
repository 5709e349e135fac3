import { useEffect, useState } from 'react';
import '../transcription.css';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { getRoom, type ClientConfig, type Room } from '../../../api/client';
import { transcriptsPath } from '../../../app/router';
import { SignalingError, type MeetingState } from '../../../meeting';
import { Button } from '../../../ui/Button';
import { Dialog } from '../../../ui/Dialog';
import { SelectField } from '../../../ui/Select';
import { useAccount } from '../../account/AccountContext';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';
import {
  DEFAULT_TRANSCRIPTION_LANGUAGE,
  isSupported,
  languageLabel,
  languageName,
  supportedLanguages,
  TRANSCRIPTION_LANGUAGES,
} from '../languages';

export interface TranscriptionDialogProps {
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot' | 'startTranscription' | 'stopTranscription'>;
  /** The meeting code, for the link to its transcripts. */
  slug: string;
  open: boolean;
  onClose: () => void;
  /** Reads the meeting's settings, for its own transcript language (the API by default). */
  loadRoom?: (slug: string) => Promise<Room>;
  /** What the server transcribes (`GET /api/v1/config`; by default the one the app loaded). */
  server?: TranscriptionConfig | null;
}

type TranscriptionConfig = ClientConfig['transcription'];

/** Listing more than this many languages in the hint would not help (a multilingual model has 99). */
const LISTED_LANGUAGES = 5;

const selectTranscription = (s: MeetingState) => s.transcription;
const selectRole = (s: MeetingState) => s.role;

interface Failure {
  action: 'start' | 'stop';
  code: string;
  details: Readonly<Record<string, unknown>> | null;
}

/**
 * Hosts: start a transcript in a chosen language (the meeting's own
 * transcript language from its settings, else the server's default), or
 * stop the running one; then a link to the meeting's transcripts (in a new
 * tab: following it here would leave the meeting). The server's config says
 * which languages its speech model can do: the others are marked unavailable
 * and one it can do is picked. Should the server still refuse (another
 * worker's model), the dialog says so and offers the languages it named.
 */
export function TranscriptionDialog({ controller, slug, open, onClose, loadRoom = getRoom, server }: TranscriptionDialogProps) {
  const { t, i18n } = useTranslation();
  const account = useAccount();
  const serverConfig = server === undefined ? (account.config?.transcription ?? null) : server;
  const transcription = useMeetingSelector(controller, selectTranscription);
  const role = useMeetingSelector(controller, selectRole);
  // What the host picked; until then (or after a refusal) the language is derived below.
  const [picked, setPicked] = useState<string | null>(null);
  const [busy, setBusy] = useState<'start' | 'stop' | null>(null);
  const [failure, setFailure] = useState<Failure | null>(null);
  // What the server can do: from its config, then from what a refusal named.
  const [refusedWith, setRefusedWith] = useState<string[] | null>(null);
  const supported = refusedWith ?? (serverConfig?.available ? serverConfig.languages : null);
  const unavailable = serverConfig !== null && !serverConfig.available;
  const [roomLanguage, setRoomLanguage] = useState<string | null>(null);
  const ui = i18n.resolvedLanguage;

  // A fresh dialog each time it opens (the server's languages stay known).
  useEffect(() => {
    if (open) setFailure(null);
  }, [open]);

  // The meeting's own language (its settings) comes first, unless the host picked one.
  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    loadRoom(slug).then(
      (room) => {
        const own = room.settings.transcript_language ?? null;
        if (cancelled || own === null) return;
        setRoomLanguage(own);
      },
      (error: unknown) => console.warn('visio: could not read the meeting settings', error),
    );
    return () => {
      cancelled = true;
    };
  }, [open, slug, loadRoom]);
  const languages: readonly string[] =
    roomLanguage !== null && !(TRANSCRIPTION_LANGUAGES as readonly string[]).includes(roomLanguage)
      ? [...TRANSCRIPTION_LANGUAGES, roomLanguage]
      : TRANSCRIPTION_LANGUAGES;

  // Until the host picks one: the meeting's language, else the server's default,
  // unless the server cannot do it and can do another one offered here.
  const preferred = roomLanguage ?? serverConfig?.default_language ?? DEFAULT_TRANSCRIPTION_LANGUAGE;
  const fallback = isSupported(preferred, supported) ? preferred : (languages.find((code) => isSupported(code, supported)) ?? preferred);
  const language = picked ?? fallback;

  const start = async () => {
    if (busy !== null) return;
    setBusy('start');
    setFailure(null);
    try {
      await controller.startTranscription(language);
      onClose();
    } catch (error) {
      const failed = toFailure('start', error);
      if (failed.code === 'speech_language_unsupported') {
        // Offer a language the server can do, if we have one (the derived choice).
        setRefusedWith(supportedLanguages(failed.details));
        setPicked(null);
      } else {
        console.warn('visio: could not start the transcription', error);
      }
      setFailure(failed);
    } finally {
      setBusy(null);
    }
  };

  const stop = async () => {
    if (busy !== null) return;
    setBusy('stop');
    setFailure(null);
    try {
      await controller.stopTranscription();
    } catch (error) {
      console.warn('visio: could not stop the transcription', error);
      setFailure(toFailure('stop', error));
    } finally {
      setBusy(null);
    }
  };

  const active = transcription.active;
  const lastId = transcription.lastTranscriptId;
  const time = (iso: string | null) =>
    iso === null ? '' : new Date(iso).toLocaleTimeString(ui, { hour: '2-digit', minute: '2-digit' });
  const footer = active ? (
    <Button icon="stop" data-testid="stop-transcription" disabled={busy !== null} onClick={() => void stop()}>
      {busy === 'stop' ? t('transcription.stopping') : t('transcription.stop')}
    </Button>
  ) : (
    <Button icon="transcript" data-testid="start-transcription" disabled={busy !== null || unavailable} onClick={() => void start()}>
      {busy === 'start' ? t('transcription.starting') : t('transcription.start')}
    </Button>
  );

  return (
    <Dialog
      open={open}
      onClose={onClose}
      title={active ? t('transcription.dialogTitleActive') : t('transcription.dialogTitle')}
      closeLabel={t('transcription.close')}
      data-testid="transcription-dialog"
      footer={footer}
    >
      <div className="v-transcription" aria-busy={busy !== null}>
        {active ? (
          <p data-testid="transcription-active">
            {transcription.startedBy !== null
              ? t('transcription.activeSince', {
                  time: time(transcription.startedAt),
                  name: transcription.startedBy,
                  language: languageName(transcription.language ?? '', ui),
                })
              : t('transcription.activeSinceAnonymous', {
                  time: time(transcription.startedAt),
                  language: languageName(transcription.language ?? '', ui),
                })}
          </p>
        ) : (
          <>
            {lastId !== null && (
              <p className="v-transcription__stopped" data-testid="transcription-stopped">
                {t('transcription.stopped')}
              </p>
            )}
            <p>{t('transcription.intro')}</p>
            <p>{t('transcription.introAfter')}</p>
            {unavailable && (
              <p className="fr-error-text v-transcription__error" data-testid="transcription-unavailable">
                {t('transcription.errors.unavailable')}
              </p>
            )}
            <SelectField
              label={t('transcription.language')}
              hint={
                supported !== null && supported.length > 0 && supported.length <= LISTED_LANGUAGES
                  ? `${t('transcription.languageHint')} ${t('transcription.errors.supported', {
                      count: supported.length,
                      languages: supported.map((code) => languageName(code, ui)).join(', '),
                    })}`
                  : t('transcription.languageHint')
              }
              value={language}
              data-testid="transcription-language"
              disabled={busy !== null || unavailable}
              onChange={(event) => {
                setPicked(event.target.value);
                setFailure(null);
              }}
              options={languages.map((code) => ({
                value: code,
                label: isSupported(code, supported)
                  ? languageLabel(code, ui)
                  : t('transcription.unavailableOption', { language: languageLabel(code, ui) }),
              }))}
            />
          </>
        )}
        {failure !== null && (
          <p className="fr-error-text v-transcription__error" role="alert" data-testid="transcription-error" data-code={failure.code}>
            {failureText(t, failure, ui, role === 'owner')}
          </p>
        )}
        <p className="v-transcription__link">
          <a
            className="fr-link"
            href={transcriptsPath(slug, lastId !== null && !active ? lastId : undefined)}
            target="_blank"
            rel="noopener"
            data-testid="transcripts-link"
          >
            {lastId !== null && !active ? t('transcription.seeTranscript') : t('transcription.seeTranscripts')}
            <span className="fr-sr-only"> {t('transcription.newTab')}</span>
          </a>
        </p>
      </div>
    </Dialog>
  );
}

function toFailure(action: 'start' | 'stop', error: unknown): Failure {
  if (error instanceof SignalingError) return { action, code: error.code, details: error.details };
  return { action, code: 'unknown', details: null };
}

/** What went wrong, in words (the error codes of protocol.md, `start_transcription`). */
export function failureText(t: TFunction, failure: Failure, uiLanguage: string | undefined, isOwner: boolean): string {
  switch (failure.code) {
    case 'speech_language_unsupported': {
      const asked = typeof failure.details?.language === 'string' ? failure.details.language : '';
      const known = supportedLanguages(failure.details) ?? [];
      const first = t('transcription.errors.languageUnsupported', { language: languageName(asked, uiLanguage) });
      if (known.length === 0) return first;
      const list = known.map((code) => languageName(code, uiLanguage)).join(', ');
      return `${first} ${t('transcription.errors.supported', { count: known.length, languages: list })}`;
    }
    case 'forbidden':
      // A host refused while hosts may act: the server lets only owners start transcripts.
      return failure.action === 'start' && !isOwner ? t('transcription.errors.ownerOnly') : t('transcription.errors.forbidden');
    case 'transcription_unavailable':
      return t('transcription.errors.unavailable');
    case 'invalid_state':
      return failure.action === 'start' ? t('transcription.errors.alreadyActive') : t('transcription.errors.notActive');
    case 'rate_limited':
      return t('transcription.errors.rateLimited');
    default:
      return failure.action === 'start' ? t('transcription.errors.startFailed') : t('transcription.errors.stopFailed');
  }
}
