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

/** Pre-join mic meter (aria-valuenow 0..100). */
export async function micLevel(p: Person): Promise<number> {
  const v = await p.testId('mic-level').first().getAttribute('aria-valuenow', { timeout: 2_000 });
  return v === null ? Number.NaN : Number(v);
}

/** Opens a side panel (chat or participants) if it is not shown yet. */
export async function openPanel(p: Person, toggle: 'toggle-chat' | 'toggle-participants'): Promise<void> {
  const panel = p.testId(toggle === 'toggle-chat' ? 'chat-panel' : 'participants-panel');
  if (!(await panel.first().isVisible())) await p.testId(toggle).click();
  await expectVisible(p, toggle === 'toggle-chat' ? 'chat-panel' : 'participants-panel');
}

export async function closePanel(p: Person, toggle: 'toggle-chat' | 'toggle-participants'): Promise<void> {
  const id = toggle === 'toggle-chat' ? 'chat-panel' : 'participants-panel';
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
