import { runReachCli } from '@coedu/reach/cli';
import { loadConfig } from '../config.ts';
import { createDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { DEMO_ACCOUNTS, seedYuzhongDemo } from '../seed/yuzhong-demo.ts';
import { seedYuzhongDirectory } from '../seed/yuzhong-directory.ts';
import { runExportHsds, runImportVenues } from '../modules/directory/import.cli.ts';
import { seedYuzhongRoutes } from '../seed/yuzhong-routes.ts';
import { seedYuzhongClasses } from '../seed/yuzhong-classes.ts';
import { seedLibraryDemoFiles } from '../seed/library-demo-files.ts';
import { createStorage } from '../storage/index.ts';

const USAGE = `coedu — CoEdu Circle (共育圈) command line

  coedu migrate                 apply database migrations (DATABASE_URL, or PGlite under COEDU_DATA_DIR)
  coedu seed                    load the Yuzhong demo data (idempotent)
  coedu import venues FILE      import organisations, places and offers from CSV/XLSX (see docs/IMPORT-DIRECTORY.md)
  coedu export hsds --out DIR   HSDS NDJSON files and the CSV/XLSX directory export
  coedu graph build|info|export walking graphs from OpenStreetMap + SRTM (see docs/IMPORT-MAP.md)
  coedu reach                   minutes from a point to every node within a cutoff
  coedu route                   walking route between two points (minutes, metres, climb)
  coedu coverage                district coverage grid for a set of venues

Run \`coedu graph\`, \`coedu reach --help\` etc. for their options.`;

/** Entry point of `npx coedu`; returns the process exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'migrate':
      return withDatabase(async (database) => {
        const applied = await migrate(database);
        console.log(applied.length > 0 ? `applied: ${applied.join(', ')}` : 'database is up to date');
      });
    case 'seed':
      return withDatabase(async (database) => {
        await migrate(database);
        const seeded = await seedYuzhongDemo(database.db);
        await seedYuzhongDirectory(database.db);
        await seedYuzhongRoutes(database.db);
        await seedYuzhongClasses(database.db);
        await seedLibraryDemoFiles(database.db, createStorage(loadConfig()));
        console.log(seeded ? `Yuzhong demo seeded; sign-ins: ${DEMO_ACCOUNTS.map((a) => a.username).join(', ')}` : 'demo data already present; nothing to do');
      });
    case 'import':
    case 'export': {
      if (rest.length === 0 || rest[0] === '--help' || rest[0] === '-h') return command === 'import' ? runImportVenues(null as never, ['--help'], 0) : runExportHsds(null as never, ['--help']);
      let code = 0;
      const status = await withDatabase(async (database) => {
        await migrate(database);
        code = command === 'import' ? await runImportVenues(database.db, rest, loadConfig().importMaxBytes) : await runExportHsds(database.db, rest);
      });
      return status !== 0 ? status : code;
    }
    case 'graph':
    case 'reach':
    case 'route':
    case 'coverage':
      return runReachCli(argv);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`unknown command: ${command}\n\n${USAGE}`);
      return 2;
  }
}

async function withDatabase(fn: (database: Awaited<ReturnType<typeof createDatabase>>) => Promise<void>): Promise<number> {
  const config = loadConfig();
  const database = await createDatabase(config.database);
  try {
    await fn(database);
    return 0;
  } catch (error) {
    console.error((error as Error).message);
    return 1;
  } finally {
    await database.close();
  }
}
