import type { z } from '@hono/zod-openapi';
import { maskPhone } from '../auth/auth.presenter.ts';
import type { RoleViewSchema } from '../auth/auth.schema.ts';
import type { UserListRow } from './users.repository.ts';
import type { AdminUserViewSchema } from './users.schema.ts';

export interface GrantRowLike {
  id: string;
  user_id: string;
  role: z.infer<typeof RoleViewSchema>['role'];
  scope_type: z.infer<typeof RoleViewSchema>['scopeType'];
  scope_id: string;
}

export function presentGrant(grant: GrantRowLike, scopeNames: Map<string, string>): z.infer<typeof RoleViewSchema> {
  return { id: grant.id, role: grant.role, scopeType: grant.scope_type, scopeId: grant.scope_id, scopeName: scopeNames.get(grant.scope_id) ?? grant.scope_id };
}

export function presentAdminUser(user: UserListRow, grants: GrantRowLike[], scopeNames: Map<string, string>): z.infer<typeof AdminUserViewSchema> {
  return {
    id: user.id,
    displayName: user.display_name,
    username: user.username,
    phoneMasked: maskPhone(user.phone),
    disabled: user.disabled,
    roles: grants.filter((g) => g.user_id === user.id).map((g) => presentGrant(g, scopeNames)),
  };
}
