// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Room } from '../../api/client';
import { renderWithI18n } from '../../i18n/testing';
import { HomePage } from './components/HomePage';

afterEach(cleanup);

const room: Room = {
  id: '1',
  slug: 'abcd-efgh-ijkl',
  name: null,
  url: 'https://visio.example/abcd-efgh-ijkl',
  settings: { start_audio_muted: false, start_video_muted: false },
  created_at: '2025-03-14T09:00:00Z',
  updated_at: '2025-03-14T09:00:00Z',
};

describe('HomePage', () => {
  it('creates a meeting through the API and goes to it', async () => {
    const create = vi.fn(async () => room);
    const go = vi.fn();
    renderWithI18n(createElement(HomePage, { create, go }));
    fireEvent.click(screen.getByTestId('create-meeting'));
    await waitFor(() => expect(go).toHaveBeenCalledWith('/abcd-efgh-ijkl', { state: { created: true } }));
    expect(create).toHaveBeenCalledTimes(1);
  });

  it('says so when the meeting cannot be created', async () => {
    const create = vi.fn(async () => {
      throw new Error('offline');
    });
    const go = vi.fn();
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    renderWithI18n(createElement(HomePage, { create, go }));
    fireEvent.click(screen.getByRole('button', { name: 'New meeting' }));
    expect(await screen.findByRole('alert')).toHaveProperty('textContent', expect.stringContaining('could not be created'));
    expect(go).not.toHaveBeenCalled();
  });

  it('joins by a pasted link, normalised to the code', () => {
    const go = vi.fn();
    renderWithI18n(createElement(HomePage, { create: vi.fn(), go }));
    fireEvent.change(screen.getByLabelText(/Meeting code or link/), { target: { value: ' https://visio.example.gouv.fr/ABCD-EFGH-IJKL ' } });
    fireEvent.click(screen.getByTestId('join-by-code'));
    expect(go).toHaveBeenCalledWith('/abcd-efgh-ijkl');
  });

  it('joins by a typed code with spaces', () => {
    const go = vi.fn();
    renderWithI18n(createElement(HomePage, { create: vi.fn(), go }));
    fireEvent.change(screen.getByTestId('join-code'), { target: { value: 'abcd efgh ijkl' } });
    fireEvent.submit(screen.getByTestId('join-code').closest('form') as HTMLFormElement);
    expect(go).toHaveBeenCalledWith('/abcd-efgh-ijkl');
  });

  it('refuses what is not a code, with a message tied to the field', () => {
    const go = vi.fn();
    renderWithI18n(createElement(HomePage, { create: vi.fn(), go }));
    const input = screen.getByTestId('join-code');
    fireEvent.change(input, { target: { value: 'hello' } });
    fireEvent.click(screen.getByTestId('join-by-code'));
    expect(go).not.toHaveBeenCalled();
    expect(input.getAttribute('aria-invalid')).toBe('true');
    const error = document.getElementById(input.getAttribute('aria-describedby') ?? '');
    expect(error?.textContent).toMatch(/not a meeting code/);
  });

  it('is in French by default', () => {
    renderWithI18n(createElement(HomePage, { create: vi.fn(), go: vi.fn() }), 'fr');
    expect(screen.getByTestId('create-meeting').textContent).toBe('Nouvelle réunion');
    expect((screen.getByTestId('language-select') as HTMLSelectElement).value).toBe('fr');
  });
});
