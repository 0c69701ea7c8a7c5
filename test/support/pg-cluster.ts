/**
 * Throwaway PostgreSQL clusters for tests.
 *
 * `startPostgresCluster()` runs `initdb` into a fresh temp dir, starts the
 * server with `pg_ctl` on a free TCP port on 127.0.0.1 (unix socket inside the
 * temp dir), with durability switched off (fsync, synchronous_commit,
 * full_page_writes) because the data is thrown away. `stop()` shuts it down
 * with `pg_ctl stop -m immediate` and removes the temp dir.
 *
 * Binaries come from /usr/lib/postgresql/15/bin, or `COEDU_PG_BIN`.
 * initdb refuses to run as root, so when this process is root every
 * PostgreSQL binary is run as the `postgres` OS user via `runuser -u postgres --`
 * and the temp dir is chowned to that user.
 *
 * pg_ctl puts the postmaster in its own session (setsid), so it would survive
 * Ctrl-C and a crash of this process. Every running cluster is therefore also
 * stopped synchronously on process 'exit' and, if nobody else handles them,
 * on SIGINT/SIGTERM/SIGHUP.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, chown, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { getFreePort } from './free-port.ts';

export const DEFAULT_PG_BIN_DIR = '/usr/lib/postgresql/15/bin';

/** Superuser role created by initdb; also the OS user used when running as root. */
const SUPERUSER = 'postgres';
const OS_USER_WHEN_ROOT = 'postgres';

export interface PostgresClusterOptions {
  /** Directory holding initdb, pg_ctl and postgres. Default: findPostgresBinaries(). */
  binDir?: string;
  /** Parent of the temp dir. Default: os.tmpdir(). Must be traversable by the postgres user when root. */
  baseDir?: string;
  /** Extra postgresql.conf settings (applied after the defaults, so they can override them). */
  settings?: Record<string, string | number | boolean>;
  /** Seconds pg_ctl waits for the server to accept connections. Default 60. */
  startTimeoutSeconds?: number;
}

export interface PostgresCluster {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, superuser, trust auth. */
  adminUrl: string;
  port: number;
  /** PGDATA (inside rootDir). */
  dataDir: string;
  /** The temp dir holding dataDir, socketDir and the server log; removed by stop(). */
  rootDir: string;
  /** Unix socket directory. */
  socketDir: string;
  /** Server log written by pg_ctl (-l). */
  logFile: string;
  /** Stops the server (immediate mode) and removes rootDir. Idempotent. */
  stop(): Promise<void>;
}

/** The directory that is searched for the PostgreSQL binaries: `COEDU_PG_BIN` or /usr/lib/postgresql/15/bin. */
export function postgresBinDirCandidate(): string {
  const fromEnv = process.env.COEDU_PG_BIN?.trim();
  return fromEnv ? fromEnv : DEFAULT_PG_BIN_DIR;
}

/**
 * Returns the PostgreSQL bin dir (`COEDU_PG_BIN` or /usr/lib/postgresql/15/bin)
 * if `initdb` (and `pg_ctl`, `postgres`) exist there, else null.
 */
export function findPostgresBinaries(): string | null {
  const dir = postgresBinDirCandidate();
  for (const name of ['initdb', 'pg_ctl', 'postgres']) {
    if (!existsSync(join(dir, name))) return null;
  }
  return dir;
}

// ---------------------------------------------------------------------------
// process helpers

interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

interface Runner {
  /** Wraps a command so it runs as the postgres OS user when we are root. */
  wrap(bin: string, args: string[]): { command: string; args: string[] };
  cwd: string;
  env: NodeJS.ProcessEnv;
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** Environment for PostgreSQL tools: drop PG* variables that could point them elsewhere. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^PG[A-Z_]+$/.test(key)) continue;
    env[key] = value;
  }
  env.LC_ALL = 'C';
  env.LANG = 'C';
  return env;
}

function tail(text: string, lines = 20): string {
  const all = text.trimEnd().split('\n');
  return all.slice(-lines).join('\n');
}

function runProcess(runner: Runner, bin: string, args: string[], timeoutMs: number): Promise<RunResult> {
  const { command, args: fullArgs } = runner.wrap(bin, args);
  return new Promise<RunResult>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const child = spawn(command, fullArgs, { cwd: runner.cwd, env: runner.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      stderr += `\n[killed after ${timeoutMs} ms]`;
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      const what = command === bin ? bin : `${command} (to run ${bin} as ${OS_USER_WHEN_ROOT})`;
      reject(new Error(`could not execute ${what}: ${err.code ?? ''} ${err.message}`.trim()));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function describeFailure(bin: string, args: string[], result: RunResult, extra = ''): string {
  const status = result.signal ? `signal ${result.signal}` : `exit code ${result.code}`;
  const output = tail([result.stderr, result.stdout].filter((s) => s.trim()).join('\n')) || '(no output)';
  return `${basename(bin)} failed (${status}): ${bin} ${args.join(' ')}\n--- output (tail) ---\n${output}${extra}`;
}

async function readTail(file: string, lines = 30): Promise<string> {
  try {
    return tail(await readFile(file, 'utf8'), lines);
  } catch {
    return '(no server log)';
  }
}

function lookupOsUser(name: string): { uid: number; gid: number } {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) {
    throw new Error(
      `startPostgresCluster: running as root, but OS user '${name}' does not exist ` +
        `(initdb refuses to run as root, so the cluster is run as '${name}'): ${(uid.stderr || gid.stderr).trim()}`,
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function confValue(value: string | number | boolean): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return String(value);
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

// ---------------------------------------------------------------------------
// synchronous safety net: stop clusters still running when the process ends

interface LiveCluster {
  rootDir: string;
  dataDir: string;
  pgCtl: string;
  runner: Runner;
}

const live = new Set<LiveCluster>();
let hooksInstalled = false;

function stopSync(c: LiveCluster): void {
  const { command, args } = c.runner.wrap(c.pgCtl, ['-D', c.dataDir, '-m', 'immediate', '-w', '-t', '10', 'stop']);
  if (existsSync(join(c.dataDir, 'postmaster.pid'))) {
    spawnSync(command, args, { cwd: c.runner.cwd, env: c.runner.env, stdio: 'ignore', timeout: 15_000 });
  }
  rmSync(c.rootDir, { recursive: true, force: true });
}

function stopAllSync(): void {
  for (const c of live) {
    try {
      stopSync(c);
    } catch {
      // best effort while exiting
    }
    live.delete(c);
  }
}

function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', stopAllSync);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    // Only take over a signal nobody else handles: then default behaviour is to
    // die, and we keep that (re-raise) after cleaning up.
    if (process.listenerCount(signal) > 0) continue;
    const handler = (): void => {
      stopAllSync();
      if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
    };
    process.once(signal, handler);
  }
}

// ---------------------------------------------------------------------------

function isPortInUse(log: string): boolean {
  return /could not bind|Address already in use|could not create any TCP\/IP sockets/i.test(log);
}

export async function startPostgresCluster(opts: PostgresClusterOptions = {}): Promise<PostgresCluster> {
  const binDir = opts.binDir ?? findPostgresBinaries();
  if (binDir === null) {
    throw new Error(
      `startPostgresCluster: PostgreSQL binaries (initdb, pg_ctl, postgres) not found at ${postgresBinDirCandidate()} ` +
        `(set COEDU_PG_BIN to the bin dir of a PostgreSQL 15 installation)`,
    );
  }
  const initdb = join(binDir, 'initdb');
  const pgCtl = join(binDir, 'pg_ctl');
  for (const bin of [initdb, pgCtl, join(binDir, 'postgres')]) {
    if (!existsSync(bin)) throw new Error(`startPostgresCluster: ${basename(bin)} not found at ${bin}`);
  }

  const root = isRoot();
  const owner = root ? lookupOsUser(OS_USER_WHEN_ROOT) : null;
  const rootDir = await mkdtemp(join(opts.baseDir ?? tmpdir(), 'coedu-pg-'));
  const dataDir = join(rootDir, 'data');
  const socketDir = join(rootDir, 'sock');
  const logFile = join(rootDir, 'postgres.log');
  const runner: Runner = {
    cwd: rootDir,
    env: cleanEnv(),
    wrap: (bin, args) =>
      root ? { command: 'runuser', args: ['-u', OS_USER_WHEN_ROOT, '--', bin, ...args] } : { command: bin, args },
  };
  const liveEntry: LiveCluster = { rootDir, dataDir, pgCtl, runner };

  try {
    await mkdir(socketDir, { mode: 0o700 });
    if (owner) {
      await chown(rootDir, owner.uid, owner.gid);
      await chown(socketDir, owner.uid, owner.gid);
    }

    const initArgs = [
      '-D', dataDir,
      '-U', SUPERUSER,
      '--auth=trust',
      '--encoding=UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ];
    const init = await runProcess(runner, initdb, initArgs, 120_000);
    if (init.code !== 0) {
      const hint = root
        ? `\n(running as root: initdb ran as OS user '${OS_USER_WHEN_ROOT}', which must be able to traverse ${rootDir}; pass baseDir to use another parent dir)`
        : '';
      throw new Error(`startPostgresCluster: ${describeFailure(initdb, initArgs, init)}${hint}`);
    }

    const settings: Record<string, string | number | boolean> = {
      listen_addresses: '127.0.0.1',
      unix_socket_directories: socketDir,
      fsync: false,
      synchronous_commit: false,
      full_page_writes: false,
      max_connections: 200,
      ...opts.settings,
    };
    const conf = Object.entries(settings).map(([k, v]) => `${k} = ${confValue(v)}`);
    await appendFile(join(dataDir, 'postgresql.conf'), `\n# coedu test cluster\n${conf.join('\n')}\n`);

    const timeoutSec = opts.startTimeoutSeconds ?? 60;
    installExitHooks();
    live.add(liveEntry);

    // The port can be taken between getFreePort() and the server binding it: retry then.
    const maxAttempts = 5;
    for (let attempt = 1; ; attempt++) {
      const port = await getFreePort('127.0.0.1');
      // last setting wins, so each attempt just appends its port
      await appendFile(join(dataDir, 'postgresql.conf'), `port = ${port}\n`);
      const startArgs = ['-D', dataDir, '-l', logFile, '-w', '-t', String(timeoutSec), 'start'];
      const start = await runProcess(runner, pgCtl, startArgs, (timeoutSec + 30) * 1000);
      if (start.code === 0) {
        let stopping: Promise<void> | null = null;
        return {
          adminUrl: `postgres://${SUPERUSER}@127.0.0.1:${port}/postgres`,
          port,
          dataDir,
          rootDir,
          socketDir,
          logFile,
          stop: () => (stopping ??= stopCluster(liveEntry, logFile)),
        };
      }
      const log = await readTail(logFile);
      if (attempt < maxAttempts && isPortInUse(log) && !existsSync(join(dataDir, 'postmaster.pid'))) continue;
      throw new Error(
        `startPostgresCluster: ${describeFailure(pgCtl, startArgs, start, `\n--- server log ${logFile} (tail) ---\n${log}`)}`,
      );
    }
  } catch (err) {
    live.delete(liveEntry);
    try {
      stopSync(liveEntry);
    } catch {
      // keep the original error
    }
    throw err;
  }
}

async function stopCluster(c: LiveCluster, logFile: string): Promise<void> {
  let failure: Error | null = null;
  const pidFile = join(c.dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const stopArgs = ['-D', c.dataDir, '-m', 'immediate', '-w', '-t', '30', 'stop'];
    const result = await runProcess(c.runner, c.pgCtl, stopArgs, 60_000);
    if (result.code !== 0 && existsSync(pidFile)) {
      // Last resort: SIGQUIT is PostgreSQL's immediate shutdown.
      const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      if (Number.isInteger(pid) && pid > 0) {
        try {
          process.kill(pid, 'SIGQUIT');
        } catch {
          // already gone
        }
      }
      failure = new Error(
        `PostgresCluster.stop: ${describeFailure(c.pgCtl, stopArgs, result, `\n--- server log (tail) ---\n${await readTail(logFile)}`)}`,
      );
    }
  }
  live.delete(c);
  await rm(c.rootDir, { recursive: true, force: true });
  if (failure) throw failure;
}
