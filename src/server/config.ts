import path from 'node:path';
import { z } from 'zod';

/** Repository root (two levels up from src/server). */
export const repoRoot = path.resolve(import.meta.dirname, '../..');

const booleanFromEnv = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((value) => value === 'true' || value === '1' || value === 'yes');

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().default('0.0.0.0'),
  DATABASE_URL: z.string().url().optional(),
  COEDU_DATA_DIR: z.string().default(path.join(repoRoot, 'data')),
  COEDU_WEB_DIR: z.string().default(path.join(repoRoot, 'dist/web')),
  COEDU_SHARED_DATA: z.string().default(path.resolve(repoRoot, '../shared/data')),
  COEDU_SEED_DEMO: booleanFromEnv.default(true),
  COEDU_SECURE_COOKIES: booleanFromEnv.default(false),
  COEDU_TRUST_PROXY: booleanFromEnv.default(false),
  COEDU_SESSION_TTL_HOURS: z.coerce.number().positive().max(24 * 90).default(12),
  COEDU_MAX_BODY_BYTES: z.coerce.number().int().positive().default(1024 * 1024),
  COEDU_IMPORT_MAX_BYTES: z.coerce.number().int().positive().default(20 * 1024 * 1024),
  COEDU_SIGN_IN_MAX_FAILURES: z.coerce.number().int().positive().default(5),
  COEDU_SIGN_IN_MAX_FAILURES_PER_IP: z.coerce.number().int().positive().default(30),
  COEDU_SIGN_IN_WINDOW_MINUTES: z.coerce.number().int().positive().default(15),
  COEDU_BASEMAP_URL: z.string().url().optional(),
  COEDU_GRAPH_FILE: z.string().optional(),
  COEDU_LOG_REQUESTS: booleanFromEnv.default(false),
  COEDU_STORAGE: z.enum(['local', 's3']).default('local'),
  COEDU_STORAGE_DIR: z.string().optional(),
  COEDU_S3_ENDPOINT: z.string().url().optional(),
  COEDU_S3_REGION: z.string().min(1).default('us-east-1'),
  COEDU_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'an S3 bucket name').optional(),
  COEDU_S3_ACCESS_KEY_ID: z.string().min(1).optional(),
  COEDU_S3_SECRET_ACCESS_KEY: z.string().min(1).optional(),
  COEDU_S3_FORCE_PATH_STYLE: booleanFromEnv.default(true),
  COEDU_S3_PREFIX: z.string().regex(/^([a-z0-9][a-z0-9._-]*\/)*$/, 'empty, or lower-case segments each ending in "/"').default(''),
  COEDU_LIBRARY_MAX_BYTES: z.coerce.number().int().positive().default(200 * 1024 * 1024),
});

/** Where stored files (library media, home-activity photos) live; see src/server/storage. */
export type StorageConfig =
  | { kind: 'local'; dir: string }
  | { kind: 's3'; endpoint: string | null; region: string; bucket: string; accessKeyId: string; secretAccessKey: string; forcePathStyle: boolean; prefix: string };

/** Typed configuration, parsed once at boot from the environment. */
export interface Config {
  port: number;
  host: string;
  database: { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string };
  dataDir: string;
  webDir: string;
  sharedDataDir: string;
  seedDemo: boolean;
  secureCookies: boolean;
  trustProxy: boolean;
  sessionTtlMs: number;
  maxBodyBytes: number;
  /** Largest directory import file (CSV/XLSX upload or CLI file); larger ones are refused before parsing. */
  importMaxBytes: number;
  signIn: { maxFailuresPerLogin: number; maxFailuresPerIp: number; windowMs: number };
  basemapUrl: string | null;
  /** A walking graph built by `coedu graph build`; without it the 15-minute engine runs in estimate mode. */
  graphFile: string | null;
  logRequests: boolean;
  /** File storage: a directory (default `<data dir>/files`) or an S3-compatible bucket. */
  storage: StorageConfig;
  /** Largest file staff may upload to the course library (the upload is held in memory while it is checked). */
  libraryMaxBytes: number;
  version: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  // An empty variable (DATABASE_URL= in a .env file) means "not set", not "invalid".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration in environment: ${problems}`);
  }
  const e = parsed.data;
  const dataDir = path.resolve(e.COEDU_DATA_DIR);
  let storage: StorageConfig;
  if (e.COEDU_STORAGE === 's3') {
    const absent = (['COEDU_S3_BUCKET', 'COEDU_S3_ACCESS_KEY_ID', 'COEDU_S3_SECRET_ACCESS_KEY'] as const).filter((name) => !e[name]);
    if (absent.length > 0) throw new Error(`Invalid configuration in environment: COEDU_STORAGE=s3 needs ${absent.join(', ')}`);
    storage = {
      kind: 's3',
      endpoint: e.COEDU_S3_ENDPOINT ?? null,
      region: e.COEDU_S3_REGION,
      bucket: e.COEDU_S3_BUCKET!,
      accessKeyId: e.COEDU_S3_ACCESS_KEY_ID!,
      secretAccessKey: e.COEDU_S3_SECRET_ACCESS_KEY!,
      forcePathStyle: e.COEDU_S3_FORCE_PATH_STYLE,
      prefix: e.COEDU_S3_PREFIX,
    };
  } else {
    storage = { kind: 'local', dir: path.resolve(e.COEDU_STORAGE_DIR ?? path.join(dataDir, 'files')) };
  }
  return {
    port: e.PORT,
    host: e.HOST,
    database: e.DATABASE_URL
      ? { kind: 'postgres', url: e.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    dataDir,
    webDir: path.resolve(e.COEDU_WEB_DIR),
    sharedDataDir: path.resolve(e.COEDU_SHARED_DATA),
    seedDemo: e.COEDU_SEED_DEMO,
    secureCookies: e.COEDU_SECURE_COOKIES,
    trustProxy: e.COEDU_TRUST_PROXY,
    sessionTtlMs: e.COEDU_SESSION_TTL_HOURS * 3600_000,
    maxBodyBytes: e.COEDU_MAX_BODY_BYTES,
    importMaxBytes: e.COEDU_IMPORT_MAX_BYTES,
    signIn: {
      maxFailuresPerLogin: e.COEDU_SIGN_IN_MAX_FAILURES,
      maxFailuresPerIp: e.COEDU_SIGN_IN_MAX_FAILURES_PER_IP,
      windowMs: e.COEDU_SIGN_IN_WINDOW_MINUTES * 60_000,
    },
    basemapUrl: e.COEDU_BASEMAP_URL ?? null,
    graphFile: e.COEDU_GRAPH_FILE ? path.resolve(e.COEDU_GRAPH_FILE) : null,
    logRequests: e.COEDU_LOG_REQUESTS,
    storage,
    libraryMaxBytes: e.COEDU_LIBRARY_MAX_BYTES,
    version: process.env.npm_package_version ?? '0.1.0',
    ...overrides,
  };
}
