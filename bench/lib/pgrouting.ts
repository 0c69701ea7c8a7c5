/**
 * A throwaway PostgreSQL 15 cluster with pgRouting for the comparison benchmark.
 *
 * The graph goes in exactly as `coedu graph export` writes it (`edgesCsv`: directed
 * `from,to,seconds,meters`, one row per directed edge), loaded with COPY into
 * `edges(id, source, target, cost real, meters real, x, y)`. `cost` is `real` on purpose: the CSV
 * prints the engine's float32 seconds with 9 significant digits, which parse back to the very same
 * float32, so pgRouting sums the same numbers the engine sums (in float64 both) and the answers can
 * be compared almost exactly. x/y are the source node's local metres (for the bounding-box variant).
 *
 * Nothing is installed here. Without the binaries or the extension `openPgRouting` returns a reason
 * to print instead of a handle.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { LocalProjection, edgesCsv, type WalkGraph } from '../../packages/reach/src/index.ts';
import { cpuMs, procCpuMs } from './util.ts';
import { findPostgresBinaries, postgresBinDirCandidate, startPostgresCluster, type PostgresCluster } from '../../test/support/pg-cluster.ts';

export const INSTALL_HINT = 'apt-get install postgresql-15-pgrouting   (Debian 12 ships pgRouting 3.4.2 for PostgreSQL 15)';

export interface PgRouting {
  cluster: PostgresCluster;
  client: pg.Client;
  version: string;
  /** The server process running our queries (its CPU time is read from /proc). */
  backendPid: number;
  close(): Promise<void>;
}

/** Starts a cluster and creates the extension, or explains why not. */
export async function openPgRouting(): Promise<PgRouting | { unavailable: string }> {
  const bin = findPostgresBinaries();
  if (!bin) return { unavailable: `PostgreSQL 15 binaries not found at ${postgresBinDirCandidate()} (set COEDU_PG_BIN)` };
  const cluster = await startPostgresCluster({
    // Give pgRouting its best case: data cached, no JIT compilation of the edge query, no parallel plans.
    settings: { shared_buffers: '1GB', work_mem: '256MB', jit: false, max_parallel_workers_per_gather: 0 },
  });
  const client = new pg.Client({ connectionString: cluster.adminUrl });
  try {
    await client.connect();
    await client.query('CREATE EXTENSION pgrouting CASCADE'); // 3.4 depends on PostGIS (installed with the Debian package)
    const version = (await client.query('SELECT pgr_version() AS v')).rows[0].v as string;
    const backendPid = Number((await client.query('SELECT pg_backend_pid() AS p')).rows[0].p);
    return {
      cluster, client, version, backendPid,
      async close() {
        await client.end().catch(() => undefined);
        await cluster.stop();
      },
    };
  } catch (e) {
    await client.end().catch(() => undefined);
    await cluster.stop();
    return { unavailable: `CREATE EXTENSION pgrouting failed: ${(e as Error).message}; install it with: ${INSTALL_HINT}` };
  }
}

/** Loads the graph's exported edges into a fresh `edges` table; returns the times of export and COPY. */
export async function loadEdges(pgr: PgRouting, g: WalkGraph): Promise<{ csvMs: number; copyMs: number; rows: number }> {
  const c = pgr.client;
  let t = performance.now();
  const csv = edgesCsv(g);
  const file = join(pgr.cluster.rootDir, 'edges.csv');
  writeFileSync(file, csv);
  chmodSync(file, 0o644);
  const csvMs = performance.now() - t;
  t = performance.now();
  await c.query('DROP TABLE IF EXISTS edges');
  await c.query('CREATE TABLE edges (id bigserial PRIMARY KEY, source bigint NOT NULL, target bigint NOT NULL, cost real NOT NULL, meters real, x float8, y float8)');
  await c.query(`COPY edges (source, target, cost, meters) FROM '${file}' WITH (FORMAT csv, HEADER true)`);
  // Source node position in local metres, for the bounding-box variant.
  const proj = projection(g);
  const xs = new Float64Array(g.nodeCount), ys = new Float64Array(g.nodeCount);
  for (let u = 0; u < g.nodeCount; u++) {
    xs[u] = proj.x(g.nodeLon[u]);
    ys[u] = proj.y(g.nodeLat[u]);
  }
  await c.query('CREATE TEMP TABLE nodes_xy (id bigint PRIMARY KEY, x float8, y float8)');
  for (let a = 0; a < g.nodeCount; a += 50_000) {
    const b = Math.min(g.nodeCount, a + 50_000);
    const ids: number[] = [], xa: number[] = [], ya: number[] = [];
    for (let u = a; u < b; u++) {
      ids.push(u);
      xa.push(xs[u]);
      ya.push(ys[u]);
    }
    await c.query('INSERT INTO nodes_xy SELECT * FROM unnest($1::bigint[], $2::float8[], $3::float8[])', [ids, xa, ya]);
  }
  await c.query('UPDATE edges e SET x = n.x, y = n.y FROM nodes_xy n WHERE n.id = e.source');
  await c.query('DROP TABLE nodes_xy');
  await c.query('CREATE INDEX edges_xy ON edges USING gist (point(x, y))');
  await c.query('VACUUM ANALYZE edges');
  const copyMs = performance.now() - t;
  const rows = Number((await c.query('SELECT count(*) AS n FROM edges')).rows[0].n);
  return { csvMs, copyMs, rows };
}

/** The projection used for x/y (same centre as the bench computes boxes with). */
export function projection(g: WalkGraph): LocalProjection {
  let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
  for (let u = 0; u < g.nodeCount; u++) {
    a = Math.min(a, g.nodeLon[u]);
    c = Math.max(c, g.nodeLon[u]);
    b = Math.min(b, g.nodeLat[u]);
    d = Math.max(d, g.nodeLat[u]);
  }
  return new LocalProjection((a + c) / 2, (b + d) / 2);
}

export const EDGES_SQL = 'SELECT id, source, target, cost FROM edges';

/** Edges whose source lies in a box (the usual way to cut pgRouting's per-call graph down). */
export function boxEdgesSql(x0: number, y0: number, x1: number, y1: number): string {
  return `SELECT id, source, target, cost FROM edges WHERE point(x, y) <@ box(point(${x0}, ${y0}), point(${x1}, ${y1}))`;
}

/** pgr_drivingDistance, whole answer transferred: rows (from_v, node, agg_cost). `cpu`: server + client CPU ms. */
export async function drivingDistanceRows(
  pgr: PgRouting, edgesSql: string, starts: number[], cutoff: number, equicost: boolean,
): Promise<{ ms: number; cpu: number; from: Int32Array; node: Int32Array; cost: Float64Array }> {
  const c0 = procCpuMs(pgr.backendPid) + cpuMs();
  const t = performance.now();
  const res = await pgr.client.query({
    text: 'SELECT from_v::int4, node::int4, agg_cost FROM pgr_drivingDistance($1, $2::bigint[], $3::float8, directed => true, equicost => $4)',
    values: [edgesSql, starts, cutoff, equicost],
    rowMode: 'array',
  });
  const rows = res.rows as [number, number, number][];
  const from = new Int32Array(rows.length), node = new Int32Array(rows.length), cost = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    from[i] = rows[i][0];
    node[i] = rows[i][1];
    cost[i] = rows[i][2];
  }
  const ms = performance.now() - t;
  return { ms, cpu: procCpuMs(pgr.backendPid) + cpuMs() - c0, from, node, cost };
}

/** pgr_drivingDistance computed in the server, only a count and a checksum transferred ("SQL time"). */
export async function drivingDistanceSqlOnly(
  pgr: PgRouting, edgesSql: string, starts: number[], cutoff: number, equicost: boolean,
): Promise<{ ms: number; cpu: number; rows: number; sum: number }> {
  const c0 = procCpuMs(pgr.backendPid) + cpuMs();
  const t = performance.now();
  const res = await pgr.client.query(
    'SELECT count(*)::int8 AS n, sum(agg_cost) AS s FROM pgr_drivingDistance($1, $2::bigint[], $3::float8, directed => true, equicost => $4)',
    [edgesSql, starts, cutoff, equicost],
  );
  const ms = performance.now() - t;
  return { ms, cpu: procCpuMs(pgr.backendPid) + cpuMs() - c0, rows: Number(res.rows[0].n), sum: Number(res.rows[0].s ?? 0) };
}
