/** The languages a host can pick for a transcript, and their names. */

/** Offered in the meeting, French first (the server's default language is French too). */
export const TRANSCRIPTION_LANGUAGES = ['fr', 'en'] as const;
export const DEFAULT_TRANSCRIPTION_LANGUAGE = 'fr';

const names = new Map<string, Intl.DisplayNames | null>();

/**
 * The name of language `code` (ISO 639-1, maybe with a region: `fr-FR`) in
 * the UI's language: "anglais", "English". The code itself when unknown.
 */
export function languageName(code: string, uiLanguage: string | undefined): string {
  const locale = uiLanguage ?? 'fr';
  let display = names.get(locale);
  if (display === undefined) {
    try {
      display = new Intl.DisplayNames([locale], { type: 'language' });
    } catch {
      display = null;
    }
    names.set(locale, display);
  }
  try {
    return display?.of(code) ?? code;
  } catch {
    return code;
  }
}

/** Capitalised, for a list or an option ("Anglais"). */
export function languageLabel(code: string, uiLanguage: string | undefined): string {
  const name = languageName(code, uiLanguage);
  return name.charAt(0).toLocaleUpperCase(uiLanguage) + name.slice(1);
}

/** The supported languages a `speech_language_unsupported` error lists (`details.supported`), or null. */
export function supportedLanguages(details: Readonly<Record<string, unknown>> | null | undefined): string[] | null {
  const supported = details?.supported;
  if (!Array.isArray(supported)) return null;
  return supported.filter((item): item is string => typeof item === 'string');
}

/** Whether language `code` is in `supported` (`en` matches `en-US` and the other way round). */
export function isSupported(code: string, supported: readonly string[] | null): boolean {
  if (supported === null) return true;
  const base = code.split('-')[0]?.toLowerCase();
  return supported.some((item) => item.split('-')[0]?.toLowerCase() === base);
}
