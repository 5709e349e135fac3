/**
 * Identity and access in real browsers: a meeting created by browser A (the
 * embedded server has no sign-in, so A creates it anonymously and owns it by
 * its visitor cookie) keeps guests in the lobby; A admits one and denies
 * another; A mutes, then removes, a participant; A ends the meeting. Axe
 * checks the waiting screen and the lobby panel.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { expectNoSeriousViolations } from './axe.ts';
import { E2ERun, type Person, requireSetup, type VisioServer, waitFor, withReport } from './harness.ts';
import {
  askToJoin,
  attr,
  cameraSel,
  closePanel,
  expectAttr,
  expectHidden,
  expectStatus,
  expectVisible,
  joinFromPrejoin,
  moderate,
  openPanel,
  prerequisites,
  slugOf,
  tid,
  tileSel,
} from './ui.ts';

// Fails the whole file, loudly, outside scripts/netns-run or without a built
// web client (never skips).
requireSetup();

const STEP = { timeout: 90_000 };

describe('access: lobby, admission, denial, moderation', { timeout: 330_000 }, () => {
  const run = new E2ERun('access');
  let server: VisioServer;
  let A: Person, B: Person, C: Person;
  let meetingUrl = '';
  const id: Record<string, string> = {};

  const need = prerequisites(id);

  before(async () => {
    server = await run.server();
    [A, B, C] = await Promise.all([
      run.person({ name: 'A', tone: 440, video: 'testsrc' }),
      run.person({ name: 'B', tone: 550, video: 'testsrc2' }),
      run.person({ name: 'C', tone: 770, video: 'smptehdbars' }),
    ]);
  });

  after(async () => {
    await run.close();
  });

  it('A creates a meeting from the home page and joins it as its owner', STEP, () =>
    withReport(run, async () => {
      await A.page.goto(`${server.baseUrl}/`);
      await (await expectVisible(A, 'create-meeting')).click();
      await expectVisible(A, 'prejoin', 20_000);
      meetingUrl = server.meetingUrl(slugOf(A));
      const room = await server.request('GET', `/api/v1/rooms/${slugOf(A)}`);
      assert.equal(room.body?.settings?.access_level, 'trusted', 'a new meeting is "trusted" by default');
      // The owner never waits: no lobby hint on its pre-join screen.
      assert.equal(await A.testId('lobby-hint').count(), 0, 'no lobby hint for the owner');
      id.A = await joinFromPrejoin(A, 'Alice');
      await expectVisible(A, 'toggle-lobby');
      await A.testId('open-meeting-settings').click();
      await expectVisible(A, 'meeting-settings-dialog');
      await waitFor('A: meeting settings loaded', () => A.testId('access-level-trusted').isEnabled());
      assert.ok(await A.testId('access-level-trusted').isChecked(), 'the dialog shows the trusted level');
      await A.snapshot('meeting-settings-owner');
      await expectNoSeriousViolations(A, 'the meeting settings dialog');
      await A.page.keyboard.press('Escape');
      await expectHidden(A, tid('meeting-settings-dialog'), 'the meeting settings dialog');
    }),
  );

  it('guest B asks to join and waits; A hears of it (badge, notice), admits; both see each other', STEP, () =>
    withReport(run, async () => {
      need('A');
      await askToJoin(B, meetingUrl, 'Bob');
      assert.equal((await B.testId('waiting-name').textContent())?.trim(), 'Bob', 'the waiting screen shows the name');
      assert.equal(await B.testId('tile').count(), 0, 'B sees nothing of the meeting while waiting');
      await B.snapshot('waiting');
      await expectNoSeriousViolations(B, 'the waiting screen');

      const badge = await expectVisible(A, 'lobby-count', 10_000);
      await waitFor('A: lobby-count 1', async () => (await badge.textContent())?.trim(), (t) => t === '1');
      await expectVisible(A, 'lobby-notice');
      await A.testId('toggle-lobby').click();
      await expectVisible(A, 'lobby-panel');
      const request = A.page.locator('[data-testid="lobby-request"]', { hasText: 'Bob' });
      await request.first().waitFor({ state: 'visible', timeout: 5_000 });
      await expectHidden(A, tid('lobby-notice'), 'the lobby notice while the panel is open', 5_000);
      await A.snapshot('lobby');
      await expectNoSeriousViolations(A, 'the lobby panel');

      await request.first().locator(tid('lobby-admit')).click();
      await expectStatus(B, 'joined', 20_000);
      id.B = await B.localParticipantId();
      await expectHidden(A, tid('lobby-count'), 'the lobby badge once B is in');
      await waitFor('A: B gone from the lobby list', () => A.testId('lobby-request').count(), (n) => n === 0);
      await Promise.all([
        A.expectVideoAdvancing(cameraSel(id.B), "B's camera"),
        B.expectVideoAdvancing(cameraSel(id.A!), "A's camera"),
      ]);
      // The roles show: B is a guest, A the owner.
      await expectAttr(A, tileSel(id.B), 'data-role', 'guest', "B's tile role");
      await expectAttr(B, tileSel(id.A!), 'data-role', 'owner', "A's tile role");
    }),
  );

  it('guest C asks to join; A denies; C is told', STEP, () =>
    withReport(run, async () => {
      need('A');
      await askToJoin(C, meetingUrl, 'Chloé');
      const request = A.page.locator('[data-testid="lobby-request"]', { hasText: 'Chloé' });
      await request.first().waitFor({ state: 'visible', timeout: 10_000 });
      await request.first().locator(tid('lobby-deny')).click();
      await expectVisible(C, 'lobby-denied', 15_000);
      await waitFor('A: the lobby is empty again', () => A.testId('lobby-request').count(), (n) => n === 0);
      assert.ok(!(await A.tileParticipantIds()).some((pid) => pid !== id.A && pid !== id.B), 'C never entered');
      await closePanel(A, 'toggle-lobby');
    }),
  );

  it('A mutes B from the moderation menu: B is told and its microphone shows muted', STEP, () =>
    withReport(run, async () => {
      need('A', 'B');
      assert.equal(await attr(B, tid('toggle-mic'), 'aria-pressed'), 'true', "B's microphone starts on");
      await openPanel(A, 'toggle-participants');
      await A.page.locator(`[data-testid="participant-item"][data-participant-id="${id.B}"] [data-testid="participant-menu"]`).click();
      await expectVisible(A, 'moderation-menu');
      await A.snapshot('moderation-menu');
      await expectNoSeriousViolations(A, 'the moderation menu');
      await A.page.keyboard.press('Escape');
      await expectHidden(A, tid('moderation-menu'), 'the moderation menu');
      await moderate(A, id.B!, 'moderate-mute');
      const notice = await expectVisible(B, 'moderation-notice', 10_000);
      assert.ok((await notice.textContent())?.trim(), 'the moderation notice has a text');
      await expectAttr(B, tid('toggle-mic'), 'aria-pressed', 'false', "B's microphone button shows muted");
      await expectAttr(B, tileSel(id.B!), 'data-audio-muted', 'true', "B's own tile muted");
      await B.snapshot('moderated');
      await expectAttr(A, tileSel(id.B!), 'data-audio-muted', 'true', "B's tile muted, for A");
      await expectAttr(
        A,
        `[data-testid="participant-item"][data-participant-id="${id.B}"]`,
        'data-audio-muted',
        'true',
        'B muted in the participant list',
      );
    }),
  );

  it('A removes B (after a confirmation): B sees the removed page and does not come back', STEP, () =>
    withReport(run, async () => {
      need('A', 'B');
      await moderate(A, id.B!, 'moderate-remove');
      await (await expectVisible(A, 'confirm-remove', 5_000)).click();
      await expectVisible(B, 'removed-screen', 15_000);
      await expectStatus(B, 'ended', 5_000);
      await B.snapshot('removed');
      await expectHidden(A, tileSel(id.B!), "B's tile");
      // No automatic reconnection after 4403.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.ok(await B.testId('removed-screen').first().isVisible(), 'B still on the removed page');
      assert.equal(await A.participantCount(), 1, 'A alone again');
    }),
  );

  it('A ends the meeting for everyone', STEP, () =>
    withReport(run, async () => {
      need('A');
      await A.testId('leave').click();
      await (await expectVisible(A, 'end-meeting', 5_000)).click();
      await expectVisible(A, 'meeting-ended-screen', 15_000);
      await expectStatus(A, 'ended', 5_000);
    }),
  );
});
