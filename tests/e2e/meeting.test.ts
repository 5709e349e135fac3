/**
 * The main journey: three people in real Chromium and a Python bot in one
 * meeting, through the real `visio serve` and Janus.  Steps run in order and
 * share the meeting; a step whose prerequisites failed says so.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Bot, E2ERun, type Person, requireSetup, type VisioServer, waitFor, withReport } from './harness.ts';
import {
  attr,
  cameraSel,
  closePanel,
  expectAttr,
  expectHidden,
  expectStatus,
  expectVisible,
  joinFromPrejoin,
  joinMeeting,
  leaveMeeting,
  micLevel,
  openPanel,
  prerequisites,
  setAccessLevel,
  slugOf,
  tid,
  tileSel,
} from './ui.ts';

// Fails the whole file, loudly, outside scripts/netns-run or without a built
// web client (never skips).
requireSetup();

const STEP = { timeout: 90_000 };

describe('meeting journey: three browsers and a bot', { timeout: 330_000 }, () => {
  const run = new E2ERun('meeting');
  let server: VisioServer;
  let A: Person, B: Person, C: Person;
  let meetingUrl = '';
  const id: Record<string, string> = {};
  let bot: Bot | undefined;

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

  it('A: home → create meeting → pre-join (preview, mic level, name) → join', STEP, () =>
    withReport(run, async () => {
      await A.page.goto(`${server.baseUrl}/`);
      await expectVisible(A, 'create-meeting');
      await A.screenshot('home.png');
      await A.testId('create-meeting').click();
      await expectVisible(A, 'prejoin', 20_000);
      const slug = slugOf(A);
      assert.match(slug, /^[a-z]{4}(-[a-z]{4})+$/, `meeting URL after create-meeting: ${A.page.url()}`);
      meetingUrl = server.meetingUrl(slug);
      const link = await expectVisible(A, 'meeting-link');
      assert.ok((await link.textContent())?.includes(slug), `meeting-link shows the link of ${slug}`);
      await A.expectVideoAdvancing(tid('prejoin-preview'), 'the pre-join preview');
      await waitFor('A: mic-level aria-valuenow > 0 with the fake tone', () => micLevel(A), (v) => v > 0);
      await A.testId('display-name').fill('Alice');
      await A.screenshot('prejoin.png');
      id.A = await joinFromPrejoin(A, 'Alice');
      const own = await A.page.locator(`${tileSel(id.A)} [data-testid="tile-name"]`).first().textContent();
      assert.ok(own?.includes('Alice'), `A's own tile shows its name (got ${JSON.stringify(own)})`);
      await A.expectVideoAdvancing(`${tileSel(id.A)} video[data-source="camera"]`, "A's own camera in the meeting");
    }),
  );

  it('A (the owner: it created the meeting) opens it to everyone in the meeting settings', STEP, () =>
    withReport(run, async () => {
      need('A');
      // A new meeting keeps guests (nobody signs in here) in the lobby: make it public.
      await setAccessLevel(A, 'public');
      const room = await server.request('GET', `/api/v1/rooms/${slugOf(A)}`);
      assert.equal(room.body?.settings?.access_level, 'public', `the meeting is public now (${JSON.stringify(room.body)})`);
    }),
  );

  it('B and C open the link and join; everyone sees and hears the others', STEP, () =>
    withReport(run, async () => {
      need('A');
      const [b, c] = await Promise.all([joinMeeting(B, meetingUrl, 'Bob'), joinMeeting(C, meetingUrl, 'Chloé')]);
      id.B = b;
      id.C = c;
      const people: Array<[Person, string]> = [
        [A, id.A!],
        [B, id.B],
        [C, id.C],
      ];
      // Each browser checks the two others; the three browsers in parallel.
      await Promise.all(
        people.map(async ([p, self]) => {
          await waitFor(`${p.name}: 3 participant tiles`, () => p.participantCount(), (n) => n === 3, { timeout: 20_000 });
          for (const [q, other] of people) {
            if (other === self) continue;
            await p.expectVideoAdvancing(cameraSel(other), `${q.name}'s camera`);
            await p.expectAudioRising(other, `${q.name}'s microphone`);
          }
        }),
      );
      const name = await A.page.locator(`${tileSel(id.B)} [data-testid="tile-name"]`).first().textContent();
      assert.ok(name?.includes('Bob'), `A shows B's name in its tile (got ${JSON.stringify(name)})`);
      await A.screenshot('meeting-3.png');
    }),
  );

  it('a Python bot (tone 660) joins: its video and audio reach the browsers', STEP, () =>
    withReport(run, async () => {
      need('A', 'B', 'C');
      bot = await run.bot(meetingUrl, { name: 'Robot', tone: 660, video: 'pattern' });
      id.bot = bot.participantId ?? '';
      await Promise.all(
        [A, B, C].map(async (p) => {
          await waitFor(`${p.name}: the bot's tile`, () => p.tileParticipantIds(), (ids) => ids.includes(id.bot!), { timeout: 20_000 });
          await p.expectVideoAdvancing(cameraSel(id.bot!), "the bot's pattern");
          await p.expectAudioRising(id.bot!, "the bot's tone");
        }),
      );
      const name = await A.page.locator(`${tileSel(id.bot)} [data-testid="tile-name"]`).first().textContent();
      assert.ok(name?.includes('Robot'), `A shows the bot's name (got ${JSON.stringify(name)})`);
    }),
  );

  it('chat: A writes, B reads it with A\'s name, C (panel closed) gets an unread badge', STEP, () =>
    withReport(run, async () => {
      need('A', 'B', 'C');
      const text = `Bonjour à tous 👋 ${Date.now()}`;
      assert.equal(await C.testId('chat-panel').first().isVisible(), false, 'C starts with the chat panel closed');
      await openPanel(B, 'toggle-chat');
      await openPanel(A, 'toggle-chat');
      await A.testId('chat-input').fill(text);
      await A.testId('chat-send').click();
      const inB = B.page.locator(`[data-testid="chat-message"][data-participant-id="${id.A}"]`, { hasText: text });
      await inB.first().waitFor({ state: 'visible', timeout: 10_000 });
      const shown = (await inB.first().textContent()) ?? '';
      assert.ok(shown.includes('Alice'), `B's chat message carries A's name (text: ${JSON.stringify(shown)})`);
      const badge = await expectVisible(C, 'chat-unread', 10_000);
      await waitFor('C: chat-unread count 1', async () => (await badge.textContent())?.trim(), (t) => t === '1' || /\b1\b/.test(t ?? ''));
      await openPanel(C, 'toggle-chat');
      await C.page
        .locator('[data-testid="chat-message"]', { hasText: text })
        .first()
        .waitFor({ state: 'visible', timeout: 10_000 });
      await expectHidden(C, tid('chat-unread'), 'the unread badge once the chat is open');
      await Promise.all([closePanel(A, 'toggle-chat'), closePanel(B, 'toggle-chat'), closePanel(C, 'toggle-chat')]);
    }),
  );

  it('raise hand: B then C raise, A sees it on the tiles and ranked in the participant list', STEP, () =>
    withReport(run, async () => {
      need('A', 'B', 'C');
      await B.testId('raise-hand').click();
      await expectAttr(B, tid('raise-hand'), 'aria-pressed', 'true', 'B raise-hand pressed');
      await expectAttr(A, tileSel(id.B!), 'data-hand-raised', 'true', "B's tile shows a raised hand");
      await C.testId('raise-hand').click();
      await expectAttr(A, tileSel(id.C!), 'data-hand-raised', 'true', "C's tile shows a raised hand");
      await openPanel(A, 'toggle-participants');
      const item = (pid: string): string => `[data-testid="participant-item"][data-participant-id="${pid}"]`;
      await expectAttr(A, item(id.B!), 'data-hand-raised', 'true', 'B raised in the list');
      await expectAttr(A, item(id.B!), 'data-hand-rank', '1', 'B first in raise order');
      await expectAttr(A, item(id.C!), 'data-hand-rank', '2', 'C second in raise order');
      // Raised hands come first in the list, in raise order.
      const order = await A.page
        .locator('[data-testid="participant-item"]')
        .evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.participantId ?? ''));
      assert.ok(
        order.indexOf(id.B!) >= 0 && order.indexOf(id.B!) < order.indexOf(id.C!),
        `B listed before C (order ${JSON.stringify(order)}, B=${id.B}, C=${id.C})`,
      );
      await B.testId('raise-hand').click();
      await expectAttr(A, tileSel(id.B!), 'data-hand-raised', 'false', "B's hand lowered");
      await expectAttr(A, item(id.C!), 'data-hand-rank', '1', 'C first once B lowered');
      await C.testId('raise-hand').click();
      await expectAttr(A, tileSel(id.C!), 'data-hand-raised', 'false', "C's hand lowered");
      await closePanel(A, 'toggle-participants');
    }),
  );

  it('reactions: B sends one, A sees it, then it fades', STEP, () =>
    withReport(run, async () => {
      need('A', 'B');
      await B.testId('reactions').click();
      const button = await expectVisible(B, 'reaction-button');
      const emoji = await button.getAttribute('data-emoji');
      assert.ok(emoji, 'reaction-button carries data-emoji');
      await button.click();
      const shown = `[data-testid="reaction"][data-emoji="${emoji}"]`;
      await A.page.locator(shown).first().waitFor({ state: 'visible', timeout: 10_000 });
      await expectHidden(A, shown, 'the reaction', 20_000);
      await B.page.keyboard.press('Escape'); // the menu may still be open
    }),
  );

  it('mute: A mutes with Ctrl+D, B sees it on A\'s tile; A unmutes with toggle-mic', STEP, () =>
    withReport(run, async () => {
      need('A', 'B');
      const before = await attr(A, tid('toggle-mic'), 'aria-pressed');
      await A.page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
      await A.page.keyboard.press('Control+KeyD');
      await waitFor('A: toggle-mic aria-pressed flips after Ctrl+D', () => attr(A, tid('toggle-mic'), 'aria-pressed'), (v) => v !== before);
      await expectAttr(B, tileSel(id.A!), 'data-audio-muted', 'true', "A's tile muted");
      await expectAttr(A, tileSel(id.A!), 'data-audio-muted', 'true', "A's own tile muted");
      await A.testId('toggle-mic').click();
      await expectAttr(A, tid('toggle-mic'), 'aria-pressed', before ?? '', 'A toggle-mic back');
      await expectAttr(B, tileSel(id.A!), 'data-audio-muted', 'false', "A's tile unmuted");
      await B.expectAudioRising(id.A!, "A's microphone after unmute");
    }),
  );

  it('screen share: A shares, B sees a screen video advancing, then it stops', STEP, () =>
    withReport(run, async () => {
      need('A', 'B');
      await A.testId('toggle-screen').click();
      await expectAttr(A, tid('toggle-screen'), 'aria-pressed', 'true', 'A sharing');
      const screen = 'video[data-source="screen"]';
      await B.expectVideoAdvancing(screen, "A's screen", { timeout: 30_000 });
      const owner = await B.page
        .locator(screen)
        .first()
        .evaluate((v) => v.closest<HTMLElement>('[data-participant-id]')?.dataset.participantId ?? null);
      assert.equal(owner, id.A, "B's screen video belongs to A's tile");
      await A.testId('toggle-screen').click();
      await expectAttr(A, tid('toggle-screen'), 'aria-pressed', 'false', 'A stopped sharing');
      await expectHidden(B, screen, "A's screen share", 20_000);
      // Stopping the share must leave A's camera and microphone on air.
      await B.expectVideoAdvancing(cameraSel(id.A!), "A's camera after the share stopped");
      await B.expectAudioRising(id.A!, "A's microphone after the share stopped");
    }),
  );

  it('A leaves: B and C no longer show A; the bot leaves too', STEP, () =>
    withReport(run, async () => {
      need('A', 'B', 'C');
      await leaveMeeting(A);
      await waitFor('A: left the meeting', async () => {
        const s = await A.testId('meeting').first().getAttribute('data-status', { timeout: 500 }).catch(() => null);
        return s === 'left' || (await A.testId('meeting').count()) === 0;
      });
      for (const p of [B, C]) {
        await expectHidden(p, tileSel(id.A!), "A's tile");
        await waitFor(`${p.name}: A gone from the tiles`, () => p.tileParticipantIds(), (ids) => !ids.includes(id.A!));
      }
      if (bot) {
        await bot.stop();
        for (const p of [B, C]) await expectHidden(p, tileSel(id.bot!), "the bot's tile");
      }
      await expectStatus(B, 'joined');
      await B.expectVideoAdvancing(cameraSel(id.C!), "C's camera, still");
    }),
  );
});
