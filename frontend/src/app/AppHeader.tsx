import { useTranslation } from 'react-i18next';
import { AppLink } from './AppLink';
import { AccountMenu } from '../features/account/components/AccountMenu';
import { LanguageSelect } from './LanguageSelect';

/** The DSFR header of the light pages (home, pre-join, after leaving). */
export function AppHeader() {
  const { t } = useTranslation();
  return (
    <header role="banner" className="fr-header v-header">
      <div className="fr-header__body">
        <div className="fr-container">
          <div className="fr-header__body-row">
            <div className="fr-header__brand fr-enlarge-link">
              <div className="fr-header__brand-top">
                <div className="fr-header__logo">
                  <p className="fr-logo">
                    République
                    <br />
                    Française
                  </p>
                </div>
              </div>
              <div className="fr-header__service">
                <AppLink href="/" title={t('app.homeLinkTitle')}>
                  <p className="fr-header__service-title">Visio</p>
                </AppLink>
                <p className="fr-header__service-tagline">{t('app.tagline')}</p>
              </div>
            </div>
            <div className="v-header__tools">
              <AccountMenu />
              <LanguageSelect />
            </div>
          </div>
        </div>
      </div>
    </header>
  );
}
