import { useId } from 'react';
import { useTranslation } from 'react-i18next';
import { isLanguage, LANGUAGE_NAMES, LANGUAGES, setLanguage } from '../i18n';

/** The language menu (`language-select`): `<html lang>` follows, the choice is remembered. */
export function LanguageSelect({ className, tone = 'light' }: { className?: string; tone?: 'light' | 'dark' }) {
  const { t, i18n } = useTranslation();
  const id = useId();
  const current = isLanguage(i18n.resolvedLanguage) ? i18n.resolvedLanguage : 'fr';
  return (
    <div className={['v-lang', `v-lang--${tone}`, className].filter(Boolean).join(' ')}>
      <label className="fr-label v-lang__label" htmlFor={id}>
        {t('app.language')}
      </label>
      <select
        id={id}
        className="fr-select v-lang__select"
        data-testid="language-select"
        value={current}
        onChange={(event) => {
          if (isLanguage(event.target.value)) void setLanguage(i18n, event.target.value);
        }}
      >
        {LANGUAGES.map((language) => (
          <option key={language} value={language} lang={language}>
            {LANGUAGE_NAMES[language]}
          </option>
        ))}
      </select>
    </div>
  );
}
