/**
 * Transcripts in real browsers: the owner (browser A, whose fake microphone
 * speaks an English sentence made with espeak-ng) asks for French first and
 * is told the server cannot (the bundled speech model is English-only), then
 * starts an English transcript; B sees the indicator and the notice naming
 * A, and again after coming back; A stops it; the transcripts page (opened
 * from the meeting, in a new tab) lists it, and once the server's job is done
 * shows who said what and finds a word; B, not a host, is refused the page;
 * the screen after the meeting links to the transcript. Axe checks the
 * dialog, the list and the transcript page.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { expectNoSeriousViolations } from './axe.ts';
import { E2ERun, type Person, requireSetup, speechWav, type VisioServer, waitFor, withReport } from './harness.ts';
import { expectHidden, expectStatus, expectVisible, joinFromPrejoin, joinMeeting, leaveMeeting, setAccessLevel, slugOf, tid } from './ui.ts';

requireSetup();

const STEP = { timeout: 120_000 };
/** What A says, again and again (words the bundled tiny.en model knows). */
const SENTENCE = 'Please send the budget report to everyone before the end of the week.';
/** The server's job on 2 shared cores: load the models, then transcribe; beyond this the page's status is checked as it is. */
const JOB_WAIT_MS = 90_000;
const FINISHED = ['done', 'empty', 'failed'];

describe('transcripts: in the meeting, then the transcripts page', { timeout: 480_000 }, () => {
  const run = new E2ERun('transcripts');
  let server: VisioServer;
  let A: Person, B: Person;
  let slug = '';
  let startedAt = 0;
  let tab: Page | null = null;
  let transcriptId = '';
  const done: Record<string, boolean> = {};
  const need = (...steps: string[]): void => {
    const missing = steps.filter((s) => !done[s]);
    if (missing.length) throw new Error(`prerequisite failed: ${missing.join(', ')} (see the earlier step)`);
  };

  before(async () => {
    server = await run.server();
    [A, B] = await Promise.all([
      run.person({ name: 'A', audioFile: speechWav(SENTENCE), video: 'testsrc' }),
      run.person({ name: 'B', tone: 550, video: 'testsrc2' }),
    ]);
  });

  after(async () => {
    await tab?.close().catch(() => undefined);
    await run.close();
  });

  it('A creates a meeting and opens it to everyone; B joins; nobody is transcribed yet', STEP, () =>
    withReport(run, async () => {
      await A.page.goto(`${server.baseUrl}/`);
      await (await expectVisible(A, 'create-meeting')).click();
      await expectVisible(A, 'prejoin', 20_000);
      slug = slugOf(A);
      await joinFromPrejoin(A, 'Alice');
      await setAccessLevel(A, 'public');
      await joinMeeting(B, server.meetingUrl(slug), 'Bob');
      assert.equal(await A.testId('transcription-indicator').count(), 0, 'no indicator before a transcript');
      assert.equal(await B.testId('open-transcription').count(), 0, 'a participant has no transcription control');
      await expectVisible(A, 'open-transcription');
      done.meeting = true;
    }),
  );

  it('French is marked unavailable (English-only model) and English picked; forcing French is refused clearly; A starts in English; B sees the indicator and who started it', STEP, () =>
    withReport(run, async () => {
      need('meeting');
      await A.testId('open-transcription').click();
      await expectVisible(A, 'transcription-dialog');
      const language = A.testId('transcription-language');
      // The server's config lists what its model does: French, the default, is not in it.
      assert.equal(await language.inputValue(), 'en', 'English is picked: the only language the server can do');
      const french = (await language.locator('option[value="fr"]').textContent()) ?? '';
      assert.match(french, /not available|indisponible/, `French is marked unavailable: ${french}`);
      await language.selectOption('fr');
      await A.testId('start-transcription').click();
      const error = await expectVisible(A, 'transcription-error', 10_000);
      assert.equal(await error.getAttribute('data-code'), 'speech_language_unsupported');
      const text = (await error.textContent()) ?? '';
      assert.match(text, /English|anglais/, `the error names the language the server can do: ${text}`);
      assert.equal(await A.testId('transcription-indicator').count(), 0, 'nothing started');
      await A.snapshot('transcription-dialog-error');
      await expectNoSeriousViolations(A, 'the transcription dialog');

      await language.selectOption('en');
      await A.testId('start-transcription').click();
      await expectHidden(A, tid('transcription-dialog'), 'the transcription dialog after starting');
      startedAt = Date.now();
      await expectVisible(A, 'transcription-indicator', 10_000);
      await expectVisible(A, 'transcription-notice', 5_000);
      await expectAttrTrue(A, 'open-transcription', 'data-active');
      await A.snapshot('transcription-host');

      await expectVisible(B, 'transcription-indicator', 10_000);
      await expectVisible(B, 'transcription-notice', 5_000);
      const by = (await B.testId('transcription-started-by').textContent()) ?? '';
      assert.match(by, /Alice/, `B's notice names who started it: ${by}`);
      await B.snapshot('transcription-notice');
      await expectNoSeriousViolations(B, 'the meeting with the transcription notice');
      await B.testId('transcription-notice-ok').click();
      await expectHidden(B, tid('transcription-notice'), "B's notice, once read");
      assert.ok(await B.testId('transcription-indicator').isVisible(), 'the indicator stays');
      done.started = true;
    }),
  );

  it('B leaves and comes back: told again on joining', STEP, () =>
    withReport(run, async () => {
      need('started');
      await leaveMeeting(B);
      await (await expectVisible(B, 'rejoin', 10_000)).click();
      await expectStatus(B, 'joined', 30_000);
      await expectVisible(B, 'transcription-notice', 10_000);
      await expectVisible(B, 'transcription-indicator', 5_000);
    }),
  );

  it('A stops it: the indicator goes for everyone; the link opens the transcripts in a new tab', STEP, () =>
    withReport(run, async () => {
      need('started');
      // Let A's sentence be captured a few times.
      await sleep(Math.max(0, 15_000 - (Date.now() - startedAt)));
      await A.testId('open-transcription').click();
      await expectVisible(A, 'transcription-dialog');
      await A.testId('stop-transcription').click();
      await expectVisible(A, 'transcription-stopped', 10_000);
      await A.snapshot('transcription-stopped');
      await expectHidden(A, tid('transcription-indicator'), "A's indicator");
      await expectHidden(B, tid('transcription-indicator'), "B's indicator");
      await expectVisible(B, 'transcription-stopped-notice', 5_000);
      const link = A.testId('transcripts-link');
      const href = (await link.getAttribute('href')) ?? '';
      assert.match(href, new RegExp(`^/${slug}/transcripts/[\\w-]+$`), `the link goes to the transcript: ${href}`);
      transcriptId = href.split('/').at(-1) ?? '';
      const [opened] = await Promise.all([A.context.waitForEvent('page'), link.click()]);
      tab = opened;
      await tab.waitForLoadState('domcontentloaded');
      await tab.getByTestId('transcript-page').waitFor({ state: 'visible', timeout: 20_000 });
      // The meeting goes on in the first tab.
      assert.equal(await A.page.getByTestId('meeting').getAttribute('data-status'), 'joined', 'A is still in the meeting');
      await A.page.keyboard.press('Escape');
      done.stopped = true;
    }),
  );

  it('the list shows the transcript with its progress; once done, the page shows who said what and finds a word', { timeout: JOB_WAIT_MS + 90_000 }, () =>
    withReport(run, async () => {
      need('stopped');
      const page = tab!;
      await page.goto(`${server.baseUrl}/${slug}/transcripts`);
      const item = page.locator(`[data-testid="transcript-item"][data-transcript-id="${transcriptId}"]`);
      await item.waitFor({ state: 'visible', timeout: 15_000 });
      assert.equal(await page.getByTestId('transcript-item').count(), 1, 'one transcript');
      const first = await item.getAttribute('data-status');
      assert.ok(first !== 'capturing', 'no longer capturing once stopped');
      await expectNoSeriousViolations({ page }, 'the transcripts list');
      // The page polls by itself: watch its status change.
      const t0 = Date.now();
      const status = await waitFor(
        'the transcript job to finish (shown by the list)',
        () => item.getAttribute('data-status'),
        (s) => s !== null && FINISHED.includes(s),
        { timeout: JOB_WAIT_MS, interval: 1_000 },
      );
      console.log(`# transcript status ${first} → ${status} after ${Math.round((Date.now() - t0) / 1000)} s`);
      if (process.env.VISIO_E2E_SHOTS) await page.screenshot({ path: `${process.env.VISIO_E2E_SHOTS}/transcripts-list.png` });
      const explanation = item.getByTestId('transcript-explanation');
      // A spoke a known sentence: anything but a transcript is a failure.
      if (status !== 'done') assert.fail(`the transcript is ${status}: ${await explanation.textContent()}`);

      await item.getByTestId('transcript-open').click();
      await page.getByTestId('transcript-page').waitFor({ state: 'visible', timeout: 10_000 });
      await page.getByTestId('transcript-title').waitFor({ state: 'visible', timeout: 10_000 });
      const segments = page.getByTestId('transcript-segment');
      await segments.first().waitFor({ state: 'visible', timeout: 10_000 });
      const text = (await page.getByTestId('transcript-text').textContent()) ?? '';
      console.log(`# transcript text: ${text.slice(0, 300)}`);
      assert.match((await page.getByTestId('turn-speaker').allTextContents()).join(','), /Alice/, 'Alice speaks');
      // Search a word the model heard (prefer one of the sentence's).
      const words: string[] = text.toLowerCase().match(/[a-z]{5,}/g) ?? [];
      const word = ['budget', 'report', 'everyone', 'please'].find((w) => words.includes(w)) ?? words[0];
      assert.ok(word, `a word to search in: ${text}`);
      await page.getByTestId('transcript-search').fill(word.toUpperCase());
      await waitFor(
        'search hits',
        () => page.getByTestId('search-count').getAttribute('data-count'),
        (n) => Number(n) >= 1,
        { timeout: 5_000 },
      );
      assert.ok(await page.getByTestId('search-hit').first().isVisible(), `"${word}" is highlighted`);
      await page.getByTestId('transcript-search').press('Enter');
      await page.getByTestId('speaker-next').click();
      assert.equal(await page.locator('[data-testid="transcript-turn"][data-current="true"]').count(), 1, 'a turn is selected');
      // The download links work with the page's own cookies.
      const href = (await page.getByTestId('download-txt').getAttribute('href')) ?? '';
      const reply = await page.context().request.get(`${server.baseUrl}${href}`);
      assert.equal(reply.status(), 200, `GET ${href}`);
      assert.match(await reply.text(), new RegExp(word, 'i'), 'the .txt has the word');
      for (const format of ['docx', 'vtt', 'srt', 'json']) assert.equal(await page.getByTestId(`download-${format}`).count(), 1);
      await expectNoSeriousViolations({ page }, 'the transcript page (with a search)');
      if (process.env.VISIO_E2E_SHOTS) await page.screenshot({ path: `${process.env.VISIO_E2E_SHOTS}/transcript.png`, fullPage: true });
      done.page = true;
    }),
  );

  it('B, not a host, is refused the transcripts page', STEP, () =>
    withReport(run, async () => {
      need('meeting');
      await B.page.goto(`${server.baseUrl}/${slug}/transcripts`);
      await expectVisible(B, 'transcripts-forbidden', 15_000);
      await expectNoSeriousViolations(B, 'the refused transcripts page');
    }),
  );

  it('A ends the meeting: the screen after it links to the transcript', STEP, () =>
    withReport(run, async () => {
      need('stopped');
      await A.page.bringToFront();
      await A.testId('leave').click();
      await (await expectVisible(A, 'end-meeting', 5_000)).click();
      await expectVisible(A, 'meeting-ended-screen', 15_000);
      await (await expectVisible(A, 'after-meeting-transcript', 5_000)).click();
      await expectVisible(A, 'transcript-page', 10_000);
      assert.equal(new URL(A.page.url()).pathname, `/${slug}/transcripts/${transcriptId}`);
    }),
  );
});

async function expectAttrTrue(p: Person, testId: string, name: string): Promise<void> {
  await waitFor(`${p.name}: [data-testid="${testId}"] ${name}=true`, () => p.testId(testId).first().getAttribute(name), (v) => v === 'true', {
    timeout: 5_000,
  });
}
