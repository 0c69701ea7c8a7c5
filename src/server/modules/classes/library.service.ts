import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import type { StoredFile } from '../../storage/serve.ts';
import type { ObjectStorage } from '../../storage/storage.ts';
import { isDistrictStaff, requireAdult, type Actor, type RequestContext } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { presentCourseFile } from './classes.presenter.ts';
import type { LibraryMediaKind } from './classes.tables.ts';
import { bytesMatch, libraryType } from './library.media.ts';
import { recommend, type Reason } from './library.recommend.ts';
import * as repo from './library.repository.ts';

const HOUR = 3_600_000;

/** A guardian's age for a birth year, counted in China's calendar year (birth dates are not kept, only years). */
export function ageThisYear(birthYear: number, now = new Date()): number {
  return new Date(now.getTime() + 8 * HOUR).getUTCFullYear() - birthYear;
}

/** Progress counts as complete from this percent on (the last seconds of a video are often credits). */
export const COMPLETE_AT_PERCENT = 95;

export interface ProgressInput {
  positionSeconds: number;
  percent: number;
  completed?: boolean;
}

/** Guardians keep progress; staff without a family may open files but have no "my learning". */
function requireGuardian(ctx: RequestContext): Actor {
  const actor = requireAdult(ctx);
  if (actor.familyIds.length === 0) throw new AppError('forbidden', 'Learning progress is kept for guardians of a family.');
  return actor;
}

function presentProgress(row: { position_seconds: number; percent: number; started_at: Date; updated_at: Date; completed_at: Date | null }) {
  return {
    positionSeconds: row.position_seconds,
    percent: row.percent,
    startedAt: row.started_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    completedAt: row.completed_at ? row.completed_at.toISOString() : null,
  };
}

/**
 * The online course library: files of library entries in our own storage (local directory or S3-compatible, see
 * src/server/storage), progress and completion per guardian, and recommendations by the children's ages and the
 * family's history. Entries themselves are catalogue courses (ClassesService).
 */
export class LibraryService {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly storage: ObjectStorage,
    private readonly config: Pick<Config, 'libraryMaxBytes'>,
  ) {}

  /**
   * The entry's file, for a signed-in guardian or staff member (anyone with a family or a role); drafts and
   * archived entries only for the curators. The caller streams it (storedFileResponse).
   */
  async file(ctx: RequestContext, courseId: string): Promise<StoredFile & { mediaKind: LibraryMediaKind }> {
    const actor = requireAdult(ctx);
    if (actor.familyIds.length === 0 && actor.grants.length === 0) throw new AppError('forbidden', 'The library is for guardians and staff.');
    const row = await repo.findFile(this.db, courseId);
    if (!row || (row.status !== 'published' && !isDistrictStaff(actor))) throw new AppError('not_found', 'No such library entry.');
    if (!row.storage_key) throw new AppError('not_found', 'This library entry has no file yet.');
    return { key: row.storage_key, contentType: row.content_type!, byteSize: Number(row.byte_size), sha256: row.sha256!, fileName: row.file_name!, mediaKind: row.media_kind! };
  }

  /**
   * District and guidance-centre staff give an entry its file (replacing any earlier one). The declared type must be
   * on the allow-list and the bytes must match it. The bytes are stored first under a key derived from their
   * SHA-256 (the same file is stored once; a retry writes the same object), then the entry points at them in one
   * transaction with the audit record (which names the replaced object, if any).
   */
  async upload(ctx: RequestContext, courseId: string, input: { contentType: string | undefined; bytes: () => Promise<Uint8Array>; fileName?: string }) {
    const actor = requireAdult(ctx);
    if (!isDistrictStaff(actor)) throw new AppError('forbidden', 'District and guidance-centre staff curate the library.');
    return this.store(ctx, actor.userId, courseId, { ...input, demo: false });
  }

  /** Attaches a file without a signed-in actor (the demo seed); the same checks as an upload. */
  async attachDemoFile(courseId: string, input: { contentType: string; bytes: Uint8Array; fileName: string }) {
    return this.store(null, null, courseId, { ...input, bytes: async () => input.bytes, demo: true });
  }

  /** The body is read only after the caller, the type and the entry have been checked (`input.bytes`). */
  private async store(ctx: RequestContext | null, userId: string | null, courseId: string, input: { contentType: string | undefined; bytes: () => Promise<Uint8Array>; fileName?: string; demo: boolean }) {
    const type = libraryType(input.contentType);
    if (!type) throw new AppError('library_file_type', undefined, { issues: [{ path: 'content-type', message: `Not accepted: ${input.contentType ?? '(none)'}` }] });
    const course = await repo.findFile(this.db, courseId);
    if (!course) throw new AppError('not_found', 'No such library entry.');
    const bytes = await input.bytes();
    if (bytes.byteLength === 0) throw new AppError('library_file_empty');
    if (bytes.byteLength > this.config.libraryMaxBytes) throw new AppError('payload_too_large', `Library files are at most ${this.config.libraryMaxBytes} bytes.`);
    if (!bytesMatch(type.declared, bytes)) throw new AppError('library_file_mismatch', `The file is not ${type.declared}.`, { issues: [{ path: 'body', message: `The first bytes are not those of ${type.declared}` }] });
    const fileName = cleanFileName(input.fileName, course.title, type.extension);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const storageKey = `library/${sha256.slice(0, 2)}/${sha256}`;
    await this.storage.put(storageKey, bytes, type.canonical);
    // A replaced object is not deleted here: another upload of the same bytes may have stored it a moment ago and not
    // yet committed its row, and deleting then would leave that row without its file. Unreferenced objects are found
    // by comparing the store with library_files (docs/PARENT-CLASSES.md).
    await this.db.transaction().execute(async (trx) => {
      const replaced = await repo.upsertFile(trx, { courseId, storageKey, mediaKind: type.kind, contentType: type.canonical, byteSize: bytes.byteLength, sha256, fileName, demo: input.demo, uploadedBy: userId });
      if (ctx) await recordAudit(trx, ctx, { action: 'classes.library_file_upload', resourceType: 'class_course', resourceId: courseId, detail: { contentType: type.canonical, byteSize: bytes.byteLength, sha256, replaced } });
    });
    return presentCourseFile({ id: courseId, file_media_kind: type.kind, file_content_type: type.canonical, file_byte_size: bytes.byteLength, file_name: fileName, file_demo: input.demo })!;
  }

  /**
   * Records where a guardian is in an entry (idempotent: the same call twice leaves the same state). The position is
   * where to resume; the percent only grows; from 95 % (or `completed: true`) the entry is complete, and stays so.
   */
  async saveProgress(ctx: RequestContext, courseId: string, input: ProgressInput) {
    const actor = requireGuardian(ctx);
    const row = await repo.findFile(this.db, courseId);
    if (!row || row.status !== 'published') throw new AppError('not_found', 'No such library entry.');
    if (!row.storage_key) throw new AppError('library_no_file');
    const complete = input.completed === true || input.percent >= COMPLETE_AT_PERCENT;
    const saved = await repo.upsertProgress(this.db, { userId: actor.userId, courseId, positionSeconds: input.positionSeconds, percent: input.percent, complete });
    return { courseId, ...presentProgress(saved) };
  }

  /** "My learning": the guardian's entries in progress (to continue) and completed, and each family's completions. */
  async myLearning(ctx: RequestContext) {
    const actor = requireGuardian(ctx);
    const rows = await repo.progressOf(this.db, actor.userId, 200);
    const item = (r: (typeof rows)[number]) => ({
      course: { id: r.id, title: r.title, tier: r.tier, topic: r.topic, ageMin: r.age_min, ageMax: r.age_max, durationMinutes: r.duration_minutes, file: presentCourseFile(r) },
      progress: presentProgress(r),
    });
    const families = await repo.familyCompletion(this.db, actor.familyIds);
    return {
      inProgress: rows.filter((r) => !r.completed_at).map(item),
      completed: rows
        .filter((r) => r.completed_at)
        .sort((a, b) => b.completed_at!.getTime() - a.completed_at!.getTime() || (a.id < b.id ? -1 : 1))
        .map(item),
      families: families.map((f) => ({ familyId: f.id, name: f.name, completed: Number(f.completed), guardiansCompleting: Number(f.guardians_completing) })),
    };
  }

  /** Recommendations for the signed-in guardian, each with its reasons (see recommend()). */
  async recommendations(ctx: RequestContext, limit: number) {
    const actor = requireGuardian(ctx);
    const [years, completed, booked, mine] = await Promise.all([
      repo.childBirthYears(this.db, actor.familyIds),
      repo.familyCompleted(this.db, actor.familyIds),
      repo.familyBookedCourses(this.db, actor.familyIds),
      repo.progressOf(this.db, actor.userId, 500),
    ]);
    const childAges = [...new Set(years.map((y) => ageThisYear(y)).filter((age) => age >= 0 && age <= 18))];
    const topics = [...new Set([...completed.map((c) => c.topic), ...booked.flatMap((b) => (b.topic ? [b.topic] : []))])];
    const candidates = await repo.recommendationCandidates(this.db, childAges, topics);
    const exclude = new Set([...completed.map((c) => c.id), ...mine.map((m) => m.id)]);
    const picked = recommend(
      candidates.map((c) => ({ id: c.id, title: c.title, tier: c.tier, topic: c.topic, ageMin: c.age_min, ageMax: c.age_max, hasFile: c.file_course_id !== null })),
      { childAges, completed: completed.map((c) => ({ courseId: c.id, title: c.title, tier: c.tier, topic: c.topic })), booked, exclude },
      limit,
    );
    const files = new Map<string, ReturnType<typeof presentCourseFile>>();
    if (picked.length > 0) {
      const rows = await this.db
        .selectFrom('library_files')
        .select(['course_id', 'media_kind', 'content_type', 'byte_size', 'file_name', 'demo'])
        .where('course_id', 'in', picked.map((p) => p.candidate.id))
        .execute();
      for (const r of rows) files.set(r.course_id, presentCourseFile({ id: r.course_id, file_media_kind: r.media_kind, file_content_type: r.content_type, file_byte_size: r.byte_size, file_name: r.file_name, file_demo: r.demo }));
    }
    return {
      childAges: childAges.sort((a, b) => a - b),
      items: picked.map((p) => ({
        course: { id: p.candidate.id, title: p.candidate.title, tier: p.candidate.tier, topic: p.candidate.topic, ageMin: p.candidate.ageMin, ageMax: p.candidate.ageMax, file: files.get(p.candidate.id) ?? null },
        reasons: p.reasons,
        reasonText: reasonText(p.reasons),
      })),
    };
  }
}

const TIER_ZH = { general: '理念引领课', required: '养育必修课', custom: '个性提升课' } as const;

/** The reasons in one short Chinese line, for API clients that show text as it is (the web app words them itself). */
export function reasonText(reasons: Reason[]): string {
  return reasons
    .map((r) => {
      if (r.kind === 'age') return `适合 ${r.ageMin}–${r.ageMax} 岁`;
      if (r.kind === 'completed') return `因为你学完了《${r.title}》`;
      if (r.kind === 'booked') return `因为你预约了《${r.title}》`;
      return `延续你学过的${TIER_ZH[r.tier]}`;
    })
    .join('；');
}

/** A safe download name: no path, no control characters, the right extension. */
function cleanFileName(given: string | undefined, title: string, extension: string): string {
  const base = (given ?? title)
    .replace(/[\u0000-\u001f\u007f/\\:*?"<>|]/g, '_')
    .replace(/^\.+/, '')
    .trim()
    .slice(0, 150)
    .replace(/\.[A-Za-z0-9]{1,5}$/, '');
  return `${base || 'file'}.${extension}`;
}
