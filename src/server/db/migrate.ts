import fs from 'node:fs';
import path from 'node:path';
import type { Database } from './database.ts';

export const migrationsDir = path.join(import.meta.dirname, 'migrations');

const MIGRATION_NAME = /^\d{14}_[a-z0-9_]+\.sql$/;

/** Lists migration files in order; names are `YYYYMMDDHHMMSS_what.sql`, so lexical order is time order. */
export function listMigrations(dir = migrationsDir): { name: string; sql: string }[] {
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.sql'))
    .sort()
    .map((file) => {
      if (!MIGRATION_NAME.test(file)) throw new Error(`Migration file name ${file} is not YYYYMMDDHHMMSS_name.sql`);
      return { name: file.replace(/\.sql$/, ''), sql: fs.readFileSync(path.join(dir, file), 'utf8') };
    });
}

/**
 * Applies pending migrations, each in its own transaction together with its bookkeeping row, so a failed
 * migration leaves nothing half-applied. Returns the names applied now.
 */
export async function migrate(database: Database, dir = migrationsDir): Promise<string[]> {
  const migrations = listMigrations(dir);
  return database.withScriptRunner(async (run) => {
    await run(`create table if not exists schema_migrations (
      name text primary key,
      applied_at timestamptz not null default now()
    )`);
    const appliedRows = await run('select name from schema_migrations');
    const applied = new Set(appliedRows.map((row) => String(row.name)));
    const appliedNow: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue;
      const name = migration.name.replace(/'/g, "''");
      try {
        await run(`begin;\n${migration.sql}\n;insert into schema_migrations (name) values ('${name}');\ncommit;`);
      } catch (error) {
        await run('rollback').catch(() => undefined);
        throw new Error(`Migration ${migration.name} failed: ${(error as Error).message}`, { cause: error });
      }
      appliedNow.push(migration.name);
    }
    return appliedNow;
  });
}
