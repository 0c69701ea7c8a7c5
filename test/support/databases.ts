import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import type { Kysely } from 'kysely';
import { loadConfig, type Config } from '../../src/server/config.ts';
import { createDatabase, type Database } from '../../src/server/db/database.ts';
import { migrate } from '../../src/server/db/migrate.ts';
import type { DB } from '../../src/server/db/types.ts';

export type DatabaseKind = 'pglite' | 'postgres';

/** The kinds this run covers: always PGlite, and PostgreSQL when `npm test` started a throwaway cluster. */
export function databaseKinds(): { kind: DatabaseKind; skip: string | false }[] {
  const adminUrl = process.env.COEDU_TEST_PG_ADMIN_URL;
  const postgresSkip = adminUrl
    ? false
    : process.env.CI === 'true'
      ? false // on CI a missing cluster must fail, not skip: createTestDatabase throws with the reason
      : 'postgres: no throwaway PostgreSQL cluster (run through `npm test`, which starts one when /usr/lib/postgresql/15/bin exists)';
  return [
    { kind: 'pglite', skip: false },
    { kind: 'postgres', skip: postgresSkip },
  ];
}

/** A fresh, migrated database of the given kind; PostgreSQL ones are created on the shared throwaway cluster. */
export async function createTestDatabase(kind: DatabaseKind): Promise<Database> {
  if (kind === 'pglite') {
    const database = await createDatabase({ kind: 'pglite', dataDir: 'memory' });
    await migrate(database);
    return database;
  }
  const adminUrl = process.env.COEDU_TEST_PG_ADMIN_URL;
  if (!adminUrl) throw new Error('CI=true but COEDU_TEST_PG_ADMIN_URL is not set: the PostgreSQL cluster did not start (see scripts/test.ts output)');
  const name = `coedu_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = await createDatabase({ kind: 'postgres', url: url.toString() });
  await migrate(database);
  const close = database.close.bind(database);
  database.close = async () => {
    await close();
    const cleanup = new pg.Client({ connectionString: adminUrl });
    await cleanup.connect();
    try {
      await cleanup.query(`drop database if exists ${name} with (force)`);
    } finally {
      await cleanup.end();
    }
  };
  return database;
}

export interface DatabaseFixture {
  kind: DatabaseKind;
  database: Database;
  db: Kysely<DB>;
  config: Config;
}

/**
 * Declares the suite once per database kind (`pglite`, `postgres`), each with its own fresh migrated database,
 * so every repository and service test runs on both engines. Without a cluster (outside CI) the PostgreSQL
 * suite is reported as skipped, by name.
 */
export function describeEachDatabase(title: string, body: (fixture: () => DatabaseFixture) => void, options: { setup?: (f: DatabaseFixture) => Promise<void> } = {}) {
  for (const { kind, skip } of databaseKinds()) {
    describe(`${title} [${kind}]`, { skip }, () => {
      let fixture: DatabaseFixture | null = null;
      before(async () => {
        const database = await createTestDatabase(kind);
        fixture = { kind, database, db: database.db, config: testConfig() };
        await options.setup?.(fixture);
      });
      after(async () => {
        await fixture?.database.close();
      });
      body(() => {
        if (!fixture) throw new Error('database fixture not ready');
        return fixture;
      });
    });
  }
}

export function testConfig(overrides: Partial<Config> = {}): Config {
  // A test that gives a data directory keeps its files there too (local storage under <dataDir>/files), as in production.
  const storage = overrides.storage ?? (overrides.dataDir ? { kind: 'local' as const, dir: path.join(overrides.dataDir, 'files') } : undefined);
  return loadConfig({ COEDU_SEED_DEMO: 'false', COEDU_DATA_DIR: '/nonexistent-test-data-dir', COEDU_WEB_DIR: '/nonexistent-web-dir' }, { ...overrides, ...(storage ? { storage } : {}) });
}
