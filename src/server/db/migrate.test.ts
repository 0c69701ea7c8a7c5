import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { sql } from 'kysely';
import { describeEachDatabase } from '../../../test/support/databases.ts';
import { listMigrations, migrate, migrationsDir } from './migrate.ts';

it('migration files are named by timestamp and ordered', () => {
  const names = listMigrations().map((m) => m.name);
  assert.ok(names.length >= 1);
  assert.deepEqual([...names].sort(), names);
});

describeEachDatabase('migrations', (fixture) => {
  it('applies once; a second run applies nothing', async () => {
    const { database } = fixture();
    assert.deepEqual(await migrate(database), []);
    const rows = await sql<{ name: string }>`select name from schema_migrations order by name`.execute(database.db);
    assert.deepEqual(rows.rows.map((r) => r.name), listMigrations().map((m) => m.name));
  });

  it('a failing migration leaves nothing half-applied', async () => {
    const { database } = fixture();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coedu-migrations-'));
    try {
      for (const file of fs.readdirSync(migrationsDir)) fs.copyFileSync(path.join(migrationsDir, file), path.join(dir, file));
      fs.writeFileSync(path.join(dir, '29991231235959_broken.sql'), 'create table half_done (id int);\nselect * from no_such_table;');
      await assert.rejects(migrate(database, dir), /29991231235959_broken failed/);
      const exists = await sql<{ t: string | null }>`select to_regclass('half_done')::text as t`.execute(database.db);
      assert.equal(exists.rows[0]!.t, null);
      const recorded = await sql<{ n: number }>`select count(*)::int as n from schema_migrations where name = '29991231235959_broken'`.execute(database.db);
      assert.equal(recorded.rows[0]!.n, 0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
