import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { signInUrl, signOut } from '../../../api/client';
import { Icon } from '../../../ui/Icon';
import { useToast } from '../../../ui/Toasts';
import { useAccount } from '../AccountContext';

/**
 * The header's account part: the signed-in person's name and "Sign out", or
 * "Sign in" when the server has an identity provider. Signing in comes back
 * to the page it started from.
 */
export function AccountMenu() {
  const { t } = useTranslation();
  const notify = useToast();
  const { me, config } = useAccount();
  const [busy, setBusy] = useState(false);

  if (me !== null) {
    const onSignOut = async () => {
      setBusy(true);
      try {
        window.location.assign(await signOut());
      } catch (error) {
        console.warn('visio: sign-out failed', error);
        notify(t('account.signOutFailed'));
        setBusy(false);
      }
    };
    return (
      <div className="v-account">
        <span className="v-account__name" data-testid="account-name">
          <Icon name="account" size="1.25rem" />
          <span>{me.display_name}</span>
        </span>
        <button
          type="button"
          className="fr-btn fr-btn--tertiary-no-outline fr-btn--sm v-btn--icon"
          data-testid="sign-out"
          aria-busy={busy}
          disabled={busy}
          onClick={() => void onSignOut()}
        >
          <Icon name="logout" size="1rem" />
          {t('account.signOut')}
        </button>
      </div>
    );
  }
  if (config?.sign_in_enabled !== true) return null;
  return (
    <a className="fr-btn fr-btn--tertiary fr-btn--sm v-btn--icon" data-testid="sign-in" href={signInUrl(window.location.pathname)}>
      <Icon name="account" size="1rem" />
      {t('account.signIn')}
    </a>
  );
}
