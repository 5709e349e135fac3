import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import '@codegouvfr/react-dsfr/dsfr/component/radio/radio.main.min.css';
import '../access.css';
import { useTranslation } from 'react-i18next';
import {
  addMember,
  ApiError,
  getRoom,
  listMembers,
  removeMember,
  updateRoomSettings,
  type AccessLevel,
  type Member,
  type Room,
  type RoomSettings,
} from '../../../api/client';
import type { MeetingState } from '../../../meeting';
import { StatusBadge } from '../../../ui/Badge';
import { Dialog } from '../../../ui/Dialog';
import { Icon } from '../../../ui/Icon';
import { SelectField, type SelectOption } from '../../../ui/Select';
import { useToast } from '../../../ui/Toasts';
import type { MeetingControllerLike } from '../../meeting/controller';
import { useMeetingSelector } from '../../meeting/hooks/useMeeting';
import { useAccount } from '../../account/AccountContext';
import { isSupported, languageLabel, languageName, TRANSCRIPTION_LANGUAGES } from '../../transcription/languages';

/** The REST calls the dialog makes (tests pass fakes). */
export interface AccessApi {
  getRoom: (slug: string) => Promise<Room>;
  updateRoomSettings: (slug: string, settings: RoomSettings) => Promise<Room>;
  listMembers: (slug: string) => Promise<Member[]>;
  addMember: (slug: string, member: { email: string; role: Member['role']; sendInvitation: boolean }) => Promise<Member>;
  removeMember: (slug: string, email: string) => Promise<void>;
}

const restApi: AccessApi = {
  getRoom: (slug) => getRoom(slug),
  updateRoomSettings: (slug, settings) => updateRoomSettings(slug, settings),
  listMembers: (slug) => listMembers(slug),
  addMember: (slug, member) => addMember(slug, member),
  removeMember: (slug, email) => removeMember(slug, email),
};

export interface MeetingSettingsDialogProps {
  controller: Pick<MeetingControllerLike, 'subscribe' | 'getSnapshot' | 'setLocked'>;
  slug: string;
  open: boolean;
  onClose: () => void;
  api?: AccessApi;
}

const LEVELS: readonly AccessLevel[] = ['public', 'trusted', 'restricted'];
/** The server's own check (MemberIn.email). */
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const selectAccess = (s: MeetingState) => s.access;
const selectRole = (s: MeetingState) => s.role;

type Members = { status: 'loading' } | { status: 'ready'; members: Member[] } | { status: 'error' };

/**
 * Owners and hosts: who may enter (access level), the lock, the transcript
 * language, co-hosts (owner only) and invitations by email. Changes apply at
 * once: the level and the language through the REST API (everyone in the
 * meeting is told of the level), the lock through signaling.
 */
export function MeetingSettingsDialog({ controller, slug, open, onClose, api = restApi }: MeetingSettingsDialogProps) {
  const { t, i18n } = useTranslation();
  const account = useAccount();
  const notify = useToast();
  const access = useMeetingSelector(controller, selectAccess);
  const role = useMeetingSelector(controller, selectRole);
  const [settings, setSettings] = useState<RoomSettings | null>(null);
  const [savingLevel, setSavingLevel] = useState<AccessLevel | null>(null);
  const [savingLanguage, setSavingLanguage] = useState(false);
  const [members, setMembers] = useState<Members>({ status: 'loading' });
  const levelName = useId();
  const lockId = useId();

  const reloadMembers = useCallback(() => {
    api.listMembers(slug).then(
      (list) => setMembers({ status: 'ready', members: list }),
      (error: unknown) => {
        console.warn('visio: could not list the members', error);
        setMembers({ status: 'error' });
      },
    );
  }, [api, slug]);

  useEffect(() => {
    if (!open) return;
    let cancelled = false;
    api.getRoom(slug).then(
      (room) => {
        if (!cancelled) setSettings(room.settings);
      },
      (error: unknown) => console.warn('visio: could not read the meeting settings', error),
    );
    setMembers({ status: 'loading' });
    reloadMembers();
    return () => {
      cancelled = true;
    };
  }, [open, api, slug, reloadMembers]);

  // Another host changed the level: follow it (our own change is in `settings` already).
  const liveLevel = access?.level ?? null;
  useEffect(() => {
    if (liveLevel !== null) setSettings((current) => (current === null ? current : { ...current, access_level: liveLevel }));
  }, [liveLevel]);
  const level = savingLevel ?? settings?.access_level ?? liveLevel ?? 'trusted';
  const changeLevel = async (next: AccessLevel) => {
    if (settings === null || next === level) return;
    setSavingLevel(next);
    try {
      const room = await api.updateRoomSettings(slug, { ...settings, access_level: next });
      setSettings(room.settings);
    } catch (error) {
      console.warn('visio: could not change the access level', error);
      notify(t('access.saveFailed'));
    } finally {
      setSavingLevel(null);
    }
  };

  const transcriptLanguage = settings?.transcript_language ?? '';
  const changeTranscriptLanguage = async (value: string) => {
    if (settings === null || value === transcriptLanguage) return;
    setSavingLanguage(true);
    try {
      const room = await api.updateRoomSettings(slug, { ...settings, transcript_language: value === '' ? null : value });
      setSettings(room.settings);
    } catch (error) {
      console.warn('visio: could not change the transcript language', error);
      notify(t('access.saveFailed'));
    } finally {
      setSavingLanguage(false);
    }
  };
  // Languages the server's speech model cannot do are marked (its config says which).
  const server = account.config?.transcription;
  const canDo = server?.available ? server.languages : null;
  const ui = i18n.resolvedLanguage;
  const codes: readonly string[] = [
    ...TRANSCRIPTION_LANGUAGES,
    // A language set elsewhere (the API) stays shown.
    ...(transcriptLanguage !== '' && !(TRANSCRIPTION_LANGUAGES as readonly string[]).includes(transcriptLanguage) ? [transcriptLanguage] : []),
  ];
  const languageOptions: SelectOption[] = [
    {
      value: '',
      label: server
        ? `${t('access.transcriptLanguageDefault')} (${languageName(server.default_language, ui)})`
        : t('access.transcriptLanguageDefault'),
    },
    ...codes.map((code) => ({
      value: code,
      label: isSupported(code, canDo)
        ? languageLabel(code, ui)
        : t('transcription.unavailableOption', { language: languageLabel(code, ui) }),
    })),
  ];

  const locked = access?.locked ?? false;
  const toggleLock = () => {
    controller.setLocked(!locked).catch((error: unknown) => {
      console.warn('visio: could not lock the meeting', error);
      notify(t('errors.actionFailed'));
    });
  };

  const list = members.status === 'ready' ? members.members : [];
  return (
    <Dialog open={open} onClose={onClose} title={t('access.title')} closeLabel={t('access.close')} data-testid="meeting-settings-dialog">
      <div className="v-access">
        <fieldset className="fr-fieldset v-access__levels" aria-busy={savingLevel !== null}>
          <legend className="fr-fieldset__legend fr-text--regular v-access__legend">{t('access.levelLegend')}</legend>
          {LEVELS.map((value) => (
            <div key={value} className="fr-fieldset__element">
              <div className="fr-radio-group">
                <input
                  type="radio"
                  id={`${levelName}-${value}`}
                  name={levelName}
                  value={value}
                  checked={level === value}
                  disabled={settings === null || savingLevel !== null}
                  data-testid={`access-level-${value}`}
                  onChange={() => void changeLevel(value)}
                />
                <label className="fr-label" htmlFor={`${levelName}-${value}`}>
                  {t(`access.level.${value}`)}
                  <span className="fr-hint-text">{t(`access.levelHint.${value}`)}</span>
                </label>
              </div>
            </div>
          ))}
        </fieldset>

        <div className="v-access__lock">
          <label className="v-switch" htmlFor={lockId}>
            <input
              type="checkbox"
              role="switch"
              className="v-switch__input"
              id={lockId}
              checked={locked}
              aria-describedby={`${lockId}-hint`}
              data-testid="lock-meeting"
              onChange={toggleLock}
            />
            <span className="v-switch__track" aria-hidden="true">
              <span className="v-switch__thumb">{locked && <Icon name="lock" size="0.75rem" />}</span>
            </span>
            <span className="v-switch__text">{t('access.lock')}</span>
          </label>
          <p className="fr-hint-text v-access__lock-hint" id={`${lockId}-hint`}>
            {t('access.lockHint')}
          </p>
        </div>

        <SelectField
          className="v-access__language"
          label={t('access.transcriptLanguage')}
          hint={t('access.transcriptLanguageHint')}
          options={languageOptions}
          value={transcriptLanguage}
          disabled={settings === null || savingLanguage}
          aria-busy={savingLanguage}
          data-testid="transcript-language-setting"
          onChange={(event) => void changeTranscriptLanguage(event.target.value)}
        />

        {members.status === 'error' && (
          <div className="fr-alert fr-alert--error fr-alert--sm" role="alert">
            <p>{t('access.membersFailed')}</p>
          </div>
        )}
        {role === 'owner' && (
          <MemberSection
            kind="host"
            slug={slug}
            api={api}
            members={list.filter((m) => m.role === 'host')}
            loading={members.status === 'loading'}
            onChanged={reloadMembers}
          />
        )}
        <MemberSection
          kind="invited"
          slug={slug}
          api={api}
          members={list.filter((m) => m.role === 'invited')}
          loading={members.status === 'loading'}
          onChanged={reloadMembers}
        />
      </div>
    </Dialog>
  );
}

interface MemberSectionProps {
  kind: Member['role'];
  slug: string;
  api: AccessApi;
  members: readonly Member[];
  loading: boolean;
  onChanged: () => void;
}

/** Co-hosts (`host`) or invited people (`invited`): the list, an email field to add one, a button to remove each. */
function MemberSection({ kind, slug, api, members, loading, onChanged }: MemberSectionProps) {
  const { t } = useTranslation();
  const notify = useToast();
  const id = useId();
  const [email, setEmail] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const prefix = kind === 'host' ? 'cohost' : 'invite';

  const add = async (event: FormEvent) => {
    event.preventDefault();
    const address = email.trim();
    if (!EMAIL.test(address)) {
      setError(t('access.emailInvalid'));
      return;
    }
    setBusy(true);
    setError(null);
    // Co-hosts are recognised by their account's email: no email to send them.
    const sendInvitation = kind === 'invited';
    try {
      await api.addMember(slug, { email: address, role: kind, sendInvitation });
      setEmail('');
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'mail_not_configured') {
        // The invitation still lets them in (restricted meetings): keep it, without the email.
        try {
          await api.addMember(slug, { email: address, role: kind, sendInvitation: false });
          setEmail('');
          notify(t('access.noMail'));
        } catch (again) {
          setError(memberError(t, again));
        }
      } else {
        setError(memberError(t, failure));
      }
    } finally {
      setBusy(false);
      onChanged();
      // An invitation is sent after the answer: show how it went a moment later.
      if (sendInvitation) setTimeout(onChanged, 2_500);
    }
  };

  const remove = async (member: Member) => {
    try {
      await api.removeMember(slug, member.email);
    } catch (failure) {
      console.warn('visio: could not remove a member', failure);
      notify(t('errors.actionFailed'));
    }
    onChanged();
  };

  return (
    <section className="v-access__section" aria-labelledby={`${id}-title`} data-testid={`${prefix}-section`}>
      <h3 id={`${id}-title`} className="fr-h6 v-access__title">
        {kind === 'host' ? t('access.cohostsTitle') : t('access.invitesTitle')}
      </h3>
      <p className="fr-hint-text">{kind === 'host' ? t('access.cohostsHint') : t('access.invitesHint')}</p>
      <form className="v-access__add" onSubmit={(event) => void add(event)} noValidate>
        <div className={`fr-input-group v-access__field${error !== null ? ' fr-input-group--error' : ''}`}>
          <label className="fr-label" htmlFor={`${id}-email`}>
            {t('access.email')}
          </label>
          <input
            id={`${id}-email`}
            className={`fr-input${error !== null ? ' fr-input--error' : ''}`}
            type="email"
            autoComplete="off"
            value={email}
            data-testid={`${prefix}-email`}
            aria-invalid={error !== null || undefined}
            aria-describedby={error !== null ? `${id}-error` : undefined}
            onChange={(event) => {
              setEmail(event.target.value);
              setError(null);
            }}
          />
          {error !== null && (
            <p id={`${id}-error`} className="fr-error-text">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="fr-btn fr-btn--secondary v-btn--icon" disabled={busy} aria-busy={busy} data-testid={`${prefix}-add`}>
          <Icon name={kind === 'host' ? 'userAdd' : 'mail'} size="1.25rem" />
          {kind === 'host' ? t('access.addCohost') : t('access.invite')}
        </button>
      </form>
      {loading ? (
        <p className="v-access__empty">{t('access.loading')}</p>
      ) : members.length === 0 ? (
        <p className="v-access__empty">{kind === 'host' ? t('access.noCohosts') : t('access.noInvites')}</p>
      ) : (
        <ul className="v-access__list fr-raw-list">
          {members.map((member) => (
            <li key={member.email} className="v-access__item" data-testid={`${prefix}-item`} data-email={member.email} data-invitation={member.invitation}>
              <span className="v-access__email">{member.email}</span>
              {kind === 'invited' && (
                <StatusBadge tone={invitationTone(member.invitation)} title={member.invitation_error ?? undefined}>
                  {t(`access.invitation.${member.invitation}`)}
                </StatusBadge>
              )}
              <button
                type="button"
                className="v-access__remove"
                aria-label={t('access.remove', { email: member.email })}
                title={t('access.remove', { email: member.email })}
                data-testid={`${prefix}-remove`}
                onClick={() => void remove(member)}
              >
                <Icon name="delete" size="1.25rem" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function invitationTone(invitation: Member['invitation']): 'success' | 'warning' | 'info' | 'neutral' {
  switch (invitation) {
    case 'sent':
      return 'success';
    case 'failed':
      return 'warning';
    case 'pending':
      return 'info';
    default:
      return 'neutral';
  }
}

function memberError(t: ReturnType<typeof useTranslation>['t'], error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code === 'validation_failed') return t('access.emailInvalid');
    if (error.code === 'forbidden') return t('errors.forbidden');
  }
  console.warn('visio: could not add a member', error);
  return t('errors.actionFailed');
}
