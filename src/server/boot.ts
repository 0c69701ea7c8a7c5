import type { Config } from './config.ts';
import { createDatabase, type Database } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { reindexStale } from './modules/directory/directory.search.ts';
import { seedYuzhongDirectory } from './seed/yuzhong-directory.ts';
import { seedYuzhongDemo } from './seed/yuzhong-demo.ts';
import { seedYuzhongClasses } from './seed/yuzhong-classes.ts';
import { seedYuzhongRoutes } from './seed/yuzhong-routes.ts';
import { seedLibraryDemoFiles } from './seed/library-demo-files.ts';
import { createStorage } from './storage/index.ts';

/** Opens the configured database, applies migrations and (if configured) seeds the demo. */
export async function openDatabase(config: Config, log: (line: string) => void = () => undefined): Promise<Database> {
  const database = await createDatabase(config.database);
  try {
    const applied = await migrate(database);
    if (applied.length > 0) log(`migrations applied: ${applied.join(', ')}`);
    if (config.seedDemo) {
      if (await seedYuzhongDemo(database.db)) log('Yuzhong demo data seeded');
      if (await seedYuzhongDirectory(database.db)) log('Yuzhong directory demo seeded (bases, cultural spaces, practice bases, offers)');
      if (await seedYuzhongRoutes(database.db)) log('Yuzhong study-tour routes seeded');
      if (await seedYuzhongClasses(database.db)) log('Yuzhong demo classes seeded (catalogue, 2,520 demo library entries, classes and sessions at demo parent schools)');
      if (await seedLibraryDemoFiles(database.db, createStorage(config))) log(`demo library files stored (${config.storage.kind} storage)`);
    }
    // Search rows are built in JavaScript (word segmentation, pinyin): index what is missing or outdated.
    await reindexStale(database.db, log);
    return database;
  } catch (error) {
    await database.close();
    throw error;
  }
}
