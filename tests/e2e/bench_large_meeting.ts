/**
 * Large meeting: does a 150-person meeting stay smooth for one browser?
 * 4 `visio bot` publishers (tone + pattern video), a crowd of 145
 * signaling-only listeners (bench/crowd.py), then one headless Chromium
 * person joins.  Once the page counts 150 participants, measures for 15 s in
 * the page: requestAnimationFrame rate, long tasks, attached <video>s,
 * tiles, inbound RTP streams, JS heap; and the CPU time of the person's
 * Chromium processes.  Not a test: prints JSON.
 *
 *   scripts/netns-run npx --prefix tests/e2e tsx tests/e2e/bench_large_meeting.ts [--listeners 145] [--window 15]
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { type Bot, E2ERun, PYTHON, REPO_ROOT, requireNamespace, runningJanusPid, waitFor, webClientBuilt } from './harness.ts';
import { closePanel, expectStatus, joinMeeting, openPanel } from './ui.ts';

const { values } = parseArgs({
  options: {
    listeners: { type: 'string', default: '145' },
    publishers: { type: 'string', default: '4' },
    window: { type: 'string', default: '15' },
  },
});
const LISTENERS = Number(values.listeners);
const PUBLISHERS = Number(values.publishers);
const WINDOW_S = Number(values.window);
const TOTAL = LISTENERS + PUBLISHERS + 1;

const CLK_TCK = 100; // getconf CLK_TCK on Linux

/** utime+stime (clock ticks) of every process whose cmdline mentions `marker`. */
function cpuTicks(marker: string): { ticks: number; pids: number } {
  let ticks = 0;
  let pids = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (!cmdline.includes(marker)) continue;
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // After "pid (comm) ": state is field 3 → index 0; utime 14 → 11, stime 15 → 12.
      ticks += Number(fields[11]) + Number(fields[12]);
      pids += 1;
    } catch {
      /* gone meanwhile */
    }
  }
  return { ticks, pids };
}

function pidTicks(pid: number | null | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/** Whole-machine busy and total jiffies (/proc/stat first line). */
function machineTicks(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/** Starts bench/crowd.py; resolves when it prints its JSON line. */
async function startCrowd(url: string, count: number): Promise<{ child: ChildProcess; report: Record<string, unknown> }> {
  const child = spawn(PYTHON, ['-m', 'bench.crowd', url, '--count', String(count), '--hold', '3600'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  process.on('exit', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const output: string[] = [];
  const report = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`crowd did not report in 120 s:\n${output.join('')}`)), 120_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output.push(chunk.toString());
      for (const line of output.join('').split('\n')) {
        if (line.startsWith('{')) {
          clearTimeout(timer);
          try {
            resolve(JSON.parse(line) as Record<string, unknown>);
          } catch {
            /* partial line */
          }
        }
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`crowd exited (${code ?? signal}):\n${output.join('')}`));
    });
  });
  return { child, report };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  await Promise.race([gone, sleep(10_000).then(() => child.kill('SIGKILL'))]);
}

const MEASURE = `
(async (windowMs) => {
  const longTasks = [];
  let observer = null;
  try {
    observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) longTasks.push(e.duration); });
    observer.observe({ type: 'longtask', buffered: false });
  } catch { /* unsupported */ }
  let frames = 0;
  let worstGap = 0;
  let last = null;
  let running = true;
  const tick = (now) => {
    if (!running) return;
    frames += 1;
    if (last !== null) worstGap = Math.max(worstGap, now - last);
    last = now;
    requestAnimationFrame(tick);
  };
  const t0 = performance.now();
  requestAnimationFrame(tick);
  await new Promise((r) => setTimeout(r, windowMs));
  running = false;
  const elapsed = performance.now() - t0;
  observer?.disconnect();
  const videos = [...document.querySelectorAll('video')];
  const withSrc = videos.filter((v) => v.srcObject);
  const playing = withSrc.filter((v) => !v.paused && v.videoWidth > 0);
  const audios = [...document.querySelectorAll('audio')].filter((a) => a.srcObject);
  const pcs = (window.__pcs || []).filter((pc) => pc.connectionState !== 'closed');
  let inVideo = 0, inAudio = 0, inVideoFlowing = 0, inAudioFlowing = 0, outStreams = 0;
  let framesDecoded = 0, framesDropped = 0;
  for (const pc of pcs) {
    try {
      const stats = await pc.getStats();
      stats.forEach((s) => {
        if (s.type === 'inbound-rtp') {
          if (s.kind === 'video') {
            inVideo += 1;
            if ((s.packetsReceived || 0) > 0) inVideoFlowing += 1;
            framesDecoded += s.framesDecoded || 0;
            framesDropped += s.framesDropped || 0;
          } else if (s.kind === 'audio') {
            inAudio += 1;
            if ((s.packetsReceived || 0) > 0) inAudioFlowing += 1;
          }
        } else if (s.type === 'outbound-rtp') {
          outStreams += 1;
        }
      });
    } catch { /* closed */ }
  }
  const mem = performance.memory;
  return {
    elapsed_ms: elapsed,
    frames,
    fps: frames / (elapsed / 1000),
    worst_frame_gap_ms: worstGap,
    long_tasks: longTasks.length,
    long_tasks_total_ms: longTasks.reduce((a, b) => a + b, 0),
    long_task_max_ms: longTasks.length ? Math.max(...longTasks) : 0,
    video_elements: videos.length,
    videos_with_srcObject: withSrc.length,
    videos_playing: playing.length,
    audio_elements_with_srcObject: audios.length,
    tiles: document.querySelectorAll('[data-testid="tile"]').length,
    peer_connections: pcs.length,
    inbound_video_streams: inVideo,
    inbound_video_flowing: inVideoFlowing,
    inbound_audio_streams: inAudio,
    inbound_audio_flowing: inAudioFlowing,
    outbound_streams: outStreams,
    video_frames_decoded_total: framesDecoded,
    video_frames_dropped_total: framesDropped,
    used_js_heap_mb: mem ? mem.usedJSHeapSize / 1048576 : null,
    document_hidden: document.hidden,
  };
})
`;

async function main(): Promise<void> {
  requireNamespace();
  if (!webClientBuilt()) throw new Error('the web client is not built: npm --prefix frontend run build');
  const run = new E2ERun('large');
  let crowd: ChildProcess | null = null;
  const t = (label: string, since: number): void => {
    process.stderr.write(`${label} (${((Date.now() - since) / 1000).toFixed(1)} s)\n`);
  };
  try {
    const t0 = Date.now();
    const server = await run.server(); // max participants: default 150
    const config = await server.request('GET', '/api/v1/config');
    const slug = await server.createRoom({ name: 'large' });
    const url = server.meetingUrl(slug);
    t('server up', t0);
    const bots: Bot[] = [];
    for (let i = 0; i < PUBLISHERS; i++) {
      bots.push(await run.bot(url, { name: `Publisher ${i + 1}`, tone: 300 + 110 * i, video: 'pattern' }));
    }
    t(`${PUBLISHERS} publishers joined`, t0);
    const started = await startCrowd(url, LISTENERS);
    crowd = started.child;
    t(`crowd: ${JSON.stringify(started.report)}`, t0);
    const person = await run.person({ name: 'viewer', tone: 440, video: 'testsrc' });
    const joinStart = Date.now();
    await joinMeeting(person, url, 'Viewer');
    const joinMs = Date.now() - joinStart;
    t('browser joined', t0);

    await openPanel(person, 'toggle-participants');
    let reached = 0;
    try {
      reached = await waitFor(
        `participants panel showing ${TOTAL}`,
        () => person.page.getByTestId('participant-item').count(),
        (n) => n >= TOTAL,
        { timeout: 30_000, interval: 500 },
      );
    } catch (err) {
      reached = await person.page.getByTestId('participant-item').count();
      process.stderr.write(`${String(err)}\n`);
    }
    const description = await person.page.evaluate(() => {
      const b = document.querySelector('[data-testid="toggle-participants"]');
      const ids = (b?.getAttribute('aria-describedby') ?? '').split(/\s+/).filter(Boolean);
      return ids.map((id) => document.getElementById(id)?.textContent ?? '').join(' ') || b?.textContent || '';
    });
    await closePanel(person, 'toggle-participants');
    t(`participants shown: ${reached}`, t0);
    // Let the page settle: subscriptions, first frames.
    await sleep(5_000);
    await expectStatus(person, 'joined');

    const marker = person.profileDir;
    const others = (): Record<string, number> => ({
      visio_serve: pidTicks(server.process.pid),
      janus: pidTicks(runningJanusPid(server.dataDir)),
      bots: bots.reduce((a, b) => a + pidTicks(b.process.pid), 0),
      crowd: pidTicks(crowd?.pid),
    });
    const othersBefore = others();
    const machineBefore = machineTicks();
    const before = cpuTicks(marker);
    const wallBefore = process.hrtime.bigint();
    const page = await person.page.evaluate(`${MEASURE}(${WINDOW_S * 1000})`);
    const after = cpuTicks(marker);
    const wallS = Number(process.hrtime.bigint() - wallBefore) / 1e9;
    const cpuS = (after.ticks - before.ticks) / CLK_TCK;
    const machineAfter = machineTicks();
    const othersAfter = others();
    const otherPct = Object.fromEntries(
      Object.keys(othersAfter).map((k) => [k, Math.round((1000 * (othersAfter[k]! - othersBefore[k]!)) / CLK_TCK / wallS) / 10]),
    );
    const machineBusyPct = (100 * (machineAfter.busy - machineBefore.busy)) / (machineAfter.total - machineBefore.total);
    const loadavg = readFileSync('/proc/loadavg', 'utf8').trim();

    const round = (x: unknown): unknown => (typeof x === 'number' ? Math.round(x * 10) / 10 : x);
    const pageRounded = Object.fromEntries(Object.entries(page as Record<string, unknown>).map(([k, v]) => [k, round(v)]));
    console.log(
      JSON.stringify(
        {
          benchmark: 'large_meeting_one_browser',
          participants_target: TOTAL,
          participants_shown_in_panel: reached,
          participants_badge_description: description.trim(),
          publishers: PUBLISHERS,
          listeners: LISTENERS,
          crowd: started.report,
          server_config: config.body,
          browser_join_ms: joinMs,
          window_s: WINDOW_S,
          page: pageRounded,
          chromium_processes: after.pids,
          chromium_cpu_s: round(cpuS),
          chromium_cpu_pct_of_one_core: round((100 * cpuS) / wallS),
          other_cpu_pct_of_one_core: otherPct,
          machine_busy_pct_all_cores: round(machineBusyPct),
          loadavg,
          cores: cpus().length,
          browser_console_errors: person.errors.slice(-10),
        },
        null,
        2,
      ),
    );
  } finally {
    if (crowd) await stopChild(crowd);
    await run.close();
  }
}

await main();
