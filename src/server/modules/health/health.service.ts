import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import { AppError } from '../../errors.ts';

/** Liveness plus a real round trip to the database. */
export class HealthService {
  constructor(
    private readonly database: { kind: 'pglite' | 'postgres'; db: Kysely<DB> },
    private readonly version: string,
  ) {}

  async check() {
    try {
      const result = await sql<{ version: string }>`select current_setting('server_version') as version`.execute(this.database.db);
      return { status: 'ok' as const, database: this.database.kind, version: this.version, serverVersion: result.rows[0]?.version ?? 'unknown' };
    } catch (error) {
      throw new AppError('database_unavailable', undefined, { cause: error });
    }
  }
}
