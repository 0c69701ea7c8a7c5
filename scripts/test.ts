/**
 * `npm test` entry.
 *
 *   npm test                          unit/integration tests (+ browser tests when CI=true)
 *   npm test -- src/server/modules/auth   only test files whose path matches a filter
 *   npm test -- --browser             also run e2e/**\/*.e2e.ts
 *   npm run test:browser              only the e2e tests (--browser-only)
 *
 * Other `--flags` (e.g. --test-name-pattern=foo, --test-only) are passed to node's test runner.
 *
 * Test files: src/**\/*.test.ts, packages/**\/test/**\/*.test.ts, packages/**\/src/**\/*.test.ts,
 * test/**\/*.test.ts. Browser tests (e2e/**\/*.e2e.ts) run when CI=true, COEDU_BROWSER_TESTS=1,
 * --browser or --browser-only.
 *
 * If PostgreSQL 15 binaries exist (test/support/pg-cluster.ts), one throwaway cluster is started
 * for the whole run and its superuser URL exported to the tests as COEDU_TEST_PG_ADMIN_URL
 * (unless that variable is already set, then that server is used). Missing binaries are an
 * error when CI=true and a notice otherwise.
 *
 * Output: node's spec reporter; at the very end the node test-runner summary lines
 * (`# tests N`, `# pass N`, `# fail N`, ... summed over the runs, read from a TAP copy of
 * the output) followed by a plain line `N passed, N failed[, N skipped]`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  findPostgresBinaries,
  postgresBinDirCandidate,
  startPostgresCluster,
  type PostgresCluster,
} from '../test/support/pg-cluster.ts';

const repoRoot = resolve(fileURLToPath(new URL('..', import.meta.url)));
// npm runs scripts from the package root; INIT_CWD is where `npm test` was typed
const invokedFrom = process.env.INIT_CWD ?? process.cwd();
process.chdir(repoRoot);

// ---------------------------------------------------------------------------
// arguments

const argv = process.argv.slice(2);
const browserOnly = argv.includes('--browser-only');
const isCI = process.env.CI === 'true';
const runBrowser =
  browserOnly || argv.includes('--browser') || isCI || process.env.COEDU_BROWSER_TESTS === '1';
const nodeTestFlags = argv.filter((a) => a.startsWith('--') && a !== '--browser' && a !== '--browser-only');
const filters = argv
  .filter((a) => !a.startsWith('--'))
  .map((a) => relative(repoRoot, resolve(invokedFrom, a)).split(sep).join('/'));

// ---------------------------------------------------------------------------
// test file discovery (node 20's --test does not expand globs itself)

function walk(dir: string, out: string[]): void {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) walk(path, out);
    else if (entry.isFile()) out.push(path);
  }
}

function listFiles(top: string): string[] {
  const out: string[] = [];
  walk(top, out);
  return out;
}

function isUnitTestFile(path: string): boolean {
  if (!path.endsWith('.test.ts')) return false;
  const parts = path.split('/');
  if (parts[0] === 'src' || parts[0] === 'test') return true;
  // packages/**/test/**/*.test.ts and packages/**/src/**/*.test.ts
  if (parts[0] === 'packages') return parts.slice(1, -1).some((p) => p === 'test' || p === 'src');
  return false;
}

function matchesFilters(path: string): boolean {
  if (filters.length === 0) return true;
  return filters.some((f) => f === '' || path === f || path.startsWith(`${f}/`) || path.includes(f));
}

const unitFiles = browserOnly
  ? []
  : ['src', 'packages', 'test'].flatMap(listFiles).filter(isUnitTestFile).filter(matchesFilters).sort();
const e2eFiles = runBrowser
  ? listFiles('e2e').filter((p) => p.endsWith('.e2e.ts')).filter(matchesFilters).sort()
  : [];

if (unitFiles.length === 0 && e2eFiles.length === 0) {
  if (filters.length > 0) {
    console.error(`test: no test files match ${filters.map((f) => JSON.stringify(f)).join(', ')}`);
    process.exit(1);
  }
  console.log('test: no test files found');
}

// ---------------------------------------------------------------------------
// postgres, cleanup and signals

let cluster: PostgresCluster | null = null;
let child: ChildProcess | null = null;
let shuttingDown = false;
const tapDir = mkdtempSync(join(tmpdir(), 'coedu-test-'));

async function cleanup(): Promise<void> {
  const c = cluster;
  cluster = null;
  if (c) {
    try {
      await c.stop();
    } catch (err) {
      console.error(`postgres: stopping the test cluster failed: ${(err as Error).message}`);
    }
  }
  rmSync(tapDir, { recursive: true, force: true });
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    console.error(`\ntest: received ${signal}, stopping`);
    // On Ctrl-C the test runner got SIGINT from the terminal too; forwarding is harmless.
    if (child && child.exitCode === null) child.kill(signal);
    const exit = (): void => {
      void cleanup().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
    };
    if (child && child.exitCode === null) {
      const force = setTimeout(() => child?.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(force);
        exit();
      });
    } else {
      exit();
    }
  });
}

const childEnv: NodeJS.ProcessEnv = { ...process.env };

async function setupPostgres(): Promise<void> {
  if (process.env.COEDU_TEST_PG_ADMIN_URL) {
    console.log('postgres: using COEDU_TEST_PG_ADMIN_URL from the environment');
    return;
  }
  const binDir = findPostgresBinaries();
  if (binDir === null) {
    const where = postgresBinDirCandidate();
    if (isCI) {
      console.error(
        `postgres: ERROR — PostgreSQL 15 binaries (initdb, pg_ctl, postgres) not found at ${where}; ` +
          'they are required when CI=true (install postgresql-15, or set COEDU_PG_BIN)',
      );
      await cleanup();
      process.exit(1);
    }
    console.log(`postgres: SKIPPED — PostgreSQL 15 binaries not found at ${where}; database tests run on PGlite only`);
    return;
  }
  const started = Date.now();
  try {
    cluster = await startPostgresCluster({ binDir });
  } catch (err) {
    console.error(`postgres: ERROR — could not start the test cluster:\n${(err as Error).message}`);
    await cleanup();
    process.exit(1);
  }
  childEnv.COEDU_TEST_PG_ADMIN_URL = cluster.adminUrl;
  console.log(
    `postgres: test cluster from ${binDir} on 127.0.0.1:${cluster.port} ` +
      `(started in ${((Date.now() - started) / 1000).toFixed(1)}s), COEDU_TEST_PG_ADMIN_URL exported`,
  );
}

// ---------------------------------------------------------------------------
// running node's test runner

const SUMMARY_KEYS = ['tests', 'suites', 'pass', 'fail', 'cancelled', 'skipped', 'todo', 'duration_ms'] as const;
type Summary = Record<(typeof SUMMARY_KEYS)[number], number>;

interface RunOutcome {
  name: string;
  code: number;
  summary: Summary | null;
}

/** The top-level `# key N` lines node's TAP reporter prints at the end of a run. */
function parseTap(file: string): Summary | null {
  if (!existsSync(file)) return null;
  const found: Partial<Summary> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^# (\w+) (\d+(?:\.\d+)?)$/.exec(line);
    const [, key = '', value = ''] = m ?? [];
    if ((SUMMARY_KEYS as readonly string[]).includes(key)) found[key as keyof Summary] = Number(value);
  }
  if (found.pass === undefined || found.fail === undefined) return null;
  const summary = {} as Summary;
  for (const key of SUMMARY_KEYS) summary[key] = found[key] ?? 0;
  return summary;
}

function runNodeTests(name: string, files: string[], concurrency: number): Promise<RunOutcome> {
  const tapFile = join(tapDir, `${name}.tap`);
  const args = [
    '--import', 'tsx',
    '--test',
    '--test-reporter=spec', '--test-reporter-destination=stdout',
    '--test-reporter=tap', `--test-reporter-destination=${tapFile}`,
    `--test-concurrency=${concurrency}`,
    ...nodeTestFlags,
    ...files,
  ];
  console.log(`\n== ${name}: ${files.length} file${files.length === 1 ? '' : 's'}, concurrency ${concurrency}\n`);
  return new Promise<RunOutcome>((resolvePromise) => {
    child = spawn(process.execPath, args, { stdio: 'inherit', env: childEnv });
    child.once('error', (err) => {
      console.error(`test: could not start node's test runner: ${err.message}`);
      child = null;
      resolvePromise({ name, code: 1, summary: null });
    });
    child.once('exit', (code, signal) => {
      child = null;
      const exitCode = code ?? (signal ? 128 + (signal === 'SIGINT' ? 2 : signal === 'SIGKILL' ? 9 : 15) : 1);
      resolvePromise({ name, code: exitCode, summary: parseTap(tapFile) });
    });
  });
}

// ---------------------------------------------------------------------------

async function main(): Promise<number> {
  const outcomes: RunOutcome[] = [];
  if (unitFiles.length > 0 || e2eFiles.length > 0) await setupPostgres();

  if (unitFiles.length > 0) outcomes.push(await runNodeTests('unit', unitFiles, 2));
  else if (!browserOnly) console.log('unit: no test files');

  // the signal handler stops the cluster and exits
  if (shuttingDown) await new Promise<never>(() => {});

  if (runBrowser) {
    if (e2eFiles.length > 0) outcomes.push(await runNodeTests('e2e', e2eFiles, 1));
    else console.log('e2e: no e2e/**/*.e2e.ts files — nothing to run');
  }

  await cleanup();

  const total: Summary = Object.fromEntries(SUMMARY_KEYS.map((k) => [k, 0])) as Summary;
  for (const o of outcomes) {
    if (o.summary) for (const key of SUMMARY_KEYS) total[key] += o.summary[key];
    else console.log(`# ${o.name}: node's test runner exited with code ${o.code} without a summary`);
  }
  const missingSummary = outcomes.filter((o) => !o.summary).length;
  const code = outcomes.find((o) => o.code !== 0)?.code ?? 0;

  console.log('');
  if (outcomes.length > 1) console.log(`# summary of ${outcomes.map((o) => o.name).join(' + ')}`);
  for (const key of SUMMARY_KEYS) {
    console.log(`# ${key} ${key === 'duration_ms' ? total[key].toFixed(3) : total[key]}`);
  }
  // cancelled tests (file crashed, timed out, interrupted) count as failures here
  const failed = total.fail + total.cancelled + missingSummary;
  const skipped = total.skipped;
  console.log(`${total.pass} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    console.error(err);
    await cleanup();
    process.exit(1);
  },
);
