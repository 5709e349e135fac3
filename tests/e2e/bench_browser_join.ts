/**
 * Browser join latency: click on Join → first frame of a remote video
 * presented, in real Chromium through `visio serve` and Janus, while a Python
 * bot already publishes video in the meeting.  Not a test: prints JSON.
 *
 *   scripts/netns-run npx --prefix tests/e2e tsx tests/e2e/bench_browser_join.ts [--runs N]
 *
 * Both instants are taken inside the page (performance.now()): the click by a
 * capturing listener on `join-button`, the frame by requestVideoFrameCallback
 * on the first remote `video[data-source="camera"]` (polled every animation
 * frame), so Playwright's round trips are not counted.
 */

import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { E2ERun, requireNamespace, waitFor, webClientBuilt } from './harness.ts';
import { expectStatus, expectVisible, openPrejoin } from './ui.ts';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '15' }, warmup: { type: 'string', default: '1' } } });
const runs = Math.max(10, Number(values.runs));
const warmup = Math.max(0, Number(values.warmup));

const PROBE = `
(() => {
  const w = window;
  w.__bench = { click: null, frame: null };
  document.addEventListener('click', (e) => {
    if (w.__bench.click === null && e.target instanceof Element && e.target.closest('[data-testid="join-button"]')) {
      w.__bench.click = performance.now();
    }
  }, true);
  const watched = new WeakSet();
  const poll = () => {
    if (w.__bench.frame !== null) return;
    for (const v of document.querySelectorAll('[data-testid="tile"]:not([data-local="true"]) video[data-source="camera"]')) {
      if (watched.has(v)) continue;
      watched.add(v);
      v.requestVideoFrameCallback((now) => { if (w.__bench.frame === null) w.__bench.frame = now; });
    }
    requestAnimationFrame(poll);
  };
  requestAnimationFrame(poll);
})();
`;

function median(sorted: number[]): number {
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function percentile(sorted: number[], p: number): number {
  // Nearest rank.
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

async function main(): Promise<void> {
  requireNamespace();
  if (!webClientBuilt()) throw new Error('the web client is not built: npm --prefix frontend run build');
  const run = new E2ERun('bench');
  try {
    const server = await run.server();
    const slug = await server.createRoom({ name: 'bench' });
    const url = server.meetingUrl(slug);
    await run.bot(url, { name: 'Publisher bot', tone: 660, video: 'pattern' });
    const person = await run.person({ name: 'bench', tone: 440, video: 'testsrc' });
    const page = person.page;
    const samples: number[] = [];
    for (let i = 0; i < warmup + runs; i++) {
      await openPrejoin(person, url);
      await (await expectVisible(person, 'display-name')).fill(`Bench ${i}`);
      await page.evaluate(PROBE);
      await page.getByTestId('join-button').click();
      const bench = await waitFor(
        `run ${i}: first remote frame`,
        () => page.evaluate(() => (window as unknown as { __bench: { click: number | null; frame: number | null } }).__bench),
        (b) => b.click !== null && b.frame !== null,
        { timeout: 30_000, interval: 50 },
      );
      const ms = bench.frame! - bench.click!;
      if (i >= warmup) samples.push(ms);
      process.stderr.write(`run ${i}${i < warmup ? ' (warm-up)' : ''}: ${ms.toFixed(1)} ms\n`);
      await expectStatus(person, 'joined');
      await page.getByTestId('leave').click();
      await waitFor('left', async () => {
        const root = page.getByTestId('meeting');
        return (await root.count()) === 0 || (await root.first().getAttribute('data-status', { timeout: 500 })) === 'left';
      });
    }
    const sorted = [...samples].sort((a, b) => a - b);
    const round = (x: number): number => Math.round(x * 10) / 10;
    console.log(
      JSON.stringify(
        {
          benchmark: 'browser_join_to_first_remote_frame',
          what: 'click on join-button → first remote camera frame presented (requestVideoFrameCallback), a visio bot already publishing',
          browser: 'chromium (headless, /usr/bin/chromium)',
          runs: samples.length,
          warmup,
          median_ms: round(median(sorted)),
          p95_ms: round(percentile(sorted, 95)),
          min_ms: round(sorted[0]!),
          max_ms: round(sorted[sorted.length - 1]!),
          samples_ms: samples.map(round),
          cores: cpus().length,
        },
        null,
        2,
      ),
    );
  } finally {
    await run.close();
  }
}

await main();
