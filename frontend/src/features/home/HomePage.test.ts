// @vitest-environment jsdom
import { cleanup, fireEvent, screen, waitFor } from '@testing-library/react';
import { createElement } from 'react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Room } from '../../api/client';
import { ApiError } from '../../api/client';
import { renderWithI18n } from '../../i18n/testing';
import { AccountContext, type Account } from '../account/AccountContext';
import { testConfig } from '../account/testing';
import { HomePage, type HomePageProps } from './components/HomePage';

afterEach(cleanup);

const room: Room = {
  id: '1',
  slug: 'abcd-efgh-ijkl',
  name: null,
  url: 'https://visio.example/abcd-efgh-ijkl',
  settings: { access_level: 'trusted', start_audio_muted: false, start_video_muted: false },
  your_role: 'owner',
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

  it('asks to sign in first when this server wants an account to create meetings', () => {
    const create = vi.fn(async () => room);
    renderAs(signedOut({ anonymous_rooms: false }), { create, go: vi.fn() });
    expect(screen.getByTestId('sign-in').getAttribute('href')).toBe('/auth/login?next=%2F');
    fireEvent.click(screen.getByTestId('create-meeting'));
    expect(create).not.toHaveBeenCalled();
    expect(screen.getByTestId('sign-in-required').textContent).toMatch(/Sign in to create a meeting/);
  });

  it('asks to sign in when the server answers not_signed_in', async () => {
    const create = vi.fn(async () => {
      throw new ApiError(401, 'not_signed_in', 'Sign in');
    });
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    renderWithI18n(createElement(HomePage, { create, go: vi.fn() }));
    fireEvent.click(screen.getByTestId('create-meeting'));
    expect(await screen.findByTestId('sign-in-required')).toBeTruthy();
  });

  it('signed in: the name, sign-out and the person\'s meetings', async () => {
    const listMine = vi.fn(async () => [{ ...room, name: 'Point hebdo' }]);
    const account: Account = {
      loading: false,
      config: { ...CONFIG, anonymous_rooms: false },
      me: { id: 'u1', email: 'alice@example.org', given_name: 'Alice', family_name: 'Martin', display_name: 'Alice Martin' },
    };
    const create = vi.fn(async () => room);
    renderAs(account, { create, go: vi.fn(), listMine });
    expect(screen.getByTestId('account-name').textContent).toBe('Alice Martin');
    expect(screen.getByTestId('sign-out')).toBeTruthy();
    expect(screen.queryByTestId('sign-in')).toBeNull();
    const item = await screen.findByTestId('my-meeting');
    expect(item.textContent).toContain('Point hebdo');
    expect(item.querySelector('a')?.getAttribute('href')).toBe('/abcd-efgh-ijkl');
    // Its transcripts, one click away (the link's name says which meeting).
    const transcripts = screen.getByRole('link', { name: 'Transcripts of Point hebdo' });
    expect(transcripts.dataset.testid).toBe('my-meeting-transcripts');
    expect(transcripts.getAttribute('href')).toBe('/abcd-efgh-ijkl/transcripts');
    fireEvent.click(screen.getByTestId('create-meeting'));
    await waitFor(() => expect(create).toHaveBeenCalled());
  });
});

const CONFIG = testConfig();

function signedOut(config: Partial<typeof CONFIG>): Account {
  return { loading: false, config: { ...CONFIG, ...config }, me: null };
}

function renderAs(account: Account, props: HomePageProps) {
  return renderWithI18n(createElement(AccountContext.Provider, { value: account }, createElement(HomePage, props)));
}
