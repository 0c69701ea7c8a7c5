import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import pg from 'pg';
import { findPostgresBinaries, postgresBinDirCandidate, startPostgresCluster } from './pg-cluster.ts';

test('startPostgresCluster starts a throwaway PostgreSQL 15 cluster and removes it on stop', async (t) => {
  if (findPostgresBinaries() === null) {
    const message = `PostgreSQL 15 binaries not found at ${postgresBinDirCandidate()} (set COEDU_PG_BIN or install postgresql-15)`;
    if (process.env.CI === 'true') assert.fail(`${message} — required when CI=true`);
    t.skip(message);
    return;
  }

  const cluster = await startPostgresCluster();
  let stopped = false;
  t.after(async () => {
    if (!stopped) await cluster.stop();
  });

  assert.ok(existsSync(cluster.dataDir), 'data dir exists while running');
  assert.match(cluster.adminUrl, new RegExp(`^postgres://postgres@127\\.0\\.0\\.1:${cluster.port}/postgres$`));

  const admin = new pg.Client({ connectionString: cluster.adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ version: string }>('select version()');
    assert.match(rows[0]?.version ?? '', /^PostgreSQL 15\.\d+/);

    const settings = await admin.query<{ name: string; setting: string }>(
      `select name, setting from pg_settings
        where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'max_connections', 'listen_addresses')`,
    );
    assert.deepEqual(Object.fromEntries(settings.rows.map((r) => [r.name, r.setting])), {
      fsync: 'off',
      full_page_writes: 'off',
      listen_addresses: '127.0.0.1',
      max_connections: '200',
      synchronous_commit: 'off',
    });

    await admin.query('create database cluster_selftest');
  } finally {
    await admin.end();
  }

  const dbUrl = new URL(cluster.adminUrl);
  dbUrl.pathname = '/cluster_selftest';
  const db = new pg.Client({ connectionString: dbUrl.toString() });
  await db.connect();
  try {
    await db.query('create table note (id int primary key, body text not null)');
    await db.query('insert into note values (1, $1)', ['共育圈']);
    const { rows } = await db.query<{ db: string; body: string }>(
      'select current_database() as db, body from note where id = 1',
    );
    assert.deepEqual(rows, [{ db: 'cluster_selftest', body: '共育圈' }]);
  } finally {
    await db.end();
  }

  await cluster.stop();
  stopped = true;
  assert.equal(existsSync(cluster.dataDir), false, 'data dir removed by stop()');
  assert.equal(existsSync(cluster.rootDir), false, 'temp dir removed by stop()');
  await cluster.stop(); // idempotent
});
