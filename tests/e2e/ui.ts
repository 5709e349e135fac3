/**
 * What a person does in the web client, by the data-testid contract
 * (CONTRACT.md): never by translated text.
 */

import type { Locator } from 'playwright-core';
import { type Person, waitFor } from './harness.ts';

/** The controls bar, in the contract's order. */
export const CONTROLS = [
  'toggle-mic',
  'toggle-cam',
  'toggle-screen',
  'raise-hand',
  'reactions',
  'toggle-chat',
  'toggle-participants',
  'leave',
] as const;

export function tid(id: string): string {
  return `[data-testid="${id}"]`;
}

export function tileSel(participantId: string): string {
  return `[data-testid="tile"][data-participant-id="${participantId}"]`;
}

export function cameraSel(participantId: string): string {
  return `${tileSel(participantId)} video[data-source="camera"]`;
}

export async function expectVisible(p: Person, testId: string, timeout = 15_000): Promise<Locator> {
  const loc = p.testId(testId).first();
  try {
    await loc.waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`${p.name}: [data-testid="${testId}"] not visible within ${timeout} ms (url ${p.page.url()})`);
  }
  return loc;
}

export async function expectHidden(p: Person, selector: string, what: string, timeout = 15_000): Promise<void> {
  try {
    await p.page.locator(selector).first().waitFor({ state: 'hidden', timeout });
  } catch {
    const n = await p.page.locator(selector).count();
    throw new Error(`${p.name}: ${what} (${selector}) still shown after ${timeout} ms (${n} matching)`);
  }
}

/** Waits until `attr` of the first element matching `selector` equals `expected`. */
export async function expectAttr(
  p: Person,
  selector: string,
  attr: string,
  expected: string,
  what: string,
  timeout = 15_000,
): Promise<void> {
  await waitFor(
    `${p.name}: ${what}: ${selector} [${attr}="${expected}"]`,
    () => p.page.locator(selector).first().getAttribute(attr, { timeout: 1_000 }),
    (v) => v === expected,
    { timeout },
  );
}

export async function attr(p: Person, selector: string, name: string): Promise<string | null> {
  return p.page.locator(selector).first().getAttribute(name, { timeout: 5_000 });
}

export async function meetingStatus(p: Person): Promise<string | null> {
  const root = p.testId('meeting');
  if ((await root.count()) === 0) return null;
  return root.first().getAttribute('data-status', { timeout: 1_000 });
}

export async function expectStatus(p: Person, status: string, timeout = 30_000): Promise<void> {
  await waitFor(`${p.name}: meeting data-status="${status}"`, () => meetingStatus(p), (s) => s === status, { timeout });
}

/**
 * A guard for steps that build on earlier ones: `need('A', 'B')` throws a clear
 * error when an earlier step did not record those people's participant ids.
 */
export function prerequisites(ids: Record<string, string>): (...names: string[]) => void {
  return (...names) => {
    const missing = names.filter((n) => !ids[n]);
    if (missing.length) throw new Error(`prerequisite failed: ${missing.join(', ')} not in the meeting (see the earlier step)`);
  };
}

/** The meeting code in the page's URL (`/{slug}`). */
export function slugOf(p: Person): string {
  return new URL(p.page.url()).pathname.replace(/^\/+|\/+$/g, '');
}

/** Opens `url` and waits for the pre-join screen. */
export async function openPrejoin(p: Person, url: string): Promise<void> {
  await p.page.goto(url);
  await expectVisible(p, 'prejoin', 20_000);
}

/** On the pre-join screen: types the name, clicks Join, waits to be in. */
export async function joinFromPrejoin(p: Person, name: string): Promise<string> {
  const input = await expectVisible(p, 'display-name');
  await input.fill(name);
  await p.testId('join-button').click();
  await expectStatus(p, 'joined');
  return p.localParticipantId();
}

export async function joinMeeting(p: Person, url: string, name: string): Promise<string> {
  await openPrejoin(p, url);
  return joinFromPrejoin(p, name);
}

/** On the pre-join screen of a meeting that keeps guests in the lobby: asks, and waits to be waiting. */
export async function askToJoin(p: Person, url: string, name: string): Promise<void> {
  await openPrejoin(p, url);
  await expectVisible(p, 'lobby-hint');
  await (await expectVisible(p, 'display-name')).fill(name);
  await p.testId('join-button').click();
  await expectVisible(p, 'waiting-screen');
  await expectStatus(p, 'waiting', 5_000);
}

/**
 * Clicks `leave`: a participant leaves at once; a host gets a menu and
 * chooses to leave (the meeting goes on) rather than end it for everyone.
 */
export async function leaveMeeting(p: Person): Promise<void> {
  await p.testId('leave').click();
  const next = await waitFor(
    `${p.name}: left, or the host's leave menu`,
    async () => {
      if (await p.testId('leave-meeting').first().isVisible()) return 'menu';
      if ((await p.testId('meeting').count()) === 0) return 'left';
      return (await meetingStatus(p)) === 'left' ? 'left' : null;
    },
    (v) => v !== null,
    { timeout: 10_000 },
  );
  if (next === 'menu') await p.testId('leave-meeting').first().click();
}

/** Opens the moderation menu of `participantId` in the participants panel and picks `item`. */
export async function moderate(p: Person, participantId: string, item: string): Promise<void> {
  await openPanel(p, 'toggle-participants');
  await p.page.locator(`[data-testid="participant-item"][data-participant-id="${participantId}"] [data-testid="participant-menu"]`).click();
  await (await expectVisible(p, item, 5_000)).click();
}

/** Pre-join mic meter (aria-valuenow 0..100). */
export async function micLevel(p: Person): Promise<number> {
  const v = await p.testId('mic-level').first().getAttribute('aria-valuenow', { timeout: 2_000 });
  return v === null ? Number.NaN : Number(v);
}

type PanelToggle = 'toggle-chat' | 'toggle-participants' | 'toggle-lobby';
const PANELS: Record<PanelToggle, string> = {
  'toggle-chat': 'chat-panel',
  'toggle-participants': 'participants-panel',
  'toggle-lobby': 'lobby-panel',
};

/** Opens a side panel (chat, participants, or the hosts' lobby) if it is not shown yet. */
export async function openPanel(p: Person, toggle: PanelToggle): Promise<void> {
  const panel = p.testId(PANELS[toggle]);
  if (!(await panel.first().isVisible())) await p.testId(toggle).click();
  await expectVisible(p, PANELS[toggle]);
}

export async function closePanel(p: Person, toggle: PanelToggle): Promise<void> {
  const id = PANELS[toggle];
  if (await p.testId(id).first().isVisible()) await p.testId(toggle).click();
  await expectHidden(p, tid(id), id);
}

/** data-testid of the focused element (null: none, or an element without one). */
export async function focusedTestId(p: Person): Promise<string | null> {
  return p.page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return el?.closest<HTMLElement>('[data-testid]')?.dataset.testid ?? null;
  });
}

/** Presses Tab until `testId` has focus (0 presses if it has already); returns the count. */
export async function tabTo(p: Person, testId: string, max = 80): Promise<number> {
  const focused = (): Promise<string | null> =>
    p.page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid ?? null);
  if ((await focused()) === testId) return 0;
  for (let i = 1; i <= max; i++) {
    await p.page.keyboard.press('Tab');
    if ((await focused()) === testId) return i;
  }
  throw new Error(`${p.name}: [data-testid="${testId}"] never got focus in ${max} Tab presses`);
}

/** A host opens the meeting settings, picks an access level, waits for it to be saved, and closes. */
export async function setAccessLevel(p: Person, level: 'public' | 'trusted' | 'restricted'): Promise<void> {
  await p.testId('open-meeting-settings').click();
  await expectVisible(p, 'meeting-settings-dialog');
  const radio = p.testId(`access-level-${level}`);
  // Enabled once the meeting's current settings are read.
  await waitFor(`${p.name}: access level radios ready`, () => radio.isEnabled());
  const inputId = await radio.getAttribute('id');
  await p.snapshot('meeting-settings');
  // The DSFR radio draws its label; the input itself is visually hidden.
  await p.page.locator(`label[for="${inputId}"]`).click();
  await waitFor(
    `${p.name}: access level ${level} saved`,
    async () => (await radio.isChecked()) && (await radio.isEnabled()),
  );
  await p.page.keyboard.press('Escape');
  await expectHidden(p, tid('meeting-settings-dialog'), 'the meeting settings dialog');
}
