import { z } from '@hono/zod-openapi';
import { PasswordSchema, PhoneSchema, RoleViewSchema } from '../auth/auth.schema.ts';

export const GrantRoleSchema = z.enum(['district_admin', 'centre_staff', 'school_admin', 'community_admin', 'venue_manager', 'teacher']).openapi('GrantRole');
export const GrantScopeTypeSchema = z.enum(['district', 'subdistrict', 'community', 'organisation']).openapi('GrantScopeType');
const Username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{2,39}$/, '3–40 characters: letters, digits, dot, dash, underscore');

export const GrantInputSchema = z
  .strictObject({ role: GrantRoleSchema, scopeType: GrantScopeTypeSchema, scopeId: z.string().trim().min(1).max(64) })
  .openapi('GrantInput');

export const CreateUserSchema = z
  .strictObject({
    displayName: z.string().trim().min(1).max(100),
    username: Username.optional(),
    phone: PhoneSchema.optional(),
    password: PasswordSchema,
    role: GrantRoleSchema.optional(),
    scopeType: GrantScopeTypeSchema.optional(),
    scopeId: z.string().trim().min(1).max(64).optional(),
  })
  .refine((v) => Boolean(v.username || v.phone), { message: 'Give a username or a phone number', path: ['username'] })
  .refine((v) => (v.role === undefined) === (v.scopeType === undefined) && (v.role === undefined) === (v.scopeId === undefined), {
    message: 'role, scopeType and scopeId go together',
    path: ['role'],
  })
  .openapi('CreateUser');

export const UserListQuerySchema = z.strictObject({
  q: z.string().trim().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
});

export const AdminUserViewSchema = z
  .object({
    id: z.string(),
    displayName: z.string(),
    username: z.string().nullable(),
    phoneMasked: z.string().nullable(),
    disabled: z.boolean(),
    roles: z.array(RoleViewSchema),
  })
  .openapi('AdminUser');

export const AdminUserListSchema = z.object({ items: z.array(AdminUserViewSchema), total: z.number().int() }).openapi('AdminUserList');
