import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { getFreePort } from '../../../../test/support/free-port.ts';
import { repoRoot } from '../../config.ts';
import type { DB } from '../../db/types.ts';
import { sha256 } from '../../lib/crypto.ts';

/**
 * Real server processes (`node --import tsx src/server/main.ts`) on one PostgreSQL, and HTTP clients for them: used by
 * the two-process race test and the booking benchmark.
 */
export interface ServerProcess {
  process: ChildProcess;
  url: string;
  output: string;
  exited: boolean;
}

export async function startServerProcess(databaseUrl: string, dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  const port = await getFreePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server/main.ts'], {
    cwd: repoRoot,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      COEDU_SEED_DEMO: 'false',
      COEDU_DATA_DIR: dataDir,
      COEDU_WEB_DIR: path.join(dataDir, 'no-web'),
      COEDU_PG_POOL_SIZE: '10',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server: ServerProcess = { process: child, url: `http://127.0.0.1:${port}`, output: '', exited: false };
  const keep = (chunk: Buffer) => (server.output = (server.output + chunk.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  child.on('exit', () => (server.exited = true));
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (server.exited) throw new Error(`server exited before it answered:\n${server.output}`);
    try {
      if ((await fetch(`${server.url}/api/health`)).status === 200) return server;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not start within 90 s:\n${server.output}`);
}

export async function stopServerProcess(server: ServerProcess) {
  if (server.exited) return;
  const exited = new Promise((r) => server.process.once('exit', r));
  server.process.kill('SIGTERM');
  await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
  if (!server.exited) server.process.kill('SIGKILL');
}

export interface Browser {
  cookie: string;
  csrf: string;
}

/** A signed-in browser session for a user, written straight into the sessions table (no password round trip). */
export async function sessionFor(db: Kysely<DB>, userId: string): Promise<Browser> {
  const secret = randomBytes(24).toString('base64url');
  const csrf = randomBytes(16).toString('base64url');
  await db
    .insertInto('sessions')
    .values({ id: sha256(secret), user_id: userId, csrf_token: csrf, ip: null, user_agent: 'race', expires_at: new Date(Date.now() + 6 * 3600_000) })
    .execute();
  return { cookie: `coedu_session=${secret}`, csrf };
}

export interface HttpAnswer {
  status: number;
  body: any;
  replayed: boolean;
  ms: number;
}

export async function call(server: { url: string }, browser: Browser, method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const started = performance.now();
  const res = await fetch(`${server.url}${urlPath}`, {
    method,
    headers: { cookie: browser.cookie, 'x-csrf-token': browser.csrf, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: res.status, body: parsed, replayed: res.headers.get('idempotent-replayed') === 'true', ms: performance.now() - started };
}
