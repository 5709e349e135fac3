/**
 * What people see when things go wrong: unknown meeting, full meeting,
 * camera/microphone refused, and the server going away and coming back.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { E2ERun, type Person, requireSetup, type VisioServer, waitFor, withReport } from './harness.ts';
import { cameraSel, expectHidden, expectStatus, expectVisible, joinFromPrejoin, joinMeeting, tid, tileSel } from './ui.ts';

// Fails the whole file, loudly, outside scripts/netns-run or without a built
// web client (never skips).
requireSetup();

const STEP = { timeout: 120_000 };

describe('failures', { timeout: 330_000 }, () => {
  const run = new E2ERun('failures');
  let server: VisioServer;
  let A: Person;
  let B: Person;

  before(async () => {
    server = await run.server();
    [A, B] = await Promise.all([
      run.person({ name: 'A', tone: 440, video: 'testsrc' }),
      run.person({ name: 'B', tone: 550, video: 'testsrc2' }),
    ]);
  });

  after(async () => {
    await run.close();
  });

  it('unknown meeting code → meeting-not-found (by link and by the home form)', STEP, () =>
    withReport(run, async () => {
      await A.page.goto(`${server.baseUrl}/zzzz-zzzz-zzzz`);
      await expectVisible(A, 'meeting-not-found', 15_000);
      await A.page.goto(`${server.baseUrl}/`);
      await (await expectVisible(A, 'join-code')).fill('qqqq qqqq qqqq');
      await A.testId('join-by-code').click();
      await expectVisible(A, 'meeting-not-found', 15_000);
      // And a real code, pasted as a whole link, leads to the pre-join screen.
      const slug = await server.createRoom();
      await A.page.goto(`${server.baseUrl}/`);
      await (await expectVisible(A, 'join-code')).fill(server.meetingUrl(slug));
      await A.testId('join-by-code').click();
      await expectVisible(A, 'prejoin', 15_000);
      assert.ok(A.page.url().endsWith(`/${slug}`), `join-by-code with a link goes to /${slug} (at ${A.page.url()})`);
    }),
  );

  it('meeting full (max_participants 1): the second person gets meeting-full', STEP, () =>
    withReport(run, async () => {
      const slug = await server.createRoom({ settings: { max_participants: 1 } });
      await joinMeeting(A, server.meetingUrl(slug), 'Alice');
      await B.page.goto(server.meetingUrl(slug));
      const first = await waitFor(
        'B: pre-join or meeting-full',
        async () => {
          if (await B.testId('meeting-full').first().isVisible()) return 'full';
          if (await B.testId('prejoin').first().isVisible()) return 'prejoin';
          return null;
        },
        (v) => v !== null,
      );
      if (first === 'prejoin') {
        await B.testId('display-name').fill('Bob');
        await B.testId('join-button').click();
      }
      await expectVisible(B, 'meeting-full', 15_000);
      await expectStatus(A, 'joined');
      assert.equal(await A.participantCount(), 1, 'A alone in the full meeting');
      await A.testId('leave').click();
    }),
  );

  it('camera/microphone refused: media-error, joining still works, others see the participant', STEP, () =>
    withReport(run, async () => {
      const D = await run.person({ name: 'D', mediaPermission: false });
      try {
        const slug = await server.createRoom();
        const a = await joinMeeting(A, server.meetingUrl(slug), 'Alice');
        await D.page.goto(server.meetingUrl(slug));
        await expectVisible(D, 'prejoin', 20_000);
        await expectVisible(D, 'media-error', 15_000);
        const d = await joinFromPrejoin(D, 'Denis');
        await waitFor('A: sees Denis', () => A.tileParticipantIds(), (ids) => ids.includes(d), { timeout: 20_000 });
        const name = await A.page.locator(`${tileSel(d)} [data-testid="tile-name"]`).first().textContent();
        assert.ok(name?.includes('Denis'), `A shows Denis's name (got ${JSON.stringify(name)})`);
        // Listen-only still receives.
        await D.expectVideoAdvancing(cameraSel(a), "A's camera, in the listen-only browser");
        await D.expectAudioRising(a, "A's microphone, in the listen-only browser");
      } finally {
        await A.testId('leave').click().catch(() => undefined);
        await D.close();
      }
    }),
  );

  it('server gone: connection-banner, then back on the same port without a reload', STEP, () =>
    withReport(run, async () => {
      const slug = await server.createRoom();
      const url = server.meetingUrl(slug);
      await joinMeeting(A, url, 'Alice');
      await joinMeeting(B, url, 'Bob');
      const both = [A, B];
      for (const p of both) {
        await waitFor(`${p.name}: 2 tiles`, () => p.participantCount(), (n) => n === 2, { timeout: 20_000 });
        await p.page.evaluate(() => ((globalThis as unknown as { __noReload: boolean }).__noReload = true));
      }
      await server.stop(); // SIGTERM
      for (const p of both) await expectVisible(p, 'connection-banner', 20_000);
      server = await run.restartServer(server);
      for (const p of both) {
        await expectHidden(p, tid('connection-banner'), 'connection-banner after the server came back', 60_000);
        await expectStatus(p, 'joined', 30_000);
        const kept = await p.page.evaluate(() => (globalThis as unknown as { __noReload?: boolean }).__noReload === true);
        assert.ok(kept, `${p.name}: the page was not reloaded`);
      }
      for (const [p, q] of [
        [A, B],
        [B, A],
      ] as const) {
        const qid = await q.localParticipantId();
        await waitFor(`${p.name}: exactly 2 tiles, ${q.name}'s new one included`, () => p.tileParticipantIds(), (ids) => ids.length === 2 && ids.includes(qid), {
          timeout: 30_000,
        });
        await p.expectVideoAdvancing(cameraSel(qid), `${q.name}'s camera after the restart`, { timeout: 30_000 });
        await p.expectAudioRising(qid, `${q.name}'s microphone after the restart`);
      }
    }),
  );
});
