/** Rendering with translations, for component tests (imported by tests only). */
import { render, type RenderResult } from '@testing-library/react';
import { createElement, type ReactElement } from 'react';
import { I18nextProvider } from 'react-i18next';
import { ToastProvider } from '../ui/Toasts';
import { createI18n, type Language } from './index';

export function renderWithI18n(element: ReactElement, language: Language = 'en'): RenderResult {
  const i18n = createI18n(language);
  return render(createElement(I18nextProvider, { i18n }, createElement(ToastProvider, null, element)));
}
