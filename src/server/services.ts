import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { AuditService } from './modules/audit/audit.service.ts';
import { AuthService } from './modules/auth/auth.service.ts';
import { ClassesService } from './modules/classes/classes.service.ts';
import { LibraryService } from './modules/classes/library.service.ts';
import { createStorage } from './storage/index.ts';
import type { ObjectStorage } from './storage/storage.ts';
import { DirectoryImportService } from './modules/directory/directory.import.ts';
import { DirectoryService, HsdsService } from './modules/directory/directory.service.ts';
import { SearchService } from './modules/directory/directory.search.ts';
import { FamiliesService } from './modules/families/families.service.ts';
import { HealthService } from './modules/health/health.service.ts';
import { HomeService } from './modules/home/home.service.ts';
import { ReachEngine } from './modules/reach/reach.engine.ts';
import { ReachService } from './modules/reach/reach.service.ts';
import { PointsService } from './modules/points/points.service.ts';
import { RegistryService } from './modules/registry/registry.service.ts';
import { StudyService } from './modules/study/study.service.ts';
import { UsersService } from './modules/users/users.service.ts';

/** Every domain service, built once per process over one database. */
export function createServices(database: Database, config: Config, options: { reachEngine?: ReachEngine; storage?: ObjectStorage } = {}) {
  const { db } = database;
  const storage = options.storage ?? createStorage(config);
  const families = new FamiliesService(db);
  const directory = new DirectoryService(db);
  const reach = new ReachService(db, options.reachEngine ?? ReachEngine.fromGraph(null));
  return {
    audit: new AuditService(db),
    directory,
    hsds: new HsdsService(db, directory),
    search: new SearchService(db, reach.engine),
    directoryImport: new DirectoryImportService(db, config.importMaxBytes),
    auth: new AuthService(db, config),
    classes: new ClassesService(db, config),
    library: new LibraryService(db, storage, config),
    storage,
    families,
    health: new HealthService(database, config.version),
    home: new HomeService(db, families),
    points: new PointsService(db, config, storage),
    reach,
    study: new StudyService(db, reach),
    registry: new RegistryService(db),
    users: new UsersService(db),
  };
}

export type Services = ReturnType<typeof createServices>;
