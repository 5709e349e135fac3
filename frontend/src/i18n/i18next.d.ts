// Typed translation keys: `t('home.title')` is checked against fr.json at
// compile time (the i18n test checks that en.json has the same keys).
import 'i18next';
import type fr from './fr.json';

declare module 'i18next' {
  interface CustomTypeOptions {
    defaultNS: 'translation';
    resources: { translation: typeof fr };
  }
}
