/**
 * Accessibility: axe-core on home, pre-join and the meeting (no serious or
 * critical violations), the controls bar by keyboard alone, the language
 * switch and `<html lang>`.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectNoSeriousViolations } from './axe.ts';
import { E2ERun, type Person, requireSetup, type VisioServer, waitFor, withReport } from './harness.ts';
import {
  attr,
  CONTROLS,
  expectAttr,
  expectHidden,
  expectStatus,
  expectVisible,
  focusedTestId,
  joinFromPrejoin,
  openPrejoin,
  tabTo,
  tid,
} from './ui.ts';

// Fails the whole file, loudly, outside scripts/netns-run or without a built
// web client (never skips).
requireSetup();

const STEP = { timeout: 90_000 };

describe('accessibility', { timeout: 240_000 }, () => {
  const run = new E2ERun('a11y');
  let server: VisioServer;
  let P: Person;
  let Q: Person;
  let slug = '';

  before(async () => {
    server = await run.server();
    slug = await server.createRoom({ name: 'Accessibilité' });
    [P, Q] = await Promise.all([
      run.person({ name: 'P', tone: 440, video: 'testsrc' }),
      run.person({ name: 'Q', tone: 550, video: 'testsrc2' }),
    ]);
  });

  after(async () => {
    await run.close();
  });

  it('home: no serious/critical axe violations', STEP, () =>
    withReport(run, async () => {
      await P.page.goto(`${server.baseUrl}/`);
      await expectVisible(P, 'create-meeting');
      await expectNoSeriousViolations(P, 'home');
    }),
  );

  it('language switch: <html lang> follows and is remembered', STEP, () =>
    withReport(run, async () => {
      const select = await expectVisible(P, 'language-select');
      for (const lang of ['fr', 'en']) {
        await select.selectOption(lang);
        await waitFor(`<html lang="${lang}">`, () => P.page.evaluate(() => document.documentElement.lang), (l) => l.startsWith(lang));
      }
      await P.page.reload();
      await expectVisible(P, 'language-select');
      assert.ok((await P.page.evaluate(() => document.documentElement.lang)).startsWith('en'), 'language remembered after reload');
    }),
  );

  it('pre-join: no serious/critical axe violations', STEP, () =>
    withReport(run, async () => {
      await openPrejoin(P, server.meetingUrl(slug));
      await P.expectVideoAdvancing(tid('prejoin-preview'), 'the preview');
      await expectNoSeriousViolations(P, 'pre-join');
    }),
  );

  it('meeting: no serious/critical axe violations (with another participant)', STEP, () =>
    withReport(run, async () => {
      await joinFromPrejoin(P, 'Pauline');
      await openPrejoin(Q, server.meetingUrl(slug));
      await joinFromPrejoin(Q, 'Quentin');
      await waitFor('P: 2 tiles', () => P.participantCount(), (n) => n === 2, { timeout: 20_000 });
      await expectNoSeriousViolations(P, 'meeting');
      await P.testId('toggle-chat').click();
      await expectVisible(P, 'chat-panel');
      await expectNoSeriousViolations(P, 'meeting with the chat open');
      await P.testId('toggle-chat').click();
    }),
  );

  it('controls bar: every control reachable with Tab', STEP, () =>
    withReport(run, async () => {
      await P.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      const seen = new Set<string>();
      for (let i = 0; i < 80 && seen.size < CONTROLS.length; i++) {
        await P.page.keyboard.press('Tab');
        const focused = await focusedTestId(P);
        if (focused && (CONTROLS as readonly string[]).includes(focused)) seen.add(focused);
      }
      const missing = CONTROLS.filter((c) => !seen.has(c));
      assert.deepEqual(missing, [], `controls never focused by Tab: ${missing.join(', ')}`);
    }),
  );

  it('controls bar: operable with Enter and Space', STEP, () =>
    withReport(run, async () => {
      const pressed = (id: string): Promise<string | null> => attr(P, tid(id), 'aria-pressed');
      const flipsWith = async (id: string, key: 'Enter' | 'Space'): Promise<void> => {
        await tabTo(P, id);
        const before = await pressed(id);
        assert.ok(before === 'true' || before === 'false', `${id} has aria-pressed (got ${before})`);
        await P.page.keyboard.press(key);
        await waitFor(`${id} aria-pressed flips with ${key}`, () => pressed(id), (v) => v !== before);
      };
      // Microphone: Enter mutes, Space unmutes; Q sees both.
      const micBefore = await pressed('toggle-mic');
      await flipsWith('toggle-mic', 'Enter');
      const pid = await P.localParticipantId();
      await expectAttr(Q, `[data-testid="tile"][data-participant-id="${pid}"]`, 'data-audio-muted', 'true', 'P muted by keyboard');
      await flipsWith('toggle-mic', 'Space');
      assert.equal(await pressed('toggle-mic'), micBefore);
      await expectAttr(Q, `[data-testid="tile"][data-participant-id="${pid}"]`, 'data-audio-muted', 'false', 'P unmuted by keyboard');
      // Camera off and on again.
      await flipsWith('toggle-cam', 'Space');
      await flipsWith('toggle-cam', 'Enter');
      // Raise and lower the hand.
      await flipsWith('raise-hand', 'Enter');
      await expectAttr(Q, `[data-testid="tile"][data-participant-id="${pid}"]`, 'data-hand-raised', 'true', 'hand raised by keyboard');
      await flipsWith('raise-hand', 'Space');
      // Screen share on and off.
      await flipsWith('toggle-screen', 'Enter');
      await flipsWith('toggle-screen', 'Enter');
      // Chat panel opens with Enter; the participants panel with Space.
      await tabTo(P, 'toggle-chat');
      await P.page.keyboard.press('Enter');
      await expectVisible(P, 'chat-panel');
      await tabTo(P, 'toggle-chat');
      await P.page.keyboard.press('Enter');
      await expectHidden(P, tid('chat-panel'), 'chat panel closed by keyboard');
      await tabTo(P, 'toggle-participants');
      await P.page.keyboard.press('Space');
      await expectVisible(P, 'participants-panel');
      await tabTo(P, 'toggle-participants');
      await P.page.keyboard.press('Space');
      await expectHidden(P, tid('participants-panel'), 'participants panel closed by keyboard');
      // Reactions menu by keyboard: open with Enter, send the focused/first reaction with Enter.
      await tabTo(P, 'reactions');
      await P.page.keyboard.press('Enter');
      await expectVisible(P, 'reaction-button');
      await tabTo(P, 'reaction-button', 20);
      const emoji = await P.page.evaluate(() => (document.activeElement as HTMLElement).dataset.emoji ?? '');
      await P.page.keyboard.press('Enter');
      await Q.page.locator(`[data-testid="reaction"][data-emoji="${emoji}"]`).first().waitFor({ state: 'visible', timeout: 10_000 });
      await P.page.keyboard.press('Escape');
      // Leave, last.
      await tabTo(P, 'leave');
      await P.page.keyboard.press('Enter');
      await waitFor('P left', async () => {
        const root = P.testId('meeting');
        if ((await root.count()) === 0) return true;
        return (await root.first().getAttribute('data-status', { timeout: 500 })) === 'left';
      });
      await expectStatus(Q, 'joined');
      await waitFor('Q: P gone', () => Q.participantCount(), (n) => n === 1);
    }),
  );
});
