import type { z } from '@hono/zod-openapi';
import type { Selectable } from 'kysely';
import type { ApiTokensTable, UserRow } from '../../db/types.ts';
import type { Actor } from '../access/actor.ts';
import type { ApiTokenSchema, RoleViewSchema, SessionViewSchema } from './auth.schema.ts';

/** 138****0001: enough to recognise one's own number, not enough to harvest. */
export function maskPhone(phone: string | null): string | null {
  return phone ? `${phone.slice(0, 3)}****${phone.slice(-4)}` : null;
}

export function presentRoles(actor: Actor, scopeNames: Map<string, string>, familyNames: Map<string, string> = new Map()): z.infer<typeof RoleViewSchema>[] {
  const grants = actor.grants.map((grant) => ({
    id: grant.id,
    role: grant.role,
    scopeType: grant.scopeType,
    scopeId: grant.scopeId,
    scopeName: scopeNames.get(grant.scopeId) ?? grant.scopeId,
  }));
  const guardianships = actor.familyIds.map((familyId) => ({
    id: `family:${familyId}`,
    role: 'guardian' as const,
    scopeType: 'family' as const,
    scopeId: familyId,
    scopeName: familyNames.get(familyId) ?? '',
  }));
  return [...grants, ...guardianships];
}

export function presentSession(
  actor: Actor,
  user: UserRow,
  csrfToken: string,
  scopeNames: Map<string, string>,
  familyNames?: Map<string, string>,
): z.infer<typeof SessionViewSchema> {
  return {
    user: {
      id: user.id,
      displayName: user.display_name,
      username: user.username,
      phoneMasked: maskPhone(user.phone),
      locale: user.locale,
    },
    // In child mode the view shows nothing of the adult's roles: child-safe screens only.
    roles: actor.child ? [] : presentRoles(actor, scopeNames, familyNames),
    child: actor.child ? { id: actor.child.id, displayName: actor.child.displayName, familyId: actor.child.familyId } : null,
    csrfToken,
  };
}

export function presentApiToken(row: Selectable<ApiTokensTable>): z.infer<typeof ApiTokenSchema> {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    createdAt: new Date(row.created_at).toISOString(),
    expiresAt: row.expires_at ? new Date(row.expires_at).toISOString() : null,
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at).toISOString() : null,
  };
}
