import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect } from 'kysely';
import { PGliteDialect } from 'kysely-pglite-dialect';
import pg from 'pg';
import { PREPARED } from './prepared.ts';
import type { DB } from './types.ts';

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string | 'memory' };

/** Runs a multi-statement SQL script on one connection; returns the rows of the last statement. */
export type ScriptRunner = (sql: string) => Promise<Record<string, unknown>[]>;

/** The system of record: Kysely over either embedded PGlite or a real PostgreSQL, with the same SQL. */
export interface Database {
  kind: 'pglite' | 'postgres';
  db: Kysely<DB>;
  /**
   * Gives `fn` exclusive use of one connection for multi-statement scripts (migrations). On PostgreSQL it holds a
   * session advisory lock, so that several app instances booting at once migrate one after the other.
   */
  withScriptRunner<T>(fn: (run: ScriptRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const MIGRATION_LOCK_KEY = 7_243_001;

const preparedNames = new Map<string, string>();
/** A statement's name on a connection: from its text, so that one name never stands for two texts. */
function preparedName(text: string): string {
  let name = preparedNames.get(text);
  if (!name) {
    name = `p_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
    preparedNames.set(text, name);
  }
  return name;
}

// int8 (counts, bigserial ids) as JS numbers on both drivers, so that code never sees a mix of strings and numbers.
const INT8_OID = 20;
const NUMERIC_OID = 1700;

export async function createDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.kind === 'postgres') return createPostgres(target.url);
  return createPglite(target.dataDir);
}

async function createPglite(dataDir: string | 'memory'): Promise<Database> {
  if (dataDir !== 'memory') fs.mkdirSync(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir === 'memory' ? undefined : dataDir, {
    parsers: { [INT8_OID]: (value: string) => Number(value), [NUMERIC_OID]: (value: string) => Number(value) },
  });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    kind: 'pglite',
    db,
    async withScriptRunner(fn) {
      // PGlite is one connection in this process; Kysely's PGlite driver serialises its own use of it, and
      // migrations run before the server accepts requests, so no lock is needed here.
      return fn(async (script) => {
        const results = await pglite.exec(script);
        return (results.at(-1)?.rows ?? []) as Record<string, unknown>[];
      });
    },
    async close() {
      await db.destroy();
    },
  };
}

async function createPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: Number(process.env.COEDU_PG_POOL_SIZE ?? 10),
    types: {
      getTypeParser: ((oid: number, format?: string) => {
        if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => Number(value);
        return pg.types.getTypeParser(oid, format as 'text');
      }) as typeof pg.types.getTypeParser,
    },
  });
  // An idle pooled connection that the server ends (restart, failover, pg_terminate_backend, `drop database … with
  // (force)` right after close(): pool.end() resolves before its sockets have closed) emits 'error' on the pool;
  // without a listener that is an uncaught exception that kills the process. The pool drops the client by itself.
  pool.on('error', (error) => {
    if ((error as { code?: string }).code !== '57P01') console.error('PostgreSQL: an idle connection failed:', error.message);
  });
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (config: unknown, values?: unknown, callback?: unknown) =>
      typeof config === 'string' && config.startsWith(PREPARED) ? query({ name: preparedName(config), text: config, values }, callback) : query(config, values, callback);
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    kind: 'postgres',
    db,
    async withScriptRunner(fn) {
      const client = await pool.connect();
      try {
        await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        try {
          return await fn(async (script) => {
            const result = await client.query(script);
            const last = Array.isArray(result) ? result.at(-1) : result;
            return (last?.rows ?? []) as Record<string, unknown>[];
          });
        } finally {
          await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        }
      } finally {
        client.release();
      }
    },
    async close() {
      await db.destroy();
    },
  };
}
