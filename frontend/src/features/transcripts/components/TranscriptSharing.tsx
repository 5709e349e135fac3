import { useId, useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, type TranscriptSummary } from '../../../api/client';
import { Icon } from '../../../ui/Icon';

export interface TranscriptSharingProps {
  /** Who the transcript is shared with when the page loaded (lower-case emails). */
  sharedWith: readonly string[];
  /** Sends the whole new list; resolves with the transcript as the server now has it. */
  onShare: (emails: string[]) => Promise<TranscriptSummary>;
}

/**
 * The owner's "Share" section of a transcript: the people it is shared with
 * (each removable) and an address to add. The server takes the whole list on
 * every change, so each add or remove sends the current list with that change.
 */
export function TranscriptSharing({ sharedWith, onShare }: TranscriptSharingProps) {
  const { t } = useTranslation();
  const id = useId();
  const [emails, setEmails] = useState<readonly string[]>(sharedWith);
  const [email, setEmail] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const save = async (next: string[]): Promise<boolean> => {
    setBusy(true);
    setError(null);
    try {
      const saved = await onShare(next);
      setEmails(saved.shared_with);
      return true;
    } catch (failure) {
      console.warn('visio: could not change who the transcript is shared with', failure);
      setError(sharingError(t, failure));
      return false;
    } finally {
      setBusy(false);
    }
  };

  const add = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const address = email.trim();
    if (address === '' || busy) return;
    if (emails.includes(address.toLowerCase())) {
      setEmail('');
      return;
    }
    if (await save([...emails, address])) setEmail('');
  };

  const remove = (address: string) => void save(emails.filter((e) => e !== address));

  return (
    <section className="v-transcripts__sharing" aria-labelledby={`${id}-title`} data-testid="transcript-sharing">
      <h2 id={`${id}-title`} className="fr-h6">
        {t('transcripts.sharing.title')}
      </h2>
      <p className="fr-hint-text">{t('transcripts.sharing.hint')}</p>
      <form className="v-transcripts__share-add" onSubmit={(event) => void add(event)} noValidate>
        <div className={`fr-input-group${error !== null ? ' fr-input-group--error' : ''}`}>
          <label className="fr-label" htmlFor={`${id}-email`}>
            {t('transcripts.sharing.email')}
          </label>
          <input
            id={`${id}-email`}
            className={`fr-input${error !== null ? ' fr-input--error' : ''}`}
            type="email"
            autoComplete="off"
            value={email}
            data-testid="share-email"
            aria-invalid={error !== null || undefined}
            aria-describedby={error !== null ? `${id}-error` : undefined}
            onChange={(event) => {
              setEmail(event.target.value);
              setError(null);
            }}
          />
          {error !== null && (
            <p id={`${id}-error`} className="fr-error-text" role="alert" data-testid="share-error">
              {error}
            </p>
          )}
        </div>
        <button type="submit" className="fr-btn fr-btn--secondary v-btn--icon" disabled={busy} aria-busy={busy} data-testid="share-add">
          <Icon name="userAdd" size="1.25rem" />
          {t('transcripts.sharing.add')}
        </button>
      </form>
      {emails.length === 0 ? (
        <p className="v-transcripts__share-empty">{t('transcripts.sharing.none')}</p>
      ) : (
        <ul className="v-transcripts__share-list fr-raw-list">
          {emails.map((address) => (
            <li key={address} className="v-transcripts__share-item" data-testid="shared-with" data-email={address}>
              <span>{address}</span>
              <button
                type="button"
                className="fr-btn fr-btn--tertiary-no-outline fr-btn--sm v-btn--icon"
                disabled={busy}
                title={t('transcripts.sharing.remove', { email: address })}
                aria-label={t('transcripts.sharing.remove', { email: address })}
                data-testid="share-remove"
                onClick={() => remove(address)}
              >
                <Icon name="close" size="1rem" />
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function sharingError(t: ReturnType<typeof useTranslation>['t'], failure: unknown): string {
  if (failure instanceof ApiError && failure.status === 422) return t('transcripts.sharing.invalid');
  if (failure instanceof ApiError && failure.status === 403) return t('transcripts.sharing.ownerOnly');
  return t('transcripts.sharing.failed');
}
