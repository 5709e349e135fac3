// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest';
import en from './en.json';
import fr from './fr.json';
import { createI18n, setLanguage, storedLanguage } from './index';

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (typeof value === 'string') out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

function variables(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();
}

const frKeys = flatten(fr as Tree);
const enKeys = flatten(en as Tree);

describe('translations', () => {
  it('has every French key in English', () => {
    const missing = [...frKeys.keys()].filter((key) => !enKeys.has(key));
    expect(missing, `missing in en.json: ${missing.join(', ')}`).toEqual([]);
  });

  it('has every English key in French', () => {
    const missing = [...enKeys.keys()].filter((key) => !frKeys.has(key));
    expect(missing, `missing in fr.json: ${missing.join(', ')}`).toEqual([]);
  });

  it('uses the same placeholders in both languages', () => {
    const different = [...frKeys].filter(([key, text]) => {
      const other = enKeys.get(key);
      return other !== undefined && variables(other).join() !== variables(text).join();
    });
    expect(different.map(([key]) => key)).toEqual([]);
  });

  it('has no empty text', () => {
    const empty = [...frKeys, ...enKeys].filter(([, text]) => text.trim() === '').map(([key]) => key);
    expect(empty).toEqual([]);
  });
});

describe('language choice', () => {
  afterEach(() => window.localStorage.clear());

  it('is French by default and sets <html lang>', () => {
    expect(storedLanguage()).toBe('fr');
    const i18n = createI18n();
    expect(i18n.language).toBe('fr');
    expect(document.documentElement.lang).toBe('fr');
    expect(i18n.t('home.create')).toBe('Nouvelle réunion');
  });

  it('switches to English, updates <html lang> and remembers it', async () => {
    const i18n = createI18n();
    await setLanguage(i18n, 'en');
    expect(document.documentElement.lang).toBe('en');
    expect(i18n.t('home.create')).toBe('New meeting');
    expect(storedLanguage()).toBe('en');
    expect(createI18n().language).toBe('en');
  });

  it('pluralises counts', () => {
    const i18n = createI18n('en');
    expect(i18n.t('chat.unread', { count: 1 })).toBe('1 unread message');
    expect(i18n.t('chat.unread', { count: 3 })).toBe('3 unread messages');
  });
});
