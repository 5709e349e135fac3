/**
 * Browser journeys harness: a real `visio serve` (with its supervised Janus),
 * real headless Chromium "persons" with fake camera/microphone files, and
 * Python bots (`visio bot`), all inside the network namespace made by
 * `scripts/netns-run` (ICE needs a non-loopback path: docs/testing.md).
 *
 * TypeScript port of tests/harness.py, plus the browser side.  Every process
 * started here is tracked by PID and stopped by PID; nothing is killed by name.
 */

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';

export const REPO_ROOT = path.resolve(import.meta.dirname, '..', '..');
export const PYTHON = process.env.VISIO_PYTHON ?? path.join(REPO_ROOT, '.venv', 'bin', 'python');
export const CHROMIUM = process.env.VISIO_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = path.join(REPO_ROOT, 'docs', 'screenshots');
export const VIEWPORT = { width: 1280, height: 800 } as const;

// ---------------------------------------------------------------------------
// Environment
// ---------------------------------------------------------------------------

/** Throws (never skips) when not run inside scripts/netns-run. */
export function requireNamespace(): void {
  if (!process.env.VISIO_TEST_NETNS) {
    throw new Error(
      'VISIO_TEST_NETNS is not set: the browser journeys need the network namespace made by ' +
        'scripts/netns-run (ICE has no non-loopback path otherwise). Run: ' +
        'scripts/netns-run npm --prefix tests/e2e test',
    );
  }
  const nonLoopback = Object.entries(networkInterfaces()).some(([, addrs]) =>
    (addrs ?? []).some((a) => a.family === 'IPv4' && !a.internal),
  );
  if (!nonLoopback) {
    throw new Error(`VISIO_TEST_NETNS=${process.env.VISIO_TEST_NETNS} but no non-loopback IPv4 interface is up`);
  }
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} not found: create the venv first (make dev)`);
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install chromium`);
}

export function webClientBuilt(): boolean {
  return existsSync(path.join(REPO_ROOT, 'src', 'visio', 'static', 'index.html'));
}

/** What every test file checks first (at import, so that a miss fails the file). */
export function requireSetup(): void {
  requireNamespace();
  if (!webClientBuilt()) {
    throw new Error('the web client is not built (src/visio/static/index.html missing): npm --prefix frontend run build');
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls `probe` until `accept(value)`; throws with the last value otherwise. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  accept: (value: T) => boolean = (v) => Boolean(v),
  { timeout = 15_000, interval = 200 }: { timeout?: number; interval?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeout;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await probe();
      lastError = undefined;
      if (accept(last)) return last;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) break;
    await sleep(interval);
  }
  const detail = lastError !== undefined ? `last error: ${String(lastError)}` : `last value: ${JSON.stringify(last)}`;
  throw new Error(`timed out after ${timeout} ms waiting for ${what} (${detail})`);
}

// Every child process this run started, so that a crash still stops them (by PID).
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }
});

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

async function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return true;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit);
      resolve(false);
    }, ms);
    const onExit = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    child.once('exit', onExit);
  });
}

/** SIGTERM, then SIGKILL after `graceMs`: only this child, by its PID. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (exited(child)) return;
  child.kill('SIGTERM');
  if (!(await waitExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitExit(child, 5_000);
  }
}

// ---------------------------------------------------------------------------
// visio serve
// ---------------------------------------------------------------------------

export interface ServerOptions {
  dataDir: string;
  port?: number;
  janusWsPort?: number;
  janusAdminWsPort?: number;
  /** Extra settings, e.g. {MAX_PARTICIPANTS: '5'} → VISIO_MAX_PARTICIPANTS. */
  settings?: Record<string, string>;
}

export interface HttpReply {
  status: number;
  body: any;
}

/** The PID of a Janus that a supervisor on `dataDir` started (tests/harness.py's check). */
export function runningJanusPid(dataDir: string): number | null {
  const folder = path.resolve(dataDir, 'janus');
  try {
    const pid = Number.parseInt(readFileSync(path.join(folder, 'janus.pid'), 'utf8').trim(), 10);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    // The PID may have been reused by another program since: check its arguments.
    if (cmdline.includes('-F') && cmdline.some((arg) => arg.includes(folder))) return pid;
  } catch {
    /* no pid file or no such process */
  }
  return null;
}

export class VisioServer {
  private constructor(
    readonly opts: Required<Omit<ServerOptions, 'settings'>> & { settings: Record<string, string> },
    readonly process: ChildProcess,
    readonly logPath: string,
  ) {}

  get port(): number {
    return this.opts.port;
  }
  get dataDir(): string {
    return this.opts.dataDir;
  }
  get baseUrl(): string {
    return `http://127.0.0.1:${this.opts.port}`;
  }
  meetingUrl(slug: string): string {
    return `${this.baseUrl}/${slug}`;
  }

  static async start(options: ServerOptions): Promise<VisioServer> {
    const opts = {
      dataDir: options.dataDir,
      port: options.port ?? (await freePort()),
      janusWsPort: options.janusWsPort ?? (await freePort()),
      janusAdminWsPort: options.janusAdminWsPort ?? (await freePort()),
      settings: options.settings ?? {},
    };
    mkdirSync(opts.dataDir, { recursive: true });
    const logPath = path.join(opts.dataDir, 'visio.log');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VISIO_DATA_DIR: opts.dataDir,
      VISIO_HOST: '127.0.0.1',
      VISIO_PORT: String(opts.port),
      VISIO_JANUS_WS_PORT: String(opts.janusWsPort),
      VISIO_JANUS_ADMIN_WS_PORT: String(opts.janusAdminWsPort),
      VISIO_EMPTY_ROOM_GRACE_SECONDS: '1',
    };
    for (const [key, value] of Object.entries(opts.settings)) env[`VISIO_${key.toUpperCase()}`] = value;
    const log = openSync(logPath, 'a'); // a restart on the same data dir appends
    const child = spawn(PYTHON, ['-m', 'visio', 'serve'], { cwd: REPO_ROOT, env, stdio: ['ignore', log, log] });
    closeSync(log);
    children.add(child);
    child.once('exit', () => children.delete(child));
    const server = new VisioServer(opts, child, logPath);
    try {
      await server.waitReady();
    } catch (err) {
      await server.stop();
      throw err;
    }
    return server;
  }

  /** A new `visio serve` on the same port, Janus ports and data dir (this one must be stopped). */
  async restart(): Promise<VisioServer> {
    return VisioServer.start(this.opts);
  }

  /** An API call as the web client makes it (with the CSRF header the server wants on writes). */
  async request(method: string, urlPath: string, body?: unknown): Promise<HttpReply> {
    const res = await fetch(this.baseUrl + urlPath, {
      method,
      headers: { 'content-type': 'application/json', 'x-visio-request': '1' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: parsed };
  }

  /**
   * Creates a meeting through the API (anonymously: the embedded server has
   * no sign-in, so anyone may) and returns its code. Unless `settings` says
   * otherwise it is **public**: everyone enters without a host (this caller
   * owns it, and is not a browser: nobody would be there to let people in).
   */
  async createRoom(fields: { name?: string; settings?: Record<string, unknown> } = {}): Promise<string> {
    const settings = { access_level: 'public', ...fields.settings };
    const reply = await this.request('POST', '/api/v1/rooms', { ...fields, settings });
    if (reply.status !== 201) throw new Error(`POST /api/v1/rooms → ${reply.status} ${JSON.stringify(reply.body)}`);
    return String(reply.body.slug);
  }

  async waitReady(timeout = 30_000): Promise<void> {
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      if (exited(this.process)) throw new Error(`visio serve exited (${this.process.exitCode ?? this.process.signalCode}):\n${this.logTail()}`);
      try {
        const res = await fetch(`${this.baseUrl}/readyz`, { signal: AbortSignal.timeout(2_000) });
        await res.arrayBuffer();
        if (res.status === 200) return;
      } catch {
        /* not listening yet */
      }
      await sleep(100);
    }
    throw new Error(`visio serve not ready in ${timeout} ms:\n${this.logTail()}`);
  }

  get running(): boolean {
    return !exited(this.process);
  }

  /** SIGTERM (SIGKILL after 15 s); then its Janus only if Visio left it behind. */
  async stop(): Promise<void> {
    const janus = runningJanusPid(this.dataDir);
    await terminate(this.process, 15_000);
    const left = runningJanusPid(this.dataDir);
    if (left !== null && left === janus) {
      try {
        process.kill(left, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }

  logTail(lines = 40): string {
    try {
      return readFileSync(this.logPath, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

// ---------------------------------------------------------------------------
// Fake media files (made once, reused by every test file and run)
// ---------------------------------------------------------------------------

export const MEDIA_DIR = process.env.VISIO_E2E_MEDIA_DIR ?? path.join(tmpdir(), 'visio-e2e-media-v1');

export type VideoPattern = 'testsrc' | 'testsrc2' | 'smptehdbars' | 'rgbtestsrc' | 'pal75bars';

function makeOnce(file: string, make: (tmp: string) => void): string {
  const target = path.join(MEDIA_DIR, file);
  if (existsSync(target)) return target;
  mkdirSync(MEDIA_DIR, { recursive: true });
  const tmp = `${target}.${process.pid}.tmp${path.extname(file)}`;
  make(tmp);
  renameSync(tmp, target); // atomic: concurrent test files never read a half-written file
  return target;
}

/**
 * A mono 48 kHz WAV, 30 s (Chromium loops it): a sine at `frequency` Hz with a
 * 1.5 Hz tremolo.  The client captures with noise suppression on, which
 * flattens a steady tone within seconds (received energy then grows ~50×
 * slower); the tremolo keeps it audible, so energy checks stay fast.
 */
export function toneWav(frequency: number): string {
  return makeOnce(`tone-${frequency}.wav`, (tmp) =>
    execFileSync('sox', [
      '-n', '-r', '48000', '-c', '1', '-b', '16', tmp,
      'synth', '30', 'sine', String(frequency), 'tremolo', '1.5', '100', 'vol', '0.8',
    ]),
  );
}

/**
 * `text` spoken by espeak-ng (US English), as a mono 48 kHz WAV with 1.5 s of
 * silence after it (Chromium loops the file: the person repeats the sentence).
 * For journeys whose server transcribes what it hears.
 */
export function speechWav(text: string): string {
  let hash = 0;
  for (const char of text) hash = (hash * 31 + (char.codePointAt(0) ?? 0)) >>> 0;
  return makeOnce(`speech-${hash.toString(16)}.wav`, (tmp) => {
    const raw = `${tmp}.raw.wav`;
    execFileSync('espeak-ng', ['-v', 'en-us', '-s', '150', '-w', raw, text]);
    execFileSync('sox', [raw, '-r', '48000', '-c', '1', '-b', '16', tmp, 'pad', '0', '1.5']);
    rmSync(raw, { force: true });
  });
}

/** A 640×360, 15 fps, 4 s yuv420p y4m of an ffmpeg test pattern (Chromium loops it). */
export function videoY4m(pattern: VideoPattern): string {
  return makeOnce(`video-${pattern}.y4m`, (tmp) =>
    execFileSync('ffmpeg', [
      '-hide_banner', '-loglevel', 'error', '-y',
      '-f', 'lavfi', '-i', `${pattern}=size=640x360:rate=15`,
      '-t', '4', '-pix_fmt', 'yuv420p', '-f', 'yuv4mpegpipe', tmp,
    ]),
  );
}

// ---------------------------------------------------------------------------
// Browser persons
// ---------------------------------------------------------------------------

/**
 * Runs in every document before the page's scripts (the page CSP does not
 * apply to it): records each RTCPeerConnection in `window.__pcs`, and defines
 * the `__name` helper that tsx (esbuild keepNames) puts into functions we
 * pass to page.evaluate.
 */
const INIT_SCRIPT = `
(() => {
  if (!globalThis.__name) globalThis.__name = (fn) => fn;
  const Orig = globalThis.RTCPeerConnection;
  if (!Orig || Orig.__visioRecorded) return;
  const pcs = [];
  Object.defineProperty(globalThis, '__pcs', { value: pcs, configurable: true });
  const Recorded = function RTCPeerConnection(...args) {
    const pc = new Orig(...args);
    pcs.push(pc);
    return pc;
  };
  Recorded.prototype = Orig.prototype;
  Object.setPrototypeOf(Recorded, Orig);
  Object.defineProperty(Recorded, '__visioRecorded', { value: true });
  globalThis.RTCPeerConnection = Recorded;
})();
`;

export interface PersonOptions {
  name: string;
  /** Frequency of the fake microphone's sine tone (Hz). */
  tone?: number;
  /** A WAV the fake microphone plays instead of the tone (e.g. {@link speechWav}). */
  audioFile?: string;
  video?: VideoPattern;
  /** Grant camera+microphone (default true). False: they are denied. */
  mediaPermission?: boolean;
}

export class Person {
  readonly console: string[] = [];
  readonly errors: string[] = [];

  private constructor(
    readonly name: string,
    readonly context: BrowserContext,
    readonly page: Page,
    readonly profileDir: string,
  ) {}

  static async launch(rootDir: string, opts: PersonOptions): Promise<Person> {
    const profileDir = mkdtempSync(path.join(rootDir, `profile-${opts.name.replace(/\W+/g, '_')}-`));
    const grant = opts.mediaPermission ?? true;
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-fake-device-for-media-stream',
      '--autoplay-policy=no-user-gesture-required',
      `--use-file-for-fake-audio-capture=${opts.audioFile ?? toneWav(opts.tone ?? 440)}`,
      `--use-file-for-fake-video-capture=${videoY4m(opts.video ?? 'testsrc')}`,
    ];
    // The fake UI accepts every capture prompt (getDisplayMedia included): a
    // person who refuses has no fake UI and denied permissions instead.
    if (grant) args.push('--use-fake-ui-for-media-stream');
    else args.push('--deny-permission-prompts');
    const context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args,
      viewport: VIEWPORT,
      permissions: grant ? ['camera', 'microphone'] : [],
      locale: 'en-US',
    });
    await context.addInitScript({ content: INIT_SCRIPT });
    const page = context.pages()[0] ?? (await context.newPage());
    const person = new Person(opts.name, context, page, profileDir);
    person.watch(page);
    return person;
  }

  private watch(page: Page): void {
    page.on('console', (msg) => {
      const line = `[${this.name} console.${msg.type()}] ${msg.text()}`;
      this.console.push(line);
      if (msg.type() === 'error' || msg.type() === 'warning') this.errors.push(line);
    });
    page.on('pageerror', (err) => this.errors.push(`[${this.name} pageerror] ${err.stack ?? err.message}`));
    page.on('crash', () => this.errors.push(`[${this.name}] page crashed`));
  }

  testId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  async close(): Promise<void> {
    try {
      await this.context.close();
    } catch {
      /* already closed */
    }
  }

  // --- what the page shows ---------------------------------------------------

  /** Distinct participant ids of the tiles on screen. */
  async tileParticipantIds(): Promise<string[]> {
    return this.page.evaluate(() => {
      const ids = new Set<string>();
      document.querySelectorAll<HTMLElement>('[data-testid="tile"][data-participant-id]').forEach((el) => {
        ids.add(el.dataset.participantId ?? '');
      });
      return [...ids].filter(Boolean).sort();
    });
  }

  async participantCount(): Promise<number> {
    return (await this.tileParticipantIds()).length;
  }

  async localParticipantId(): Promise<string> {
    const id = await waitFor(
      `${this.name}'s own tile`,
      () => this.page.locator('[data-testid="tile"][data-local="true"]').first().getAttribute('data-participant-id', { timeout: 1_000 }),
      (v) => Boolean(v),
    );
    return id ?? '';
  }

  tile(participantId: string): Locator {
    return this.page.locator(`[data-testid="tile"][data-participant-id="${participantId}"]`);
  }

  /**
   * Frame counters of the <video> elements matching `selector`: decoded frames
   * (getVideoPlaybackQuality) and frames presented (requestVideoFrameCallback,
   * counted by a listener installed on first call).
   */
  async videoFrames(selector: string): Promise<Array<{ decoded: number; presented: number; width: number; paused: boolean }>> {
    return this.page.evaluate((sel) => {
      type Counted = HTMLVideoElement & { __presented?: number; __counting?: boolean };
      const out: Array<{ decoded: number; presented: number; width: number; paused: boolean }> = [];
      document.querySelectorAll<Counted>(sel).forEach((video) => {
        if (!video.__counting && typeof video.requestVideoFrameCallback === 'function') {
          video.__counting = true;
          video.__presented = 0;
          const tick = (): void => {
            video.__presented = (video.__presented ?? 0) + 1;
            video.requestVideoFrameCallback(tick);
          };
          video.requestVideoFrameCallback(tick);
        }
        out.push({
          decoded: video.getVideoPlaybackQuality().totalVideoFrames,
          presented: video.__presented ?? 0,
          width: video.videoWidth,
          paused: video.paused,
        });
      });
      return out;
    }, selector);
  }

  /** Waits until a <video> matching `selector` shows at least `frames` new frames. */
  async expectVideoAdvancing(selector: string, what: string, { frames = 10, timeout = 20_000 } = {}): Promise<void> {
    const start = await waitFor(`${this.name}: a <video> for ${what} (${selector})`, () => this.videoFrames(selector), (v) => v.length > 0, { timeout });
    const base = start.map((v) => v.decoded);
    await waitFor(
      `${this.name}: video of ${what} advancing by ${frames} frames (${selector})`,
      () => this.videoFrames(selector),
      (now) => now.some((v, i) => v.width > 0 && (v.decoded - (base[i] ?? 0) >= frames || v.presented >= frames)),
      { timeout },
    );
  }

  /** Received audio per participant (via <audio data-participant-id>) and in total ('*'). */
  async audioReceived(): Promise<Record<string, { energy: number; samples: number }>> {
    return this.page.evaluate(async () => {
      const pcs = ((globalThis as unknown as { __pcs?: RTCPeerConnection[] }).__pcs ?? []).filter(
        (pc) => pc.connectionState !== 'closed',
      );
      const byTrack = new Map<string, { energy: number; samples: number }>();
      for (const pc of pcs) {
        try {
          const stats = await pc.getStats();
          stats.forEach((s: Record<string, unknown>) => {
            if (s.type === 'inbound-rtp' && s.kind === 'audio') {
              byTrack.set(String(s.trackIdentifier), {
                energy: Number(s.totalAudioEnergy ?? 0),
                samples: Number(s.totalSamplesReceived ?? 0),
              });
            }
          });
        } catch {
          /* closed meanwhile */
        }
      }
      const out: Record<string, { energy: number; samples: number }> = { '*': { energy: 0, samples: 0 } };
      for (const v of byTrack.values()) {
        out['*']!.energy += v.energy;
        out['*']!.samples += v.samples;
      }
      document.querySelectorAll<HTMLAudioElement>('audio[data-participant-id]').forEach((el) => {
        const id = el.dataset.participantId ?? '';
        const stream = el.srcObject instanceof MediaStream ? el.srcObject : null;
        for (const track of stream?.getAudioTracks() ?? []) {
          const st = byTrack.get(track.id);
          if (!st) continue;
          const acc = (out[id] ??= { energy: 0, samples: 0 });
          acc.energy += st.energy;
          acc.samples += st.samples;
        }
      });
      return out;
    });
  }

  /** Waits until the audio received from `participantId` ('*': anyone) gains energy. */
  async expectAudioRising(participantId: string, what: string, { minEnergy = 0.005, timeout = 20_000 } = {}): Promise<void> {
    const first = await this.audioReceived();
    const base = first[participantId] ?? { energy: 0, samples: 0 };
    await waitFor(
      `${this.name}: audio energy from ${what} rising`,
      () => this.audioReceived(),
      (now) => {
        const cur = now[participantId];
        return Boolean(cur && cur.samples > base.samples && cur.energy - base.energy >= minEnergy);
      },
      { timeout, interval: 500 },
    );
  }

  /** A screenshot for review, only when VISIO_E2E_SHOTS names a folder (docs/screenshots is `screenshot`'s). */
  async snapshot(name: string): Promise<void> {
    const dir = process.env.VISIO_E2E_SHOTS;
    if (!dir) return;
    mkdirSync(dir, { recursive: true });
    await this.page.screenshot({ path: path.join(dir, `${name}.png`) });
  }

  async screenshot(file: string): Promise<void> {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await this.page.screenshot({ path: path.join(SCREENSHOT_DIR, file) });
  }

  /** For failure messages: the console errors and warnings captured so far. */
  report(): string {
    return [...this.errors].slice(-30).join('\n');
  }
}

// ---------------------------------------------------------------------------
// Python bots
// ---------------------------------------------------------------------------

export interface BotOptions {
  name: string;
  tone?: number;
  video?: 'pattern' | 'none';
  duration?: number;
  chat?: string[];
}

export class Bot {
  readonly output: string[] = [];
  participantId: string | null = null;

  private constructor(
    readonly name: string,
    readonly process: ChildProcess,
  ) {}

  static async start(meetingUrl: string, opts: BotOptions, { timeout = 30_000 } = {}): Promise<Bot> {
    const args = ['-m', 'visio', 'bot', meetingUrl, '--name', opts.name, '--video', opts.video ?? 'pattern'];
    if (opts.tone !== undefined) args.push('--tone', String(opts.tone));
    if (opts.duration !== undefined) args.push('--duration', String(opts.duration));
    for (const text of opts.chat ?? []) args.push('--chat', text);
    const child = spawn(PYTHON, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    child.once('exit', () => children.delete(child));
    const bot = new Bot(opts.name, child);
    const joined = new Promise<void>((resolve, reject) => {
      const onLine = (chunk: Buffer): void => {
        for (const line of chunk.toString().split('\n')) {
          if (!line) continue;
          bot.output.push(line);
          const m = /^joined \S+ as (\S+)/.exec(line);
          if (m?.[1]) {
            bot.participantId = m[1];
            resolve();
          }
        }
      };
      child.stdout?.on('data', onLine);
      child.stderr?.on('data', onLine);
      child.once('exit', (code, signal) => reject(new Error(`bot ${opts.name} exited (${code ?? signal}):\n${bot.output.join('\n')}`)));
    });
    const timer = sleep(timeout).then(() => {
      throw new Error(`bot ${opts.name} did not join in ${timeout} ms:\n${bot.output.join('\n')}`);
    });
    try {
      await Promise.race([joined, timer]);
    } catch (err) {
      await bot.stop();
      throw err;
    }
    return bot;
  }

  /** SIGTERM makes the bot leave cleanly; SIGKILL after 10 s. */
  async stop(): Promise<void> {
    await terminate(this.process, 10_000);
  }
}

// ---------------------------------------------------------------------------
// A test file's resources
// ---------------------------------------------------------------------------

/** Everything one test file starts; `close()` stops it all and removes temp dirs. */
export class E2ERun {
  readonly root: string;
  private readonly servers: VisioServer[] = [];
  private readonly persons: Person[] = [];
  private readonly bots: Bot[] = [];

  constructor(label: string) {
    this.root = mkdtempSync(path.join(tmpdir(), `visio-e2e-${label}-`));
  }

  async server(settings: Record<string, string> = {}): Promise<VisioServer> {
    const dataDir = mkdtempSync(path.join(this.root, 'data-'));
    const server = await VisioServer.start({ dataDir, settings });
    this.servers.push(server);
    return server;
  }

  /** A new `visio serve` on the same port and data dir as `old` (stopped). */
  async restartServer(old: VisioServer): Promise<VisioServer> {
    const server = await old.restart();
    this.servers.push(server);
    return server;
  }

  async person(opts: PersonOptions): Promise<Person> {
    const person = await Person.launch(this.root, opts);
    this.persons.push(person);
    return person;
  }

  async bot(meetingUrl: string, opts: BotOptions): Promise<Bot> {
    const bot = await Bot.start(meetingUrl, opts);
    this.bots.push(bot);
    return bot;
  }

  /** Console errors of every person, for failure reports. */
  consoleErrors(): string {
    return this.persons.map((p) => p.report()).filter(Boolean).join('\n');
  }

  /** WARNING/ERROR lines of the servers' logs (the last 20). */
  serverWarnings(): string {
    const lines: string[] = [];
    for (const logPath of new Set(this.servers.map((s) => s.logPath))) {
      try {
        for (const line of readFileSync(logPath, 'utf8').split('\n')) {
          if (/\b(WARNING|ERROR|CRITICAL|Traceback)\b/.test(line)) lines.push(line);
        }
      } catch {
        /* no log */
      }
    }
    return lines.slice(-20).join('\n');
  }

  async close(): Promise<void> {
    // Shown in the test output (TAP diagnostics) even when every step passed.
    const logged = this.consoleErrors();
    if (logged) console.log(`browser console errors and warnings (${this.root}):\n${logged.split('\n').slice(0, 60).join('\n')}`);
    await Promise.all(this.persons.map((p) => p.close()));
    await Promise.all(this.bots.map((b) => b.stop()));
    await Promise.all(this.servers.map((s) => s.stop()));
    if (!process.env.VISIO_E2E_KEEP) rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * Runs one journey step; on failure, rethrows with what the browsers logged
 * (console errors, page errors) and the server's recent warnings, so that a
 * UI bug can be reported precisely.
 */
export async function withReport<T>(run: E2ERun, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const extra = [
      `--- browser console errors and warnings ---\n${run.consoleErrors() || '(none)'}`,
      `--- server warnings ---\n${run.serverWarnings() || '(none)'}`,
    ].join('\n');
    const wrapped = new Error(`${message}\n${extra}`, { cause: err });
    if (err instanceof Error && err.stack) wrapped.stack = `${wrapped.message}\n${err.stack.split('\n').slice(1).join('\n')}`;
    throw wrapped;
  }
}
