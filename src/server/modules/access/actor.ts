import type { GrantRole, GrantScopeType } from '../../db/types.ts';
import { AppError, type ErrorId } from '../../errors.ts';

/** One role held in one scope. */
export interface Grant {
  id: string;
  role: GrantRole;
  scopeType: GrantScopeType;
  scopeId: string;
}

/** Who is calling: a signed-in user (maybe in child mode on their device), as resolved by the auth middleware. */
export interface Actor {
  userId: string;
  displayName: string;
  grants: Grant[];
  /** Families this user is a guardian of (guardianship is membership, not a grant). */
  familyIds: string[];
  /** Set when a guardian's session has been switched to a child's profile: only child-safe operations. */
  child: { id: string; familyId: string; displayName: string } | null;
  via: 'session' | 'api_token';
  sessionId: string | null;
}

/** Per-request facts a service needs besides its arguments. */
export interface RequestContext {
  actor: Actor | null;
  /** Why there is no actor although credentials were sent (expired session, bad token), for a precise 401. */
  authFailure: Extract<ErrorId, 'session_expired' | 'invalid_token'> | null;
  ip: string | null;
  userAgent: string | null;
}

export const anonymousContext: RequestContext = { actor: null, authFailure: null, ip: null, userAgent: null };

/** The first check of almost every service method: a signed-in adult (not child mode). */
export function requireAdult(ctx: RequestContext): Actor {
  const actor = requireSignedIn(ctx);
  if (actor.child) throw new AppError('child_mode');
  return actor;
}

/** A signed-in user, child mode allowed (only child-safe services call this). */
export function requireSignedIn(ctx: RequestContext): Actor {
  if (!ctx.actor) throw new AppError(ctx.authFailure ?? 'unauthenticated');
  return ctx.actor;
}

export function hasRole(actor: Actor, ...roles: GrantRole[]): boolean {
  return actor.grants.some((grant) => roles.includes(grant.role));
}

/** District-wide staff: the district office (区教委) and the guidance centre. */
export function isDistrictAdmin(actor: Actor): boolean {
  return actor.grants.some((grant) => grant.role === 'district_admin' && grant.scopeType === 'district');
}

export function isDistrictStaff(actor: Actor): boolean {
  return actor.grants.some(
    (grant) => (grant.role === 'district_admin' || grant.role === 'centre_staff') && grant.scopeType === 'district',
  );
}

/** Organisation ids where the actor holds one of `roles`. */
export function organisationsWithRole(actor: Actor, ...roles: GrantRole[]): string[] {
  return actor.grants
    .filter((grant) => grant.scopeType === 'organisation' && roles.includes(grant.role))
    .map((grant) => grant.scopeId);
}

/** Community codes where the actor is community admin. */
export function communitiesAdministered(actor: Actor): string[] {
  return actor.grants
    .filter((grant) => grant.role === 'community_admin' && grant.scopeType === 'community')
    .map((grant) => grant.scopeId);
}

/** Organisation kinds a community admin looks after inside their community. */
export const COMMUNITY_ADMIN_KINDS = ['community_parent_school', 'venue'] as const;

/**
 * Whether the actor may change an organisation and what it offers: district staff anything; school admins and venue
 * managers their own organisation; community admins the parent schools and venues of their community.
 */
export function canManageOrganisation(actor: Actor, org: { id: string; kind: string; division_code: string | null }): boolean {
  if (isDistrictStaff(actor)) return true;
  if (organisationsWithRole(actor, 'school_admin', 'venue_manager').includes(org.id)) return true;
  return Boolean(
    org.division_code && (COMMUNITY_ADMIN_KINDS as readonly string[]).includes(org.kind) && communitiesAdministered(actor).includes(org.division_code),
  );
}

export function isGuardianOf(actor: Actor, familyId: string): boolean {
  return actor.familyIds.includes(familyId);
}
