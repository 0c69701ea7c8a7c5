/**
 * Statements whose SQL text starts with this comment are sent to PostgreSQL as named prepared statements (parsed once
 * per connection, planned with a cached plan after a few runs) instead of unnamed ones parsed and planned on every
 * call (see createPostgres in database.ts). Only hot-path statements with a fixed text (arrays instead of variable
 * `in (…)` lists) carry it, so that the statements kept per connection stay few. PGlite sees an ordinary comment.
 */
export const PREPARED = '/*prepared*/';
