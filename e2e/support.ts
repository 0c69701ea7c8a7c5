/**
 * Shared set-up of the browser tests (e2e/*.e2e.ts):
 *
 *   before(startEnvironment); after(stopEnvironment);
 *
 * Builds the web app when dist/web is missing or older than web/ (or always with COEDU_E2E_REBUILD=1; one build at a
 * time when several test files start together), starts the real server (`npx tsx src/server/main.ts`) on a free port
 * with a fresh PGlite data directory (it migrates and seeds the Yuzhong demo), and drives /usr/bin/chromium (override
 * with CHROMIUM_PATH) through playwright-core. Screenshots go to test-results/.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { zhCN } from '../web/src/i18n/zh-CN.ts';

export const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const WEB_DIST = join(ROOT, 'dist', 'web');
export const RESULTS = join(ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const PASSWORD = 'Coedu@2026';
const START_TIMEOUT_MS = Number(process.env.COEDU_E2E_START_TIMEOUT_MS ?? 90_000);
export const STEP_TIMEOUT_MS = 60_000;
export const TEST_TIMEOUT_MS = 180_000;
/** A web build older than this is left by a process that died: take it over. */
const BUILD_LOCK_STALE_MS = 5 * 60_000;

let server: ChildProcess | null = null;
let serverExit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
let serverOutput = '';
let dataDir: string | null = null;
let browser: Browser | null = null;
/** The running server's origin (set by startEnvironment). */
export let baseUrl = '';
const contexts: BrowserContext[] = [];

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------------------------------------------------
// setup helpers

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function webBuildStale(): boolean {
  const index = join(WEB_DIST, 'index.html');
  return !existsSync(index) || newestMtime(join(ROOT, 'web')) > statSync(index).mtimeMs;
}

/** mkdir is atomic: the one process that creates the lock directory builds, the others wait for it. */
async function withBuildLock(action: () => void): Promise<void> {
  const lock = join(ROOT, 'dist', '.e2e-web-build.lock');
  mkdirSync(join(ROOT, 'dist'), { recursive: true });
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > BUILD_LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else if (Date.now() > deadline) throw new Error(`another test process has been building the web app for too long (lock ${lock})`);
      else await sleep(250);
    }
  }
  try {
    action();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

async function ensureWebBuilt(): Promise<void> {
  const force = process.env.COEDU_E2E_REBUILD === '1';
  if (!force && !webBuildStale()) return;
  const asked = Date.now();
  await withBuildLock(() => {
    // Another test process may have built it while this one waited for the lock (a forced build counts if it
    // finished after this process asked; building again would pull the files from under that process's server).
    const builtAt = statSync(join(WEB_DIST, 'index.html'), { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (!webBuildStale() && !(force && builtAt < asked)) return;
    const result = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: ROOT, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(`web build failed (exit ${result.status}):\n${(result.stdout ?? '') + (result.stderr ?? '')}`.slice(-4000));
    }
  });
  assert.ok(existsSync(join(WEB_DIST, 'index.html')), 'vite build finished but dist/web/index.html is missing');
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolvePort(port));
    });
  });
}

function outputTail(chars = 4000): string {
  return serverOutput.slice(-chars) || '(no output)';
}

async function waitForHealth(): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastProblem = 'no answer yet';
  while (Date.now() < deadline) {
    if (serverExit) {
      throw new Error(
        `The server exited (code ${serverExit.code}, signal ${serverExit.signal}) before /api/health answered.\n--- server output (tail) ---\n${outputTail()}`,
      );
    }
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.status === 200) return;
      lastProblem = `HTTP ${response.status}`;
    } catch (error) {
      lastProblem = error instanceof Error ? error.message : String(error);
    }
    await sleep(500);
  }
  throw new Error(
    `The server did not answer GET /api/health with 200 within ${START_TIMEOUT_MS / 1000} s (last: ${lastProblem}).\n--- server output (tail) ---\n${outputTail()}`,
  );
}

function killServerGroup(signal: NodeJS.Signals): void {
  if (!server?.pid) return;
  try {
    process.kill(-server.pid, signal); // the whole group: npx → tsx → node
  } catch {
    try {
      server.kill(signal);
    } catch {
      // already gone
    }
  }
}

async function stopServer(): Promise<void> {
  if (!server || serverExit) return;
  const exited = new Promise<void>((r) => server!.once('exit', () => r()));
  killServerGroup('SIGTERM');
  const graceful = await Promise.race([exited.then(() => true), sleep(10_000).then(() => false)]);
  if (!graceful) {
    killServerGroup('SIGKILL');
    await Promise.race([exited, sleep(5_000)]);
  }
}

// Last resort if the runner is interrupted: never leave the server behind.
process.on('exit', () => {
  if (server && !serverExit) killServerGroup('SIGKILL');
});

/** Builds the web app if needed, starts the server on a fresh database and launches the browser. */
export async function startEnvironment(): Promise<void> {
  mkdirSync(RESULTS, { recursive: true });
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (install the chromium package or set CHROMIUM_PATH)`);
  await ensureWebBuilt();

  const port = await freePort();
  baseUrl = `http://127.0.0.1:${port}`;
  dataDir = mkdtempSync(join(tmpdir(), 'coedu-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    COEDU_DATA_DIR: dataDir,
    COEDU_WEB_DIR: WEB_DIST,
    COEDU_SEED_DEMO: 'true',
  };
  delete env.DATABASE_URL; // always the embedded PGlite in the fresh directory
  delete env.COEDU_GRAPH_FILE; // the demo has no street graph: walking times are estimates
  server = spawn('npx', ['tsx', 'src/server/main.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so the whole tree can be stopped
  });
  const collect = (chunk: Buffer) => {
    serverOutput = (serverOutput + chunk.toString('utf8')).slice(-64_000);
  };
  server.stdout!.on('data', collect);
  server.stderr!.on('data', collect);
  server.on('exit', (code, signal) => {
    serverExit = { code, signal };
  });
  server.on('error', (error) => {
    serverOutput += `\n[spawn error] ${error.message}`;
    serverExit = { code: null, signal: null };
  });

  await waitForHealth();

  browser = await launchBrowser();
}

/** Debian's chromium with the flags every browser test uses, plus `extraArgs` (e.g. a fake camera). */
export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-quic',
      '--no-first-run',
      ...extraArgs,
    ],
  });
}

export async function stopEnvironment(): Promise<void> {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

// ---------------------------------------------------------------------------------------------------------------------
// page helpers

export interface Watched {
  page: Page;
  /** Requests that left the app's own origin (the bundle must work offline). */
  external: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
}

export async function openPage(options: { viewport?: { width: number; height: number }; locale?: string; hasTouch?: boolean; browser?: Browser } = {}): Promise<Watched> {
  const owner = options.browser ?? browser;
  assert.ok(owner, 'browser not started');
  const context = await owner.newContext({
    viewport: options.viewport ?? { width: 1280, height: 860 },
    locale: options.locale ?? 'zh-CN',
    hasTouch: options.hasTouch ?? false,
  });
  contexts.push(context);
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = await context.newPage();
  const watched: Watched = { page, external: [], pageErrors: [] };
  const origin = new URL(baseUrl).origin;
  page.on('request', (request) => {
    const url = request.url();
    if (/^https?:/.test(url) && new URL(url).origin !== origin) watched.external.push(url);
  });
  page.on('pageerror', (error) => watched.pageErrors.push(error.message));
  return watched;
}

export function assertClean(w: Watched): void {
  assert.deepEqual(w.external, [], `the app requested other origins: ${w.external.join(', ')}`);
  assert.deepEqual(w.pageErrors, [], `uncaught errors in the page: ${w.pageErrors.join(' | ')}`);
}

export async function signIn(page: Page, login: string, password: string): Promise<void> {
  await page.getByTestId('signin-login').fill(login);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
}

/**
 * Waits until the page's level-1 heading reads `text`. After a client-side navigation the URL changes before a lazily
 * loaded page replaces the old one, so reading the heading right after `waitForURL` can still see the previous page.
 * On time-out the error says which heading is shown instead.
 */
export async function expectHeading(page: Page, text: string, scope: Page | Locator = page): Promise<void> {
  const heading = scope.getByRole('heading', { level: 1, name: text, exact: true });
  try {
    await heading.waitFor();
  } catch (error) {
    const shown = await scope.getByRole('heading', { level: 1 }).allInnerTexts().catch(() => []);
    throw new Error(`expected the heading "${text}" on ${page.url()}; shown: ${JSON.stringify(shown)}`, { cause: error });
  }
}

/** Waits until a MapLibre map (by test id) drew its first frame; fails with the map's own message otherwise. */
export async function waitForMapLoaded(page: Page, testId: string): Promise<void> {
  await page.locator(`[data-testid="${testId}"][data-loaded="true"], [data-testid="${testId}"][data-loaded="error"]`).waitFor();
  const state = await page.getByTestId(testId).getAttribute('data-loaded');
  if (state !== 'true') {
    const message = await page.locator('.map-overlay').innerText().catch(() => '');
    assert.fail(`the map ${testId} did not load (data-loaded=${state}): ${message}`);
  }
}

/** The district map page (/map) is shown: the map drew, the illustrative note is there. */
export async function waitForMap(page: Page): Promise<void> {
  await waitForMapLoaded(page, 'district-map');
  // The district outline, subdistricts and points are drawn on a canvas; the legend and note are HTML.
  assert.equal(await page.getByTestId('map-note').innerText(), zhCN.map.note);
  assert.ok((await page.locator('.maplibregl-canvas').count()) === 1, 'a MapLibre canvas is on the page');
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.evaluate(() => {
    // From the top: a page scrolled by the test would show the sticky header in the middle of a full-page shot.
    window.scrollTo(0, 0);
    // A full-page shot grows the viewport, and maps sized in vh would resize (and be caught half redrawn): pin them.
    for (const map of document.querySelectorAll<HTMLElement>('.map-canvas')) map.style.height = `${map.getBoundingClientRect().height}px`;
  });
  await page.screenshot({ path: join(RESULTS, name), fullPage: true });
}
