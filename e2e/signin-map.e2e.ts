/**
 * Browser test: sign-in, home per role, the district map, language switch, error messages, child mode.
 *
 *   node --import tsx --test e2e/signin-map.e2e.ts
 *
 * Builds the web app when dist/web is missing or older than web/ (or always with COEDU_E2E_REBUILD=1), starts the
 * real server (`npx tsx src/server/main.ts`) on a free port with a fresh PGlite data directory (it migrates and
 * seeds the Yuzhong demo), and drives /usr/bin/chromium (override with CHROMIUM_PATH) through playwright-core.
 * Screenshots go to test-results/.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { zhCN } from '../web/src/i18n/zh-CN.ts';
import { en } from '../web/src/i18n/en.ts';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const WEB_DIST = join(ROOT, 'dist', 'web');
const RESULTS = join(ROOT, 'test-results');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const PASSWORD = 'Coedu@2026';
const START_TIMEOUT_MS = Number(process.env.COEDU_E2E_START_TIMEOUT_MS ?? 90_000);
const STEP_TIMEOUT_MS = 60_000;
const TEST_TIMEOUT_MS = 180_000;

let server: ChildProcess | null = null;
let serverExit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
let serverOutput = '';
let dataDir: string | null = null;
let browser: Browser | null = null;
let baseUrl = '';
const contexts: BrowserContext[] = [];

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

function ensureWebBuilt(): void {
  const index = join(WEB_DIST, 'index.html');
  const stale = !existsSync(index) || process.env.COEDU_E2E_REBUILD === '1' || newestMtime(join(ROOT, 'web')) > statSync(index).mtimeMs;
  if (!stale) return;
  const result = spawnSync('npx', ['vite', 'build', '--config', 'web/vite.config.ts'], { cwd: ROOT, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`web build failed (exit ${result.status}):\n${(result.stdout ?? '') + (result.stderr ?? '')}`.slice(-4000));
  }
  assert.ok(existsSync(index), 'vite build finished but dist/web/index.html is missing');
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

before(async () => {
  mkdirSync(RESULTS, { recursive: true });
  assert.ok(existsSync(CHROMIUM), `Chromium not found at ${CHROMIUM} (install the chromium package or set CHROMIUM_PATH)`);
  ensureWebBuilt();

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

  browser = await chromium.launch({
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
    ],
  });
});

after(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close().catch(() => undefined);
  await stopServer();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------------------
// page helpers

interface Watched {
  page: Page;
  /** Requests that left the app's own origin (the bundle must work offline). */
  external: string[];
  /** Uncaught exceptions in the page. */
  pageErrors: string[];
}

async function openPage(options: { viewport?: { width: number; height: number }; locale?: string } = {}): Promise<Watched> {
  assert.ok(browser, 'browser not started');
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 860 }, locale: options.locale ?? 'zh-CN' });
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

function assertClean(w: Watched): void {
  assert.deepEqual(w.external, [], `the app requested other origins: ${w.external.join(', ')}`);
  assert.deepEqual(w.pageErrors, [], `uncaught errors in the page: ${w.pageErrors.join(' | ')}`);
}

async function signIn(page: Page, login: string, password: string): Promise<void> {
  await page.getByTestId('signin-login').fill(login);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
}

async function waitForMap(page: Page): Promise<void> {
  const map = page.getByTestId('district-map');
  await page.locator('[data-testid="district-map"][data-loaded="true"], [data-testid="district-map"][data-loaded="error"]').waitFor();
  const state = await map.getAttribute('data-loaded');
  if (state !== 'true') {
    const message = await page.locator('.map-overlay').innerText().catch(() => '');
    assert.fail(`the map did not load (data-loaded=${state}): ${message}`);
  }
  // The district outline, subdistricts and points are drawn on a canvas; the legend and note are HTML.
  assert.equal(await page.getByTestId('map-note').innerText(), zhCN.map.note);
  assert.ok((await page.locator('.maplibregl-canvas').count()) === 1, 'a MapLibre canvas is on the page');
}

async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(RESULTS, name), fullPage: true });
}

// ---------------------------------------------------------------------------------------------------------------------
// tests

test('a parent signs in, sees the family with children, and opens the map', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/`);
  await page.waitForURL(/\/sign-in$/); // unauthenticated → sign-in
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), zhCN.signIn.title);

  await signIn(page, 'parent.demo', PASSWORD);
  const family = page.getByTestId('home-family');
  await family.waitFor();
  await page.waitForURL(`${baseUrl}/`);
  assert.equal(await family.getByRole('heading', { level: 2 }).innerText(), zhCN.home.family.title);
  assert.equal(await page.getByTestId('family-card').count(), 1, 'the demo parent has one family');
  assert.equal(await page.getByTestId('child-chip').count(), 2, 'the demo family has two children');
  assert.ok(await page.getByTestId('accept-invitation').isVisible(), '"join a family" is offered');
  assert.equal(await page.getByTestId('home-district').count(), 0, 'a parent sees no district dashboard');
  assert.equal(await page.getByRole('link', { name: zhCN.nav.users }).count(), 0, 'a parent has no admin navigation');
  await screenshot(page, 'parent-home.png');

  await page.getByRole('navigation').getByRole('link', { name: zhCN.nav.map }).click();
  await page.waitForURL(/\/map$/);
  await waitForMap(page);
  await screenshot(page, 'parent-map.png');
  assertClean(w);
});

test('a district admin is sent back to the page they asked for, sees the dashboard and the map', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/admin/audit`);
  await page.waitForURL(/\/sign-in$/);
  await signIn(page, 'district.admin', PASSWORD);
  await page.waitForURL(/\/admin\/audit$/); // back where they came from
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), zhCN.audit.title);
  await page.getByTestId('audit-table').waitFor(); // sign-ins are audited, so there is at least one row

  await page.getByRole('navigation').getByRole('link', { name: zhCN.nav.home }).click();
  const dashboard = page.getByTestId('home-district');
  await dashboard.waitFor();
  const stats = await dashboard.locator('.stat').allInnerTexts();
  assert.equal(stats.length, 7, `seven district counts, got ${stats.length}`);
  const communities = stats.find((s) => s.startsWith(zhCN.home.district.communities));
  assert.ok(communities && Number(communities.replace(/\D/g, '')) > 0, `communities are counted: ${communities}`);
  for (const label of [zhCN.nav.users, zhCN.nav.audit, zhCN.nav.tokens]) {
    assert.equal(await page.getByRole('navigation').getByRole('link', { name: label }).count(), 1, `navigation has ${label}`);
  }
  await screenshot(page, 'district-home.png');

  await dashboard.getByRole('link', { name: zhCN.home.district.openMap }).click();
  await page.waitForURL(/\/map$/);
  await waitForMap(page);
  await screenshot(page, 'district-map.png');
  assertClean(w);
});

test('the language switch turns the interface into English and remembers it', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  assert.equal(await page.getByTestId('lang-switch').innerText(), zhCN.lang.switchTo);
  await page.getByTestId('lang-switch').click();
  await page.locator('html[lang="en"]').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), en.signIn.title);
  assert.equal(await page.getByTestId('signin-submit').innerText(), en.signIn.submit);

  await page.reload();
  await page.locator('html[lang="en"]').waitFor();
  assert.equal(await page.getByRole('heading', { level: 1 }).innerText(), en.signIn.title, 'the choice survives a reload');

  // Signed in, the choice is kept and saved to the account (PATCH /api/me).
  await signIn(page, 'teacher.demo', PASSWORD);
  await page.waitForURL(`${baseUrl}/`);
  const greeting = page.locator('h1.greeting');
  await greeting.waitFor();
  assert.ok((await greeting.innerText()).startsWith(en.home.greeting.split('{{name}}')[0]), 'the home page greets in English');
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: en.nav.map }).count(), 1);
  let locale = '';
  for (let attempt = 0; attempt < 40 && locale !== 'en'; attempt++) {
    const session = (await (await page.request.get(`${baseUrl}/api/auth/session`)).json()) as { user: { locale: string } };
    locale = session.user.locale;
    if (locale !== 'en') await sleep(250);
  }
  assert.equal(locale, 'en', 'the account locale follows the switch');
  await screenshot(page, 'english-home.png');

  // And back to Chinese.
  await page.getByTestId('lang-switch').click();
  await page.locator('html[lang="zh-CN"]').waitFor();
  assert.equal(await page.getByRole('navigation').getByRole('link', { name: zhCN.nav.map }).count(), 1);
  assertClean(w);
});

test('a wrong password shows the localised error', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage();
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', 'Wrong-password-1');
  const error = page.getByTestId('error');
  await error.waitFor();
  assert.equal((await error.innerText()).trim(), zhCN.errors.invalid_credentials);
  assert.match(page.url(), /\/sign-in$/);

  await page.getByTestId('lang-switch').click();
  await page.locator('html[lang="en"]').waitFor();
  await signIn(page, 'parent.demo', 'Wrong-password-2');
  await page.getByText(en.errors.invalid_credentials).waitFor();
  assertClean(w);
});

test('a guardian hands the phone to a child and takes it back with their password', { timeout: TEST_TIMEOUT_MS }, async () => {
  const w = await openPage({ viewport: { width: 390, height: 844 } });
  const { page } = w;
  await page.goto(`${baseUrl}/sign-in`);
  await signIn(page, 'parent.demo', PASSWORD);
  await page.getByTestId('family-card').getByRole('link', { name: zhCN.home.family.open }).click();
  await page.getByTestId('family-page').waitFor();
  const firstChild = page.getByTestId('family-child').first();
  const childName = (await firstChild.locator('.child-name').innerText()).trim();
  await firstChild.getByTestId('enter-child-mode').click();
  await page.getByTestId('child-pin').fill('1234');
  await page.getByRole('button', { name: zhCN.childMode.submit }).click();

  const childHome = page.getByTestId('child-home');
  await childHome.waitFor();
  assert.equal(await childHome.getByRole('heading', { level: 1 }).innerText(), zhCN.child.hello.replace('{{name}}', childName));
  assert.equal(await page.getByRole('navigation').count(), 0, 'no adult navigation in child mode');
  await screenshot(page, 'child-mode.png');

  await page.goto(`${baseUrl}/map`); // adult pages are out of reach
  await childHome.waitFor();
  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.getByTestId('district-map').count(), 0);

  await page.getByTestId('child-exit').click();
  await page.getByTestId('child-exit-password').fill('not-the-password-1');
  await page.getByRole('button', { name: zhCN.child.exitSubmit }).click();
  await page.getByTestId('error').waitFor();
  assert.ok(await childHome.isVisible(), 'a wrong password keeps child mode');

  await page.getByTestId('child-exit-password').fill(PASSWORD);
  await page.getByRole('button', { name: zhCN.child.exitSubmit }).click();
  await page.getByTestId('family-page').waitFor();
  assert.match(new URL(page.url()).pathname, /^\/family\//);
  assertClean(w);
});
