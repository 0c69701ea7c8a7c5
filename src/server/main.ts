import { serve } from '@hono/node-server';
import { createApp } from './app.ts';
import { openDatabase } from './boot.ts';
import { loadConfig } from './config.ts';
import { DEMO_ACCOUNTS, DEMO_PASSWORD } from './seed/yuzhong-demo.ts';
import { ReachEngine } from './modules/reach/reach.engine.ts';
import { createServices } from './services.ts';

const config = loadConfig();
const started = Date.now();
const where = config.database.kind === 'postgres' ? 'PostgreSQL (DATABASE_URL)' : `embedded PGlite at ${config.database.dataDir}`;
console.log(`CoEdu Circle ${config.version}: opening ${where} …`);
const database = await openDatabase(config, (line) => console.log(line));
const reachEngine = await ReachEngine.load(config.graphFile);
console.log(
  reachEngine.info
    ? `walking graph: ${reachEngine.info.file} (${reachEngine.info.nodes} nodes, ${reachEngine.info.edges} edges) — walking times are network times`
    : 'no walking graph (COEDU_GRAPH_FILE): walking times are estimates (straight line × detour factor)',
);
const services = createServices(database, config, { reachEngine });
const app = createApp({ services, config });
// Class reminders and attendance hand-over run in every instance; the queues are shared (SKIP LOCKED).
const stopClassWorkers = services.classes.startWorkers();

const server = serve({ fetch: app.fetch, port: config.port, hostname: config.host }, (info) => {
  const url = `http://localhost:${info.port}`;
  console.log(`\nCoEdu Circle 共育圈 is running at ${url}  (ready in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`API reference: ${url}/api/docs   OpenAPI: ${url}/api/openapi.json`);
  if (config.seedDemo) {
    console.log(`\nDemo sign-ins (password ${DEMO_PASSWORD} for all):`);
    for (const account of DEMO_ACCOUNTS) {
      console.log(`  ${account.username.padEnd(16)}${(account.phone ?? '').padEnd(13)}${account.role}`);
    }
  }
});

// Expired sessions are swept hourly; cheap, and keeps the table small.
const sweeper = setInterval(() => void services.auth.deleteExpiredSessions().catch(() => undefined), 3600_000);
sweeper.unref();

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: stopping …`);
  stopClassWorkers();
  server.close();
  await database.close();
  process.exit(0);
}
process.on('SIGINT', () => void shutdown('SIGINT'));
process.on('SIGTERM', () => void shutdown('SIGTERM'));
