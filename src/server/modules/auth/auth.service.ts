import type { Kysely } from 'kysely';
import type { Config } from '../../config.ts';
import type { DB, UserRow } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { BatchLoader } from '../../lib/batch-loader.ts';
import { dummySecretHash, hashSecret, randomToken, sha256, verifySecret } from '../../lib/crypto.ts';
import { requireAdult, requireSignedIn, hasRole, type Actor, type RequestContext } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import * as repo from './auth.repository.ts';

export const API_TOKEN_PREFIX = 'coedu_';

export interface SessionIssue {
  /** The secret for the cookie; only its hash is stored. */
  cookieSecret: string;
  csrfToken: string;
  expiresAt: Date;
}

export interface ResolvedAuth {
  actor: Actor | null;
  failure: 'session_expired' | 'invalid_token' | null;
  sessionId: string | null;
  csrfToken: string | null;
}

/** How often a session's last_seen/expiry is written back: sliding expiry without a write per request. */
const SESSION_TOUCH_INTERVAL_MS = 5 * 60_000;

export class AuthService {
  /** Session look-ups of concurrent requests, coalesced (fresh reads, not a cache: see BatchLoader). */
  private readonly sessions = new BatchLoader<string, repo.SessionWithActor | undefined>((ids) => repo.findSessionsWithActor(this.db, ids), 1);

  constructor(
    private readonly db: Kysely<DB>,
    private readonly config: Config,
  ) {}

  /** Password sign-in by username or phone, rate-limited per login and per IP across all app instances. */
  async signIn(ctx: RequestContext, input: { login: string; password: string }): Promise<{ actor: Actor; session: SessionIssue }> {
    const login = input.login.trim().toLowerCase();
    const keys = [`login:${login}`, ...(ctx.ip ? [`ip:${ctx.ip}`] : [])];
    const since = new Date(Date.now() - this.config.signIn.windowMs);
    const [loginFailures, ipFailures] = await Promise.all([
      repo.countRecentFailures(this.db, keys[0]!, since),
      keys[1] ? repo.countRecentFailures(this.db, keys[1], since) : Promise.resolve(0),
    ]);
    if (loginFailures >= this.config.signIn.maxFailuresPerLogin || ipFailures >= this.config.signIn.maxFailuresPerIp) {
      throw new AppError('too_many_attempts', undefined, {
        headers: { 'retry-after': String(Math.ceil(this.config.signIn.windowMs / 1000)) },
      });
    }

    const user = await repo.findUserByLogin(this.db, login);
    const valid = user ? await verifySecret(input.password, user.password_hash) : await verifySecret(input.password, await dummySecretHash()).then(() => false);
    if (!user || !valid) {
      await this.db.transaction().execute(async (trx) => {
        await repo.recordAttempts(trx, keys, false);
        await recordAudit(trx, ctx, {
          action: 'auth.sign_in_failed',
          resourceType: 'user',
          resourceId: user?.id ?? null,
          actorUserId: null,
          detail: { login: user ? login : '(unknown)' },
        });
      });
      throw new AppError('invalid_credentials');
    }
    if (user.disabled) throw new AppError('account_disabled');

    const session = await this.db.transaction().execute(async (trx) => {
      await repo.recordAttempts(trx, keys, true);
      const issued = await this.issueSession(trx, user.id, ctx);
      await recordAudit(trx, ctx, { action: 'auth.sign_in', resourceType: 'user', resourceId: user.id, actorUserId: user.id });
      return issued;
    });
    return { actor: await this.loadActor(user, null, 'session', sha256(session.cookieSecret)), session };
  }

  /** Parent self-registration by mobile phone number; signs the new account in. */
  async register(ctx: RequestContext, input: { phone: string; password: string; displayName: string }) {
    const passwordHash = await hashSecret(input.password);
    const { user, session } = await this.db.transaction().execute(async (trx) => {
      const user = await repo.insertUser(trx, { username: null, phone: input.phone, displayName: input.displayName, passwordHash });
      const session = await this.issueSession(trx, user.id, ctx);
      await recordAudit(trx, ctx, { action: 'auth.register', resourceType: 'user', resourceId: user.id, actorUserId: user.id });
      return { user, session };
    });
    return { actor: await this.loadActor(user, null, 'session', sha256(session.cookieSecret)), session };
  }

  async signOut(ctx: RequestContext): Promise<void> {
    const actor = requireSignedIn(ctx);
    if (!actor.sessionId) return;
    await this.db.transaction().execute(async (trx) => {
      await repo.deleteSession(trx, actor.sessionId!);
      await recordAudit(trx, ctx, { action: 'auth.sign_out', resourceType: 'user', resourceId: actor.userId });
    });
  }

  /** Resolves a session cookie secret to an actor; expired or unknown sessions are reported, not thrown. */
  async resolveSession(cookieSecret: string): Promise<ResolvedAuth> {
    const id = sha256(cookieSecret);
    // One statement for session, user, grants and families (the cost of every signed-in request), shared with the
    // requests that arrive while one is in flight.
    const row = await this.sessions.load(id);
    if (!row || new Date(row.expires_at).getTime() <= Date.now() || row.disabled) {
      return { actor: null, failure: 'session_expired', sessionId: null, csrfToken: null };
    }
    if (Date.now() - new Date(row.last_seen_at).getTime() > SESSION_TOUCH_INTERVAL_MS) {
      await repo.touchSession(this.db, id, new Date(Date.now() + this.config.sessionTtlMs));
    }
    const child =
      row.child_id && row.child_family_id && row.child_display_name ? { id: row.child_id, familyId: row.child_family_id, displayName: row.child_display_name } : null;
    const actor: Actor = { userId: row.user_id, displayName: row.display_name, grants: row.grants, familyIds: row.family_ids, child, via: 'session', sessionId: id };
    return { actor, failure: null, sessionId: id, csrfToken: row.csrf_token };
  }

  /** Resolves `Authorization: Bearer coedu_…` API tokens. */
  async resolveApiToken(token: string): Promise<ResolvedAuth> {
    const failure = { actor: null, failure: 'invalid_token' as const, sessionId: null, csrfToken: null };
    if (!token.startsWith(API_TOKEN_PREFIX)) return failure;
    const row = await repo.findApiTokenByHash(this.db, sha256(token));
    if (!row || row.revoked_at || (row.expires_at && new Date(row.expires_at).getTime() <= Date.now())) return failure;
    const user = await repo.findUserById(this.db, row.user_id);
    if (!user || user.disabled) return failure;
    await repo.markApiTokenUsed(this.db, row.id);
    return { actor: await this.loadActor(user, null, 'api_token', null), failure: null, sessionId: null, csrfToken: null };
  }

  /** Switches a guardian's session on their own device to one of their children, after the child's PIN. */
  async enterChildMode(ctx: RequestContext, input: { childId: string; pin: string }) {
    const actor = requireAdult(ctx);
    if (actor.via !== 'session' || !actor.sessionId) throw new AppError('forbidden', 'Child mode needs a signed-in browser session.');
    const child = await repo.findChildForFamily(this.db, input.childId);
    if (!child) throw new AppError('not_found', 'No such child.');
    if (!actor.familyIds.includes(child.family_id)) throw new AppError('out_of_scope', 'This child is not in your family.');
    if (!child.pin_hash) throw new AppError('conflict', 'Set a PIN for this child first.');
    const since = new Date(Date.now() - this.config.signIn.windowMs);
    const pinKey = `pin:${child.id}`;
    if ((await repo.countRecentFailures(this.db, pinKey, since)) >= this.config.signIn.maxFailuresPerLogin) {
      throw new AppError('too_many_attempts');
    }
    if (!(await verifySecret(input.pin, child.pin_hash))) {
      await this.db.transaction().execute(async (trx) => {
        await repo.recordAttempts(trx, [pinKey], false);
        await recordAudit(trx, ctx, { action: 'auth.child_mode_pin_failed', resourceType: 'child', resourceId: child.id });
      });
      throw new AppError('invalid_pin');
    }
    await this.db.transaction().execute(async (trx) => {
      await repo.recordAttempts(trx, [pinKey], true);
      await repo.setSessionChild(trx, actor.sessionId!, child.id);
      await recordAudit(trx, ctx, { action: 'auth.child_mode_enter', resourceType: 'child', resourceId: child.id });
    });
    return { ...actor, child: { id: child.id, familyId: child.family_id, displayName: child.display_name } };
  }

  /** Leaving child mode needs the guardian's password, so a child cannot wander into adult screens. */
  async exitChildMode(ctx: RequestContext, input: { password: string }) {
    const actor = requireSignedIn(ctx);
    if (!actor.child || !actor.sessionId) throw new AppError('conflict', 'Not in child mode.');
    const user = await repo.findUserById(this.db, actor.userId);
    if (!user || !(await verifySecret(input.password, user.password_hash))) throw new AppError('invalid_credentials');
    await this.db.transaction().execute(async (trx) => {
      await repo.setSessionChild(trx, actor.sessionId!, null);
      await recordAudit(trx, ctx, { action: 'auth.child_mode_exit', resourceType: 'child', resourceId: actor.child!.id });
    });
    return { ...actor, child: null };
  }

  async updateProfile(ctx: RequestContext, changes: { locale?: 'zh-CN' | 'en'; displayName?: string }) {
    const actor = requireAdult(ctx);
    await repo.updateUserProfile(this.db, actor.userId, changes);
    return { ...actor, displayName: changes.displayName ?? actor.displayName };
  }

  async userProfile(actor: Actor) {
    const user = await repo.findUserById(this.db, actor.userId);
    if (!user) throw new AppError('unauthenticated');
    const [scopeNames, familyNames] = await Promise.all([repo.scopeNames(this.db, actor.grants), repo.familyNames(this.db, actor.familyIds)]);
    return { user, scopeNames, familyNames };
  }

  /** API tokens are for integrations run by staff; parents and children have no use for them. */
  async createApiToken(ctx: RequestContext, input: { name: string; expiresInDays?: number }) {
    const actor = this.requireStaff(ctx);
    const secret = API_TOKEN_PREFIX + randomToken(32);
    const expiresAt = input.expiresInDays ? new Date(Date.now() + input.expiresInDays * 86_400_000) : null;
    const row = await this.db.transaction().execute(async (trx) => {
      const row = await repo.insertApiToken(trx, { userId: actor.userId, name: input.name, tokenHash: sha256(secret), prefix: secret.slice(0, 12), expiresAt });
      await recordAudit(trx, ctx, { action: 'api_token.create', resourceType: 'api_token', resourceId: row.id, detail: { name: input.name } });
      return row;
    });
    return { row, secret };
  }

  async listApiTokens(ctx: RequestContext) {
    const actor = this.requireStaff(ctx);
    return repo.listApiTokens(this.db, actor.userId);
  }

  async revokeApiToken(ctx: RequestContext, id: string) {
    const actor = this.requireStaff(ctx);
    await this.db.transaction().execute(async (trx) => {
      if (!(await repo.revokeApiToken(trx, actor.userId, id))) throw new AppError('not_found', 'No such active token of yours.');
      await recordAudit(trx, ctx, { action: 'api_token.revoke', resourceType: 'api_token', resourceId: id });
    });
  }

  async deleteExpiredSessions() {
    await repo.deleteExpiredSessions(this.db);
  }

  private requireStaff(ctx: RequestContext): Actor {
    const actor = requireAdult(ctx);
    if (!hasRole(actor, 'district_admin', 'centre_staff', 'school_admin', 'community_admin', 'venue_manager', 'teacher')) {
      throw new AppError('forbidden', 'API tokens are for staff accounts.');
    }
    return actor;
  }

  private async issueSession(db: Kysely<DB>, userId: string, ctx: RequestContext): Promise<SessionIssue> {
    const cookieSecret = randomToken(32);
    const csrfToken = randomToken(24);
    const expiresAt = new Date(Date.now() + this.config.sessionTtlMs);
    await repo.insertSession(db, { id: sha256(cookieSecret), userId, csrfToken, ip: ctx.ip, userAgent: ctx.userAgent?.slice(0, 300) ?? null, expiresAt });
    return { cookieSecret, csrfToken, expiresAt };
  }

  private async loadActor(user: UserRow, child: Actor['child'], via: Actor['via'], sessionId: string | null): Promise<Actor> {
    const [grants, familyIds] = await Promise.all([repo.listGrantsOfUser(this.db, user.id), repo.listFamilyIdsOfUser(this.db, user.id)]);
    return { userId: user.id, displayName: user.display_name, grants, familyIds, child, via, sessionId };
  }
}
