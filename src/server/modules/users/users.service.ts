import type { Kysely } from 'kysely';
import type { DB, GrantRole, GrantScopeType, OrgKind } from '../../db/types.ts';
import { AppError } from '../../errors.ts';
import { hashSecret } from '../../lib/crypto.ts';
import { communitiesAdministered, isDistrictAdmin, organisationsWithRole, requireAdult, type Actor, type RequestContext } from '../access/actor.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { insertUser, scopeNames } from '../auth/auth.repository.ts';
import * as repo from './users.repository.ts';

/** Which scope each role is held in, and for organisation scopes which kinds of organisation. */
const ROLE_SCOPES: Record<GrantRole, { scopeType: GrantScopeType; orgKinds?: OrgKind[] }> = {
  district_admin: { scopeType: 'district' },
  centre_staff: { scopeType: 'district' },
  community_admin: { scopeType: 'community' },
  school_admin: { scopeType: 'organisation', orgKinds: ['school'] },
  teacher: { scopeType: 'organisation', orgKinds: ['school', 'community_parent_school', 'guidance_centre'] },
  venue_manager: { scopeType: 'organisation', orgKinds: ['venue'] },
};

export interface GrantInput {
  role: GrantRole;
  scopeType: GrantScopeType;
  scopeId: string;
}

export interface NewUserInput {
  displayName: string;
  username?: string;
  phone?: string;
  password: string;
  grant?: GrantInput;
}

/**
 * Staff accounts and their roles. District admins manage everyone; a school admin manages the teachers of their
 * school; a community admin manages teachers of community parent schools and managers of venues in their community.
 */
export class UsersService {
  constructor(private readonly db: Kysely<DB>) {}

  async list(ctx: RequestContext, filter: { q?: string; limit: number; offset: number }) {
    const actor = requireAdult(ctx);
    let userIds: string[] | undefined;
    if (!isDistrictAdmin(actor)) {
      const scope = await this.managedScope(actor);
      if (!scope) throw new AppError('forbidden', 'Only administrators can list users.');
      userIds = await repo.userIdsWithGrantsIn(this.db, scope);
    }
    const { items, total } = await repo.listUsers(this.db, { ...filter, userIds });
    const grants = await repo.grantsOfUsers(this.db, items.map((u) => u.id));
    return { items, total, grants };
  }

  async create(ctx: RequestContext, input: NewUserInput) {
    const actor = requireAdult(ctx);
    if (!input.username && !input.phone) {
      throw new AppError('validation_failed', 'Give a username or a phone number.', { issues: [{ path: 'username', message: 'username or phone is required' }] });
    }
    if (!isDistrictAdmin(actor)) {
      if (!input.grant) throw new AppError('forbidden', 'Scoped administrators create accounts together with a role in their scope.');
      await this.assertMayGrant(actor, input.grant);
    }
    const passwordHash = await hashSecret(input.password);
    return this.db.transaction().execute(async (trx) => {
      const user = await insertUser(trx, {
        username: input.username?.toLowerCase() ?? null,
        phone: input.phone ?? null,
        displayName: input.displayName,
        passwordHash,
      });
      await recordAudit(trx, ctx, { action: 'user.create', resourceType: 'user', resourceId: user.id, detail: { username: user.username } });
      if (input.grant) await this.insertGrantChecked(trx, ctx, actor, user.id, input.grant);
      return { user, grants: await repo.grantsOfUsers(trx, [user.id]) };
    });
  }

  async grant(ctx: RequestContext, userId: string, input: GrantInput) {
    const actor = requireAdult(ctx);
    await this.assertMayGrant(actor, input);
    return this.db.transaction().execute(async (trx) => {
      if (!(await repo.findUser(trx, userId))) throw new AppError('not_found', 'No such user.');
      return this.insertGrantChecked(trx, ctx, actor, userId, input);
    });
  }

  async revoke(ctx: RequestContext, userId: string, grantId: string) {
    const actor = requireAdult(ctx);
    await this.db.transaction().execute(async (trx) => {
      const grant = await repo.findGrant(trx, grantId);
      if (!grant || grant.user_id !== userId) throw new AppError('not_found', 'No such role grant for this user.');
      await this.assertMayGrant(actor, { role: grant.role, scopeType: grant.scope_type, scopeId: grant.scope_id });
      if (grant.role === 'district_admin' && (await repo.countDistrictAdmins(trx)) <= 1) {
        throw new AppError('conflict', 'The district must keep at least one district administrator.');
      }
      await repo.deleteGrant(trx, grantId);
      await recordAudit(trx, ctx, {
        action: 'role.revoke',
        resourceType: 'user',
        resourceId: userId,
        detail: { role: grant.role, scopeType: grant.scope_type, scopeId: grant.scope_id },
      });
    });
  }

  /** Names of the grants' scopes (organisation or division), for presenting roles. */
  async scopeNames(grants: { scope_type: GrantScopeType; scope_id: string; role: GrantRole; id: string }[]) {
    return scopeNames(this.db, grants.map((g) => ({ id: g.id, role: g.role, scopeType: g.scope_type, scopeId: g.scope_id })));
  }

  private async insertGrantChecked(trx: Kysely<DB>, ctx: RequestContext, actor: Actor, userId: string, input: GrantInput) {
    await this.assertScopeExists(trx, input);
    const row = await repo.insertGrant(trx, { userId, ...input, grantedBy: actor.userId });
    await recordAudit(trx, ctx, { action: 'role.grant', resourceType: 'user', resourceId: userId, detail: { ...input } });
    return row;
  }

  /** Role/scope shape first (a precise 400), then whether this actor may hand it out (403). */
  private async assertMayGrant(actor: Actor, input: GrantInput) {
    const rule = ROLE_SCOPES[input.role];
    if (input.scopeType !== rule.scopeType) {
      throw new AppError('validation_failed', `The role ${input.role} is held in a ${rule.scopeType} scope.`, {
        issues: [{ path: 'scopeType', message: `must be ${rule.scopeType}` }],
      });
    }
    if (isDistrictAdmin(actor)) return;
    if (input.role === 'teacher' && organisationsWithRole(actor, 'school_admin').includes(input.scopeId)) return;
    const communities = communitiesAdministered(actor);
    if (communities.length > 0 && (input.role === 'teacher' || input.role === 'venue_manager')) {
      const org = await repo.findOrganisationKind(this.db, input.scopeId);
      const allowedKind = input.role === 'teacher' ? 'community_parent_school' : 'venue';
      if (org && org.kind === allowedKind && org.division_code && communities.includes(org.division_code)) return;
      throw new AppError('out_of_scope', 'That organisation is not in your community.');
    }
    if (organisationsWithRole(actor, 'school_admin').length > 0 && input.role === 'teacher') {
      throw new AppError('out_of_scope', 'You can grant teacher roles at your own school only.');
    }
    throw new AppError('forbidden', `You cannot grant the role ${input.role}.`);
  }

  private async assertScopeExists(db: Kysely<DB>, input: GrantInput) {
    const rule = ROLE_SCOPES[input.role];
    if (rule.scopeType === 'organisation') {
      const org = await repo.findOrganisationKind(db, input.scopeId);
      if (!org || !rule.orgKinds!.includes(org.kind)) {
        throw new AppError('validation_failed', `No ${rule.orgKinds!.join('/')} organisation with this id.`, { issues: [{ path: 'scopeId', message: 'unknown organisation' }] });
      }
      return;
    }
    const division = await repo.findDivisionLevel(db, input.scopeId);
    if (!division || division.level !== rule.scopeType) {
      throw new AppError('validation_failed', `No ${rule.scopeType} with this code.`, { issues: [{ path: 'scopeId', message: 'unknown division code' }] });
    }
  }

  private async managedScope(actor: Actor): Promise<{ organisationIds: string[]; communityCodes: string[] } | null> {
    const schools = organisationsWithRole(actor, 'school_admin');
    const communities = communitiesAdministered(actor);
    if (schools.length === 0 && communities.length === 0) return null;
    const communityOrgs = await repo.organisationIdsInCommunities(this.db, communities);
    return { organisationIds: [...schools, ...communityOrgs], communityCodes: communities };
  }
}
