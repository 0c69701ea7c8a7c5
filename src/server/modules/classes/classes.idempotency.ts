import type { Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';
import { AppError, errorCatalogue, type ErrorId, type ErrorIssue } from '../../errors.ts';
import { requestHash } from '../points/points.service.ts';
import type { RequestContext } from '../access/actor.ts';
import type { AuditAction } from '../audit/audit.service.ts';
import * as repo from './classes.repository.ts';

/** The answer to a write: what the client is sent, and whether it is the stored answer to an earlier request. */
export interface Answer<T> {
  status: number;
  body: T;
  replayed: boolean;
}

interface StoredError {
  error: ErrorId;
  message: string;
  issues?: ErrorIssue[];
}

export interface IdempotentRequest {
  userId: string;
  key: string;
  operation: string;
  /** What the request asks for (hashed: a retry must ask for the same thing). */
  request: unknown;
}

function replay<T>(stored: { operation: string; request_hash: string; status_code: number; response: unknown }, operation: string, hash: string): Answer<T> {
  if (stored.operation !== operation || stored.request_hash !== hash) {
    throw new AppError('idempotency_key_reused', undefined, { issues: [{ path: 'Idempotency-Key', message: `Used for a different ${stored.operation} request` }] });
  }
  if (stored.status_code >= 400) {
    const error = stored.response as StoredError;
    throw new AppError(error.error in errorCatalogue ? error.error : 'conflict', error.message, { issues: error.issues, headers: { 'idempotent-replayed': 'true' } });
  }
  return { status: stored.status_code, body: stored.response as T, replayed: true };
}

/**
 * Runs a write at most once per (user, Idempotency-Key). The key is claimed first inside the write's transaction, so
 * a concurrent retry waits for the first attempt and then gets its answer. Refusals the write itself decides
 * (an AppError: full, closed, out of scope …) are stored too, so a retry gets the same refusal; failures of the
 * infrastructure (a lost connection, a deadlock) are not, so a retry can succeed.
 */
export interface Work<T> {
  status: number;
  body: T;
  /** An audit row to write together with the stored answer (one statement; same transaction as the change). */
  audit?: { action: AuditAction; resourceType: string; resourceId: string | null; detail: Record<string, unknown> };
}

export type FamilyMembers = Awaited<ReturnType<typeof repo.claimKeyWithFamily>>['members'];

export async function idempotent<T>(
  db: Kysely<DB>,
  req: IdempotentRequest,
  work: (trx: Kysely<DB>, family: FamilyMembers | null) => Promise<Work<T>>,
  options: { familyId?: string; ctx?: RequestContext } = {},
): Promise<Answer<T>> {
  const hash = requestHash(req.request);
  const claim = { userId: req.userId, key: req.key, operation: req.operation, hash };
  try {
    return await db.transaction().execute(async (trx) => {
      let claimed: boolean;
      let family: FamilyMembers | null = null;
      if (options.familyId) ({ claimed, members: family } = await repo.claimKeyWithFamily(trx, claim, options.familyId));
      else claimed = await repo.claimKey(trx, claim);
      if (!claimed) {
        const stored = await repo.findAnswer(trx, req.userId, req.key);
        return { ...replay<T>(stored!, req.operation, hash) };
      }
      const result = await work(trx, family);
      if (result.audit && options.ctx) {
        const ctx = options.ctx;
        await repo.storeAnswerWithAudit(trx, req.userId, req.key, result.status, result.body, { actorUserId: ctx.actor?.userId ?? null, actorChildId: ctx.actor?.child?.id ?? null, ip: ctx.ip, ...result.audit });
      } else {
        if (result.audit) throw new Error('idempotent: an audit row needs the request context');
        await repo.storeAnswer(trx, req.userId, req.key, result.status, result.body);
      }
      return { status: result.status, body: result.body, replayed: false };
    });
  } catch (error) {
    if (!(error instanceof AppError) || error.id === 'idempotency_key_reused' || error.headers?.['idempotent-replayed']) throw error;
    const stored: StoredError = { error: error.id, message: error.message, ...(error.issues ? { issues: error.issues } : {}) };
    if (await repo.insertAnswer(db, claim, error.status, stored)) throw error;
    // Another request with this key answered first: give its answer.
    return replay<T>((await repo.findAnswer(db, req.userId, req.key))!, req.operation, hash);
  }
}
